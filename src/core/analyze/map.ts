/**
 * The decision map: the picture of what a filter decides, per arch.
 *
 * For each arch the program decides for, the syscall-number line is split
 * into the ranges on which the decision is the same (from the exact
 * symbolic analysis, so it is the program's real decision function, not a
 * reading of its instructions); every syscall of the arch's table gets a
 * cell, coloured by its action and findable by name; syscalls whose
 * decision depends on arguments open into their condition tree; numbers no
 * table names (where compiled filters answer ENOSYS) and arches the filter
 * does not know (the bad-arch action) have their own regions.
 *
 * {@link buildDecisionMap} gives the data (the playground renders it
 * interactively), {@link mapToSvg} a self-contained SVG that fits in a given
 * width (2,000 px by default) at a readable size.
 */
import type { ArchInfo } from '../arch/arches.js';
import { syscallTable } from '../arch/syscalls.js';
import type { Instruction } from '../bpf/instruction.js';
import { analyzeProgram, type AnalyzeOptions, type ProgramAnalysis } from '../symbolic/symbolic.js';
import { clipSegments, viewsOf, type ArchView } from '../symbolic/present.js';
import { describeSegment, type Decision } from './explain.js';
import { ACTION_COLORS, actionColor, xmlEscape } from './graph.js';

const FULL = 0xffffffff;

/** One syscall of an arch's table and what the filter decides for it. */
export interface MapCell {
  readonly name: string;
  readonly nr: number;
  /** The decision text, as in `explain` (`ALLOW`, `ERRNO(1) when args[0] ..., else ALLOW`). */
  readonly decision: string;
  /** The action when it does not depend on arguments; else the action for "everything else". */
  readonly action: string;
  readonly conditional: boolean;
  /** For conditional cells: the id of the condition tree. */
  readonly tree?: string;
}

/** A run of syscall numbers with one decision. */
export interface MapRange {
  readonly lo: number;
  readonly hi: number;
  readonly decision: string;
  readonly action: string;
  readonly conditional: boolean;
  /** Syscalls of the table in the range (first and last by number), if any. */
  readonly first?: string;
  readonly last?: string;
  readonly named: number;
}

/** A condition tree: the syscalls sharing an argument-dependent decision, each case with its conditions, then the rest. */
export interface MapTree {
  readonly id: string;
  readonly syscalls: readonly string[];
  readonly cases: readonly { readonly action: string; readonly when: readonly string[] }[];
  readonly otherwise: string;
  readonly decision: string;
}

/** The map of one arch (an arch view: x86_64 and x32 share a token and are separate maps). */
export interface MapArch {
  readonly arch: string;
  readonly token: number | null;
  /** First syscall number of the view (0x40000000 for x32). */
  readonly nrLo: number;
  /** Largest number the arch's table names (the end of the drawn number line). */
  readonly tableHi: number;
  /** The decision when the whole view has one. */
  readonly constant?: string;
  /** Ranges up to `tableHi`. */
  readonly ranges: readonly MapRange[];
  /** Ranges above `tableHi` (numbers no syscall has; typically ENOSYS or the default). */
  readonly beyond: readonly MapRange[];
  readonly cells: readonly MapCell[];
  readonly trees: readonly MapTree[];
}

/** The whole map. */
export interface DecisionMap {
  readonly arches: readonly MapArch[];
  /** The decision for every arch the filter does not check (the bad-arch action), or undefined when the filter reads no arch. */
  readonly otherArches?: string;
}

/** Options of {@link buildDecisionMap}. */
export interface MapOptions extends AnalyzeOptions {
  /** Only these arches (default: every arch the program checks). */
  arches?: readonly ArchInfo[];
}

function mainAction(d: Decision): string {
  return d.action ?? d.otherwise ?? d.text;
}

