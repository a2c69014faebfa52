// A session's status posts (stories) and channels (newsletters) in the
// dashboard, under #/sessions/ID/status and #/sessions/ID/channels (one
// channel at #/sessions/ID/channels/JID). Both post through
// POST /messages/send, as the API does: recipient status@broadcast, or the
// channel's JID. Built with app.js's helpers (window.WAGW); every value from
// the server goes in with textContent.
"use strict";
(function () {
  const W = window.WAGW;
  const { el, api, t, bidi, badge, toast, toastError, field, selectOf, formError, fmtNum, fmtTime, arrowBack, main, accountTabs } = W;
  const enc = (v) => encodeURIComponent(v).replace(/%40/g, "@");
  const base = (id) => "sessions/" + id;
  const STATUS = "status@broadcast";
  const typeName = (x) => { const v = t("type." + x); return v === "type." + x ? x : v; };
  const header = (s, tab, backHref, backText) => [
    el("p", {}, el("a", { href: backHref || "#/sessions/" + s.id, text: arrowBack() + " " + (backText || t("d.back.session")) })),
    el("h1", { class: "title" }, bidi(s.session_name)), accountTabs(s.id, tab)];

  // readMedia reads the file chosen in input as the API's media object
  // (base64 data and its type), or null when none is chosen.
  const readMedia = (input) => new Promise((resolve, reject) => {
    const f = input.files && input.files[0];
    if (!f) return resolve(null);
    const r = new FileReader();
    r.onload = () => resolve({ data: String(r.result).split(",")[1] || "", mime_type: f.type || "application/octet-stream", file_name: f.name });
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
  // kindOf is the message type a chosen file is sent as.
  const kindOf = (media) => (!media ? "text" : media.mime_type.startsWith("video/") ? "video" : "image");

  // postForm is the text, file and (for status) audience and style of a
  // post; send(body) posts it.
  function postForm(id, prefix, withStatus, send) {
    const form = el("form", { class: "stack", id: prefix + "-form", novalidate: true });
    const text = el("textarea", { name: "message", rows: "3", dir: "auto" });
    const file = el("input", { name: "media", type: "file", accept: "image/*,video/*" });
    form.append(field(prefix + "-text", t("st2.text"), text), field(prefix + "-file", t("st2.file"), file));
    let audience, bg, font;
    if (withStatus) {
      audience = el("input", { name: "status_audience", dir: "ltr", placeholder: "+1 555 000 2222, +1 555 000 3333" });
      bg = el("input", { name: "status_style.background_color", type: "color", value: "#128c7e" });
      font = selectOf("status_style.font", [["", t("st2.fontDefault")], ["system", "System"], ["system_bold", "System bold"],
        ["fb_script", "Script"], ["courierprime_bold", "Courier"]], "");
      form.append(field(prefix + "-audience", t("st2.audience"), audience), el("p", { class: "muted small", text: t("st2.audienceHelp") }),
        el("div", { class: "inline" }, field(prefix + "-bg", t("st2.background"), bg), field(prefix + "-font", t("st2.font"), font)));
    }
    form.append(el("button", { type: "submit", text: t("st2.post") }));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const b = form.querySelector("button[type=submit]");
      b.disabled = true;
      try {
        const media = await readMedia(file);
        const body = { session_id: id, message_type: kindOf(media), message: text.value };
        if (media) body.media = media;
        if (withStatus) {
          const who = audience.value.split(",").map((v) => v.trim()).filter(Boolean);
          if (who.length) body.status_audience = who;
          if (!media) body.status_style = Object.assign({ background_color: bg.value }, font.value ? { font: font.value } : {});
        }
        const r = await send(body);
        form.reset();
        form.querySelector(".form-error") && form.querySelector(".form-error").remove();
        toast(t("st2.posted"));
        return r;
      } catch (e) { formError(form, e); } finally { b.disabled = false; }
    });
    return form;
  }

  // postRow is one message of a status or channel's list.
  const mediaNote = (m) => (m.message_type !== "text" ? el("span", { class: "muted", text: "[" + typeName(m.message_type) + "] " }) : null);

  // ---------- status ----------
  async function viewStatus(id) {
    const q = new URLSearchParams(location.hash.split("?")[1] || "");
    const page = Number(q.get("page") || 1);
    const params = new URLSearchParams({ session_id: id, recipient: STATUS, page: String(page), limit: "25" });
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", "messages?" + params)]);
    const rows = d.messages.map((m) => {
      const mine = m.direction !== "inbound";
      return el("tr", { "data-post": m.id, "data-direction": m.direction },
        el("td", {}, mine ? el("span", { class: "flag mine", text: t("st2.me") }) : bidi(m.sender_phone ? "+" + m.sender_phone : m.sender || "", "mono")),
        el("td", { class: "text" }, mediaNote(m), el("span", { class: "clip", dir: "auto", title: m.message || "", text: m.message || "" })),
        el("td", { class: "opt nowrap", text: fmtTime(m.created_at) }),
        el("td", {}, mine ? badge(m.status) : null));
    });
    const p = d.pagination;
    const go = (n) => { location.hash = "#/sessions/" + id + "/status?page=" + n; };
    const form = postForm(id, "st", true, async (body) => {
      const r = await api("POST", "messages/send", Object.assign(body, { recipient: STATUS }));
      viewStatus(id);
      return r;
    });
    main().replaceChildren(...header(s, "status"),
      el("section", { class: "card", "aria-labelledby": "h-status-post" }, el("h2", { id: "h-status-post", text: t("st2.new") }), form),
      el("section", { class: "card" }, el("h2", { id: "h-status", text: t("st2.title") }),
        el("p", { class: "muted", text: t("st2.help") }),
        d.messages.length ? el("div", { class: "table-wrap" }, el("table", { id: "status-posts", "aria-labelledby": "h-status" },
          el("thead", {}, el("tr", {}, [t("st2.by"), t("m.text"), t("m.time"), t("m.status")].map((h, i) => el("th", { scope: "col", class: i === 2 ? "opt" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("st2.none") }),
        p.pages > 1 ? el("div", { class: "pager" },
          el("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => go(page - 1), text: t("m.prev") }),
          el("span", { text: t("m.page") + " " + fmtNum(p.page) + " / " + fmtNum(p.pages) }),
          el("button", { type: "button", class: "secondary", disabled: page >= p.pages, onclick: () => go(page + 1), text: t("m.next") })) : null));
  }

  // ---------- channels ----------
  const roleFlag = (r) => (r ? el("span", { class: "flag role-" + r, text: t("ch.role." + r) }) : null);
  const canPost = (ch) => ch.role === "owner" || ch.role === "admin";

  async function viewChannels(id, rest) {
    if (rest[0]) return viewChannel(id, rest[0]);
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/channels")]);
    const rows = (d.channels || []).map((c) => el("tr", { "data-channel": c.jid },
      el("td", {}, el("a", { href: "#/sessions/" + id + "/channels/" + enc(c.jid), class: "clip", title: c.name }, bidi(c.name || c.jid)),
        el("div", { class: "muted small" }, bidi(c.jid, "mono"))),
      el("td", {}, roleFlag(c.role)),
      el("td", { class: "num", text: fmtNum(c.subscribers) })));
    // Follow: a JID or an invite link's code, looked up first.
    const follow = el("form", { class: "inline", id: "ch-follow" },
      field("ch-follow-id", t("ch.followWhat"), el("input", { name: "channel", required: true, dir: "ltr", placeholder: "120363…@newsletter / https://whatsapp.com/channel/…" })),
      el("button", { type: "submit", text: t("ch.follow") }));
    follow.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      let v = String(new FormData(follow).get("channel")).trim();
      v = v.replace(/^https:\/\/whatsapp\.com\/channel\//, "");
      try {
        const { channel } = await api("GET", base(id) + "/channels/" + enc(v));
        await api("POST", base(id) + "/channels/" + enc(channel.jid) + "/follow");
        toast(t("ch.followed"));
        location.hash = "#/sessions/" + id + "/channels/" + enc(channel.jid);
      } catch (e) { formError(follow, e); }
    });
    const create = el("form", { class: "stack", id: "ch-create", novalidate: true },
      field("ch-name", t("ch.name"), el("input", { name: "name", required: true, maxlength: "100", dir: "auto" })),
      field("ch-description", t("ch.description"), el("textarea", { name: "description", rows: "2", dir: "auto" })),
      el("button", { type: "submit", text: t("ch.create") }));
    create.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(create);
      try {
        const { channel } = await api("POST", base(id) + "/channels", { name: f.get("name"), description: f.get("description") });
        toast(t("ch.created"));
        location.hash = "#/sessions/" + id + "/channels/" + enc(channel.jid);
      } catch (e) { formError(create, e); }
    });
    main().replaceChildren(...header(s, "channels"),
      el("section", { class: "card" }, el("h2", { id: "h-channels", text: t("ch.title") }),
        rows.length ? el("div", { class: "table-wrap" }, el("table", { id: "channels", "aria-labelledby": "h-channels" },
          el("thead", {}, el("tr", {}, [t("ch.channel"), t("g.role"), t("ch.followers")].map((h, i) => el("th", { scope: "col", class: i === 2 ? "num" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("ch.none") })),
      el("section", { class: "card", "aria-labelledby": "h-ch-follow" }, el("h2", { id: "h-ch-follow", text: t("ch.followTitle") }), follow),
      el("section", { class: "card", "aria-labelledby": "h-ch-create" }, el("h2", { id: "h-ch-create", text: t("ch.createTitle") }), create));
  }

  async function viewChannel(id, jid) {
    const [{ session: s }, { channel: c }] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/channels/" + enc(jid))]);
    // The posts are asked of WhatsApp: a failure shows beside them, not
    // instead of the page.
    let posts = null, postsError = "";
    try { posts = (await api("GET", base(id) + "/channels/" + enc(c.jid) + "/messages?count=50")).messages || []; } catch (e) {
      if (e instanceof W.Stale) throw e;
      postsError = e.message;
    }
    const following = c.role === "subscriber" || c.role === "admin";
    const act = c.role === "owner" ? null : el("button", { type: "button", class: following ? "secondary" : null, "data-action": following ? "unfollow" : "follow",
      text: following ? t("ch.unfollow") : t("ch.follow"), onclick: async (ev) => {
        const b = ev.currentTarget;
        b.disabled = true;
        try {
          await api(following ? "DELETE" : "POST", base(id) + "/channels/" + enc(c.jid) + "/follow");
          toast(following ? t("ch.unfollowed") : t("ch.followed"));
          viewChannel(id, c.jid);
        } catch (e) { toastError(e); b.disabled = false; }
      } });
    const list = posts && posts.length ? el("ol", { class: "history", id: "channel-posts" }, posts.map((p) => el("li", { class: "msg in", "data-server-id": String(p.server_id) },
      p.message_type !== "text" ? el("div", { class: "kind muted", text: "[" + typeName(p.message_type) + "]" }) : null,
      p.message ? el("div", { class: "body", dir: "auto", text: p.message }) : null,
      el("div", { class: "meta" }, el("time", { datetime: p.timestamp, text: fmtTime(p.timestamp) }),
        el("span", { class: "muted", text: " · " + t("ch.views").replace("{n}", fmtNum(p.views)) }))))) : null;
    const form = canPost(c) ? postForm(id, "ch-post", false, async (body) => {
      const r = await api("POST", "messages/send", Object.assign(body, { recipient: c.jid }));
      // The post reaches WhatsApp through the send queue: read the
      // channel again once it is sent.
      setTimeout(() => { if (location.hash.includes("/channels/")) viewChannel(id, c.jid); }, 1500);
      return r;
    }) : null;
    main().replaceChildren(...header(s, "channels", "#/sessions/" + id + "/channels", t("ch.back")),
      el("section", { class: "card", "aria-labelledby": "h-channel" }, el("h2", { id: "h-channel", class: "clip", title: c.name }, bidi(c.name || c.jid)),
        c.description ? el("p", { class: "desc", dir: "auto", text: c.description }) : null,
        el("dl", { class: "kv" }, el("dt", { text: "JID" }), el("dd", {}, bidi(c.jid, "mono")),
          el("dt", { text: t("g.role") }), el("dd", { id: "channel-role" }, roleFlag(c.role) || t("ch.role.none")),
          el("dt", { text: t("ch.followers") }), el("dd", { text: fmtNum(c.subscribers) }),
          c.invite_link ? [el("dt", { text: t("g.invite") }), el("dd", {}, el("code", { class: "mono", dir: "ltr", text: c.invite_link }))] : null),
        act ? el("div", { class: "actions", id: "channel-actions" }, act) : null),
      form ? el("section", { class: "card", "aria-labelledby": "h-ch-post" }, el("h2", { id: "h-ch-post", text: t("ch.postTitle") }), form) : null,
      el("section", { class: "card", "aria-labelledby": "h-ch-posts" }, el("h2", { id: "h-ch-posts", text: t("ch.posts") }),
        postsError ? el("p", { class: "error", role: "alert", text: postsError }) : list || el("p", { class: "muted", text: t("ch.noPosts") })));
  }

  W.view("status", viewStatus);
  W.view("channels", viewChannels);
})();
