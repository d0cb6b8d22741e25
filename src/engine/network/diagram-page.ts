// The live diagram's web page (`network diagram --serve`): one HTML page, its style and script
// inline, no external asset, no framework. It shows the SVG the server rendered last and
// replaces it with each frame the server sends by server-sent events (/events); a port counter
// that rose since the frame before is highlighted. Pure: strings in, a string out.

import { esc } from './diagram-render.js';

// Runs in the browser. Kept small and plain (ES2017, no build step): it is sent as written.
const SCRIPT = `
'use strict';
const box = document.getElementById('diagram');
const status = document.getElementById('status');
let frames = 0;
const counters = () => new Map([...box.querySelectorAll('[data-port]')].map((e) => [e.getAttribute('data-port'), e.textContent]));
function show(f) {
  if (f.error) {
    status.textContent = '\\u2717 ' + f.error + ' (showing the last diagram read)';
    status.className = 'bad';
    return;
  }
  const before = counters();
  box.innerHTML = f.svg;
  for (const e of box.querySelectorAll('[data-port]')) {
    const was = before.get(e.getAttribute('data-port'));
    if (was !== undefined && was !== e.textContent) e.classList.add('rose');
  }
  frames++;
  document.body.setAttribute('data-frames', String(frames));
  status.className = f.drift ? 'bad' : '';
  status.textContent = 'live \\u00b7 read ' + new Date(f.time).toLocaleTimeString() + ' \\u00b7 ' + (f.drift ? f.drift + ' disagreement' + (f.drift === 1 ? '' : 's') + ' between the kernel and minidock\\u2019s state' : 'the kernel and minidock\\u2019s state agree');
}
const es = new EventSource('events');
es.addEventListener('frame', (e) => show(JSON.parse(e.data)));
es.addEventListener('error', () => {
  status.className = 'bad';
  status.textContent = 'not connected to minidock: retrying\\u2026';
});
`;

const STYLE = `
  body { margin: 0; font-family: 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace; background: #fafafa; color: #1f2933; }
  header { position: sticky; top: 0; background: #ffffffee; border-bottom: 1px solid #ddd; padding: 6px 12px; font-size: 13px; }
  header b { margin-right: 1em; }
  #status.bad { color: #c62828; }
  #diagram { padding: 8px; }
  #diagram svg { max-width: none; }
  text.rose { fill: #d84315 !important; font-weight: bold; }
`;

/** The page, with the first frame's SVG in it (so it shows even before the first event). */
export function renderPage(o: { svg: string; title: string; nonce: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)}</title>
<style>${STYLE}</style>
</head>
<body data-frames="0">
<header><b>${esc(o.title)}</b><span id="status">connecting…</span></header>
<div id="diagram">${o.svg}</div>
<script nonce="${o.nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
