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
      if (p.description) li.append(" — " + p.description);
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
    main.replaceChildren(el("p", {}, spec.info.description || ""));
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
      main.append(el("h2", { id: "tag-" + tag.replace(/\W+/g, "-"), text: tag }), el("p", { class: "tag-desc", text: tagDesc[tag] || "" }));
      for (const { path, method, op } of byTag[tag].sort((a, b) => a.path.localeCompare(b.path))) {
        nav.append(el("a", { href: "#" + op.operationId }, el("span", { class: "method " + method, text: method }), " " + path));
        const sec = el("section", { class: "op", id: op.operationId },
          el("h3", {}, el("span", { class: "method " + method, text: method }), el("code", { text: path }), el("span", { class: "muted", text: op.summary })));
        if (op.description) sec.append(el("p", { text: op.description }));
        const auth = op.security && op.security.length ? "Bearer token or X-API-Key" + (op["x-api-key-scope"] ? " (API key scope: " + op["x-api-key-scope"] + ")" : "") : "No authentication";
        sec.append(el("p", { class: "muted", text: auth }));
        if (op.parameters && op.parameters.length) {
          const t = el("table", {}, el("tr", {}, el("th", { text: "Parameter" }), el("th", { text: "In" }), el("th", { text: "Type" }), el("th", { text: "Description" })));
          for (const p of op.parameters) t.append(el("tr", {}, el("td", {}, el("code", { text: p.name })), el("td", { text: p.in }), el("td", { text: typeName(p.schema) }), el("td", { text: p.description || "" })));
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
