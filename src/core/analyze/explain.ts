/**
 * `explain`: the exact decision table of a program, per arch and syscall,
 * grouped by decision (`ALLOW: read, write, ...`, `mkdir: ERRNO(1) when
 * args[1] >= 0x200, else ALLOW`, `<other syscalls>: ERRNO(1)`, `other
 * arches: KILL`).
 */
import type { ArchInfo } from '../arch/arches.js';
import type { Instruction } from '../bpf/instruction.js';
import { NR_WORD, analyzeProgram, type AnalyzeOptions, type NrSegment, type ProgramAnalysis, type Region } from '../symbolic/symbolic.js';
import {
  clipSegments, combine64, formatInterval, formatRegion, namedSyscalls, nrRangeName, valueKey, valueName,
  viewsOf, wordNamer, type ArchView,
} from '../symbolic/present.js';
import { toIntervals } from '../symbolic/wordset.js';

const FULL = 0xffffffff;

/** What a program does for one syscall (or run of numbers). */
export interface Decision {
  /** The action when it does not depend on arguments. */
  readonly action?: string;
  /** Otherwise: actions with the conditions that lead to them, then the action for everything else. */
  readonly cases?: readonly { readonly action: string; readonly when: string }[];
  readonly otherwise?: string;
  /** One-line rendering, e.g. `ERRNO(1) when args[1] >= 0x200, else ALLOW`. */
  readonly text: string;
}

/** One line of the table: syscalls sharing a decision. */
export interface ExplainRow {
  /** Syscall names; unnamed numbers appear as `nr N` / `nr A-B`. */
  readonly syscalls: readonly string[];
  /** Numbers of the named syscalls, parallel to `syscalls` (null for unnamed ranges). */
  readonly numbers: readonly (number | null)[];
  /** True for the catch-all row (`<other syscalls>`): every number not listed in another row; `syscalls` then lists the named ones it covers. */
  readonly other?: boolean;
  readonly decision: Decision;
}

/** The table for one arch view. */
export interface ExplainArch {
  readonly arch: string;
  readonly token: number | null;
  /** The whole view has one decision (e.g. `other arches: KILL`). */
  readonly constant?: Decision;
  readonly rows: readonly ExplainRow[];
}

/** Result of {@link explainProgram}. */
export interface ExplainReport {
  readonly arches: readonly ExplainArch[];
}

/** Options for {@link explainProgram}. */
export interface ExplainOptions extends AnalyzeOptions {
  /** Only report these arches (plus `other arches`). Their tokens are analysed even if the program never tests them. */
  arches?: readonly ArchInfo[];
}

/** Canonical 1-D form when every region constrains at most one argument, by intervals only. */
function oneArgCases(regions: readonly Region[], info: ArchInfo | undefined): Decision | undefined {
  if (!info) return undefined;
  let arg = -1;
  for (const r of regions) {
    if (r.opaque.length) return undefined;
    for (const { word } of r.words) {
      if (word < 4) return undefined;
      const a = (word - 4) >> 1;
      if (arg >= 0 && a !== arg) return undefined;
      arg = a;
    }
  }
  if (arg < 0) return undefined;
  const name = wordNamer(info);
  const pieces: { a: bigint; b: bigint; key: string; action: string }[] = [];
  const is32 = info.bits === 32;
  for (const r of regions) {
    let hi;
    let lo;
    for (const { word, set } of r.words) {
      if ((word % 2 === 0) === (info.endian === 'big')) hi = set;
      else lo = set;
    }
    let ivs: [bigint, bigint][] | undefined;
    if (is32) {
      if (hi) return undefined;
      const l = lo ? toIntervals(lo, 32) : [[0, FULL] as [number, number]];
      ivs = l?.map(([x, y]) => [BigInt(x), BigInt(y)]);
    } else {
      ivs = combine64(hi, lo);
    }
    if (!ivs) return undefined;
    for (const [a, b] of ivs) pieces.push({ a, b, key: valueKey(r.value, name), action: valueName(r.value, name) });
  }
  pieces.sort((x, y) => (x.a < y.a ? -1 : 1));
  const merged: typeof pieces = [];
  for (const p of pieces) {
    const last = merged[merged.length - 1];
    if (last && last.key === p.key && p.a === last.b + 1n) last.b = p.b;
    else merged.push({ ...p });
  }
  const max = is32 ? 0xffffffffn : (1n << 64n) - 1n;
  // The action covering the most values is the "else".
  const measure = new Map<string, bigint>();
  for (const p of merged) measure.set(p.action, (measure.get(p.action) ?? 0n) + (p.b - p.a + 1n));
  let otherwise = '';
  let best = -1n;
  for (const [act, m] of measure) if (m > best) { best = m; otherwise = act; }
  const argName = `args[${arg}]`;
  const byAction = new Map<string, string[]>();
  for (const p of merged) {
    if (p.action === otherwise) continue;
    const list = byAction.get(p.action) ?? [];
    list.push(formatInterval(argName, p.a, p.b, max));
    byAction.set(p.action, list);
  }
  const cases = [...byAction].map(([action, conds]) => ({ action, when: conds.join(' || ') }));
  return { cases, otherwise, text: [...cases.map((c) => `${c.action} when ${c.when}`), `else ${otherwise}`].join(', ') };
}

