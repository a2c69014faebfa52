// A small renderer of the gateway's OpenAPI document: no framework, no CDN.
"use strict";
(function () {
  let spec;
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };
  // inline renders Markdown's inline marks (`code`, **bold**, [text](link))
  // as nodes: text stays text, so a description cannot inject markup.
  const inline = (text) => {
    const out = [];
    const re = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(((?:https?:\/\/|\/|#)[^)\s]*)\)/g;
    let last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) out.push(text.slice(last, m.index));
      if (m[1] !== undefined) out.push(el("code", { text: m[1] }));
      else if (m[2] !== undefined) out.push(el("strong", { text: m[2] }));
      else out.push(el("a", { href: m[4], text: m[3] }));
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  };
  // md renders a description written in Markdown (CommonMark's common
  // part: paragraphs, "- " lists, fenced code, inline marks) into a div
  // of the given class.
  const md = (text, cls) => {
    const box = el("div", { class: "md" + (cls ? " " + cls : "") });
    const blocks = String(text || "").split(/\n\s*\n/);
    for (const b of blocks) {
      if (!b.trim()) continue;
      if (b.startsWith("```")) {
        box.append(el("pre", { text: b.replace(/^```\w*\n?/, "").replace(/\n?```\s*$/, "") }));
        continue;
      }
      const lines = b.split("\n");
      if (lines.every((l) => /^\s*[-*] /.test(l) || /^\s{2,}\S/.test(l))) {
        const ul = el("ul");
        let li;
        for (const l of lines) {
          if (/^\s*[-*] /.test(l)) { li = el("li", {}, ...inline(l.replace(/^\s*[-*] /, ""))); ul.append(li); } else li.append(" ", ...inline(l.trim()));
        }
        box.append(ul);
        continue;
      }
      box.append(el("p", {}, ...inline(lines.join(" "))));
    }
    return box;
  };
  // authOf says who may call an operation, from what the route table put
  // in the document: admin only, login token only, or token or API key
  // with the key's scope and its session binding.
  const authOf = (op) => {
    if (!op.security || !op.security.length) return [el("strong", { text: "No authentication." })];
    if (op["x-admin-only"]) return [el("strong", { text: "Admin only:" }), " an admin's login token (", el("code", { text: "Authorization: Bearer" }), "); API keys are refused (404)."];
    const key = op.security.some((s) => s.apiKeyAuth);
    if (!key) return [el("strong", { text: "Login token only:" }), " ", el("code", { text: "Authorization: Bearer" }), "; API keys are refused (403)."];
    const out = ["A login token, or an API key"];
    const scope = op["x-api-key-scope"];
    if (scope) out.push(" with the ", el("code", { class: "scope", text: scope }), " scope (or ", el("code", { text: "*" }), ")");
    else out.push(" of any scope");
    const bound = op["x-session-bound-key"];
    if (bound) out.push("; a key bound to one session: " + bound);
    out.push(".");
    return out;
  };
  // scopesTable lists the API key scopes the operations need, with how
  // many need each: the route table's own scopes, read from the document.
  const scopesTable = () => {
    const need = {};
    let anyKey = 0, noKey = 0;
    for (const item of Object.values(spec.paths)) {
      for (const op of Object.values(item)) {
        if (!op.security || !op.security.length) continue;
        if (!op.security.some((s) => s.apiKeyAuth)) { noKey++; continue; }
        const sc = op["x-api-key-scope"];
        if (sc) (need[sc] = need[sc] || []).push(op.operationId); else anyKey++;
      }
    }
    const scheme = ((spec.components || {}).securitySchemes || {}).apiKeyAuth || {};
    const meaning = scheme["x-scopes"] || {};
    const t = el("table", { id: "scopes" }, el("tr", {}, el("th", { text: "API key scope" }), el("th", { text: "Meaning" }), el("th", { text: "Operations" }), el("th", { text: "Examples" })));
    for (const sc of Object.keys(need).sort()) {
      t.append(el("tr", { "data-scope": sc }, el("td", {}, el("code", { text: sc })), el("td", { text: meaning[sc] || "" }), el("td", { text: String(need[sc].length) }),
        el("td", {}, ...need[sc].slice(0, 4).flatMap((id, i) => [i ? ", " : "", el("a", { href: "#" + id, text: id })]))));
    }
    t.append(el("tr", { "data-scope": "*" }, el("td", {}, el("code", { text: "*" })), el("td", { text: meaning["*"] || "" }), el("td", { text: "all" }), el("td", { text: "" })));
    return el("section", { class: "scopes" }, el("h2", { id: "scopes-h", text: "API key scopes" }), t,
      el("p", { class: "muted", text: anyKey + " operations take a key of any scope; " + noKey + " take a login token only (admin routes among them)." }));
  };
  const resolve = (s) => {
    let seen = 0;
    while (s && s.$ref && seen++ < 20) s = s.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
    return s || {};
  };
  const typeName = (s) => {
    if (!s) return "any";
    if (s.$ref) return s.$ref.split("/").pop();
    if (s.anyOf) return s.anyOf.map(typeName).join(" | ");
    if (s.const !== undefined) return JSON.stringify(s.const);
    let t = Array.isArray(s.type) ? s.type.join(" | ") : s.type || "any";
    if (t === "array") t = typeName(s.items) + "[]";
    if (s.format) t += " (" + s.format + ")";
    if (s.enum) t += ": " + s.enum.join(", ");
    return t;
  };
  // schemaTree renders an object schema's properties, nested to a few levels.
  const schemaTree = (s, depth) => {
    s = resolve(s);
    if (s.anyOf) s = resolve(s.anyOf.find((x) => x.type !== "null") || {});
    if (s.type === "array") return schemaTree(s.items, depth);
    if (!s.properties || depth > 4) return null;
    const req = new Set(s.required || []);
    const ul = el("ul");
    for (const [name, p] of Object.entries(s.properties)) {
      const li = el("li", {}, el("code", { text: name }), " ", el("span", { class: "muted", text: typeName(p) }));
      if (req.has(name)) li.append(" ", el("span", { class: "req", text: "required" }));
      if (p.description) li.append(" — ", ...inline(p.description));
      const sub = schemaTree(p, depth + 1);
      if (sub) li.append(sub);
      ul.append(li);
    }
    return ul;
  };
  const block = (title, schema, example) => {
    const d = el("details", {}, el("summary", { text: title }));
    const tree = schemaTree(schema, 0);
    if (tree) d.append(el("div", { class: "schema" }, tree));
    if (example !== undefined) d.append(el("pre", { text: typeof example === "string" ? example : JSON.stringify(example, null, 2) }));
    return d;
  };
  const tryIt = (method, path, op) => {
    const d = el("details", {}, el("summary", { text: "Try it" }));
    const params = (op.parameters || []).filter((p) => p.in === "path");
    const inputs = {};
    for (const p of params) {
      const id = op.operationId + "-" + p.name;
      inputs[p.name] = el("input", { id: id, placeholder: p.name });
      d.append(el("label", { for: id, text: p.name + " " }), inputs[p.name], " ");
    }
    let body;
    const media = op.requestBody && op.requestBody.content["application/json"];
    if (media) {
      const id = op.operationId + "-body";
      body = el("textarea", { id: id, rows: "6", cols: "60" });
      body.value = JSON.stringify(media.example || {}, null, 2);
      d.append(el("label", { for: id, text: "Body" }), el("br"), body, el("br"));
    }
    const out = el("pre", { "aria-live": "polite" });
    const btn = el("button", { type: "button", text: "Send " + method.toUpperCase() });
    btn.addEventListener("click", async () => {
      let url = path;
      for (const [k, i] of Object.entries(inputs)) url = url.replace("{" + k + "}", encodeURIComponent(i.value));
      const headers = { Accept: "application/json" };
      const tok = document.getElementById("token").value.trim();
      if (tok) { if (tok.startsWith("wsa_")) headers["X-API-Key"] = tok; else headers.Authorization = "Bearer " + tok; }
      const init = { method: method.toUpperCase(), headers };
      if (body) { headers["Content-Type"] = "application/json"; init.body = body.value; }
      out.textContent = "…";
      try {
        const r = await fetch(url, init);
        const text = await r.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
        out.textContent = r.status + " " + r.statusText + "\n" + shown.slice(0, 20000);
      } catch (e) { out.textContent = String(e); }
    });
    d.append(btn, out);
    return d;
  };
  const render = () => {
    const nav = document.getElementById("nav"), main = document.getElementById("main");
    main.replaceChildren(md(spec.info.description), scopesTable());
    nav.replaceChildren();
    const byTag = {};
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push({ path, method, op });
      }
    }
    const tagDesc = Object.fromEntries((spec.tags || []).map((t) => [t.name, t.description]));
    for (const tag of Object.keys(byTag).sort()) {
      nav.append(el("h2", { text: tag }));
      main.append(el("h2", { id: "tag-" + tag.replace(/\W+/g, "-"), text: tag }), md(tagDesc[tag], "tag-desc"));
      for (const { path, method, op } of byTag[tag].sort((a, b) => a.path.localeCompare(b.path))) {
        nav.append(el("a", { href: "#" + op.operationId }, el("span", { class: "method " + method, text: method }), " " + path));
        const sec = el("section", { class: "op", id: op.operationId },
          el("h3", {}, el("span", { class: "method " + method, text: method }), el("code", { text: path }), el("span", { class: "muted", text: op.summary })));
        if (op.description) sec.append(md(op.description));
        sec.append(el("p", { class: "auth" }, ...authOf(op)));
        if (op.parameters && op.parameters.length) {
          const t = el("table", {}, el("tr", {}, el("th", { text: "Parameter" }), el("th", { text: "In" }), el("th", { text: "Type" }), el("th", { text: "Description" })));
          for (const p of op.parameters) t.append(el("tr", {}, el("td", {}, el("code", { text: p.name })), el("td", { text: p.in }), el("td", { text: typeName(p.schema) }), el("td", {}, ...inline(p.description || ""))));
          sec.append(t);
        }
        if (op.requestBody) {
          const m = op.requestBody.content["application/json"];
          sec.append(block("Request body", m.schema, m.example));
        }
        for (const [code, resp] of Object.entries(op.responses)) {
          const r = resolve(resp);
          for (const [ct, m] of Object.entries(r.content || {})) {
            if (code === "default" || (code >= "400" && code !== "default")) continue;
            sec.append(block("Response " + code + " (" + ct + ")", m.schema, m.example));
          }
        }
        const errs = Object.keys(op.responses).filter((c) => c >= "400" && c !== "default");
        if (errs.length) sec.append(el("p", { class: "muted", text: "Errors: " + errs.join(", ") + " in the error envelope {success: false, error: {code, message}}." }));
        sec.append(tryIt(method, path, op));
        main.append(sec);
      }
    }
    if (location.hash) { const t = document.getElementById(location.hash.slice(1)); if (t) t.scrollIntoView(); }
  };
  document.addEventListener("DOMContentLoaded", async () => {
    try {
      const r = await fetch("/openapi.json");
      spec = await r.json();
      document.title = spec.info.title + " " + spec.info.version;
      render();
    } catch (e) {
      document.getElementById("main").textContent = "The API description could not be loaded: " + e;
    }
  });
})();