/** Builds the map from an analysis. */
export function buildDecisionMap(analysis: ProgramAnalysis, options: MapOptions = {}): DecisionMap {
  const out: MapArch[] = [];
  let otherArches: string | undefined;
  for (const d of analysis.arches) {
    for (const view of viewsOf(d.token)) {
      if (view.token === null) {
        const segs = clipSegments(d, view);
        const texts = new Set(segs.map((s) => describeSegment(s, undefined).text));
        if (analysis.archTokens.length > 0 || analysis.readsArch) {
          otherArches = texts.size === 1 ? [...texts][0] : 'depends on the syscall';
          continue;
        }
        // A program that checks no arch: one map without names (unless an arch was given).
      }
      if (options.arches && view.token !== null && !options.arches.some((a) => a.token === view.token && (!view.info || a.name === view.info.name))) continue;
      out.push(mapView(analysis, view, d.token));
    }
  }
  return { arches: out, ...(otherArches !== undefined ? { otherArches } : {}) };
}

function mapView(analysis: ProgramAnalysis, view: ArchView, token: number | null): MapArch {
  const decision = analysis.arches.find((a) => a.token === token)!;
  const info = view.info;
  const table = info ? syscallTable(info).filter((e) => e.nr >= view.nrLo && e.nr <= view.nrHi) : [];
  const tableHi = info && table.length ? Math.max(...table.map((e) => e.nr)) : Math.min(view.nrHi, view.nrLo + 511);
  const segs = clipSegments(decision, view);
  const described = segs.map((s) => ({ seg: s, d: describeSegment(s, info) }));
  const trees = new Map<string, { id: string; syscalls: string[]; d: Decision }>();
  const name = view.name.replace(/[^A-Za-z0-9_]/g, '_');
  const cells: MapCell[] = [];
  let si = 0;
  for (const e of [...table].sort((x, y) => x.nr - y.nr)) {
    while (si < described.length - 1 && described[si].seg.hi < e.nr) si++;
    const d = described[si].d;
    const conditional = !!d.cases;
    let tree: string | undefined;
    if (conditional) {
      let t = trees.get(d.text);
      if (!t) {
        t = { id: `tree-${name}-${trees.size}`, syscalls: [], d };
        trees.set(d.text, t);
      }
      t.syscalls.push(e.name);
      tree = t.id;
    }
    cells.push({ name: e.name, nr: e.nr, decision: d.text, action: mainAction(d), conditional, ...(tree ? { tree } : {}) });
  }
  const toRange = (lo: number, hi: number, d: Decision): MapRange => {
    const inside = table.filter((e) => e.nr >= lo && e.nr <= hi);
    return {
      lo, hi, decision: d.text, action: mainAction(d), conditional: !!d.cases, named: inside.length,
      ...(inside.length ? { first: inside[0].name, last: inside[inside.length - 1].name } : {}),
    };
  };
  const ranges: MapRange[] = [];
  const beyond: MapRange[] = [];
  for (const { seg, d } of described) {
    if (seg.lo <= tableHi) ranges.push(toRange(seg.lo, Math.min(seg.hi, tableHi), d));
    if (seg.hi > tableHi) beyond.push(toRange(Math.max(seg.lo, tableHi + 1), seg.hi, d));
  }
  const texts = new Set(described.map((x) => x.d.text));
  return {
    arch: view.token === null && analysis.archTokens.length === 0 ? 'any arch' : view.name,
    token: view.token,
    nrLo: view.nrLo,
    tableHi,
    ...(texts.size === 1 ? { constant: [...texts][0] } : {}),
    ranges,
    beyond,
    cells,
    trees: [...trees.values()].map((t) => ({
      id: t.id,
      syscalls: t.syscalls,
      cases: (t.d.cases ?? []).map((c) => ({ action: c.action, when: splitAlternatives(c.when) })),
      otherwise: t.d.otherwise ?? '',
      decision: t.d.text,
    })),
  };
}

/** Splits `a || b || (c && d)` into its alternatives (outer parentheses removed). */
function splitAlternatives(when: string): string[] {
  return when.split(' || ').map((p) => (/^\(.*\)$/.test(p) && !p.slice(1, -1).includes(')') ? p.slice(1, -1) : p));
}

/** Analyses a program and builds its map. */
export function decisionMap(program: readonly Instruction[], options: MapOptions = {}): DecisionMap {
  const analysis = analyzeProgram(program, { ...options, archTokens: [...(options.archTokens ?? []), ...(options.arches ?? []).map((a) => a.token)] });
  return buildDecisionMap(analysis, options);
}

// ------------------------------------------------------------ SVG