/** Describes the decision of one segment. */
export function describeSegment(seg: NrSegment, info: ArchInfo | undefined): Decision {
  const name = wordNamer(info);
  const keys = new Set(seg.regions.map((r) => valueKey(r.value, name)));
  if (keys.size === 1 && seg.regions.every((r) => !r.words.some((w) => w.word === NR_WORD))) {
    const action = valueName(seg.regions[0].value, name);
    if (seg.regions[0].value.t === 'const' || seg.regions.length === 1) return { action, text: action };
  }
  if (keys.size === 1) {
    const action = valueName(seg.regions[0].value, name);
    return { action, text: action };
  }
  const canon = oneArgCases(seg.regions, info);
  if (canon) return canon;
  // General form: list regions per action; the action with the most regions is the "else".
  const groups = new Map<string, string[]>();
  for (const r of seg.regions) {
    const act = valueName(r.value, name);
    const list = groups.get(act) ?? [];
    list.push(formatRegion(r, info) || 'always');
    groups.set(act, list);
  }
  let otherwise = '';
  let most = -1;
  for (const [act, list] of groups) if (list.length > most) { most = list.length; otherwise = act; }
  const cases = [...groups].filter(([act]) => act !== otherwise).map(([action, conds]) => ({ action, when: conds.length > 1 ? conds.map((c) => `(${c})`).join(' || ') : conds[0] }));
  return { cases, otherwise, text: [...cases.map((c) => `${c.action} when ${c.when}`), `else ${otherwise}`].join(', ') };
}

