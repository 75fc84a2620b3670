/**
 * Semantic diff of two programs: per arch and syscall, the argument regions
 * where their (normalised) actions differ. Exact: both programs' partitions
 * are intersected, so "no differences" means equal decisions on every input.
 */
import type { ArchInfo } from '../arch/arches.js';
import type { Instruction } from '../bpf/instruction.js';
import { analyzeProgram, regionKey, type AnalyzeOptions, type NrSegment, type Region } from '../symbolic/symbolic.js';
import { intersect, type WordSet } from '../symbolic/wordset.js';
import {
  clipSegments, combine64, formatInterval, formatRegion, mergeIntervals, namedSyscalls, nrRangeName, valueKey, valueName, viewsOf, wordNamer, type ArchView,
} from '../symbolic/present.js';

/** A region where A and B decide differently: its conditions, and what each returns there. */
export interface DiffRegion extends Pick<Region, 'words' | 'opaque'> {
  /** Action names (or `ret EXPR`). */
  readonly a: string;
  readonly b: string;
}

/** Differences for one syscall (or run of unnamed numbers) on one arch. */
export interface DiffEntry {
  readonly arch: string;
  /** Syscall name, or `nr N` / `nr A-B` for unnamed numbers or runs of many syscalls. */
  readonly syscall: string;
  /** For a run of numbers with the same change: the named syscalls in it. */
  readonly syscalls?: readonly string[];
  readonly nrLo: number;
  readonly nrHi: number;
  /** `when` is empty when the difference covers every argument value. */
  readonly changes: readonly { readonly a: string; readonly b: string; readonly when: string }[];
  readonly regions: readonly DiffRegion[];
}

/** Result of {@link diffPrograms}. */
export interface DiffReport {
  readonly equivalent: boolean;
  readonly entries: readonly DiffEntry[];
}

/** Options for {@link diffPrograms}. */
export interface DiffOptions extends AnalyzeOptions {
  /** Only compare these arches (plus other arches). */
  arches?: readonly ArchInfo[];
}

function diffSegments(sa: NrSegment, sb: NrSegment, name: (w: number) => string): DiffRegion[] {
  if (sa.regions.length === sb.regions.length && sa.regions.every((r, i) => regionKey(r) === regionKey(sb.regions[i]))) return [];
  const out: DiffRegion[] = [];
  for (const ra of sa.regions) {
    for (const rb of sb.regions) {
      if (valueKey(ra.value, name) === valueKey(rb.value, name)) continue;
      const words = intersectWords(ra, rb);
      if (!words) continue;
      out.push({ words, opaque: [...ra.opaque, ...rb.opaque], a: valueName(ra.value, name), b: valueName(rb.value, name) });
    }
  }
  return out;
}

function intersectWords(ra: Region, rb: Region): { word: number; set: WordSet }[] | undefined {
  const map = new Map<number, WordSet>();
  for (const { word, set } of ra.words) map.set(word, set);
  for (const { word, set } of rb.words) {
    const cur = map.get(word);
    if (!cur) {
      map.set(word, set);
      continue;
    }
    const s = intersect(cur, set);
    if (!s) return undefined;
    map.set(word, s);
  }
  return [...map].sort((x, y) => x[0] - y[0]).map(([word, set]) => ({ word, set }));
}

/** Renders the regions of one (a, b) pair; merges 1-D intervals on a single argument. */
function describe(regions: readonly DiffRegion[], info: ArchInfo | undefined): string {
  if (regions.some((r) => r.words.length === 0 && r.opaque.length === 0)) return '';
  const oneArg = (() => {
    if (!info || regions.some((r) => r.opaque.length)) return undefined;
    let arg = -1;
    const ivs: [bigint, bigint][] = [];
    for (const r of regions) {
      let hi: WordSet | undefined;
      let lo: WordSet | undefined;
      for (const { word, set } of r.words) {
        if (word < 4) return undefined;
        const a = (word - 4) >> 1;
        if (arg >= 0 && a !== arg) return undefined;
        arg = a;
        if ((word % 2 === 0) === (info.endian === 'big')) hi = set;
        else lo = set;
      }
      if (info.bits === 32 && hi) return undefined;
      const c = combine64(hi, lo);
      if (!c) return undefined;
      ivs.push(...c);
    }
    const merged = mergeIntervals(ivs);
    const max = info.bits === 32 ? 0xffffffffn : (1n << 64n) - 1n;
    return merged.map(([a, b]) => formatInterval(`args[${arg}]`, a, b > max ? max : b, max)).join(' || ');
  })();
  if (oneArg !== undefined) return oneArg;
  const parts = regions.map((r) => formatRegion(r, info));
  return parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' || ');
}

