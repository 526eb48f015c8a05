/**
 * The API reference page: plain HTML, one stylesheet and one script served by the gateway itself
 * (no CDN, nothing inline, so the 'self'-only CSP holds). The script reads /api/openapi.json and
 * writes every operation with its role, parameters and request body schema, through textContent only.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Vigil API</title>
<link rel="stylesheet" href="/api/docs/docs.css">
<script src="/api/docs/docs.js" defer></script>
</head>
<body>
<header><h1>Vigil API</h1><p>The OpenAPI 3.1 document: <a href="/api/openapi.json">/api/openapi.json</a></p></header>
<main id="operations"><p>Loading…</p></main>
</body>
</html>
`;

export const DOCS_CSS = `body { font: 14px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #1d232b; }
h2 { border-bottom: 1px solid #d0d7de; margin-top: 2rem; text-transform: capitalize; }
details { border: 1px solid #d0d7de; border-radius: 4px; margin: .4rem 0; }
summary { cursor: pointer; padding: .4rem .6rem; font-family: ui-monospace, monospace; }
.method { display: inline-block; min-width: 4.5rem; font-weight: bold; }
.get { color: #0969da; } .post { color: #1a7f37; } .put, .patch { color: #9a6700; } .delete { color: #cf222e; }
.role { float: right; color: #57606a; font-family: system-ui, sans-serif; }
details > div { padding: 0 .8rem .6rem; }
pre { background: #f6f8fa; padding: .6rem; overflow: auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: left; }
`;

export const DOCS_JS = `'use strict';
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children || []) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}
function render(doc) {
  const main = document.getElementById('operations');
  main.replaceChildren();
  document.title = doc.info.title + ' ' + doc.info.version;
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  for (const [tag, ops] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
    main.append(el('h2', {}, [tag]));
    for (const { path, method, op } of ops) {
      const role = op['x-vigil-role'] ? 'role: ' + op['x-vigil-role'] : 'public';
      const body = el('div');
      if (op.summary) body.append(el('p', {}, [op.summary]));
      if (op.parameters && op.parameters.length) {
        const rows = op.parameters.map((p) =>
          el('tr', {}, [el('td', {}, [p.name]), el('td', {}, [p.in]), el('td', {}, [p.required ? 'required' : 'optional']), el('td', {}, [JSON.stringify(p.schema)])]));
        body.append(el('h4', {}, ['Parameters']), el('table', {}, [el('tr', {}, [el('th', {}, ['name']), el('th', {}, ['in']), el('th', {}, ['']), el('th', {}, ['schema'])]), ...rows]));
      }
      if (op.requestBody) {
        for (const [type, media] of Object.entries(op.requestBody.content)) {
          body.append(el('h4', {}, ['Body (' + type + ')']), el('pre', {}, [JSON.stringify(media.schema, null, 2)]));
        }
      }
      main.append(el('details', {}, [
        el('summary', {}, [el('span', { class: 'method ' + method }, [method.toUpperCase()]), path, el('span', { class: 'role' }, [role])]),
        body,
      ]));
    }
  }
}
fetch('/api/openapi.json')
  .then((r) => r.json())
  .then(render)
  .catch((e) => { document.getElementById('operations').textContent = 'Could not load the document: ' + e; });
`;
