/**
 * A self-contained HTML page around a picture (decision map or control-flow
 * graph SVG): a search box that finds syscalls by name (map cells, graph
 * edges that carry the syscall), zoom buttons and drag-to-pan. No network,
 * no external scripts or styles.
 */
import { xmlEscape } from './graph.js';

const SCRIPT = `
(() => {
  const view = document.getElementById('view');
  const svg = view.querySelector('svg');
  const w0 = Number(svg.getAttribute('width')), h0 = Number(svg.getAttribute('height'));
  let zoom = 1;
  const setZoom = (z) => { zoom = Math.min(4, Math.max(0.1, z)); svg.setAttribute('width', String(w0 * zoom)); svg.setAttribute('height', String(h0 * zoom)); document.getElementById('zoom').textContent = Math.round(zoom * 100) + '%'; };
  document.getElementById('in').onclick = () => setZoom(zoom * 1.25);
  document.getElementById('out').onclick = () => setZoom(zoom / 1.25);
  document.getElementById('fit').onclick = () => setZoom(Math.min(1, (view.clientWidth - 4) / w0));
  document.getElementById('one').onclick = () => setZoom(1);
  let drag;
  view.addEventListener('pointerdown', (e) => { if (e.target.closest('a')) return; drag = { x: e.clientX, y: e.clientY, l: view.scrollLeft, t: view.scrollTop }; });
  window.addEventListener('pointermove', (e) => { if (drag) { view.scrollLeft = drag.l - (e.clientX - drag.x); view.scrollTop = drag.t - (e.clientY - drag.y); } });
  window.addEventListener('pointerup', () => { drag = undefined; });
  const q = document.getElementById('q');
  const status = document.getElementById('found');
  q.addEventListener('input', () => {
    for (const el of svg.querySelectorAll('.found')) el.classList.remove('found');
    const name = q.value.trim();
    if (!name) { status.textContent = ''; return; }
    const hits = [...svg.querySelectorAll('g.cell[data-name="' + CSS.escape(name) + '"], g.edge[data-syscalls~="' + CSS.escape(name) + '"], g.tree[data-syscalls~="' + CSS.escape(name) + '"]')];
    for (const el of hits) el.classList.add('found');
    status.textContent = hits.length ? hits.length + ' found' : 'not found';
    const first = hits[0];
    if (first) {
      const b = first.getBoundingClientRect(), v = view.getBoundingClientRect();
      view.scrollLeft += b.left - v.left - v.width / 2 + b.width / 2;
      view.scrollTop += b.top - v.top - v.height / 2 + b.height / 2;
    }
  });
})();
`;

/** The HTML page of a picture. */
export function pictureHtml(svg: string, title: string, summary: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${xmlEscape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;font:14px system-ui,sans-serif}
header{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:6px 10px;background:#f4f4f4;border-bottom:1px solid #ccc}
#view{overflow:auto;height:calc(100vh - 48px);cursor:grab}
button{font:inherit}
.found rect{stroke:#d4006a !important;stroke-width:3px !important}
.found path{stroke:#d4006a !important;stroke-width:3px !important}
</style></head>
<body><header><b>${xmlEscape(title)}</b> <span>${xmlEscape(summary)}</span>
<label>Find syscall <input id="q" placeholder="e.g. mkdir" size="16"></label> <span id="found" aria-live="polite"></span>
<button id="out" type="button" aria-label="zoom out">−</button><span id="zoom">100%</span><button id="in" type="button" aria-label="zoom in">+</button>
<button id="fit" type="button">fit</button><button id="one" type="button">100%</button></header>
<div id="view">${svg}</div>
<script>${SCRIPT}</script></body></html>
`;
}