/** Text metrics of the map (px): 12 px monospace, readable at 100 % zoom. */
const FONT = 12;
const CHAR_W = 7.3;
const CELL_H = 20;
const MARGIN = 16;
const LINE_H = 34;
const TREE_ROW = 18;

/** Options of {@link mapToSvg}. */
export interface MapSvgOptions {
  title?: string;
  /** Maximum width in px (default 2000). */
  maxWidth?: number;
}

const nrText = (n: number, base: number) => String(n - base);
const hex = (n: number) => '0x' + n.toString(16);

function rangeLabel(r: MapRange, base: number): string {
  const f = (n: number) => (n - base > 0xffff ? hex(n) : String(n - base));
  return r.lo === r.hi ? `nr ${f(r.lo)}` : `nr ${f(r.lo)}–${r.hi === FULL ? hex(FULL) : f(r.hi)}`;
}

/** A pattern id per (case action, otherwise) pair, for argument-dependent decisions. */
class Hatches {
  private readonly ids = new Map<string, string>();
  readonly defs: string[] = [];
  id(caseAction: string, otherwise: string): string {
    const key = `${actionColor(caseAction)}|${actionColor(otherwise)}`;
    let id = this.ids.get(key);
    if (!id) {
      id = `hatch${this.ids.size}`;
      this.ids.set(key, id);
      this.defs.push(`<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${actionColor(otherwise)}"/><rect width="4" height="8" fill="${actionColor(caseAction)}"/></pattern>`);
    }
    return id;
  }
}

function fill(hatches: Hatches, action: string, conditional: boolean, firstCase?: string): string {
  return conditional && firstCase ? `url(#${hatches.id(firstCase, action)})` : actionColor(action);
}

/**
 * Self-contained SVG of a map, at most `maxWidth` px wide: a legend, then
 * per arch its number line and a grid of named cells (number and name,
 * coloured by action; argument-dependent ones hatched and linked to their
 * condition tree below the grid). Cells are `<g class="cell" id="ARCH-NAME"
 * data-name data-nr data-action>`.
 */