function viewEntries(view: ArchView, segsA: NrSegment[], segsB: NrSegment[]): DiffEntry[] {
  const name = wordNamer(view.info);
  const out: DiffEntry[] = [];
  let i = 0;
  let j = 0;
  let lo = view.nrLo;
  while (i < segsA.length && j < segsB.length) {
    const sa = segsA[i];
    const sb = segsB[j];
    const hi = Math.min(sa.hi, sb.hi);
    const regions = diffSegments(sa, sb, name);
    if (regions.length) {
      const pairs = new Map<string, DiffRegion[]>();
      for (const r of regions) {
        const k = `${r.a}\u0000${r.b}`;
        pairs.set(k, [...(pairs.get(k) ?? []), r]);
      }
      const changes = [...pairs.values()].map((rs) => ({ a: rs[0].a, b: rs[0].b, when: describe(rs, view.info) }));
      const named = namedSyscalls(view, lo, hi);
      if (named.length > 3) {
        const names = [...new Map(named.map((e) => [e.nr, e.name])).values()];
        out.push({ arch: view.name, syscall: nrRangeName(lo, hi), syscalls: names, nrLo: lo, nrHi: hi, changes, regions });
        named.length = 0;
      }
      let start = named.length === 0 && out.length && out[out.length - 1].nrLo === lo && out[out.length - 1].syscalls ? hi + 1 : lo;
      const seen = new Set<number>();
      for (const e of named) {
        if (seen.has(e.nr)) continue; // aliases share a number; report the first name
        seen.add(e.nr);
        if (e.nr > start) out.push({ arch: view.name, syscall: nrRangeName(start, e.nr - 1), nrLo: start, nrHi: e.nr - 1, changes, regions });
        out.push({ arch: view.name, syscall: e.name, nrLo: e.nr, nrHi: e.nr, changes, regions });
        start = e.nr + 1;
      }
      if (start <= hi) out.push({ arch: view.name, syscall: nrRangeName(start, hi), nrLo: start, nrHi: hi, changes, regions });
    }
    if (sa.hi === hi) i++;
    if (sb.hi === hi) j++;
    if (hi === 0xffffffff) break;
    lo = hi + 1;
  }
  return out;
}

/** Compares two programs exactly. */
export function diffPrograms(a: readonly Instruction[], b: readonly Instruction[], options: DiffOptions = {}): DiffReport {
  const extra = [...(options.archTokens ?? []), ...(options.arches ?? []).map((x) => x.token)];
  const first = analyzeProgram(a, { ...options, archTokens: extra });
  const second = analyzeProgram(b, { ...options, archTokens: [...extra, ...first.archTokens] });
  // Re-run A with B's tokens so both have the same arch partition.
  const anA = second.archTokens.every((t) => first.archTokens.includes(t)) ? first : analyzeProgram(a, { ...options, archTokens: [...second.archTokens] });
  const entries: DiffEntry[] = [];
  const tokens: (number | null)[] = [...second.archTokens, null];
  for (const token of tokens) {
    const da = anA.arches.find((x) => x.token === token)!;
    const db = second.arches.find((x) => x.token === token)!;
    for (const view of viewsOf(token)) {
      if (options.arches && view.token !== null && !options.arches.some((x) => x.token === view.token && (!view.info || x.name === view.info.name))) continue;
      entries.push(...viewEntries(view, clipSegments(da, view), clipSegments(db, view)));
    }
  }
  return { equivalent: entries.length === 0, entries };
}

/** Plain-text rendering: one line per syscall and change. */
export function formatDiff(report: DiffReport, labels: [string, string] = ['A', 'B']): string {
  const lines: string[] = [];
  for (const e of report.entries) {
    const where = e.syscall.startsWith("nr ") ? `${e.arch} ${e.syscall}` : `${e.arch} ${nrRangeName(e.nrLo, e.nrLo)}`;
    const head = e.syscalls ? `${e.syscalls.slice(0, 3).join(', ')}${e.syscalls.length > 3 ? `, ... ${e.syscalls.length - 3} more` : ''} (${where})` : e.syscall.startsWith('nr ') ? `${e.syscall} (${e.arch})` : `${e.syscall} (${where})`;
    for (const c of e.changes) lines.push(`${head}: ${labels[0]}=${c.a}, ${labels[1]}=${c.b}${c.when ? ` when ${c.when}` : ''}`);
  }
  return lines.join('\n');
}
