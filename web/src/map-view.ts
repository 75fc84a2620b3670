/**
 * The decision map in the page (the same data as `syswall graph`'s SVG, from
 * the core's buildDecisionMap): per arch the syscall-number line split into
 * ranges by decision, every syscall as a cell coloured by its action, and
 * argument-dependent ones opening into their condition trees. Rendered as
 * HTML so it reflows to the screen width and works with the keyboard.
 */
import { ACTION_COLORS, actionColor, type DecisionMap, type MapArch, type MapRange, type MapTree } from '../../src/core/index.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const hex = (n: number) => '0x' + n.toString(16);

function swatch(action: string, conditional: boolean, caseAction?: string): string {
  if (!conditional || !caseAction) return actionColor(action);
  return `repeating-linear-gradient(135deg, ${actionColor(caseAction)} 0 5px, ${actionColor(action)} 5px 10px)`;
}

function rangeText(r: MapRange, base: number): string {
  const f = (n: number) => (n - base > 0xffff ? hex(n) : String(n - base));
  return r.lo === r.hi ? `nr ${f(r.lo)}` : `nr ${f(r.lo)}–${f(r.hi)}`;
}

function treeHtml(t: MapTree): string {
  const cases = t.cases.map((c) => `<li><span class="act" style="background:${actionColor(c.action)}">${esc(c.action)}</span> when <ul>${c.when.map((w) => `<li><code>${esc(w)}</code></li>`).join('')}</ul></li>`).join('');
  return `<details class="tree" id="${esc(t.id)}" data-syscalls=" ${esc(t.syscalls.join(' '))} "><summary><b>${esc(t.syscalls.join(', '))}</b>: depends on arguments</summary>
<ul class="tree-cases">${cases}<li><span class="act" style="background:${actionColor(t.otherwise)}">${esc(t.otherwise)}</span> otherwise</li></ul></details>`;
}

function cellHtml(a: MapArch, c: MapArch['cells'][number]): string {
  const base = a.nrLo;
  const bg = swatch(c.action, c.conditional, c.tree ? a.trees.find((t) => t.id === c.tree)?.cases[0]?.action : undefined);
  const label = `${c.nr - base} ${c.name}`;
  const tip = `${c.name} (nr ${c.nr}${base ? ` = ${hex(c.nr)}` : ''}): ${c.decision}`;
  return c.tree
    ? `<button type="button" class="cell cond" data-name="${esc(c.name)}" data-tree="${esc(c.tree)}" style="background:${bg}" title="${esc(tip)}">${esc(label)}<span aria-hidden="true"> ▸</span></button>`
    : `<span class="cell" data-name="${esc(c.name)}" style="background:${bg}" title="${esc(tip)}">${esc(label)}</span>`;
}

function archHead(a: MapArch): string {
  const base = a.nrLo;
  const counts = new Map<string, number>();
  for (const c of a.cells) counts.set(c.conditional ? 'depends on arguments' : c.action, (counts.get(c.conditional ? 'depends on arguments' : c.action) ?? 0) + 1);
  const summary = [...counts].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${n} ${k}`).join(', ');
  const span = a.tableHi - base + 1;
  const caseOf = (decision: string) => a.trees.find((t) => t.decision === decision)?.cases[0]?.action;
  const line = a.ranges.map((r) => {
    const w = ((r.hi - r.lo + 1) / span) * 100;
    const tip = `${rangeText(r, base)}${r.first ? ` (${r.first === r.last ? r.first : `${r.first} … ${r.last}`})` : ''}: ${r.decision}`;
    return `<span style="width:${w.toFixed(3)}%;background:${swatch(r.action, r.conditional, caseOf(r.decision))}" title="${esc(tip)}"></span>`;
  }).join('');
  const beyond = a.beyond.map((r) => `<span class="beyond" style="background:${swatch(r.action, r.conditional, caseOf(r.decision))}" title="${esc(`${rangeText(r, base)} (no syscall has these numbers): ${r.decision}`)}">${esc(rangeText(r, base))}: <b>${esc(r.action)}</b></span>`).join('');
  return `<h3>${esc(a.arch)}: ${a.cells.length} syscalls${summary ? ` — ${esc(summary)}` : ''}${base ? ` <span class="muted">(numbers are nr − ${hex(base)})</span>` : ''}</h3>
<div class="nrline-wrap"><div class="nrline" role="img" aria-label="${esc(`syscall numbers 0 to ${a.tableHi - base} of ${a.arch}, coloured by decision`)}">${line}</div>${beyond ? `<div class="beyond-list">${beyond}</div>` : ''}</div>
<div class="nrticks"><span>0</span><span>${Math.round((a.tableHi - base) / 2)}</span><span>${a.tableHi - base}</span></div>
<div class="cells"></div>`;
}

/** The legend of action colours (shared with the SVG). */
export function legendHtml(): string {
  return `<div class="legend">${ACTION_COLORS.map(([, color, label]) => `<span><i style="background:${color}"></i>${esc(label)}</span>`).join('')}<span><i style="background:${swatch('ERRNO(1)', true, 'ALLOW')}"></i>depends on arguments (press it for the conditions)</span></div>`;
}

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

/** Cells added per task: small enough that no single task styles and paints for long. */
const CELLS_PER_TASK = 160;

/** Renders a map into `el` in small pieces (one per task), so no task runs long. Resolves when done (false if superseded). */
export async function renderMap(el: HTMLElement, map: DecisionMap, isCurrent: () => boolean): Promise<boolean> {
  el.innerHTML = legendHtml() + (map.otherArches !== undefined ? `<div class="map-other" style="background:${actionColor(map.otherArches)}">every other arch (bad arch): <b>${esc(map.otherArches)}</b></div>` : '');
  for (const a of map.arches) {
    await frame();
    if (!isCurrent()) return false;
    const section = document.createElement('section');
    section.className = 'map-arch';
    section.dataset.arch = a.arch;
    section.innerHTML = archHead(a);
    el.append(section);
    const cells = section.querySelector('.cells')!;
    for (let i = 0; i < a.cells.length; i += CELLS_PER_TASK) {
      await frame();
      if (!isCurrent()) return false;
      cells.insertAdjacentHTML('beforeend', a.cells.slice(i, i + CELLS_PER_TASK).map((c) => cellHtml(a, c)).join(''));
    }
    if (a.trees.length) section.insertAdjacentHTML('beforeend', `<div class="trees"><h4>${esc(a.arch)}: decisions that depend on arguments</h4>${a.trees.map(treeHtml).join('')}</div>`);
  }
  return true;
}

/** Opens the condition tree a conditional cell points at and scrolls to it. */
export function openTree(el: HTMLElement, treeId: string): void {
  const d = el.querySelector<HTMLDetailsElement>(`details[id="${CSS.escape(treeId)}"]`);
  if (!d) return;
  d.open = true;
  d.scrollIntoView({ block: 'nearest' });
  d.querySelector('summary')?.focus();
}

/** Highlights the cells (and trees) of a syscall; returns how many were found. */
export function findInMap(el: HTMLElement, name: string): number {
  for (const n of el.querySelectorAll('.found')) n.classList.remove('found');
  if (!name) return 0;
  const hits = [...el.querySelectorAll<HTMLElement>(`.cell[data-name="${CSS.escape(name)}"]`)];
  for (const h of hits) h.classList.add('found');
  for (const t of el.querySelectorAll<HTMLDetailsElement>(`details.tree[data-syscalls~="${CSS.escape(name)}"]`)) {
    t.classList.add('found');
    t.open = true;
  }
  hits[0]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  return hits.length;
}
