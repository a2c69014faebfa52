// The session's WhatsApp account in the dashboard: its chats (and a chat's
// history), its contacts and its groups, under #/sessions/ID/chats,
// #/sessions/ID/contacts and #/sessions/ID/groups. Built with app.js's
// helpers (window.WAGW); every value from the server goes in with
// textContent, and numbers, JIDs and names are isolated (bdi dir=auto).
"use strict";
(function () {
  const W = window.WAGW;
  const { el, api, t, bidi, badge, toast, toastError, field, selectOf, formError, fmtNum, fmtTime, arrowBack, arrowIn, arrowOut, main, accountTabs, Stale } = W;
  // enc escapes a JID for a path; the API reads "@" unescaped.
  const enc = (v) => encodeURIComponent(v).replace(/%40/g, "@");
  const base = (id) => "sessions/" + id;
  // fill replaces a node's children, skipping the absent ones (null,
  // false) and flattening lists, as el() does.
  const fill = (node, ...kids) => node.replaceChildren(...kids.flat().filter((k) => k != null && k !== false));

  // header is a session page's top: back to the session, its name, tabs.
  const header = (s, tab, backHref, backText) => [
    el("p", {}, el("a", { href: backHref || "#/sessions/" + s.id, text: arrowBack() + " " + (backText || t("d.back.session")) })),
    el("h1", { class: "title" }, bidi(s.session_name)), accountTabs(s.id, tab)];

  // flag is a small mark of a chat's state, its word beside the symbol.
  const flag = (cls, word) => el("span", { class: "flag " + cls, text: word });
  const chatFlags = (c) => [c.pinned ? flag("pinned", t("c.pinned")) : null, c.archived ? flag("archived", t("c.archived")) : null,
    c.muted ? flag("muted", c.muted_until ? t("c.mutedUntil").replace("{when}", fmtTime(c.muted_until)) : t("c.muted")) : null];
  const unreadOf = (c) => (c.unread_count > 0 ? el("span", { class: "unread", title: t("c.unread") }, fmtNum(c.unread_count))
    : c.marked_unread ? el("span", { class: "unread dot", title: t("c.markedUnread"), text: "•" }) : null);
  const chatName = (c) => c.name || "";
  // typeName names a message's type in the page's language.
  const typeName = (x) => { const v = t("type." + x); return v === "type." + x ? x : v; };
  // preview is a message in one line: its direction, its text or type.
  const preview = (m) => (m ? [m.direction === "inbound" ? "" : arrowOut() + " ", m.message || "[" + typeName(m.message_type) + "]"].join("") : "");

  // ---------- chats ----------
  async function viewChats(id, rest) {
    if (rest[0]) return viewChat(id, rest[0]);
    const q = new URLSearchParams(location.hash.split("?")[1] || "");
    const page = Number(q.get("page") || 1);
    const params = new URLSearchParams({ page: String(page), limit: "25" });
    if (q.get("archived")) params.set("archived", q.get("archived"));
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/chats?" + params)]);
    const filter = selectOf("archived", [["", t("c.all")], ["false", t("c.inbox")], ["true", t("c.archivedOnly")]], q.get("archived") || "");
    filter.addEventListener("change", () => { location.hash = "#/sessions/" + id + "/chats" + (filter.value ? "?archived=" + filter.value : ""); });
    const rows = d.chats.map((c) => {
      const name = chatName(c);
      const m = c.last_message;
      return el("tr", { "data-chat": c.jid },
        el("td", {}, el("a", { href: "#/sessions/" + id + "/chats/" + enc(c.jid), class: "clip", title: name || c.jid }, bidi(name || c.jid)),
          name ? el("div", { class: "muted small" }, bidi(c.jid, "mono")) : null,
          el("span", { class: "flags" }, c.is_group ? flag("group", t("c.group")) : null, chatFlags(c))),
        el("td", { class: "text" }, el("span", { class: "clip", dir: "auto", title: m ? m.message || "" : "", text: preview(m) })),
        el("td", { class: "opt nowrap", text: c.last_message_at ? fmtTime(c.last_message_at) : "—" }),
        el("td", { class: "num" }, unreadOf(c)));
    });
    const p = d.pagination;
    const go = (n) => { q.set("page", String(n)); location.hash = "#/sessions/" + id + "/chats?" + q; };
    main().replaceChildren(...header(s, "chats"),
      el("section", { class: "card" }, el("h2", { id: "h-chats", text: t("c.title") }),
        el("form", { class: "inline", role: "search", onsubmit: (ev) => ev.preventDefault() }, field("c-filter", t("c.show"), filter)),
        d.chats.length ? el("div", { class: "table-wrap" }, el("table", { id: "chats", "aria-labelledby": "h-chats" },
          el("thead", {}, el("tr", {}, [t("c.chat"), t("c.last"), t("m.time"), t("c.unread")].map((h, i) =>
            el("th", { scope: "col", class: i === 2 ? "opt" : i === 3 ? "num" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("c.none") }),
        p.pages > 1 ? el("div", { class: "pager" },
          el("button", { type: "button", class: "secondary", disabled: page <= 1, onclick: () => go(page - 1), text: t("m.prev") }),
          el("span", { text: t("m.page") + " " + fmtNum(p.page) + " / " + fmtNum(p.pages) }),
          el("button", { type: "button", class: "secondary", disabled: page >= p.pages, onclick: () => go(page + 1), text: t("m.next") })) : null));
  }

  // The media of a message (history sync's included, which the gateway
  // downloads on this first request) is read with the user's token and
  // shown as a data: URL, the one kind of picture the page's policy allows
  // besides its own files: a picture inline, any file as a download.
  const MEDIA = ["image", "video", "audio", "document", "sticker"];
  const dataURL = (b) => new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(b);
  });
  const mediaPath = (m) => "messages/" + m.id + "/media";
  function mediaOf(m) {
    const info = (m.payload && m.payload.media) || {};
    const box = el("div", { class: "media" });
    const note = (text) => el("span", { class: "muted small", text });
    if (m.message_type === "image" || m.message_type === "sticker") {
      const img = el("img", { class: "media-preview", alt: info.caption || m.message || t("type." + m.message_type) });
      box.append(img);
      W.blob(mediaPath(m)).then(dataURL).then((u) => { img.src = u; }).catch((e) => {
        if (!(e instanceof Stale)) img.replaceWith(note(t("c.mediaUnavailable") + " " + e.message));
      });
    }
    const name = info.file_name || m.message_type;
    box.append(el("button", { type: "button", class: "link", "data-action": "download", text: t("c.download") + " " + name, onclick: async (ev) => {
      const b = ev.currentTarget;
      b.disabled = true;
      try {
        const a = el("a", { href: await dataURL(await W.blob(mediaPath(m))), download: name });
        document.body.append(a);
        a.click();
        a.remove();
      } catch (e) { toastError(e); } finally { b.disabled = false; }
    } }));
    return box;
  }

  // bubble is one message of a chat's history: in on the reading start,
  // out on the end, its time and, for a sent one, its status.
  function bubble(m, group) {
    const out = m.direction !== "inbound";
    const who = group && !out ? el("div", { class: "who" }, bidi(m.sender_phone ? "+" + m.sender_phone : m.sender || "")) : null;
    const body = m.message ? el("div", { class: "body", dir: "auto", text: m.message }) : null;
    const kind = m.message_type !== "text" ? el("div", { class: "kind muted", text: "[" + typeName(m.message_type) + "]" }) : null;
    return el("li", { class: "msg " + (out ? "out" : "in"), "data-message": m.id, "data-history": m.history ? "true" : null },
      who, kind, MEDIA.includes(m.message_type) ? mediaOf(m) : null, body,
      el("div", { class: "meta" }, el("time", { datetime: m.created_at, text: fmtTime(m.sent_at || m.created_at) }),
        m.history ? el("span", { class: "muted", title: t("c.historyHelp"), text: " · " + t("c.history") }) : null,
        out && !m.history ? [" ", badge(m.status)] : null));
  }

  async function viewChat(id, jid) {
    const [{ session: s }, { chat: c0 }, first] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/chats/" + enc(jid)),
      api("GET", base(id) + "/chats/" + enc(jid) + "/messages?limit=20")]);
    let c = c0;
    const title = el("h2", { id: "h-chat", class: "clip" });
    const flags = el("p", { id: "chat-flags", class: "flags" });
    const actions = el("div", { class: "actions", id: "chat-actions" });
    const mute = selectOf("mute_for", [["8h", t("c.mute8h")], ["1w", t("c.mute1w")], ["", t("c.muteAlways")]], "8h");
    mute.id = "c-mute-for";
    // act runs a chat action and redraws the chat's state from the answer.
    const act = (action, label, body) => el("button", { type: "button", class: "secondary", "data-action": action, text: label, onclick: async (ev) => {
      const b = ev.currentTarget;
      b.disabled = true;
      try {
        const r = await api("POST", base(id) + "/chats/" + enc(jid) + "/actions", Object.assign({ action }, body ? body() : {}));
        c = r.chat;
        draw();
        toast(t("c.done." + action));
      } catch (e) { toastError(e); } finally { b.disabled = false; }
    } });
    const muteUntil = () => {
      const v = mute.value;
      if (!v) return {};
      return { mute_until: new Date(Date.now() + (v === "8h" ? 8 * 3600e3 : 7 * 864e5)).toISOString() };
    };
    const draw = () => {
      const name = chatName(c);
      title.replaceChildren(bidi(name || c.jid));
      title.title = name || c.jid;
      fill(flags, name ? bidi(c.jid, "mono muted") : null, chatFlags(c), unreadOf(c));
      actions.replaceChildren(
        c.archived ? act("unarchive", t("c.unarchive")) : act("archive", t("c.archive")),
        c.pinned ? act("unpin", t("c.unpin")) : act("pin", t("c.pin")),
        c.muted ? act("unmute", t("c.unmute")) : el("span", { class: "mute" }, el("label", { for: "c-mute-for", class: "sr-only", text: t("c.muteFor") }), mute, act("mute", t("c.mute"), muteUntil)),
        c.unread_count > 0 || c.marked_unread ? act("read", t("c.markRead")) : act("unread", t("c.markUnread")));
    };
    draw();
    // The history shows oldest on top: each page (newest first from the
    // API) is put above what is shown; "Older messages" asks for the next.
    const list = el("ol", { class: "history", id: "history", "aria-live": "polite" });
    let cursor = "";
    const more = el("button", { type: "button", class: "secondary", id: "older", text: t("c.older") });
    const add = (pg) => {
      list.prepend(...pg.messages.slice().reverse().map((m) => bubble(m, c.is_group)));
      cursor = pg.next_cursor || "";
      more.hidden = !cursor;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      try { add(await api("GET", base(id) + "/chats/" + enc(jid) + "/messages?limit=20&before=" + enc(cursor))); } catch (e) { toastError(e); } finally { more.disabled = false; }
    });
    add(first);
    main().replaceChildren(...header(s, "chats", "#/sessions/" + id + "/chats", t("c.back")),
      el("section", { class: "card", "aria-labelledby": "h-chat" }, title, flags, actions),
      el("section", { class: "card" }, el("div", { class: "older" }, more),
        first.messages.length ? list : el("p", { class: "muted", text: t("c.noMessages") })));
  }

  // ---------- contacts ----------
  const contactName = (c) => c.saved_name || c.push_name || c.business_name || "";

  async function viewContacts(id, rest) {
    if (rest[0]) return viewContact(id, rest[0]);
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/contacts")]);
    // The block list is asked of WhatsApp: a session offline shows the
    // contacts without it.
    const blocked = await api("GET", base(id) + "/contacts/blocked").then((b) => new Set(b.blocked || [])).catch(() => null);
    const rows = d.contacts.map((c) => el("tr", { "data-contact": c.jid },
      el("td", {}, el("a", { href: "#/sessions/" + id + "/contacts/" + enc(c.jid), class: "clip", title: contactName(c) || c.jid }, bidi(contactName(c) || c.phone || c.jid)),
        c.saved_name && c.push_name && c.push_name !== c.saved_name ? el("div", { class: "muted small" }, "~", bidi(c.push_name)) : null),
      el("td", { class: "phone" }, c.phone ? bidi("+" + c.phone, "mono") : "—"),
      el("td", { class: "lid opt" }, c.lid ? bidi(c.lid, "mono") : "—"),
      el("td", {}, el("span", { class: "flags" }, c.is_business ? flag("business", t("ct.business")) : null,
        blocked && blocked.has(c.jid) ? flag("blocked", t("ct.blocked")) : null))));
    // LID <-> phone: either one finds the other in the session's LID map.
    const look = el("form", { class: "inline", id: "lid-lookup" },
      field("ct-lookup", t("ct.lookup"), el("input", { name: "q", required: true, dir: "ltr", placeholder: "123456789012345@lid / +1 555 000 2222" })),
      el("button", { type: "submit", text: t("ct.find") }));
    const found = el("p", { id: "lid-found", role: "status" });
    look.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = String(new FormData(look).get("q")).trim();
      const lid = v.endsWith("@lid") || (/^\d{14,}$/.test(v) && !v.startsWith("+"));
      try {
        const r = await api("GET", base(id) + "/contacts/" + (lid ? "lid/" : "phone/") + enc(v));
        found.replaceChildren(bidi(r.lid, "mono"), " ⇄ ", bidi("+" + r.phone, "mono"), el("span", { class: "muted", text: " (" + t("src." + r.source) + ")" }));
      } catch (e) { found.replaceChildren(); formError(look, e); }
    });
    main().replaceChildren(...header(s, "contacts"),
      el("section", { class: "card" }, el("h2", { id: "h-contacts", text: t("ct.title") }),
        d.contacts.length ? el("div", { class: "table-wrap" }, el("table", { id: "contacts", "aria-labelledby": "h-contacts" },
          el("thead", {}, el("tr", {}, [t("ct.name"), t("s.phone"), "LID", t("c.state")].map((h, i) => el("th", { scope: "col", class: i === 2 ? "opt" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("ct.none") }),
        blocked ? null : el("p", { class: "muted", text: t("ct.noBlocklist") })),
      el("section", { class: "card", "aria-labelledby": "h-lookup" }, el("h2", { id: "h-lookup", text: t("ct.lookupTitle") }), look, found));
  }

  async function viewContact(id, jid) {
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/contacts/" + enc(jid))]);
    let c = d.contact;
    const card = el("section", { class: "card contact", "aria-labelledby": "h-contact" });
    const draw = () => {
      const name = contactName(c);
      const kv = (k, v) => (v ? [el("dt", { text: k }), el("dd", {}, v)] : []);
      card.replaceChildren(el("div", { class: "contact-head" },
        c.picture_url ? el("img", { class: "avatar", id: "contact-picture", src: c.picture_url, alt: t("ct.picture"), referrerpolicy: "no-referrer" })
          : el("span", { class: "avatar none", "aria-hidden": "true", text: (name || "?").slice(0, 1) }),
        el("h2", { id: "h-contact" }, bidi(name || c.phone || c.jid))),
      el("dl", { class: "kv" },
        kv(t("ct.saved"), c.saved_name && bidi(c.saved_name)), kv(t("ct.push"), c.push_name && bidi(c.push_name)),
        kv(t("ct.businessName"), c.business_name && bidi(c.business_name)),
        kv(t("s.phone"), c.phone && bidi("+" + c.phone, "mono")), kv("LID", c.lid && bidi(c.lid, "mono")), kv("JID", bidi(c.jid, "mono")),
        kv(t("ct.about"), c.about && el("span", { dir: "auto", text: c.about })),
        kv(t("ct.blockedQ"), c.blocked != null && el("span", { id: "contact-blocked", text: c.blocked ? t("yes") : t("no") }))),
      el("div", { class: "actions" }, el("button", { type: "button", class: c.blocked ? "secondary" : "danger", "data-action": c.blocked ? "unblock" : "block",
        text: c.blocked ? t("ct.unblock") : t("ct.block"), onclick: async (ev) => {
          const b = ev.currentTarget;
          if (!c.blocked && !confirm(t("ct.confirmBlock"))) return;
          b.disabled = true;
          try {
            const r = await api("POST", base(id) + "/contacts/" + enc(jid) + (c.blocked ? "/unblock" : "/block"));
            c = Object.assign({}, c, { blocked: (r.blocked || []).includes(c.jid) });
            draw();
          } catch (e) { toastError(e); b.disabled = false; }
        } }),
      el("a", { class: "button secondary", href: "#/sessions/" + id + "/chats/" + enc(c.jid), text: t("ct.openChat") })));
    };
    draw();
    main().replaceChildren(...header(s, "contacts", "#/sessions/" + id + "/contacts", t("ct.back")), card);
  }

  // ---------- groups ----------
  const isMe = (p, s) => !!s.phone && (p.phone === s.phone || p.jid.split("@")[0] === s.phone);

  async function viewGroups(id, rest) {
    if (rest[0]) return viewGroup(id, rest[0]);
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/groups")]);
    const rows = (d.groups || []).map((g) => {
      const mine = g.participants.find((p) => isMe(p, s));
      return el("tr", { "data-group": g.jid },
        el("td", {}, el("a", { href: "#/sessions/" + id + "/groups/" + enc(g.jid), class: "clip", title: g.subject }, bidi(g.subject || g.jid)),
          el("div", { class: "muted small" }, bidi(g.jid, "mono"))),
        el("td", { class: "num", text: fmtNum(g.participants.length) }),
        el("td", {}, el("span", { class: "flags" }, mine && mine.is_admin ? flag("admin", t("g.youAdmin")) : null,
          g.settings.announce ? flag("announce", t("g.announce")) : null, g.settings.locked ? flag("locked", t("g.locked")) : null)));
    });
    main().replaceChildren(...header(s, "groups"),
      el("section", { class: "card" }, el("h2", { id: "h-groups", text: t("g.title") }),
        rows.length ? el("div", { class: "table-wrap" }, el("table", { id: "groups", "aria-labelledby": "h-groups" },
          el("thead", {}, el("tr", {}, [t("g.subject"), t("g.members"), t("c.state")].map((h, i) => el("th", { scope: "col", class: i === 1 ? "num" : null, text: h })))),
          el("tbody", {}, rows))) : el("p", { class: "muted", text: t("g.none") })));
  }

  async function viewGroup(id, jid) {
    const [{ session: s }, d] = await Promise.all([api("GET", base(id)), api("GET", base(id) + "/groups/" + enc(jid))]);
    const g = d.group;
    const link = el("p", { id: "invite-link" });
    const drawLink = (url) => fill(link, url ? el("code", { class: "mono", dir: "ltr", text: url }) : el("span", { class: "muted", text: t("g.noLink") }),
      url ? [" ", el("button", { type: "button", class: "secondary", text: t("k.copy"), onclick: () => navigator.clipboard.writeText(url).then(() => toast(t("k.copied"))) })] : null);
    drawLink(g.invite_link);
    const mine = g.participants.find((p) => isMe(p, s));
    const reset = mine && mine.is_admin ? el("button", { type: "button", class: "secondary", "data-action": "reset-link", text: t("g.resetLink"), onclick: async (ev) => {
      if (!confirm(t("g.confirmReset"))) return;
      const b = ev.currentTarget;
      b.disabled = true;
      try { const r = await api("POST", base(id) + "/groups/" + enc(jid) + "/invite-link/reset"); drawLink(r.invite_link); toast(t("g.linkReset")); } catch (e) { toastError(e); } finally { b.disabled = false; }
    } }) : null;
    const yes = (b) => (b ? t("yes") : t("no"));
    const settings = el("dl", { class: "kv" },
      el("dt", { text: "JID" }), el("dd", {}, bidi(g.jid, "mono")),
      g.owner ? [el("dt", { text: t("g.owner") }), el("dd", {}, bidi(g.owner, "mono"))] : null,
      g.created_at ? [el("dt", { text: t("s.created") }), el("dd", { text: fmtTime(g.created_at) })] : null,
      el("dt", { text: t("g.announce") }), el("dd", { text: yes(g.settings.announce) }),
      el("dt", { text: t("g.locked") }), el("dd", { text: yes(g.settings.locked) }),
      el("dt", { text: t("g.approval") }), el("dd", { text: yes(g.settings.join_approval) }));
    const rows = g.participants.map((p) => el("tr", { "data-participant": p.jid },
      el("td", {}, bidi(p.phone ? "+" + p.phone : p.jid, "mono"), isMe(p, s) ? el("span", { class: "muted", text: " (" + t("g.you") + ")" }) : null),
      el("td", { class: "opt" }, p.lid ? bidi(p.lid, "mono") : "—"),
      el("td", { class: "role" }, p.is_super_admin ? flag("creator", t("g.creator")) : p.is_admin ? flag("admin", t("g.admin")) : el("span", { class: "muted", text: t("g.member") }))));
    // Requests to join: only admins see and answer them (WhatsApp refuses
    // anyone else), so the section is an admin's, when the group needs
    // approval or still has requests from before it was turned off.
    const reqs = mine && mine.is_admin ? (await api("GET", base(id) + "/groups/" + enc(jid) + "/requests")).requests || [] : [];
    const answer = (r, action) => async (ev) => {
      if (action === "reject" && !confirm(t("g.confirmReject"))) return;
      const row = ev.currentTarget.closest("tr");
      row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      try {
        const res = await api("POST", base(id) + "/groups/" + enc(jid) + "/requests/" + action, { participants: [r.jid] });
        const one = (res.results || [])[0];
        if (one && one.status !== "ok") throw new Error(one.error || one.status);
        toast(t(action === "approve" ? "g.approved" : "g.rejected"));
        await viewGroup(id, jid); // the members and the requests as they are now
      } catch (e) { toastError(e); row.querySelectorAll("button").forEach((b) => { b.disabled = false; }); }
    };
    const requests = mine && mine.is_admin && (g.settings.join_approval || reqs.length)
      ? el("section", { class: "card", "aria-labelledby": "h-requests" }, el("h2", { id: "h-requests", text: t("g.requests") + " (" + fmtNum(reqs.length) + ")" }),
        reqs.length ? el("div", { class: "table-wrap" }, el("table", { id: "join-requests" },
          el("thead", {}, el("tr", {}, [t("s.phone"), "LID", t("g.asked"), ""].map((h, i) => el("th", { scope: "col", class: i === 1 ? "opt" : null, text: h })))),
          el("tbody", {}, reqs.map((r) => el("tr", { "data-request": r.jid },
            el("td", {}, bidi(r.phone ? "+" + r.phone : r.jid, "mono")),
            el("td", { class: "opt" }, r.lid ? bidi(r.lid, "mono") : "—"),
            el("td", { text: r.requested_at ? fmtTime(r.requested_at) : "—" }),
            el("td", { class: "actions-cell" }, el("span", { class: "actions" },
              el("button", { type: "button", "data-action": "approve", text: t("g.approve"), onclick: answer(r, "approve") }),
              el("button", { type: "button", class: "danger", "data-action": "reject", text: t("g.reject"), onclick: answer(r, "reject") }))))))))
          : el("p", { class: "muted", text: t("g.noRequests") }))
      : null;
    main().replaceChildren(...header(s, "groups", "#/sessions/" + id + "/groups", t("g.back")),
      el("section", { class: "card", "aria-labelledby": "h-group" }, el("h2", { id: "h-group", class: "clip", title: g.subject }, bidi(g.subject)),
        g.description ? el("p", { class: "desc", dir: "auto", text: g.description }) : null, settings),
      el("section", { class: "card", "aria-labelledby": "h-invite" }, el("h2", { id: "h-invite", text: t("g.invite") }), link, reset),
      requests,
      el("section", { class: "card", "aria-labelledby": "h-members" }, el("h2", { id: "h-members", text: t("g.members") + " (" + fmtNum(g.participants.length) + ")" }),
        el("div", { class: "table-wrap" }, el("table", { id: "participants" },
          el("thead", {}, el("tr", {}, [t("s.phone"), "LID", t("g.role")].map((h, i) => el("th", { scope: "col", class: i === 1 ? "opt" : null, text: h })))),
          el("tbody", {}, rows)))));
  }

  W.view("chats", viewChats);
  W.view("contacts", viewContacts);
  W.view("groups", viewGroups);
})();
