// The gateway's web dashboard: a small single-page app over the public API
// (/api/v1), no framework and no CDN. Routes are URL hashes (#/sessions/ID).
// Every value from the server is put in the page with textContent, never
// as HTML.
"use strict";
(function () {
  const API = "/api/v1";
  const store = window.localStorage;
  let lang = store.getItem("wagw.lang") || ((navigator.language || "en").slice(0, 2) === "ar" ? "ar" : "en");
  let token = store.getItem("wagw.token") || "";
  let me = null;
  // cleanups run when the view changes: streams closed, timers stopped.
  let cleanups = [];
  // renderGen counts renders. A view still loading when a newer render
  // starts (a click on "Log out" while the overview loads) must not draw
  // over it: its GETs answer Stale instead.
  let renderGen = 0;

  // ---------- helpers ----------
  const t = (k) => (I18N[lang] && I18N[lang][k]) || I18N.en[k] || k;
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "style") e.style.cssText = v; // CSSOM: allowed by the page's CSP, unlike a style attribute
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of kids.flat()) if (c != null && c !== false) e.append(c);
    return e;
  };
  const main = () => document.getElementById("main");
  // bidi isolates text whose direction is its own (a phone number, a JID, a
  // key, a name in another script) so the page's direction cannot reorder
  // it: "+1 555 000 2222" stays as typed inside an Arabic sentence.
  const bidi = (text, cls) => el("bdi", { dir: "auto", class: cls || null, text: String(text) });
  // Arrows point the reading way: back is left in English, right in Arabic.
  // reasonOf is a status's reason under its badge, cut to one line with the
  // whole sentence on hover.
  const reasonOf = (why) => (why ? el("div", { class: "reason clip", dir: "auto", title: why, text: why }) : null);
  const arrowBack = () => (lang === "ar" ? "→" : "←");
  // In and out arrows mirror too: out points to where the line ends.
  const arrowIn = () => (lang === "ar" ? "↘" : "↙");
  const arrowOut = () => (lang === "ar" ? "↖" : "↗");
  // fmtNum writes a count with thousands separators (12,345), in Latin
  // digits in both languages, as the API and phone numbers use them.
  const fmtNum = (n) => new Intl.NumberFormat(lang === "ar" ? "ar-u-nu-latn" : "en").format(Number(n) || 0);
  const fmtDay = (d) => new Date(d + "T12:00:00Z").toLocaleDateString(lang === "ar" ? "ar-u-nu-latn" : "en", { day: "numeric", month: "short", timeZone: "UTC" });
  const fmtTime = (s) => (s ? new Date(s).toLocaleString(lang === "ar" ? "ar" : undefined) : t("never"));
  const badge = (s) => el("span", { class: "badge " + s, text: I18N[lang]["st." + s] || s });
  const toast = (msg, bad) => {
    const d = el("div", { class: bad ? "bad" : "", dir: "auto", text: msg });
    document.getElementById("toast").append(d);
    setTimeout(() => d.remove(), 5000);
  };
  const field = (id, label, input) => {
    input.id = id;
    return el("div", { class: "field" }, el("label", { for: id, text: label }), input);
  };
  const selectOf = (name, options, value) =>
    el("select", { name }, options.map(([v, l]) => el("option", { value: v, selected: v === value, text: l })));

  class APIError extends Error {
    constructor(status, body) {
      super((body && body.message) || t("err.generic"));
      this.status = status;
      this.code = body && body.code;
      this.fields = (body && body.fields) || {};
    }
  }

  class Stale extends Error {}
  // toastError shows a failed action, unless a newer view replaced it.
  const toastError = (e) => { if (!(e instanceof Stale)) toast(e.message, true); };

  async function api(method, path, body) {
    const gen = renderGen;
    // The server's sentences (errors) come in the dashboard's language.
    const headers = { Accept: "application/json", "Accept-Language": lang };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(path.startsWith("/") ? path : API + "/" + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new APIError(0, { message: t("err.network") });
    }
    let env = null;
    try { env = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok || !env || !env.success) {
      if (r.status === 401 && token) { logout(); }
      throw new APIError(r.status, env && env.error);
    }
    if (method === "GET" && gen !== renderGen) throw new Stale("a newer view replaced this one");
    return env.data;
  }

  // blob reads a file the API serves (a message's media) with the user's
  // token, which an <img src> could not send.
  async function blob(path) {
    let r;
    try {
      r = await fetch(API + "/" + path, { headers: { Authorization: "Bearer " + token, "Accept-Language": lang } });
    } catch (e) {
      throw new APIError(0, { message: t("err.network") });
    }
    if (!r.ok) {
      let env = null;
      try { env = await r.json(); } catch (e) { /* not JSON */ }
      throw new APIError(r.status, env && env.error);
    }
    return r.blob();
  }

  // stream reads a server-sent event stream with fetch (EventSource cannot
  // send the Authorization header) and calls onEvent(type, data) for each
  // event until the stream ends or the view changes.
  // It returns a function that closes the stream early.
  function stream(path, onEvent, onEnd) {
    const ctl = new AbortController();
    const close = () => ctl.abort();
    cleanups.push(close);
    (async () => {
      try {
        const r = await fetch(API + path, { headers: { Accept: "text/event-stream", "Accept-Language": lang, Authorization: "Bearer " + token }, signal: ctl.signal });
        if (!r.ok || !(r.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
          let env = null;
          try { env = await r.json(); } catch (e) { /* ignore */ }
          throw new APIError(r.status, env && env.error);
        }
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const chunk = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let type = "message", data = [];
            for (const line of chunk.split("\n")) {
              if (line.startsWith("event:")) type = line.slice(6).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
            }
            if (data.length) {
              let parsed;
              try { parsed = JSON.parse(data.join("\n")); } catch (e) { continue; }
              onEvent(type, parsed);
            }
          }
        }
        if (onEnd) onEnd(null);
      } catch (e) {
        if (e.name !== "AbortError" && onEnd) onEnd(e);
      }
    })();
    return close;
  }

  function every(ms, fn) {
    const id = setInterval(fn, ms);
    cleanups.push(() => clearInterval(id));
  }

  // clearFieldErrors removes what formError put next to a form's fields.
  function clearFieldErrors(form) {
    form.querySelectorAll(".field-error").forEach((n) => n.remove());
    form.querySelectorAll("[aria-invalid]").forEach((n) => {
      n.removeAttribute("aria-invalid");
      n.removeAttribute("aria-describedby");
    });
  }

  // formError shows a failed submission: each field's sentence next to its
  // input (marked aria-invalid and described by it, the first one focused),
  // and the answer's message, with any field the form has no input for, at
  // the bottom. A field's error goes once the user edits it.
  // onSubmit runs send with the form's data when the form is submitted;
  // what it throws is shown on the form.
  function onSubmit(form, send) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { await send(new FormData(form)); } catch (e) { formError(form, e); }
    });
  }

  function formError(form, err) {
    clearFieldErrors(form);
    let box = form.querySelector(".form-error");
    if (!box) {
      box = el("p", { class: "error form-error", role: "alert" });
      form.append(box);
    }
    const rest = [];
    let first = null;
    for (const [name, msg] of Object.entries(err.fields || {})) {
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!input || !input.id) { rest.push(name + ": " + msg); continue; }
      const note = el("p", { class: "error field-error", id: input.id + "-error", text: msg });
      (input.closest(".field") || input.parentNode).append(note);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
      input.addEventListener("input", () => {
        note.remove();
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }, { once: true });
      if (!first) first = input;
    }
    box.textContent = err.message + (rest.length ? " " + rest.join(" ") : "");
    if (first) first.focus();
  }

  // ---------- shell ----------
  function applyLang() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
    document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
    const b = document.getElementById("lang");
    b.textContent = lang === "ar" ? "English" : "العربية";
    b.lang = lang === "ar" ? "en" : "ar";
  }

  // navigate shows the view of hash once: through the hashchange event when
  // the hash changes, directly when it is already there (setting the hash
  // and rendering as well drew the view twice, replacing a form under the
  // user's fingers).
  function navigate(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  }

  function logout() {
    token = "";
    me = null;
    store.removeItem("wagw.token");
    navigate("#/login");
  }

  function setNav() {
    const authed = !!token;
    document.getElementById("nav").hidden = !authed;
    document.getElementById("menu").hidden = !authed;
    // On a phone the links fold behind the Menu button; a move closes it.
    document.getElementById("nav").classList.remove("open");
    document.getElementById("menu").setAttribute("aria-expanded", "false");
    document.getElementById("logout").hidden = !authed;
    document.getElementById("nav-admin").hidden = !(me && me.user && me.user.role === "admin");
    const cur = "#/" + (location.hash.slice(2).split("?")[0].split("/")[0] || "overview");
    document.querySelectorAll("#nav a").forEach((a) => {
      if (a.getAttribute("href") === cur) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }

  async function render() {
    const gen = ++renderGen;
    cleanups.forEach((f) => f());
    cleanups = [];
    const parts = location.hash.replace(/^#\/?/, "").split("?")[0].split("/");
    if (!token) {
      setNav();
      return parts[0] === "register" ? viewAuth(true) : viewAuth(false);
    }
    if (!me) {
      try { me = await api("GET", "auth/me"); } catch (e) { if (e instanceof Stale || !token) return; }
    }
    if (gen !== renderGen) return;
    setNav();
    // A session's account pages (#/sessions/ID/chats/JID …) come from
    // account.js; the rest of the path is theirs.
    const sessionView = () => (parts[2] && accountViews[parts[2]]
      ? accountViews[parts[2]](parts[1], parts.slice(3).map(decodeURIComponent)) : viewSession(parts[1]));
    const views = { overview: viewOverview, sessions: parts[1] ? sessionView : viewSessions,
      messages: viewMessages, webhooks: viewWebhooks, keys: viewKeys };
    // A registered page (admin.js's #/admin/…) gets the rest of the path.
    const view = views[parts[0]] || (pages[parts[0]] && (() => pages[parts[0]](parts.slice(1)))) || viewOverview;
    main().replaceChildren(el("p", { text: t("loading") }));
    try {
      await view();
    } catch (e) {
      if (e instanceof Stale || gen !== renderGen) return;
      main().replaceChildren(el("p", { class: "error", role: "alert", text: e.message }));
    }
  }

  // ---------- auth ----------
  function viewAuth(register) {
    const form = el("form", { class: "stack", novalidate: true });
    form.append(el("h1", { text: register ? t("auth.register") : t("auth.login") }));
    if (register) form.append(field("name", t("auth.name"), el("input", { name: "name", autocomplete: "name", required: true })));
    form.append(field("email", t("auth.email"), el("input", { name: "email", type: "email", autocomplete: "email", required: true })));
    form.append(field("password", t("auth.password"), el("input", { name: "password", type: "password",
      autocomplete: register ? "new-password" : "current-password", required: true, minlength: register ? "8" : null })));
    if (register) form.append(field("phone", t("auth.phone"), el("input", { name: "phone", type: "tel", autocomplete: "tel" })));
    form.append(el("button", { type: "submit", text: register ? t("auth.register") : t("auth.login") }));
    form.append(el("p", {}, el("a", { href: register ? "#/login" : "#/register", text: register ? t("auth.toLogin") : t("auth.toRegister") })));
    onSubmit(form, async (f) => {
      const body = { email: f.get("email"), password: f.get("password") };
      if (register) { body.name = f.get("name"); body.phone = f.get("phone") || ""; }
      const d = await api("POST", register ? "auth/register" : "auth/login", body);
      token = d.token;
      store.setItem("wagw.token", token);
      me = null;
      navigate(register ? "#/sessions" : "#/overview");
    });
    main().replaceChildren(el("div", { class: "card auth" }, form));
    form.querySelector("input").focus();
  }

  // ---------- overview ----------
  function usageRow(label, used, limit) {
    const unlimited = limit < 0;
    const pct = unlimited || !limit ? 0 : Math.min(100, Math.round((used / limit) * 100));
    const bar = el("div", { class: "bar" + (pct >= 100 ? " full" : ""), role: "progressbar", "aria-label": label,
      "aria-valuemin": "0", "aria-valuemax": unlimited ? null : String(limit), "aria-valuenow": String(used) }, el("span", { style: "width:" + pct + "%" }));
    return el("div", { class: "usage-row" },
      el("div", { class: "label" }, el("span", { text: label }), el("span", { text: fmtNum(used) + " " + t("ov.of") + " " + (unlimited ? t("ov.unlimited") : fmtNum(limit)) })), bar);
  }

  // niceMax rounds a chart's top up to 2, 4, 6 or 10 times a power of
  // ten, so that its half, the middle tick, is a whole count too.
  function niceMax(n) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(2, n))));
    return [2, 4, 6, 10].map((m) => m * p).find((v) => v >= n);
  }

  async function viewOverview() {
    const [o, series] = await Promise.all([api("GET", "analytics/overview"),
      api("GET", "analytics/messages?interval=day&from=" + new Date(Date.now() - 13 * 864e5).toISOString().slice(0, 10)).catch(() => null)]);
    const L = (o.plan && o.plan.limits) || {};
    const usage = el("section", { class: "card", "aria-labelledby": "h-usage" }, el("h2", { id: "h-usage", text: t("ov.usage") + (o.plan ? " — " + o.plan.name : "") }),
      usageRow(t("ov.sessions"), o.usage.sessions, L.sessions),
      usageRow(t("ov.instances"), o.usage.instances, L.instances),
      usageRow(t("ov.messagesMonth"), o.usage.messages_this_month, L.messages_per_month),
      usageRow(t("ov.webhooks"), o.usage.webhooks, L.webhooks),
      usageRow(t("ov.keys"), o.usage.api_keys, L.api_keys));
    const cols = ["sent", "delivered", "read", "failed", "received"];
    const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "" }), cols.map((c) => el("th", { scope: "col", class: "num", text: t("st." + c) })))),
      el("tbody", {}, [["ov.today", o.messages.today], ["ov.month", o.messages.this_month], ["ov.total", o.messages.total]].map(([k, c]) =>
        el("tr", {}, el("th", { scope: "row", text: t(k) }), cols.map((s) => el("td", { class: "num", text: fmtNum(c[s] || 0) }))))));
    const msgs = el("section", { class: "card", "aria-labelledby": "h-msgs" }, el("h2", { id: "h-msgs", text: t("ov.messages") }), el("div", { class: "table-wrap" }, table));
    const grid = el("div", { class: "grid" }, usage, msgs);
    const out = [el("h1", { text: t("ov.title") }), grid];
    if (series && series.points) {
      // One column per day of the last 14, empty days included.
      const byDay = {};
      for (const p of series.points) byDay[p.start.slice(0, 10)] = p;
      const days = [];
      for (let i = 13; i >= 0; i--) days.push(new Date(Date.now() - i * 864e5).toISOString().slice(0, 10));
      const counts = days.map((d) => {
        const p = byDay[d] || { outbound: {}, inbound: 0 };
        return { day: d, out: Object.values(p.outbound || {}).reduce((a, b) => a + b, 0), in: p.inbound || 0 };
      });
      // A y axis with round steps, one column per day, and the days below
      // (every other one when fourteen do not fit).
      const top = niceMax(Math.max(1, ...counts.map((c) => c.out + c.in)));
      const ticks = [top, top / 2, 0];
      const chart = el("div", { class: "chart-box" },
        el("div", { class: "y-axis", "aria-hidden": "true" }, ticks.map((v) => el("span", { text: fmtNum(v) }))),
        el("div", { class: "chart", role: "img", "aria-label": t("ov.chart") + ": " + counts.map((c) => fmtDay(c.day) + " " + fmtNum(c.out) + "/" + fmtNum(c.in)).join(", ") },
          counts.map((c) => el("div", { class: "col", title: fmtDay(c.day) + ": " + t("ov.outbound") + " " + fmtNum(c.out) + ", " + t("ov.inbound") + " " + fmtNum(c.in) },
            el("span", { class: "in", style: "height:" + (c.in / top) * 100 + "%" }),
            el("span", { style: "height:" + (c.out / top) * 100 + "%" })))),
        el("div", { class: "x-axis", "aria-hidden": "true" }, counts.map((c, i) => el("span", { class: i % 2 ? "odd" : null, text: fmtDay(c.day) }))));
      out.push(el("section", { class: "card", "aria-labelledby": "h-chart" }, el("h2", { id: "h-chart", text: t("ov.chart") }), chart,
        el("div", { class: "legend" }, el("span", {}, el("i", {}), t("ov.outbound")), el("span", {}, el("i", { class: "in" }), t("ov.inbound")))));
    }
    main().replaceChildren(...out);
  }

  // ---------- sessions ----------
  async function viewSessions() {
    const d = await api("GET", "sessions?limit=100");
    // The engine is chosen, not guessed: only those the server runs (no
    // sandbox when SANDBOX_ENABLED is off) and the plan allows, the
    // server's default first chosen.
    const engines = (me && me.engines) || [];
    const preferred = engines.includes(me && me.default_engine) ? me.default_engine : engines[0];
    const form = el("form", { class: "inline", "aria-labelledby": "h-new" },
      field("session-name", t("s.name"), el("input", { name: "session_name", required: true, maxlength: "100" })),
      engines.length ? field("session-engine", t("s.engine"), selectOf("engine", engines.map((e) => [e, t("engine." + e)]), preferred)) : null,
      el("button", { type: "submit", text: t("s.createBtn") }));
    onSubmit(form, async (f) => {
      const r = await api("POST", "sessions", { session_name: f.get("session_name"), engine: f.get("engine") || "" });
      location.hash = "#/sessions/" + r.session.id;
    });
    const rows = d.sessions.map((s) => el("tr", { "data-session": s.id },
      el("td", {}, el("a", { href: "#/sessions/" + s.id, class: "clip", title: s.session_name }, bidi(s.session_name))),
      el("td", { class: "status" }, badge(s.status), reasonOf(s.status_reason)),
      el("td", { class: "phone opt" }, s.phone ? bidi(s.phone, "mono") : "—"),
      el("td", { class: "opt", text: s.engine }),
      el("td", { class: "opt", text: fmtTime(s.created_at) })));
    const table = d.sessions.length ? el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, [t("s.name"), t("s.status"), t("s.phone"), t("s.engine"), t("s.created")].map((h, i) => el("th", { scope: "col", class: i > 1 ? "opt" : null, text: h })))),
      el("tbody", {}, rows))) : el("p", { class: "muted", text: t("s.none") });
    main().replaceChildren(el("h1", { text: t("s.title") }),
      el("section", { class: "card" }, el("h2", { id: "h-new", text: t("s.create") }), form),
      el("section", { class: "card", "aria-live": "polite" }, table));
    // Live state: the account's event stream updates each row.
    stream("/events?types=session.status", (type, e) => {
      const row = document.querySelector('tr[data-session="' + e.session_id + '"]');
      if (!row || !e.data) return;
      row.querySelector(".status").replaceChildren(badge(e.data.status), reasonOf(e.data.reason));
      if (e.data.phone) row.querySelector(".phone").replaceChildren(bidi(e.data.phone, "mono"));
    });
  }

  // accountTabs links a session's pages: its own, then its account's
  // chats, contacts and groups; current names the one shown.
  function accountTabs(id, current) {
    return el("nav", { class: "tabs", "aria-label": t("acc.tabs") }, [["", "acc.session"], ["chats", "acc.chats"], ["contacts", "acc.contacts"], ["groups", "acc.groups"], ["status", "acc.status"], ["channels", "acc.channels"]]
      .map(([p, k]) => el("a", { href: "#/sessions/" + id + (p ? "/" + p : ""), "aria-current": p === current ? "page" : null, "data-tab": p || "session", text: t(k) })));
  }

  // LIVE lists the instance states in which a session's worker runs.
  const LIVE = ["pending", "starting", "running", "restarting"];

  async function viewSession(id) {
    const [{ session: s }, insts] = await Promise.all([api("GET", "sessions/" + id), api("GET", "instances?limit=100")]);
    // The session's instance: the live one if any, else the newest.
    let inst = insts.instances.filter((i) => i.session_id === id)
      .sort((a, b) => (LIVE.includes(b.status) - LIVE.includes(a.status)) || String(b.created_at).localeCompare(String(a.created_at)))[0] || null;
    let status = s.status, reason = s.status_reason || "", paired = !!s.phone;
    const statusBadge = el("span", { id: "session-status" }, badge(s.status));
    // Why the session is where it is ("Cannot reach WhatsApp …; retrying
    // in 3m47s"), as the API's status_reason says, kept current by events.
    const reasonLine = el("p", { id: "session-reason", class: "reason", role: "status", dir: "auto" });
    const phone = el("dd", { id: "session-phone" }, s.phone ? bidi(s.phone, "mono") : "—");
    const info = el("dl", { class: "kv" }, el("dt", { text: t("s.status") }), el("dd", {}, statusBadge, reasonLine),
      el("dt", { text: t("s.phone") }), phone, el("dt", { text: t("s.engine") }), el("dd", { id: "session-engine-name", text: s.engine }),
      el("dt", { text: "ID" }), el("dd", {}, bidi(s.id, "mono")));
    const act = (label, cls, fn, name) => el("button", { type: "button", class: cls, text: label, "data-action": name || null, onclick: async (ev) => {
      const b = ev.currentTarget;
      b.disabled = true;
      try { await fn(); } catch (e) { toastError(e); } finally { b.disabled = false; }
    } });
    const pairing = el("section", { class: "card", "aria-labelledby": "h-pair" });
    const sendCard = el("section", { class: "card", "aria-labelledby": "h-send" }, el("h2", { id: "h-send", text: t("d.send") }));
    const actions = el("div", { class: "actions", id: "session-actions" });
    // reload re-reads the instance after an action, then redraws the buttons.
    const reload = async () => {
      const l = await api("GET", "instances?limit=100");
      inst = l.instances.find((i) => i.session_id === id && LIVE.includes(i.status)) || l.instances.find((i) => i.session_id === id) || null;
      drawActions();
    };
    // drawActions shows only the buttons that make sense in the session's
    // state: Start when no worker runs; Stop and Restart when one does; Log
    // out when a running session has a paired device; Delete always.
    const drawActions = () => {
      const running = !!inst && LIVE.includes(inst.status);
      const btns = [];
      if (!running) {
        // The instance is placed at once but the session reports "starting"
        // only once its worker runs: pair from now on rather than re-reading
        // a state that may still say "created".
        btns.push(act(t("d.start"), "", async () => {
          const r = await api("POST", "instances", { session_id: id });
          inst = r.instance;
          drawActions();
          showPairing("pending");
        }, "start"));
      } else {
        btns.push(act(t("d.stop"), "secondary", async () => { await api("POST", "instances/" + inst.id + "/stop"); await reload(); }, "stop"));
        btns.push(act(t("d.restart"), "secondary", async () => {
          const r = await api("POST", "instances/" + inst.id + "/restart");
          inst = r.instance;
          drawActions();
        }, "restart"));
        if (paired && status !== "logged_out") {
          btns.push(act(t("d.logout"), "secondary", async () => { await api("POST", "sessions/" + id + "/logout"); paired = false; drawActions(); }, "logout"));
        }
      }
      btns.push(act(t("d.delete"), "danger", async () => {
        if (!confirm(t("d.confirmDelete"))) return;
        await api("DELETE", "sessions/" + id);
        location.hash = "#/sessions";
      }, "delete"));
      actions.replaceChildren(...btns);
    };
    main().replaceChildren(el("p", {}, el("a", { href: "#/sessions", text: arrowBack() + " " + t("d.back") })),
      el("h1", { class: "title" }, bidi(s.session_name)), accountTabs(id, ""),
      el("section", { class: "card" }, info, el("div", { style: "margin-top:12px" }, actions)),
      pairing, sendCard);

    // The pairing card follows the session's state: paired, not started, or
    // pairing (QR code and phone code). Its QR stream is reopened while
    // pairing goes on: a stream asked for before the worker answers, or one
    // cut by the network, ends with an error and is tried again.
    let pairMode = "", closeQR = null, retry = null;
    const stopQR = () => {
      if (closeQR) { closeQR(); closeQR = null; }
      if (retry) { clearTimeout(retry); retry = null; }
    };
    cleanups.push(stopQR);
    const pairHeading = () => el("h2", { id: "h-pair", text: t("d.pair") });
    const showPairing = (st) => {
      const mode = st === "connected" ? "paired" : ["created", "stopped", "failed", "logged_out"].includes(st) ? "idle" : "pairing";
      if (mode === pairMode) return;
      pairMode = mode;
      stopQR();
      if (mode === "paired") {
        pairing.replaceChildren(pairHeading(), el("p", { role: "status", class: "paired", text: "✓ " + t("d.paired") }));
        return;
      }
      if (mode === "idle") {
        pairing.replaceChildren(pairHeading(), el("p", { class: "muted", text: t("d.notStarted") }));
        return;
      }
      const img = el("img", { id: "qr", alt: t("d.qrAlt"), hidden: true });
      const wait = el("p", { class: "muted wait", text: reason || t("d.waiting") });
      const box = el("div", { class: "qr-box" }, el("div", {}, img, wait),
        el("div", {}, el("p", { text: t("d.scanHelp") }),
          s.engine === "sandbox" ? act(t("d.simulate"), "secondary", async () => { await api("POST", "sessions/" + id + "/scan", {}); }) : null));
      const pcForm = el("form", { class: "inline" },
        field("pair-phone", t("d.pairPhone"), el("input", { name: "phone", type: "tel", autocomplete: "tel", required: true })),
        el("button", { type: "submit", text: t("d.getCode") }));
      const pcOut = el("p", { role: "status" });
      onSubmit(pcForm, async (f) => {
        const r = await api("POST", "sessions/" + id + "/pair-code", { phone_number: f.get("phone") });
        pcOut.replaceChildren(el("strong", {}, bidi(r.code, "mono")), " — " + t("d.codeHelp"));
      });
      pairing.replaceChildren(pairHeading(), box, el("h3", { text: t("d.pairCode") }), pcForm, pcOut);
      const open = () => {
        closeQR = stream("/sessions/" + id + "/qr?stream=true", (type, d) => {
          if (type === "qr") { img.src = d.qr_image; img.hidden = false; wait.hidden = true; }
          if (type === "status") { setStatus(d.state, d.phone, d.reason); showPairing(d.state); }
          if (type === "error") { wait.textContent = d.message; }
        }, (err) => {
          if (err && img.hidden) wait.textContent = err.message;
          if (pairMode === "pairing") retry = setTimeout(open, 2000);
        });
      };
      open();
    };
    // setStatus shows a new state, its reason (or none) and the paired
    // phone, and redraws the buttons that depend on them.
    const setStatus = (st, ph, why) => {
      status = st;
      reason = why || "";
      statusBadge.replaceChildren(badge(st));
      reasonLine.textContent = reason;
      reasonLine.hidden = !reason;
      const w = pairing.querySelector(".wait");
      if (w && reason) w.textContent = reason;
      if (ph) { phone.replaceChildren(bidi(ph, "mono")); paired = true; }
      if (st === "logged_out") paired = false;
      drawActions();
    };
    setStatus(s.status, s.phone, s.status_reason);
    showPairing(s.status);
    stream("/events?types=session.status,instance.status&session_id=" + id, (type, e) => {
      if (!e.data) return;
      if (e.type === "instance.status" || e.data.instance_id) {
        inst = Object.assign(inst || {}, { id: e.data.instance_id, session_id: id, status: e.data.status });
        drawActions();
        return;
      }
      setStatus(e.data.status, e.data.phone, e.data.reason);
      showPairing(e.data.status);
    });

    // Send a test message and watch its status change.
    const form = el("form", { class: "inline" },
      field("recipient", t("d.recipient"), el("input", { name: "recipient", required: true, inputmode: "tel", value: "" })),
      field("text", t("d.text"), el("input", { name: "message", required: true, value: lang === "ar" ? "مرحباً من البوابة!" : "Hello from the gateway!" })),
      el("button", { type: "submit", text: t("d.sendBtn") }));
    const out = el("div", { "aria-live": "polite" });
    onSubmit(form, async (f) => {
      const r = await api("POST", "messages/send", { session_id: id, recipient: f.get("recipient"), message: f.get("message") });
      const m = r.message;
      const st = el("span", { id: "sent-status" }, badge(m.status), m.error ? el("span", { class: "error reason", text: " " + m.error }) : null);
      out.replaceChildren(el("p", {}, t("d.sentStatus") + ": ", st, " ", bidi(m.id, "mono muted")));
      let last = m.status;
      const poll = async () => {
        try {
          const g = await api("GET", "messages/" + m.id);
          if (g.message.status !== last) {
            last = g.message.status;
            st.replaceChildren(badge(last), g.message.error ? el("span", { class: "error reason", text: " " + g.message.error }) : null);
          }
        } catch (e) { /* keep polling */ }
      };
      every(700, () => { if (!["read", "played", "failed"].includes(last)) poll(); });
    });
    sendCard.append(form, out);

    // Settings: the automatic reply to incoming messages, and the
    // automatic rejection of calls. A PATCH replaces the settings, so the
    // form sends every one of them.
    const st = s.settings || {};
    const auto = el("input", { type: "checkbox", name: "auto_reply", checked: !!st.auto_reply });
    auto.id = "auto-reply";
    const rejectCalls = el("input", { type: "checkbox", name: "auto_reject_calls", checked: !!st.auto_reject_calls });
    rejectCalls.id = "auto-reject-calls";
    const settingsForm = el("form", { class: "stack" },
      el("div", { class: "field" }, el("label", { for: "auto-reply" }, auto, " " + t("d.autoReply"))),
      field("auto-reply-message", t("d.autoReplyMessage"), el("textarea", { name: "auto_reply_message", rows: "2", maxlength: "1000", text: st.auto_reply_message || "" })),
      el("div", { class: "field" }, el("label", { for: "auto-reject-calls" }, rejectCalls, " " + t("d.autoRejectCalls"))),
      field("auto-reject-message", t("d.autoRejectMessage"), el("textarea", { name: "auto_reject_message", rows: "2", maxlength: "1000", text: st.auto_reject_message || "" })),
      el("button", { type: "submit", text: t("d.save") }));
    onSubmit(settingsForm, async (f) => {
      await api("PATCH", "sessions/" + id, { settings: { auto_reply: auto.checked, auto_reply_message: f.get("auto_reply_message"),
        auto_reject_calls: rejectCalls.checked, auto_reject_message: f.get("auto_reject_message"),
        webhook_events: st.webhook_events || [] } });
      toast(t("d.saved"));
    });
    main().append(el("section", { class: "card", "aria-labelledby": "h-settings" }, el("h2", { id: "h-settings", text: t("d.settings") }), settingsForm));
  }

  // ---------- messages ----------
  async function viewMessages() {
    const q = new URLSearchParams(location.hash.split("?")[1] || "");
    const page = Number(q.get("page") || 1);
    const sessions = (await api("GET", "sessions?limit=100")).sessions;
    const params = new URLSearchParams({ page: String(page), limit: "25" });
    for (const k of ["session_id", "direction", "status", "recipient"]) if (q.get(k)) params.set(k, q.get(k));
    const d = await api("GET", "messages?" + params);
    const form = el("form", { class: "inline", role: "search", "aria-label": t("m.filter") },
      field("f-session", t("m.session"), selectOf("session_id", [["", t("m.any")], ...sessions.map((s) => [s.id, s.session_name])], q.get("session_id") || "")),
      field("f-direction", t("m.direction"), selectOf("direction", [["", t("m.any")], ["inbound", t("m.inbound")], ["outbound", t("m.outbound")]], q.get("direction") || "")),
      field("f-status", t("m.status"), selectOf("status", [["", t("m.any")], ...["queued", "sent", "delivered", "read", "failed", "received"].map((s) => [s, t("st." + s)])], q.get("status") || "")),
      field("f-recipient", t("m.recipient"), el("input", { name: "recipient", value: q.get("recipient") || "" })),
      el("button", { type: "submit", text: t("m.apply") }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) f.set(k, v);
      location.hash = "#/messages?" + f;
    });
    const rows = d.messages.map((m) => el("tr", {},
      el("td", { class: "opt", text: fmtTime(m.created_at) }),
      el("td", { class: "nowrap", title: m.direction === "inbound" ? t("m.inbound") : t("m.outbound") }, m.direction === "inbound" ? arrowIn() : arrowOut(),
        el("span", { class: "label", text: " " + (m.direction === "inbound" ? t("m.inbound") : t("m.outbound")) })),
      el("td", {}, bidi(m.direction === "inbound" ? (m.sender_phone || m.sender || m.chat) : m.recipient, "mono")),
      el("td", { class: "opt", text: m.message_type }),
      el("td", { class: "text" }, el("span", { class: "clip", dir: "auto", title: m.message || "", text: m.message || "" })),
      el("td", {}, badge(m.status), m.error ? el("div", { class: "error", dir: "auto", text: m.error }) : null)));
    const p = d.pagination;
    const go = (n) => { q.set("page", String(n)); location.hash = "#/messages?" + q; };
    main().replaceChildren(el("h1", { text: t("m.title") }), el("section", { class: "card" }, form),
      el("section", { class: "card" }, d.messages.length ? el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, [t("m.time"), t("m.direction"), t("m.peer"), t("m.type"), t("m.text"), t("m.status")].map((h, i) =>
          el("th", { scope: "col", class: i === 0 || i === 3 ? "opt" : null, text: h })))),
        el("tbody", {}, rows))) : el("p", { class: "muted", text: t("m.none") }),
      el("div", { class: "pager" }, el("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => go(page - 1), text: t("m.prev") }),
        el("span", { text: t("m.page") + " " + fmtNum(p.page) + " / " + fmtNum(Math.max(1, p.pages)) }),
        el("button", { type: "button", class: "secondary", disabled: page >= p.pages, onclick: () => go(page + 1), text: t("m.next") }))));
  }

  // ---------- webhooks ----------
  async function viewWebhooks() {
    const [d, sessions, st] = await Promise.all([api("GET", "webhooks?limit=100"), api("GET", "sessions?limit=100"), api("GET", "webhooks/stats")]);
    const statsOf = Object.fromEntries(st.stats.map((s) => [s.webhook_id, s]));
    const pct = (r) => new Intl.NumberFormat(lang === "ar" ? "ar-u-nu-latn" : "en", { style: "percent", maximumFractionDigits: 1 }).format(r);
    // rateLine is an endpoint's success rate over the stats' period, with
    // its failing and abandoned deliveries.
    const rateLine = (s) => {
      const p = el("p", { class: "rate", "data-rate": s && s.success_rate != null ? String(s.success_rate) : "" });
      if (!s || s.success_rate == null) { p.append(el("span", { class: "muted", text: t("w.rateNone") })); return p; }
      p.append(el("strong", { text: pct(s.success_rate) }), " ",
        el("span", { text: t("w.rate").replace("{ok}", fmtNum(s.succeeded)).replace("{n}", fmtNum(s.succeeded + s.failed + s.abandoned)) }));
      if (s.failed) p.append(" · ", el("span", { class: "error", text: t("w.failingN").replace("{n}", fmtNum(s.failed)) }));
      if (s.abandoned) p.append(" · ", el("span", { class: "error", text: t("w.abandonedN").replace("{n}", fmtNum(s.abandoned)) }));
      return p;
    };
    // bodyBlock shows a logged body, JSON indented, in a closed details.
    const bodyBlock = (label, body) => {
      let text = body || "";
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* cut or not JSON: as logged */ }
      return el("details", { class: "body" }, el("summary", { text: label }),
        text ? el("pre", { class: "mono", dir: "ltr", text }) : el("p", { class: "muted", text: t("w.noBody") }));
    };
    const events = ["*", "message", "status", "message.status", "session.status", "instance.status", "qr"];
    const form = el("form", { class: "stack" },
      field("w-url", t("w.url"), el("input", { name: "url", type: "url", required: true, placeholder: "https://example.com/webhook" })),
      // Each event name says what it delivers, where it is chosen.
      el("fieldset", { class: "events" }, el("legend", { text: t("w.events") }), events.map((e) => el("label", { "data-event": e },
        el("input", { type: "checkbox", name: "events", value: e, checked: e === "message" || e === "status" }),
        el("code", { text: e }), el("span", { class: "muted small", text: t("ev." + e) })))),
      field("w-session", t("m.session"), selectOf("session_id", [["", t("w.allSessions")], ...sessions.sessions.map((s) => [s.id, s.session_name])], "")),
      el("button", { type: "submit", text: t("w.createBtn") }));
    const secretBox = el("div", { "aria-live": "polite" });
    onSubmit(form, async (f) => {
      const r = await api("POST", "webhooks", { url: f.get("url"), events: f.getAll("events"), session_id: f.get("session_id") || "" });
      await viewWebhooks();
      document.getElementById("w-secret").replaceChildren(el("div", { class: "once" }, t("w.secret"), " ", el("code", { class: "mono", dir: "ltr", text: r.webhook.secret })));
    });
    secretBox.id = "w-secret";
    const list = el("div", {});
    for (const w of d.webhooks) {
      const log = el("div", { class: "deliveries" });
      const detail = el("div", { class: "attempts", "aria-live": "polite" });
      // showAttempts lists one delivery's attempts: when, the answer, and
      // the bodies sent and answered (bounded by the server).
      // shown numbers what the card shows last: a list or an attempt asked
      // for earlier and answered later (a reload still on its way when
      // Details is clicked) must not replace it.
      let shown = 0;
      const showAttempts = async (x) => {
        const my = ++shown;
        const r = await api("GET", "webhooks/" + w.id + "/deliveries/" + x.id);
        if (my !== shown) return;
        detail.replaceChildren(el("h3", {}, t("w.attemptsOf") + " ", el("bdi", { dir: "auto", class: "mono", text: x.event_type })),
          r.attempts.length ? el("ol", {}, r.attempts.map((a) => el("li", { "data-attempt": a.id },
            el("p", {}, el("bdi", { dir: "ltr", text: fmtTime(a.created_at) }), " · ",
              el("bdi", { dir: "ltr", class: "mono", text: (a.status_code || "—") + " · " + fmtNum(a.latency_ms) + " ms" }),
              a.error ? el("span", { class: "error", text: " " + a.error }) : null),
            bodyBlock(t("w.request"), a.request_body), bodyBlock(t("w.response"), a.response_body)))) :
            el("p", { class: "muted", text: t("w.noAttempts") }));
      };
      const showDeliveries = async () => {
        const my = ++shown;
        const r = await api("GET", "webhooks/" + w.id + "/deliveries?limit=20");
        if (my !== shown) return;
        log.replaceChildren(r.deliveries.length ? el("div", { class: "table-wrap" }, el("table", {},
          // On a phone: the event, its state and the buttons; the rest is
          // in the delivery's Details.
          el("thead", {}, el("tr", {}, [t("w.event"), t("m.status"), t("w.attempts"), t("w.last"), t("w.next"), t("m.time"), ""].map((h, i) =>
            el("th", { scope: "col", class: [2, 3, 4, 5].includes(i) ? "opt" : null, text: h })))),
          el("tbody", {}, r.deliveries.map((x) => {
            const last = [x.last_status_code || "", x.last_error || ""].join(" ").trim() || "—";
            return el("tr", {},
            el("td", {}, el("span", { class: "clip mono", title: x.event_type, text: x.event_type })), el("td", {}, badge(x.status)),
            el("td", { class: "num opt", text: fmtNum(x.attempts) }),
            el("td", { class: "opt" }, el("span", { class: "clip", title: last, text: last })),
            el("td", { class: "opt", text: x.next_attempt_at ? fmtTime(x.next_attempt_at) : "—" }), el("td", { class: "opt", text: fmtTime(x.created_at) }),
            el("td", { class: "actions-cell" }, el("button", { type: "button", class: "secondary", "data-action": "details", text: t("w.details"),
              onclick: () => showAttempts(x).catch((e) => toastError(e)) }), " ",
            el("button", { type: "button", class: "secondary", text: t("w.replay"), onclick: async () => {
              try { await api("POST", "webhooks/" + w.id + "/deliveries/" + x.id + "/retry"); toast(t("w.replayed")); setTimeout(showDeliveries, 800); } catch (e) { toastError(e); }
            } })));
          })))) : el("p", { class: "muted", text: t("w.noDeliveries") }));
        detail.replaceChildren();
      };
      list.append(el("section", { class: "card", "data-webhook": w.id },
        el("h2", { class: "mono clip", title: w.url }, bidi(w.url)),
        el("p", {}, badge(w.active ? "active" : "failed"), " ", el("span", { class: "muted", text: (w.events || []).join(", ") + (w.session_id ? " · " + w.session_id : "") })),
        rateLine(statsOf[w.id]),
        el("div", { class: "actions" },
          el("button", { type: "button", text: t("w.test"), onclick: async () => { try { await api("POST", "webhooks/" + w.id + "/test"); toast(t("w.tested")); setTimeout(showDeliveries, 800); } catch (e) { toastError(e); } } }),
          el("button", { type: "button", class: "secondary", text: t("w.deliveries"), onclick: () => showDeliveries().catch((e) => toastError(e)) }),
          el("button", { type: "button", class: "danger", text: t("w.delete"), onclick: async () => {
            if (!confirm(t("w.confirmDelete"))) return;
            try { await api("DELETE", "webhooks/" + w.id); viewWebhooks(); } catch (e) { toastError(e); }
          } })),
        log, detail));
    }
    main().replaceChildren(el("h1", { text: t("w.title") }),
      el("section", { class: "card" }, el("h2", { text: t("w.create") }), form, secretBox),
      d.webhooks.length ? list : el("p", { class: "card muted", text: t("w.none") }));
  }

  // ---------- API keys ----------
  async function viewKeys() {
    const d = await api("GET", "api-keys?limit=100");
    const form = el("form", { class: "stack" },
      field("k-name", t("k.name"), el("input", { name: "name", required: true, maxlength: "100" })),
      el("fieldset", {}, el("legend", { text: t("k.scopes") }),
        [["*", t("k.all")], ["read", t("k.read")], ["send", t("k.send")]].map(([v, l]) => el("label", {}, el("input", { type: "checkbox", name: "scopes", value: v, checked: v === "*" }), l))),
      el("button", { type: "submit", text: t("k.createBtn") }));
    onSubmit(form, async (f) => {
      const r = await api("POST", "api-keys", { name: f.get("name"), scopes: f.getAll("scopes") });
      await viewKeys();
      const key = r.api_key.key;
      document.getElementById("k-once").replaceChildren(el("div", { class: "once" }, el("p", { text: t("k.once") }),
        el("code", { id: "new-key", class: "mono", dir: "ltr", text: key }), " ",
        el("button", { type: "button", class: "secondary", text: t("k.copy"), onclick: () => navigator.clipboard.writeText(key).then(() => toast(t("k.copied"))) })));
    });
    const rows = d.api_keys.map((k) => el("tr", {},
      el("td", {}, el("span", { class: "clip", title: k.name }, bidi(k.name))), el("td", {}, bidi(k.prefix + "…", "mono")), el("td", { text: (k.scopes || []).join(", ") }),
      el("td", { class: "opt", text: fmtTime(k.last_used_at) }),
      el("td", {}, k.revoked_at ? badge("revoked") : el("button", { type: "button", class: "danger", text: t("k.revoke"), onclick: async () => {
        if (!confirm(t("k.confirmRevoke"))) return;
        try { await api("DELETE", "api-keys/" + k.id); viewKeys(); } catch (e) { toastError(e); }
      } }))));
    main().replaceChildren(el("h1", { text: t("k.title") }),
      el("section", { class: "card" }, el("h2", { text: t("k.create") }), form, el("div", { id: "k-once", "aria-live": "polite" })),
      el("section", { class: "card" }, d.api_keys.length ? el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, [t("k.name"), t("k.prefix"), t("k.scopes"), t("k.lastUsed"), ""].map((h, i) => el("th", { scope: "col", class: i === 3 ? "opt" : null, text: h })))),
        el("tbody", {}, rows))) : el("p", { class: "muted", text: t("k.none") })));
  }

  // ---------- shared with account.js and admin.js ----------
  // The views of a session's WhatsApp account live in account.js, and the
  // admin pages in admin.js; they register themselves here (view: a
  // session's page, page: a top-level one such as #/admin) and build with
  // the same helpers.
  const accountViews = {};
  const pages = {};
  window.WAGW = Object.freeze({
    el, api, blob, t, bidi, badge, toast, toastError, field, selectOf, formError, fmtNum, fmtTime, arrowBack, arrowIn, arrowOut,
    main, Stale, accountTabs, reasonOf, lang: () => lang, view: (name, fn) => { accountViews[name] = fn; },
    page: (name, fn) => { pages[name] = fn; },
  });

  // ---------- start ----------
  document.addEventListener("DOMContentLoaded", () => {
    applyLang();
    document.getElementById("lang").addEventListener("click", () => {
      lang = lang === "ar" ? "en" : "ar";
      store.setItem("wagw.lang", lang);
      applyLang();
      render();
    });
    document.getElementById("logout").addEventListener("click", logout);
    document.getElementById("menu").addEventListener("click", (ev) => {
      const open = document.getElementById("nav").classList.toggle("open");
      ev.currentTarget.setAttribute("aria-expanded", String(open));
    });
    window.addEventListener("hashchange", () => { render(); main().focus({ preventScroll: true }); });
    render();
  });
})();
