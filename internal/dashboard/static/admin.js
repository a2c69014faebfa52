// The operator's pages of the dashboard, for admins: #/admin (the
// installation's numbers, one search over tenants and sessions, the tenants
// with their plan and suspension, the plans) and #/admin/audit (the audit
// log, filtered and paged). Built with app.js's helpers (window.WAGW) over
// the admin API (/api/v1/admin/…); every value from the server goes in with
// textContent, and emails, numbers and ids are isolated (bdi dir=auto).
"use strict";
(function () {
  const W = window.WAGW;
  const { el, api, t, bidi, badge, toast, field, selectOf, formError, fmtNum, fmtTime, main, reasonOf } = W;

  // The audit log's actions, as the API writes them.
  const ACTIONS = ["tenant.plan_change", "tenant.suspend", "tenant.resume", "plan.create", "plan.update", "plan.delete"];
  const actionName = (a) => { const v = t("act." + a); return v === "act." + a ? a : v; };
  const params = () => new URLSearchParams(location.hash.split("?")[1] || "");
  const pageOf = (q) => Math.max(1, Number(q.get("page")) || 1);

  // tabs switches between the admin pages.
  const tabs = (cur) => el("nav", { class: "tabs", "aria-label": t("a.title") },
    [["", t("a.tenantsTab")], ["audit", t("a.audit")]].map(([sub, label]) =>
      el("a", { href: "#/admin" + (sub ? "/" + sub : ""), "aria-current": sub === cur ? "page" : null, text: label })));

  // pager moves through a paged list, keeping the page's other parameters.
  const pager = (p, hashBase, q) => {
    const go = (n) => { q.set("page", String(n)); location.hash = hashBase + "?" + q; };
    return el("div", { class: "pager" },
      el("button", { type: "button", class: "secondary", disabled: p.page <= 1, onclick: () => go(p.page - 1), text: t("m.prev") }),
      el("span", { text: t("m.page") + " " + fmtNum(p.page) + " / " + fmtNum(Math.max(1, p.pages)) + " · " + fmtNum(p.total) }),
      el("button", { type: "button", class: "secondary", disabled: p.page >= p.pages, onclick: () => go(p.page + 1), text: t("m.next") }));
  };

  // countsOf shows a map of counts as badges with their numbers
  // (connected 40, qr_pending 2 …), the largest first.
  const countsOf = (m) => el("div", { class: "flags" }, Object.entries(m || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => el("span", { "data-state": k }, badge(k), " ", fmtNum(n))));

  // stat is one number of the installation, with what it counts and more.
  const stat = (key, label, value, more, bad) => el("div", { class: "stat" + (bad ? " bad" : ""), "data-stat": key },
    el("div", { class: "n", text: value }), el("div", { class: "label", text: label }), more || null);

  function statsCard(s) {
    const users = Object.values(s.users_by_status || {}).reduce((a, b) => a + b, 0);
    const failed = (c) => el("div", { class: "muted small", text: t("a.st.failedN").replace("{n}", fmtNum(c.failed)) });
    return el("section", { class: "card", "aria-labelledby": "h-stats", id: "a-stats" }, el("h2", { id: "h-stats", text: t("a.stats") }),
      el("div", { class: "stats" },
        stat("users", t("a.st.users"), fmtNum(users), countsOf(s.users_by_status)),
        stat("sessions", t("a.st.sessions"), fmtNum(s.sessions), countsOf(s.sessions_by_status)),
        stat("instances", t("a.st.instances"), fmtNum(s.live_instances)),
        stat("today", t("a.st.today"), fmtNum(s.messages_today.total), failed(s.messages_today)),
        stat("month", t("a.st.month"), fmtNum(s.messages_this_month.total), failed(s.messages_this_month)),
        stat("webhooks_failing", t("a.st.webhooks"), fmtNum(s.webhooks_failing),
          el("div", { class: "muted small", text: t("a.st.webhooksOf").replace("{n}", fmtNum(s.webhooks)) }), s.webhooks_failing > 0),
        stat("registered", t("a.st.new"), fmtNum(s.registered_last_30_days))),
      el("p", { class: "muted small", text: t("a.st.at") + " " + fmtTime(s.computed_at) }));
  }

  // askReason asks an admin to confirm an action that takes effect at once
  // and to say why (kept in the audit log): a form above the tenants table
  // with the question, a required reason, Confirm and Cancel.
  function askReason(question, onConfirm, onCancel) {
    const box = document.getElementById("a-confirm");
    const input = el("input", { name: "reason", required: true, maxlength: "500" });
    const form = el("form", { class: "inline confirm", role: "alertdialog", "aria-labelledby": "a-confirm-q" },
      el("p", { id: "a-confirm-q", class: "question", dir: "auto", text: question }),
      field("a-reason", t("a.reason"), input),
      el("button", { type: "submit", text: t("a.confirm") }),
      el("button", { type: "button", class: "secondary", text: t("a.cancel"), onclick: () => { box.replaceChildren(); if (onCancel) onCancel(); } }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { await onConfirm(input.value.trim()); box.replaceChildren(); } catch (e) { formError(form, e); }
    });
    box.replaceChildren(form);
    input.focus();
  }

  // sessionsFound lists the sessions an admin's search found, each with
  // its owner (a link that narrows the tenants to that one).
  function sessionsFound(query, d) {
    const rows = d.sessions.map(({ session: s, tenant: u }) => el("tr", { "data-session": s.id },
      el("td", {}, s.phone ? bidi(s.phone, "mono") : "—"),
      el("td", {}, el("span", { class: "clip", title: s.session_name }, bidi(s.session_name))),
      el("td", { class: "status" }, badge(s.status), reasonOf(s.status_reason)),
      el("td", { class: "opt", text: s.engine }),
      el("td", {}, el("a", { href: "#/admin?q=" + encodeURIComponent(u.id), class: "clip", title: u.email }, bidi(u.email))),
      el("td", { class: "opt", text: fmtTime(s.created_at) })));
    return el("section", { class: "card", id: "a-sessions", "aria-labelledby": "h-found" },
      el("h2", { id: "h-found" }, t("a.foundSessions") + " ", bidi(query)),
      d.sessions.length ? el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, [t("s.phone"), t("s.name"), t("s.status"), t("s.engine"), t("a.tenant"), t("s.created")].map((h, i) =>
          el("th", { scope: "col", class: i === 3 || i === 5 ? "opt" : null, text: h })))),
        el("tbody", {}, rows))) : el("p", { class: "muted", text: t("a.noSessions") }));
  }

  async function viewAdmin() {
    const q = params();
    const query = (q.get("q") || "").trim();
    const tq = new URLSearchParams({ page: String(pageOf(q)), limit: "25" });
    if (query) tq.set("q", query);
    // A phone number or an id has digits: only then are sessions searched
    // (an email or a name finds tenants only).
    const [d, p, st, found] = await Promise.all([api("GET", "admin/tenants?" + tq), api("GET", "admin/plans"), api("GET", "admin/stats"),
      /\d/.test(query) ? api("GET", "admin/sessions?limit=25&q=" + encodeURIComponent(query)) : null]);
    const plans = p.plans || [];
    const limit = (n) => (n < 0 ? "∞" : fmtNum(n));

    const search = el("form", { class: "inline", role: "search", "aria-label": t("a.search") },
      field("a-q", t("a.searchLabel"), el("input", { name: "q", type: "search", dir: "auto", value: query, size: "40" })),
      el("button", { type: "submit", text: t("a.search") }),
      query ? el("a", { href: "#/admin", class: "button secondary", text: t("a.clear") }) : null);
    search.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = String(new FormData(search).get("q") || "").trim();
      location.hash = v ? "#/admin?q=" + encodeURIComponent(v) : "#/admin";
    });

    const rows = d.tenants.map((v) => {
      const current = v.plan ? v.plan.id : v.user.plan_id;
      const label = "plan-" + v.user.id;
      // Moving a tenant to another plan takes effect at once and is audited.
      const planSelect = selectOf("plan_id", plans.map((pl) => [pl.id, pl.name]), current);
      planSelect.id = label;
      planSelect.addEventListener("change", () => {
        const to = planSelect.options[planSelect.selectedIndex].text;
        askReason(t("a.confirmPlan").replace("{who}", v.user.email).replace("{plan}", to), async (reason) => {
          await api("PATCH", "admin/tenants/" + v.user.id + "/plan", { plan_id: planSelect.value, reason });
          toast(t("a.planChanged"));
        }, () => { planSelect.value = current; });
      });
      return el("tr", { "data-tenant": v.user.id },
        // The state sits under the email, as a session's reason under its
        // badge, so that a phone's row keeps the plan and the action.
        el("td", {}, el("span", { class: "clip", title: v.user.email }, bidi(v.user.email)), el("div", { class: "state" }, badge(v.user.status))),
        el("td", { class: "opt" }, bidi(v.user.name || "")),
        el("td", {}, el("label", { for: label, class: "sr-only", text: t("a.plan") + " " + v.user.email }), planSelect),
        el("td", { class: "num opt", text: fmtNum(v.usage.sessions) }),
        el("td", {}, el("div", { class: "actions" },
          el("button", { type: "button", class: v.user.status === "suspended" ? "secondary" : "danger",
            text: v.user.status === "suspended" ? t("a.resume") : t("a.suspend"), onclick: () => {
              const resume = v.user.status === "suspended";
              askReason(t(resume ? "a.confirmResume" : "a.confirmSuspend").replace("{who}", v.user.email), async (reason) => {
                await api("POST", "admin/tenants/" + v.user.id + (resume ? "/resume" : "/suspend"), { reason });
                viewAdmin();
              });
            } }),
          el("a", { href: "#/admin/audit?target_id=" + encodeURIComponent(v.user.id), class: "small audit-link", text: t("a.auditOf") }))));
    });
    const planRows = plans.map((pl) => el("tr", { "data-plan": pl.id },
      el("td", { class: "mono", text: pl.id }), el("td", { text: pl.name }),
      el("td", { text: new Intl.NumberFormat(W.lang() === "ar" ? "ar-u-nu-latn" : "en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(pl.price_cents / 100) + " " + pl.currency }),
      el("td", { text: limit(pl.limits.sessions) }), el("td", { text: limit(pl.limits.messages_per_month) }),
      el("td", { class: "opt", text: limit(pl.limits.webhooks) }), el("td", { class: "opt", text: limit(pl.limits.requests_per_minute) })));
    main().replaceChildren(...[el("h1", { text: t("a.title") }), tabs(""), statsCard(st.stats),
      el("section", { class: "card" }, search),
      found ? sessionsFound(query, found) : null,
      el("section", { class: "card", "aria-labelledby": "h-tenants" },
        el("h2", { id: "h-tenants" }, t("a.tenants"), query ? [" — ", bidi(query)] : null),
        el("div", { id: "a-confirm", "aria-live": "polite" }),
        d.tenants.length ? el("div", { class: "table-wrap" }, el("table", { id: "tenants" },
          el("thead", {}, el("tr", {}, [t("auth.email") + " · " + t("a.status"), t("auth.name"), t("a.plan"), t("a.sessions"), ""].map((h, i) =>
            el("th", { scope: "col", class: i === 1 || i === 3 ? "opt" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("a.noTenants") }),
        d.pagination.pages > 1 ? pager(d.pagination, "#/admin", q) : null),
      el("section", { class: "card" }, el("h2", { text: t("a.plans") }),
        el("div", { class: "table-wrap" }, el("table", { id: "plans" }, el("thead", {}, el("tr", {},
          ["ID", t("a.planName"), t("a.price"), t("a.sessions"), t("a.messages"), t("a.webhooks"), t("a.rate")].map((h, i) => el("th", { scope: "col", class: i > 4 ? "opt" : null, text: h })))),
          el("tbody", {}, planRows))))].filter(Boolean));
  }

  // detailsOf reads an entry's details: the reason, and the rest as JSON.
  function detailsOf(e) {
    let d = e.details;
    if (typeof d === "string") { try { d = JSON.parse(d); } catch (err) { return { reason: "", rest: d }; } }
    if (!d || typeof d !== "object") return { reason: "", rest: "" };
    const { reason, ...rest } = d;
    return { reason: reason || "", rest: Object.keys(rest).length ? JSON.stringify(rest) : "" };
  }

  async function viewAudit() {
    const q = params();
    const aq = new URLSearchParams({ page: String(pageOf(q)), limit: "25" });
    for (const k of ["action", "actor_id", "target_id"]) if (q.get(k)) aq.set(k, q.get(k));
    const d = await api("GET", "admin/audit?" + aq);
    const form = el("form", { class: "inline", role: "search", "aria-label": t("a.filter") },
      field("au-action", t("a.action"), selectOf("action", [["", t("m.any")], ...ACTIONS.map((a) => [a, actionName(a)])], q.get("action") || "")),
      field("au-target", t("a.targetId"), el("input", { name: "target_id", value: q.get("target_id") || "" })),
      field("au-actor", t("a.actorId"), el("input", { name: "actor_id", value: q.get("actor_id") || "" })),
      el("button", { type: "submit", text: t("m.apply") }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) f.set(k, String(v).trim());
      location.hash = "#/admin/audit" + (String(f) ? "?" + f : "");
    });
    const rows = d.entries.map((e) => {
      const { reason, rest } = detailsOf(e);
      const target = e.target_id ? el("a", { href: "#/admin/audit?target_id=" + encodeURIComponent(e.target_id), class: "clip", title: e.target_id }, bidi(e.target_id, "mono")) : "—";
      return el("tr", { "data-action": e.action },
        el("td", { class: "small", text: fmtTime(e.created_at) }),
        el("td", { class: "opt" }, el("a", { href: "#/admin/audit?actor_id=" + encodeURIComponent(e.actor_id), class: "clip", title: e.actor_email }, bidi(e.actor_email || e.actor_id))),
        el("td", { title: e.action, text: actionName(e.action) }),
        el("td", {}, el("span", { class: "muted small", text: e.target_type + " " }), target),
        el("td", { class: "text" }, reason ? el("span", { class: "clip reason-text", dir: "auto", title: reason, text: reason }) : "—"),
        el("td", { class: "opt" }, rest ? el("span", { class: "clip mono", dir: "ltr", title: rest, text: rest }) : "—"),
        el("td", { class: "opt" }, e.ip ? bidi(e.ip, "mono") : "—"));
    });
    main().replaceChildren(el("h1", { text: t("a.title") }), tabs("audit"),
      el("section", { class: "card" }, form),
      el("section", { class: "card", "aria-labelledby": "h-audit" }, el("h2", { id: "h-audit", text: t("a.audit") }),
        d.entries.length ? el("div", { class: "table-wrap" }, el("table", { id: "audit" },
          el("thead", {}, el("tr", {}, [t("a.time"), t("a.actor"), t("a.action"), t("a.target"), t("a.why"), t("a.details"), t("a.ip")].map((h, i) =>
            el("th", { scope: "col", class: i === 1 || i > 4 ? "opt" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("a.noEntries") }),
        pager(d.pagination, "#/admin/audit", q)));
  }

  W.page("admin", (rest) => (rest[0] === "audit" ? viewAudit() : viewAdmin()));
})();
