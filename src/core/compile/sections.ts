/**
 * Sections: one per arch token of the filter (x86_64 and x32 share one), each
 * cutting the whole 32-bit syscall-number space into ranges with one
 * decision: the rules' decisions, the default action, the ENOSYS ranges, the
 * x86_64/x32 halves. The search tree (layout.ts) is built over these ranges.
 */
import { ARCHES, X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { maxSyscallNumber, syscallName, syscallNumber, syscallTable } from '../arch/syscalls.js';
import type { DNode } from './decision.js';
import type { Range } from './layout.js';
import type { ResolvedRule } from './rule-db.js';

/** How syscalls the policy does not mention are treated when the default action denies. */
export type { EnosysMode } from '../defaults.js';
import type { EnosysMode } from '../defaults.js';

/** The largest 32-bit value; as a syscall number, libseccomp's -1 ("tracer skip"). */
const NR_MAX = 0xffffffff;
/*
 * Search-tree weights. Without a frequency table every number from the
 * section's first arch's base to the end of its table weighs 1 (a syscall,
 * or a hole some program may still probe).
 */
/** Weight of a range outside every arch's table (numbers nobody calls, but the tree must place them). */
const OUTSIDE_WEIGHT = 0.01;
/**
 * Weight per number of a second arch sharing the section (x32 in an x86_64
 * filter). The x32 ABI is off by default in distribution kernels (Debian
 * builds it but needs `syscall.x32=y`; Ubuntu and Fedora leave it out), so
 * its numbers come from probes rather than programs.
 */
const SECONDARY_ARCH_WEIGHT = 1 / 16;
/**
 * Factor on the weight of a syscall whose decision depends on arguments. The
 * kernel's action cache never serves such syscalls, so every call runs the
 * filter, and their paths are the longest (argument code after the search).
 * 32 lifts them near the root of Docker's default (on x86_64 its longest
 * path drops from 18 to 14 for about 0.2 more on the mean; docs/benchmarks.md).
 */
const ARG_DEPENDENT_WEIGHT = 32;
/** Numbers from 2^31 up to the x32 bit's half: runc's x86_64-only stub answers ENOSYS there before libseccomp's bad-arch test. */
const RUNC_HIGH_NUMBERS: readonly [number, number] = [0x80000000, 0xbfffffff];
/** Most numbers per range scanned for frequency-table names (ranges are only that long below the table end). */
const FREQUENCY_SCAN_LIMIT = 4096;

/** One section of the program: the arches sharing an arch token. */
export interface Section {
  readonly token: number;
  readonly parts: ArchInfo[];
  ranges: Range<DNode>[];
}

/** Leaves and modes {@link sectionRanges} paints with. */
export interface RangeContext {
  readonly defaultLeaf: DNode;
  readonly badArchLeaf: DNode;
  readonly enosysLeaf: DNode;
  /** `none` when the default action does not deny. */
  readonly enosys: EnosysMode;
  readonly resolved: readonly ResolvedRule[];
  readonly frequencies?: Readonly<Record<string, number>>;
}

/** What painting one section found. */
export interface SectionReport {
  /** Ranges before hole folding and merging. */
  painted: number;
  /** Table holes (numbers no kernel assigned) given whichever neighbouring denial was cheaper. */
  holesFolded: number;
  /** Final ranges. */
  ranges: number;
}

/** Groups arches by token, in the policy's order (x86_64 and x32 share a section). */
export function groupSections(arches: readonly ArchInfo[]): Section[] {
  const sections: Section[] = [];
  for (const arch of arches) {
    const existing = sections.find((s) => s.token === arch.token);
    if (existing) existing.parts.push(arch);
    else sections.push({ token: arch.token, parts: [arch], ranges: [] });
  }
  return sections;
}

interface Paint {
  lo: number;
  hi: number;
  d: DNode;
}

/**
 * The part of the number space each arch of a section owns: x32 numbers
 * carry bit 30, so with both x86_64 and x32 present x86_64 owns the low half
 * and x32 the high half. -1 belongs to the section's first arch (libseccomp
 * tests its sections in the order the arches were added; native first).
 */
function domainOf(sec: Section, arch: ArchInfo): [number, number] {
  const shared = sec.parts.length > 1;
  if (!shared) return [0, NR_MAX];
  if (arch.x32) return [X32_SYSCALL_BIT, NR_MAX - 1];
  return [0, X32_SYSCALL_BIT - 1];
}

/** The highest number a policy names on `arch` inside [lo, hi] (runc's ENOSYS stub), or -1. */
function highestNamed(arch: ArchInfo, first: boolean, resolved: readonly ResolvedRule[], lo: number, hi: number): number {
  let max = -1;
  for (const r of resolved) {
    const nr = r.name !== undefined ? syscallNumber(arch, r.name) : first ? r.number : undefined;
    if (nr !== undefined && nr >= lo && nr <= hi && nr !== NR_MAX) max = Math.max(max, nr);
  }
  if (arch.socketcall !== undefined && resolved.some((r) => r.name === 'socketcall' || r.name === 'ipc')) max = Math.max(max, arch.ipc!);
  return max;
}

/** ENOSYS paints for one arch: above the table (or the policy's highest name), holes as "either". */
function enosysPaints(sec: Section, arch: ArchInfo, ctx: RangeContext, hole: DNode, paints: Paint[]): void {
  const [dlo, dhi] = domainOf(sec, arch);
  const first = arch === sec.parts[0];
  // -1 lies outside both halves of a shared x86_64/x32 section; it is above every table, so the first arch's ENOSYS covers it.
  const above = (from: number) => {
    paints.push({ lo: from, hi: dhi, d: ctx.enosysLeaf });
    if (first && dhi !== NR_MAX) paints.push({ lo: NR_MAX, hi: NR_MAX, d: ctx.enosysLeaf });
  };
  if (ctx.enosys === 'runc') {
    const max = highestNamed(arch, first, ctx.resolved, dlo, dhi);
    if (max < 0) return;
    // runc's x86_64 stub section skips numbers with the x32 bit (-1 has it): they go on to the filter
    // (see RUNC_HIGH_NUMBERS for the numbers above 2^31 without it).
    if (arch === ARCHES.x86_64 && sec.parts.length === 1) paints.push({ lo: max + 1, hi: X32_SYSCALL_BIT - 1, d: ctx.enosysLeaf });
    else above(max + 1);
    return;
  }
  const known = syscallTable(arch);
  const top = maxSyscallNumber(arch);
  if (top < dlo) return;
  above(top + 1);
  let from = dlo;
  for (const e of known) {
    if (e.nr < dlo || e.nr > dhi) continue;
    if (e.nr > from) paints.push({ lo: from, hi: e.nr - 1, d: hole });
    from = Math.max(from, e.nr + 1);
  }
}

/**
 * Resolves paints (later paints win) over the elementary intervals between
 * their boundaries: one sweep, O(p log p).
 */
function resolvePaints(paints: readonly Paint[]): { lo: number; hi: number; d: DNode }[] {
  const all = new Float64Array(2 * paints.length);
  let k = 0;
  for (const p of paints) {
    all[k++] = p.lo;
    if (p.hi < NR_MAX) all[k++] = p.hi + 1;
  }
  const sorted = all.subarray(0, k).sort();
  let u = 0;
  for (let i = 0; i < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i];
  const bounds = sorted.subarray(0, u);
  const index = (x: number): number => {
    let lo = 0;
    let hi = u - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const cell: DNode[] = new Array(u);
  for (const p of paints) {
    const end = p.hi < NR_MAX ? index(p.hi + 1) : u;
    for (let i = index(p.lo); i < end; i++) cell[i] = p.d;
  }
  const out: { lo: number; hi: number; d: DNode }[] = new Array(u);
  for (let i = 0; i < u; i++) out[i] = { lo: bounds[i], hi: i + 1 < u ? bounds[i + 1] - 1 : NR_MAX, d: cell[i] };
  return out;
}

/**
 * Holes inside an arch's table (numbers no kernel ever assigned) may return
 * ENOSYS or the default action: both deny. Each takes its left neighbour's
 * decision when that is one of the two, else its right neighbour's, else the
 * default, so holes never add a range of their own.
 */
function foldHoles(segs: { lo: number; hi: number; d: DNode }[], hole: DNode, ctx: RangeContext): number {
  const either = (d: DNode | undefined) => d === ctx.defaultLeaf || d === ctx.enosysLeaf;
  let folded = 0;
  for (let i = 0; i < segs.length; i++) {
    if (segs[i].d !== hole) continue;
    folded++;
    const prev = segs[i - 1]?.d;
    const next = segs[i + 1]?.d;
    segs[i].d = either(prev) ? prev! : either(next) && next !== hole ? next! : ctx.defaultLeaf;
  }
  return folded;
}

/** What weighs the numbers of one arch of a section: its span from the domain's start to the table's end, and the weight per number. */
interface WeightSpan {
  readonly arch: ArchInfo;
  readonly lo: number;
  readonly hi: number;
  readonly perNumber: number;
}

function weightSpans(sec: Section): WeightSpan[] {
  return sec.parts.map((arch) => {
    const [dlo] = domainOf(sec, arch);
    return { arch, lo: dlo, hi: Math.max(maxSyscallNumber(arch), dlo), perNumber: arch === sec.parts[0] ? 1 : SECONDARY_ARCH_WEIGHT };
  });
}

/** The weight of [lo, hi]: one per number up to each arch's table end, a frequency table's counts, a little otherwise. */
function rangeWeight(spans: readonly WeightSpan[], lo: number, hi: number, frequencies: Readonly<Record<string, number>> | undefined): number {
  let w = OUTSIDE_WEIGHT;
  for (const span of spans) {
    const a = Math.max(span.lo, lo);
    const b = Math.min(span.hi, hi);
    if (a <= b) w += (b - a + 1) * span.perNumber;
  }
  if (frequencies) {
    for (const { arch } of spans) {
      for (let nr = lo; nr <= Math.min(hi, lo + FREQUENCY_SCAN_LIMIT); nr++) {
        const name = syscallName(arch, nr);
        if (name && frequencies[name]) w += frequencies[name];
      }
    }
  }
  return w;
}

/** Computes a section's ranges over the whole 32-bit nr space. */
export function sectionRanges(sec: Section, perArch: ReadonlyMap<ArchInfo, ReadonlyMap<number, DNode>>, ctx: RangeContext): { ranges: Range<DNode>[]; report: SectionReport } {
  // A marker for table holes; foldHoles replaces every use before the ranges leave this function.
  const hole: DNode = { kind: 'leaf', id: -1, value: 0 };
  const paints: Paint[] = [{ lo: 0, hi: NR_MAX, d: ctx.defaultLeaf }];
  if (ctx.enosys !== 'none') {
    for (const arch of sec.parts) enosysPaints(sec, arch, ctx, hole, paints);
  }
  // x86_64 without x32 sends x32 numbers to the bad-arch action (nr -1 excepted), and vice versa.
  const hasX86_64 = sec.parts.includes(ARCHES.x86_64);
  const hasX32 = sec.parts.includes(ARCHES.x32);
  if (hasX86_64 && !hasX32) paints.push({ lo: X32_SYSCALL_BIT, hi: NR_MAX - 1, d: ctx.badArchLeaf });
  if (hasX32 && !hasX86_64) paints.push({ lo: 0, hi: X32_SYSCALL_BIT - 1, d: ctx.badArchLeaf });
  // runc's stub on an x86_64 section without x32: numbers above 2^31 without the x32 bit meet its jgt before
  // libseccomp's bad-arch test, so they get ENOSYS (checked against runc 1.1.5's installed filters).
  if (ctx.enosys === 'runc' && hasX86_64 && !hasX32 && highestNamed(ARCHES.x86_64, sec.parts[0] === ARCHES.x86_64, ctx.resolved, 0, NR_MAX) >= 0) {
    paints.push({ lo: RUNC_HIGH_NUMBERS[0], hi: RUNC_HIGH_NUMBERS[1], d: ctx.enosysLeaf });
  }
  // The rules' decisions; -1 from the first arch that has a rule for it.
  let minusOne: DNode | undefined;
  for (const arch of sec.parts) {
    const [dlo, dhi] = domainOf(sec, arch);
    perArch.get(arch)!.forEach((d, nr) => {
      if (nr >= dlo && nr <= dhi && nr !== NR_MAX) paints.push({ lo: nr, hi: nr, d });
      else if (nr === NR_MAX && minusOne === undefined) minusOne = d;
    });
  }
  if (minusOne) paints.push({ lo: NR_MAX, hi: NR_MAX, d: minusOne });
  const segs = resolvePaints(paints);
  const holesFolded = foldHoles(segs, hole, ctx);
  // Adjacent segments with one decision merge into one range (weights add up).
  const spans = weightSpans(sec);
  const ranges: Range<DNode>[] = [];
  for (const seg of segs) {
    const weight = rangeWeight(spans, seg.lo, seg.hi, ctx.frequencies) * (seg.d.kind === 'test' ? ARG_DEPENDENT_WEIGHT : 1);
    const last = ranges[ranges.length - 1];
    if (last && last.decision === seg.d) {
      last.hi = seg.hi;
      last.weight += weight;
    } else ranges.push({ lo: seg.lo, hi: seg.hi, decision: seg.d, weight });
  }
  return { ranges, report: { painted: segs.length, holesFolded, ranges: ranges.length } };
}