export function mapToSvg(map: DecisionMap, options: MapSvgOptions = {}): string {
  const maxWidth = options.maxWidth ?? 2000;
  const hatches = new Hatches();
  const body: string[] = [];
  const longest = Math.max(12, ...map.arches.flatMap((a) => a.cells.map((c) => c.name.length + nrText(c.nr, a.nrLo).length + 1)));
  const cellW = Math.ceil(longest * CHAR_W + 12);
  const cols = Math.max(1, Math.floor((maxWidth - 2 * MARGIN) / cellW));
  const width = Math.min(maxWidth, Math.max(720, cols * cellW + 2 * MARGIN));
  const inner = width - 2 * MARGIN;
  let y = MARGIN;
  const t = (x: number, yy: number, s: string, extra = '') => `<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}"${extra}>${xmlEscape(s)}</text>`;

  // Title and legend.
  body.push(t(MARGIN, y + 16, options.title ?? 'decision map', ' font-size="18" font-weight="bold" font-family="system-ui, sans-serif"'));
  y += 30;
  let lx = MARGIN;
  const legend: [string, string][] = ACTION_COLORS.map(([, color, label]) => [color, label]);
  body.push('<g class="legend">');
  for (const [color, label] of legend) {
    body.push(`<rect x="${lx}" y="${y}" width="14" height="14" fill="${color}" stroke="#444"/>`);
    body.push(t(lx + 19, y + 12, label));
    lx += 19 + label.length * CHAR_W + 18;
  }
  body.push(`<rect x="${lx}" y="${y}" width="14" height="14" fill="url(#${hatches.id('ALLOW', 'ERRNO(1)')})" stroke="#444"/>`);
  body.push(t(lx + 19, y + 12, 'depends on arguments (click for the conditions)'));
  body.push('</g>');
  y += 26;
  if (map.otherArches !== undefined) {
    body.push(`<g class="other-arches"><rect x="${MARGIN}" y="${y}" width="${inner}" height="24" fill="${actionColor(map.otherArches)}" stroke="#444"/>`);
    body.push(t(MARGIN + 8, y + 16, `every other arch (bad arch): ${map.otherArches}`, ' font-weight="bold"'));
    body.push('</g>');
    y += 34;
  }

  for (const a of map.arches) {
    const id = `map-${a.arch.replace(/[^A-Za-z0-9_]/g, '_')}`;
    body.push(`<g class="arch" id="${id}" data-arch="${xmlEscape(a.arch)}">`);
    const counts = new Map<string, number>();
    for (const c of a.cells) {
      const k = c.conditional ? 'depends on arguments' : c.action;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const summary = [...counts].sort((x, z) => z[1] - x[1]).map(([k, n]) => `${n} ${k}`).join(', ');
    const base = a.nrLo;
    const baseNote = base ? ` (numbers below are nr − ${hex(base)})` : '';
    body.push(t(MARGIN, y + 16, `${a.arch}: ${a.cells.length} syscalls${summary ? ` — ${summary}` : ''}${baseNote}`, ' font-size="15" font-weight="bold" font-family="system-ui, sans-serif"'));
    y += 26;

    // The number line: named part drawn to scale, numbers beyond the table as boxes on the right.
    const beyondW = a.beyond.length ? Math.min(inner * 0.4, a.beyond.length * 200) : 0;
    const lineW = inner - beyondW - (beyondW ? 10 : 0);
    const span = a.tableHi - base + 1;
    const xOf = (nr: number) => MARGIN + ((nr - base) / span) * lineW;
    body.push(`<g class="line" data-arch="${xmlEscape(a.arch)}">`);
    for (const r of a.ranges) {
      const x0 = xOf(r.lo);
      const x1 = xOf(r.hi + 1);
      const tip = `${rangeLabel(r, base)}${r.first ? ` (${r.first === r.last ? r.first : `${r.first} … ${r.last}`})` : ''}: ${r.decision}`;
      const firstCase = r.conditional ? caseActionOf(a, r) : undefined;
      body.push(`<rect class="range" x="${x0.toFixed(2)}" y="${y}" width="${Math.max(0.6, x1 - x0).toFixed(2)}" height="${LINE_H}" fill="${fill(hatches, r.action, r.conditional, firstCase)}" data-lo="${r.lo}" data-hi="${r.hi}"><title>${xmlEscape(tip)}</title></rect>`);
    }
    body.push(`<rect x="${MARGIN}" y="${y}" width="${lineW.toFixed(1)}" height="${LINE_H}" fill="none" stroke="#444"/>`);
    // Ticks every 50 (or 100) numbers.
    const step = span > 600 ? 100 : 50;
    for (let v = 0; v <= span; v += step) {
      const x = xOf(base + v);
      body.push(`<line x1="${x.toFixed(1)}" y1="${y + LINE_H}" x2="${x.toFixed(1)}" y2="${y + LINE_H + 4}" stroke="#444"/>`);
      body.push(t(x + 2, y + LINE_H + 15, String(v), ' font-size="11" fill="#444"'));
    }
    let bx = MARGIN + lineW + 10;
    const bw = a.beyond.length ? (beyondW - 4 * (a.beyond.length - 1)) / a.beyond.length : 0;
    const maxChars = Math.floor((bw - 8) / (CHAR_W * 11 / 12));
    const cut = (s: string) => (s.length > maxChars ? s.slice(0, Math.max(1, maxChars - 1)) + '…' : s);
    for (const r of a.beyond) {
      const firstCase = r.conditional ? caseActionOf(a, r) : undefined;
      body.push(`<g class="beyond"><rect x="${bx.toFixed(1)}" y="${y}" width="${bw.toFixed(1)}" height="${LINE_H}" fill="${fill(hatches, r.action, r.conditional, firstCase)}" stroke="#444" stroke-dasharray="4 2"><title>${xmlEscape(`${rangeLabel(r, base)} (no syscall has these numbers): ${r.decision}`)}</title></rect>`);
      body.push(t(bx + 4, y + 14, cut(rangeLabel(r, base)), ' font-size="11"'));
      body.push(t(bx + 4, y + 28, cut(r.action), ' font-size="11" font-weight="bold"'));
      body.push('</g>');
      bx += bw + 4;
    }
    body.push('</g>');
    if (a.beyond.length) body.push(t(MARGIN + inner, y + LINE_H + 15, 'numbers no syscall has (dashed)', ' font-size="11" fill="#444" text-anchor="end"'));
    y += LINE_H + 24;

    // The grid of named cells, in number order, column by column.
    const rows = Math.ceil(a.cells.length / cols);
    body.push(`<g class="cells" data-arch="${xmlEscape(a.arch)}">`);
    a.cells.forEach((c, i) => {
      const col = Math.floor(i / rows);
      const row = i % rows;
      const x = MARGIN + col * cellW;
      const yy = y + row * CELL_H;
      const tree = c.tree ? a.trees.find((tr) => tr.id === c.tree) : undefined;
      const f = fill(hatches, c.action, c.conditional, tree?.cases[0]?.action);
      const cid = `${a.arch}-${c.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
      const open = c.tree ? `<a href="#${c.tree}">` : '';
      const close = c.tree ? '</a>' : '';
      body.push(`<g class="cell${c.conditional ? ' conditional' : ''}" id="${cid}" data-name="${xmlEscape(c.name)}" data-nr="${c.nr}" data-action="${xmlEscape(c.action)}"${c.tree ? ` data-tree="${c.tree}"` : ''}>${open}<title>${xmlEscape(`${c.name} (nr ${c.nr}${base ? ` = ${hex(c.nr)}` : ''}): ${c.decision}`)}</title>`);
      body.push(`<rect x="${x + 1}" y="${yy + 1}" width="${cellW - 2}" height="${CELL_H - 2}" rx="2" fill="${f}" stroke="${c.conditional ? '#333' : '#999'}"${c.conditional ? ' stroke-width="1.5"' : ''}/>`);
      body.push(`<text x="${x + 5}" y="${yy + 14}"><tspan fill="#555">${nrText(c.nr, base)}</tspan> ${xmlEscape(c.name)}${c.conditional ? ' ▸' : ''}</text>${close}</g>`);
    });
    body.push('</g>');
    y += rows * CELL_H + 12;

    // Condition trees.
    if (a.trees.length) {
      body.push(t(MARGIN, y + 14, `${a.arch}: decisions that depend on arguments`, ' font-size="13" font-weight="bold" font-family="system-ui, sans-serif"'));
      y += 22;
      const colW = Math.min(inner, 960);
      const perRow = Math.max(1, Math.floor((inner + 16) / (colW + 16)));
      let rowH = 0;
      a.trees.forEach((tr, i) => {
        const col = i % perRow;
        if (col === 0 && i > 0) {
          y += rowH + 14;
          rowH = 0;
        }
        const x = MARGIN + col * (colW + 16);
        const h = drawTree(body, tr, x, y, colW, hatches);
        rowH = Math.max(rowH, h);
      });
      y += rowH + 18;
    }
    body.push('</g>');
    y += 10;
  }
  const height = Math.ceil(y + MARGIN);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, DejaVu Sans Mono, monospace" font-size="${FONT}" class="decision-map">`,
    `<title>${xmlEscape(options.title ?? 'decision map')}</title>`,
    `<defs>${hatches.defs.join('')}</defs>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  return [...head, ...body, '</svg>'].join('\n') + '\n';
}

function caseActionOf(a: MapArch, r: MapRange): string | undefined {
  return a.trees.find((tr) => tr.decision === r.decision)?.cases[0]?.action;
}

/** Draws one condition tree at (x, y) within `w` px; returns its height. */
function drawTree(out: string[], tr: MapTree, x: number, y: number, w: number, hatches: Hatches): number {
  const rootChars = Math.min(34, Math.max(...tr.syscalls.map((s) => s.length), 8));
  const names = wrapNames(tr.syscalls, rootChars);
  const rootW = rootChars * CHAR_W + 14;
  const actW = 150;
  const condX = x + rootW + 26;
  const condW = w - rootW - 26 - actW - 26;
  const condChars = Math.floor((condW - 10) / CHAR_W);
  const rows: { action: string; lines: string[] }[] = [];
  for (const c of tr.cases) {
    const lines: string[] = [];
    for (const alt of c.when.slice(0, 12)) lines.push(...wrapText(alt, condChars));
    if (c.when.length > 12) lines.push(`… or ${c.when.length - 12} more`);
    rows.push({ action: c.action, lines });
  }
  rows.push({ action: tr.otherwise, lines: ['otherwise'] });
  const total = rows.reduce((s, r) => s + r.lines.length * TREE_ROW + 8, 0) - 8;
  const rootH = Math.max(names.length * TREE_ROW + 8, 28);
  const height = Math.max(total, rootH);
  out.push(`<g class="tree" id="${tr.id}" data-syscalls=" ${xmlEscape(tr.syscalls.join(' '))} "><title>${xmlEscape(`${tr.syscalls.join(', ')}: ${tr.decision}`)}</title>`);
  const rootY = y + (height - rootH) / 2;
  out.push(`<rect x="${x}" y="${rootY.toFixed(1)}" width="${rootW.toFixed(1)}" height="${rootH}" rx="4" fill="url(#${hatches.id(tr.cases[0]?.action ?? tr.otherwise, tr.otherwise)})" stroke="#333" stroke-width="1.5"/>`);
  out.push(`<rect x="${x + 3}" y="${(rootY + 3).toFixed(1)}" width="${(rootW - 6).toFixed(1)}" height="${rootH - 6}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`);
  names.forEach((line, j) => out.push(`<text x="${x + 7}" y="${(rootY + 4 + (j + 1) * TREE_ROW - 5).toFixed(1)}" font-weight="bold">${xmlEscape(line)}</text>`));
  let ry = y + (height - total) / 2;
  for (const r of rows) {
    const h = r.lines.length * TREE_ROW;
    const cy = ry + h / 2;
    out.push(`<path d="M${(x + rootW).toFixed(1)},${(rootY + rootH / 2).toFixed(1)} C${(x + rootW + 14).toFixed(1)},${(rootY + rootH / 2).toFixed(1)} ${(condX - 14).toFixed(1)},${cy.toFixed(1)} ${condX.toFixed(1)},${cy.toFixed(1)}" fill="none" stroke="#555"/>`);
    const otherwise = r.lines.length === 1 && r.lines[0] === 'otherwise';
    out.push(`<rect x="${condX.toFixed(1)}" y="${ry.toFixed(1)}" width="${condW.toFixed(1)}" height="${h}" rx="3" fill="${otherwise ? '#f3f3f3' : '#f6f8fa'}" stroke="#999"/>`);
    r.lines.forEach((line, j) => out.push(`<text x="${(condX + 5).toFixed(1)}" y="${(ry + (j + 1) * TREE_ROW - 5).toFixed(1)}"${otherwise ? ' font-style="italic"' : ''}>${xmlEscape(line)}</text>`));
    const ax = condX + condW + 26;
    out.push(`<path d="M${(condX + condW).toFixed(1)},${cy.toFixed(1)} L${ax.toFixed(1)},${cy.toFixed(1)}" stroke="#555"/>`);
    out.push(`<rect x="${ax.toFixed(1)}" y="${(cy - 10).toFixed(1)}" width="${actW}" height="20" rx="10" fill="${actionColor(r.action)}" stroke="#444"/>`);
    out.push(`<text x="${(ax + 8).toFixed(1)}" y="${(cy + 4).toFixed(1)}" font-weight="bold">${xmlEscape(r.action.length > 19 ? r.action.slice(0, 18) + '…' : r.action)}</text>`);
    ry += h + 8;
  }
  out.push('</g>');
  return height;
}

function wrapNames(names: readonly string[], width: number): string[] {
  const out: string[] = [];
  let cur = '';
  names.forEach((n, i) => {
    const piece = n + (i < names.length - 1 ? ',' : '');
    if (cur && cur.length + 1 + piece.length > width) {
      out.push(cur);
      cur = piece;
    } else cur = cur ? `${cur} ${piece}` : piece;
  });
  if (cur) out.push(cur);
  return out;
}

function wrapText(s: string, width: number): string[] {
  if (s.length <= width) return [s];
  const out: string[] = [];
  let cur = '';
  for (const word of s.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) out.push(cur);
  return out.flatMap((l) => (l.length > width ? l.match(new RegExp(`.{1,${width}}`, 'g'))! : [l]));
}