/** Builds the table for one arch view. */
function explainView(analysis: ProgramAnalysis, view: ArchView): ExplainArch {
  const decision = analysis.arches.find((a) => a.token === view.token)!;
  const segs = clipSegments(decision, view);
  const rowsByText = new Map<string, { decision: Decision; names: string[]; numbers: (number | null)[]; unnamed: [number, number][] }>();
  for (const seg of segs) {
    const d = describeSegment(seg, view.info);
    let row = rowsByText.get(d.text);
    if (!row) {
      row = { decision: d, names: [], numbers: [], unnamed: [] };
      rowsByText.set(d.text, row);
    }
    const named = namedSyscalls(view, seg.lo, seg.hi);
    const seen = new Set<number>();
    for (const e of named) {
      row.names.push(e.name);
      row.numbers.push(e.nr);
      seen.add(e.nr);
    }
    // Unnamed runs inside the segment.
    let start = seg.lo;
    const nums = [...seen].sort((x, y) => x - y);
    for (const n of nums) {
      if (n > start) row.unnamed.push([start, n - 1]);
      start = n + 1;
    }
    if (start <= seg.hi && !(nums.length && nums[nums.length - 1] === FULL)) row.unnamed.push([start, seg.hi]);
  }
  const rows = [...rowsByText.values()];
  if (rows.length === 1) {
    return { arch: view.name, token: view.token, constant: rows[0].decision, rows: [{ syscalls: rows[0].names, numbers: rows[0].numbers, other: true, decision: rows[0].decision }] };
  }
  // The row with the most unnamed numbers becomes `<other syscalls>`.
  const size = (r: (typeof rows)[number]) => r.unnamed.reduce((s, [a, b]) => s + (b - a + 1), 0);
  let otherRow = rows[0];
  for (const r of rows) if (size(r) > size(otherRow)) otherRow = r;
  const out: ExplainRow[] = [];
  for (const r of rows) {
    if (r === otherRow) continue; // its named syscalls are part of `<other syscalls>`
    const syscalls = [...r.names];
    const numbers: (number | null)[] = [...r.numbers];
    if (r !== otherRow) {
      for (const [a, b] of r.unnamed) {
        syscalls.push(nrRangeName(a, b));
        numbers.push(null);
      }
    }
    if (syscalls.length) out.push({ syscalls, numbers, decision: r.decision });
  }
  // Order: unconditional rows first (by size), then conditional ones, the catch-all last.
  out.sort((x, y) => Number(!!x.decision.cases) - Number(!!y.decision.cases) || y.syscalls.length - x.syscalls.length);
  out.push({ syscalls: otherRow.names, numbers: otherRow.numbers, other: true, decision: otherRow.decision });
  return { arch: view.name, token: view.token, rows: out };
}

/** Explains an analysed program. `arches` filters the views (other arches are always included). */
export function explainAnalysis(analysis: ProgramAnalysis, arches?: readonly ArchInfo[]): ExplainReport {
  const out: ExplainArch[] = [];
  for (const d of analysis.arches) {
    for (const view of viewsOf(d.token)) {
      if (arches && view.token !== null && !arches.some((a) => a.token === view.token && (!view.info || a.name === view.info.name))) continue;
      const v = view.token === null && analysis.archTokens.length === 0 ? { ...view, name: 'any arch' } : view;
      out.push(explainView(analysis, v));
    }
  }
  return { arches: out };
}

/** Analyses and explains a program. */
export function explainProgram(program: readonly Instruction[], options: ExplainOptions = {}): ExplainReport {
  const analysis = analyzeProgram(program, { ...options, archTokens: [...(options.archTokens ?? []), ...(options.arches ?? []).map((a) => a.token)] });
  return explainAnalysis(analysis, options.arches);
}

/** Plain-text table of a report. Long name lists are wrapped at `width` columns. */
export function formatExplain(report: ExplainReport, width = 100): string {
  const lines: string[] = [];
  for (const arch of report.arches) {
    if (arch.constant) {
      lines.push(`${arch.arch}: ${arch.constant.text}`);
      continue;
    }
    lines.push(`${arch.arch}:`);
    for (const row of arch.rows) {
      if (row.other) {
        lines.push(`  <other syscalls>: ${row.decision.text}`);
      } else if (row.decision.cases) {
        lines.push(`  ${row.syscalls.join(', ')}: ${row.decision.text}`);
      } else {
        lines.push(...wrap(`  ${row.decision.text}: `, row.syscalls, width));
      }
    }
  }
  return lines.join('\n');
}

function wrap(head: string, items: readonly string[], width: number): string[] {
  const out: string[] = [];
  let cur = head;
  const indent = ' '.repeat(Math.min(head.length, 4) + 2);
  items.forEach((it, i) => {
    const piece = it + (i < items.length - 1 ? ',' : '');
    if (cur.length + piece.length + 1 > width && cur.trim().length > head.trim().length) {
      out.push(cur.trimEnd());
      cur = indent;
    }
    cur += (cur.endsWith(' ') ? '' : ' ') + piece;
  });
  out.push(cur.trimEnd());
  return out;
}

