/**
 * Exact symbolic evaluation of any classic BPF seccomp program.
 *
 * 1. {@link buildDag} turns the program into a decision DAG over symbolic
 *    values of seccomp_data words.
 * 2. The DAG's paths are enumerated with per-word constraint sets
 *    ({@link WordSet}); infeasible branches are pruned exactly. Predicates on
 *    a word, `word & mask`, `word >> s`, `(word >> s) & mask` and `word ± c`
 *    become exact word constraints; anything else is kept as an exact
 *    "opaque" predicate on the region (correct, but not used for pruning).
 * 3. Per arch token (and "any other arch"), the syscall-number space is cut
 *    into intervals on which every path's nr constraint is uniform, and each
 *    interval gets its list of disjoint argument regions with actions.
 *    Consecutive intervals with identical regions are merged.
 */
import type { Instruction } from '../bpf/instruction.js';
import { SyswallError } from '../errors.js';
import { buildDag, evalPred, type Dag, type DagNode, type Pred } from './dag.js';
import { evalExpr, formatExpr, type Expr } from './expr.js';
import {
  ALL_WORDS, contains, countIn, isAll, withMaskEq, withMaskNe, withRange, wordSetKey, type WordSet,
} from './wordset.js';

const FULL = 0xffffffff;
/** Word index of seccomp_data.nr. */
export const NR_WORD = 0;
/** Word index of seccomp_data.arch. */
export const ARCH_WORD = 1;

/** A predicate the analysis keeps verbatim, with the branch taken. */
export interface OpaqueCond {
  readonly pred: Pred;
  readonly holds: boolean;
}

/** One path of the program: word constraints, opaque predicates, and the returned value. */
export interface PathLeaf {
  /** Constraint per word (undefined = unconstrained). */
  readonly words: readonly (WordSet | undefined)[];
  readonly opaque: readonly OpaqueCond[];
  /** The returned value (a constant for `ret #k`). */
  readonly value: Expr;
  /** The ret instruction. */
  readonly pc: number;
}

/** A region of the argument space (for one arch and nr interval) and what the program returns there. */
export interface Region {
  /** Constraints on words other than arch (and nr when uniform on the interval). Sorted by word. */
  readonly words: readonly { readonly word: number; readonly set: WordSet }[];
  readonly opaque: readonly OpaqueCond[];
  readonly value: Expr;
  readonly pc: number;
}

/** A run of syscall numbers with the same decision. */
export interface NrSegment {
  readonly lo: number;
  readonly hi: number;
  /** Disjoint regions covering the whole input space for these numbers. */
  readonly regions: readonly Region[];
  /** Canonical key of the regions (equal keys mean identical decisions). */
  readonly key: string;
}

/** Decision of the program for one arch token (or any other arch when `token` is null). */
export interface ArchDecision {
  readonly token: number | null;
  /** Sorted, covering 0..0xffffffff without gaps. */
  readonly segments: readonly NrSegment[];
}

/** The exact decision function of a program. */
export interface ProgramAnalysis {
  readonly program: readonly Instruction[];
  readonly dag: Dag;
  readonly leaves: readonly PathLeaf[];
  /** Arch tokens the program compares `arch` with (plus any requested). */
  readonly archTokens: readonly number[];
  /** One entry per token, then the `token: null` entry for every other arch value. */
  readonly arches: readonly ArchDecision[];
  /** True if some path's result depends on the arch word. */
  readonly readsArch: boolean;
}

/** Options for {@link analyzeProgram}. */
export interface AnalyzeOptions {
  /** Extra arch tokens to report on (e.g. from `--arch`), besides those the program tests. */
  archTokens?: readonly number[];
  /** Path limit (default 500,000); beyond it the analysis fails with ANALYSIS_TOO_COMPLEX. */
  maxPaths?: number;
}

/** A value-set condition on an expression, as produced by a branch. */
type Cond =
  | { kind: 'range'; a: number; b: number }
  | { kind: 'eq'; k: number }
  | { kind: 'ne'; k: number }
  | { kind: 'set'; t: number }
  | { kind: 'clear'; t: number };

/** `((W >>> shift) & mask) + add` (mod 2^32) where W is a word. */
interface WordForm {
  w: number;
  shift: number;
  mask: number;
  add: number;
}

function matchForm(e: Expr): WordForm | undefined {
  if (e.t === 'word') return { w: e.w, shift: 0, mask: FULL, add: 0 };
  if (e.t !== 'op' || e.b.t !== 'const') return undefined;
  const k = e.b.v;
  const inner = matchForm(e.a);
  if (!inner) return undefined;
  switch (e.op) {
    case 'and':
      if (inner.add !== 0) return undefined;
      return { ...inner, mask: (inner.mask & k) >>> 0 };
    case 'rsh':
      if (inner.add !== 0) return undefined;
      if (inner.shift + k >= 32) return undefined;
      return { ...inner, shift: inner.shift + k, mask: inner.mask >>> k };
    case 'add':
      if (inner.shift !== 0 || inner.mask !== FULL) return undefined;
      return { ...inner, add: (inner.add + k) >>> 0 };
    case 'sub':
      if (inner.shift !== 0 || inner.mask !== FULL) return undefined;
      return { ...inner, add: (inner.add - k) >>> 0 };
    default:
      return undefined;
  }
}

type WordOp = { kind: 'range'; a: number; b: number } | { kind: 'meq'; m: number; v: number } | { kind: 'mne'; m: number; v: number };

/**
 * Translates "form ∈ cond" into disjoint alternatives, each a list of word
 * operations on form.w. Returns undefined if not expressible exactly.
 */
function translate(f: WordForm, c: Cond): WordOp[][] | undefined {
  const valueMax = ((FULL >>> f.shift) & f.mask) >>> 0;
  const monotone = f.mask === FULL >>> f.shift; // value = W >>> shift (all bits kept)
  if (f.add !== 0) {
    // value = W + add: W = value - add, intervals may wrap.
    const shiftRange = (a: number, b: number): WordOp[][] => {
      const lo = (a - f.add) >>> 0;
      const hi = (b - f.add) >>> 0;
      if (lo <= hi) return [[{ kind: 'range', a: lo, b: hi }]];
      return [[{ kind: 'range', a: lo, b: FULL }], [{ kind: 'range', a: 0, b: hi }]];
    };
    switch (c.kind) {
      case 'range': return shiftRange(c.a, c.b);
      case 'eq': return [[{ kind: 'meq', m: FULL, v: (c.k - f.add) >>> 0 }]];
      case 'ne': return [[{ kind: 'mne', m: FULL, v: (c.k - f.add) >>> 0 }]];
      default: return undefined;
    }
  }
  const m = (f.mask << f.shift) >>> 0;
  switch (c.kind) {
    case 'eq':
      if (c.k > valueMax || ((c.k & ~f.mask) >>> 0) !== 0) return [];
      return [[{ kind: 'meq', m, v: (c.k << f.shift) >>> 0 }]];
    case 'ne':
      if (c.k > valueMax || ((c.k & ~f.mask) >>> 0) !== 0) return [[]];
      return [[{ kind: 'mne', m, v: (c.k << f.shift) >>> 0 }]];
    case 'set': {
      const t = ((c.t & f.mask) << f.shift) >>> 0;
      if (t === 0) return [];
      return [[{ kind: 'mne', m: t, v: 0 }]];
    }
    case 'clear': {
      const t = ((c.t & f.mask) << f.shift) >>> 0;
      if (t === 0) return [[]];
      return [[{ kind: 'meq', m: t, v: 0 }]];
    }
    case 'range': {
      const a = c.a;
      const b = Math.min(c.b, valueMax);
      if (a > b) return [];
      if (!monotone) {
        if (a === 0 && b === valueMax) return [[]];
        return undefined;
      }
      const lo = (a * 2 ** f.shift) >>> 0;
      const hi = (b * 2 ** f.shift + (2 ** f.shift - 1)) >>> 0;
      return [[{ kind: 'range', a: lo, b: hi }]];
    }
  }
}

/** Conditions on `a` for both outcomes of `a OP k`. */
function condsFor(op: Pred['op'], k: number): { t: Cond[]; f: Cond[] } {
  switch (op) {
    case 'eq': return { t: [{ kind: 'eq', k }], f: [{ kind: 'ne', k }] };
    case 'gt': return k === FULL ? { t: [], f: [{ kind: 'range', a: 0, b: FULL }] } : { t: [{ kind: 'range', a: k + 1, b: FULL }], f: [{ kind: 'range', a: 0, b: k }] };
    case 'ge': return k === 0 ? { t: [{ kind: 'range', a: 0, b: FULL }], f: [] } : { t: [{ kind: 'range', a: k, b: FULL }], f: [{ kind: 'range', a: 0, b: k - 1 }] };
    case 'set': return { t: [{ kind: 'set', t: k }], f: [{ kind: 'clear', t: k }] };
  }
}

/** Same for `k OP b` (constant on the left). */
function condsForFlipped(op: Pred['op'], k: number): { t: Cond[]; f: Cond[] } {
  switch (op) {
    case 'eq': case 'set': return condsFor(op, k);
    // k > b  <=>  b <= k-1
    case 'gt': return k === 0 ? { t: [], f: [{ kind: 'range', a: 0, b: FULL }] } : { t: [{ kind: 'range', a: 0, b: k - 1 }], f: [{ kind: 'range', a: k, b: FULL }] };
    // k >= b <=>  b <= k
    case 'ge': return k === FULL ? { t: [{ kind: 'range', a: 0, b: FULL }], f: [] } : { t: [{ kind: 'range', a: 0, b: k }], f: [{ kind: 'range', a: k + 1, b: FULL }] };
  }
}

/** Exact word-level alternatives for each outcome of `pred`, or undefined when opaque. */
function predAlternatives(pred: Pred): { w: number; t: WordOp[][]; f: WordOp[][] } | undefined {
  let form: WordForm | undefined;
  let conds: { t: Cond[]; f: Cond[] } | undefined;
  if (pred.b.t === 'const') {
    form = matchForm(pred.a);
    conds = condsFor(pred.op, pred.b.v);
  } else if (pred.a.t === 'const') {
    form = matchForm(pred.b);
    conds = condsForFlipped(pred.op, pred.a.v);
  }
  if (!form || !conds) return undefined;
  const one = (cs: Cond[]): WordOp[][] | undefined => {
    const out: WordOp[][] = [];
    for (const c of cs) {
      const alt = translate(form!, c);
      if (!alt) return undefined;
      out.push(...alt);
    }
    return out;
  };
  const t = one(conds.t);
  const f = one(conds.f);
  if (!t || !f) return undefined;
  return { w: form.w, t, f };
}

function applyOps(s: WordSet, ops: WordOp[]): WordSet | null {
  let cur: WordSet | null = s;
  for (const op of ops) {
    if (!cur) return null;
    if (op.kind === 'range') cur = withRange(cur, op.a, op.b);
    else if (op.kind === 'meq') cur = withMaskEq(cur, op.m, op.v);
    else cur = withMaskNe(cur, op.m, op.v);
  }
  return cur;
}

/** Enumerates the feasible paths of a DAG. */
export function enumeratePaths(dag: Dag, maxPaths = 500_000): PathLeaf[] {
  const leaves: PathLeaf[] = [];
  const altCache = new Map<number, ReturnType<typeof predAlternatives> | null>();
  const alts = (node: DagNode & { kind: 'test' }) => {
    let a = altCache.get(node.id);
    if (a === undefined) {
      a = predAlternatives(node.pred) ?? null;
      altCache.set(node.id, a);
    }
    return a;
  };
  const walk = (node: DagNode, words: (WordSet | undefined)[], opaque: OpaqueCond[]): void => {
    // Loop on single-successor chains to keep recursion shallow.
    for (;;) {
      if (node.kind === 'leaf') {
        leaves.push({ words, opaque, value: node.value, pc: node.pc });
        if (leaves.length > maxPaths) {
          throw new SyswallError('ANALYSIS_TOO_COMPLEX', `program has more than ${maxPaths} feasible paths; exact analysis gave up`, { kind: 'runtime' });
        }
        return;
      }
      const a = alts(node);
      if (!a) {
        walk(node.t, words, [...opaque, { pred: node.pred, holds: true }]);
        opaque = [...opaque, { pred: node.pred, holds: false }];
        node = node.f;
        continue;
      }
      const cur = words[a.w] ?? ALL_WORDS;
      const next: { n: DagNode; w: WordSet }[] = [];
      for (const [child, list] of [[node.t, a.t], [node.f, a.f]] as const) {
        for (const ops of list) {
          const s = applyOps(cur, ops);
          if (s) next.push({ n: child, w: s });
        }
      }
      if (next.length === 0) return;
      for (let i = 0; i < next.length - 1; i++) {
        const ws = words.slice();
        ws[a.w] = next[i].w;
        walk(next[i].n, ws, opaque);
      }
      const last = next[next.length - 1];
      const ws = words.slice();
      ws[a.w] = last.w;
      words = ws;
      node = last.n;
    }
  };
  walk(dag.root, new Array(16).fill(undefined), []);
  return leaves;
}

/** Arch tokens a DAG compares the plain arch word with for equality. */
function archTokensOf(dag: Dag): { tokens: number[]; readsArch: boolean } {
  const tokens = new Set<number>();
  let readsArch = false;
  const seen = new Set<number>();
  const stack: DagNode[] = [dag.root];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (n.kind !== 'test') continue;
    const { a, b } = n.pred;
    const uses = (e: Expr): boolean => e.t === 'word' ? e.w === ARCH_WORD : e.t === 'op' ? uses(e.a) || uses(e.b) : e.t === 'neg' ? uses(e.a) : false;
    if (uses(a) || uses(b)) readsArch = true;
    if (n.pred.op === 'eq') {
      if (a.t === 'word' && a.w === ARCH_WORD && b.t === 'const') tokens.add(b.v);
      if (b.t === 'word' && b.w === ARCH_WORD && a.t === 'const') tokens.add(a.v);
    }
    stack.push(n.t, n.f);
  }
  return { tokens: [...tokens], readsArch };
}

function ctz(m: number): number {
  for (let i = 0; i < 32; i++) if (Math.floor(m / 2 ** i) % 2 === 1) return i;
  return 32;
}

/** Adds the cut points that make `s` uniform on each piece (where cheaply possible). */
function addCuts(s: WordSet, cuts: Set<number>): void {
  cuts.add(s.lo);
  if (s.hi < FULL) cuts.add(s.hi + 1);
  for (const p of s.excluded) {
    cuts.add(p);
    if (p < FULL) cuts.add(p + 1);
  }
  const masks = [s.mask, ...s.ne.map((n) => n.m)].filter((m) => m !== 0);
  for (const m of masks) {
    const block = 2 ** ctz(m);
    const first = Math.ceil(s.lo / block) * block;
    if ((s.hi - first) / block > 4096) continue; // leave the nr condition in the regions
    for (let x = first; x <= s.hi; x += block) cuts.add(x);
  }
}

const wname = (w: number) => `w${w}`;

/** A key of a region that does not depend on the expression pool (comparable across programs). */
export function regionKey(r: Region): string {
  let k = `v${formatExpr(r.value, wname)}`;
  for (const { word, set } of r.words) k += `|${word}:${wordSetKey(set)}`;
  for (const o of r.opaque) k += `|?${o.pred.op}${formatExpr(o.pred.a, wname)},${formatExpr(o.pred.b, wname)}=${o.holds ? 1 : 0}`;
  return k;
}

/** Groups leaves by arch token and cuts the nr space into uniform segments. */
function decideArch(leaves: readonly PathLeaf[], token: number | null, tokens: readonly number[]): ArchDecision {
  // Restrict every leaf to this arch.
  const restricted: { leaf: PathLeaf; nr: WordSet; words: { word: number; set: WordSet }[] }[] = [];
  for (const leaf of leaves) {
    let arch: WordSet | null = leaf.words[ARCH_WORD] ?? ALL_WORDS;
    let keepArch = false;
    if (token !== null) {
      if (!contains(arch, token)) continue;
    } else {
      for (const t of tokens) if (arch) arch = withMaskNe(arch, FULL, t);
      if (!arch) continue;
      // Keep the arch condition only if it says more than "none of the tokens".
      const base = leaf.words[ARCH_WORD];
      keepArch = base !== undefined && !(base.mask === 0 && base.ne.length === 0 && base.lo === 0 && base.hi === FULL && base.excluded.every((p) => tokens.includes(p)));
    }
    const words: { word: number; set: WordSet }[] = [];
    leaf.words.forEach((set, word) => {
      if (!set || word === NR_WORD) return;
      if (word === ARCH_WORD) {
        if (keepArch && arch) words.push({ word, set: arch });
        return;
      }
      words.push({ word, set });
    });
    restricted.push({ leaf, nr: leaf.words[NR_WORD] ?? ALL_WORDS, words });
  }
  const cutSet = new Set<number>([0]);
  for (const r of restricted) addCuts(r.nr, cutSet);
  const cuts = [...cutSet].sort((x, y) => x - y);
  const atomCount = cuts.length;
  const atomRegions: Region[][] = Array.from({ length: atomCount }, () => []);
  const atomHi = (i: number) => (i + 1 < atomCount ? cuts[i + 1] - 1 : FULL);
  const findAtom = (x: number) => {
    let l = 0;
    let h = atomCount - 1;
    while (l < h) {
      const mid = (l + h + 1) >> 1;
      if (cuts[mid] <= x) l = mid;
      else h = mid - 1;
    }
    return l;
  };
  for (const r of restricted) {
    const uniformShape = r.nr.mask === 0 && r.nr.ne.length === 0;
    for (let i = findAtom(r.nr.lo); i < atomCount && cuts[i] <= r.nr.hi; i++) {
      const a = cuts[i];
      const b = atomHi(i);
      let nrSet: WordSet | undefined;
      if (uniformShape) {
        // Atoms never straddle an excluded point or the interval ends.
        if (a === b && r.nr.excluded.length && contains(r.nr, a) === false) continue;
      } else {
        const cnt = countIn(r.nr, a, b);
        if (cnt === 0) continue;
        if (cnt !== b - a + 1) nrSet = withRange(r.nr, a, b) ?? undefined;
      }
      const words = nrSet ? [{ word: NR_WORD, set: nrSet }, ...r.words] : r.words;
      atomRegions[i].push({ words, opaque: r.leaf.opaque, value: r.leaf.value, pc: r.leaf.pc });
    }
  }
  const segments: NrSegment[] = [];
  for (let i = 0; i < atomCount; i++) {
    const regions = atomRegions[i];
    const key = regions.map(regionKey).join(';');
    const prev = segments[segments.length - 1];
    if (prev && prev.key === key) {
      segments[segments.length - 1] = { ...prev, hi: atomHi(i) };
    } else {
      segments.push({ lo: cuts[i], hi: atomHi(i), regions, key });
    }
  }
  return { token, segments };
}

/**
 * Derives the exact decision function of `program` over the whole input
 * space. Throws BpfError for invalid programs and ANALYSIS_TOO_COMPLEX when
 * the limits are exceeded (never an approximate answer).
 */
export function analyzeProgram(program: readonly Instruction[], options: AnalyzeOptions = {}): ProgramAnalysis {
  const dag = buildDag(program);
  const leaves = enumeratePaths(dag, options.maxPaths);
  const found = archTokensOf(dag);
  const tokens = [...new Set([...found.tokens, ...(options.archTokens ?? []).map((t) => t >>> 0)])];
  const arches: ArchDecision[] = tokens.map((t) => decideArch(leaves, t, tokens));
  arches.push(decideArch(leaves, null, tokens));
  return { program, dag, leaves, archTokens: tokens, arches, readsArch: found.readsArch };
}

/** True if concrete words satisfy a region. */
export function regionContains(r: Region, words: ArrayLike<number>): boolean {
  for (const { word, set } of r.words) if (!contains(set, words[word])) return false;
  for (const o of r.opaque) if (evalPred(o.pred, words) !== o.holds) return false;
  return true;
}

/** The segment of `decision` holding syscall number `nr`. */
export function segmentFor(decision: ArchDecision, nr: number): NrSegment {
  const segs = decision.segments;
  let l = 0;
  let h = segs.length - 1;
  while (l < h) {
    const mid = (l + h + 1) >> 1;
    if (segs[mid].lo <= nr >>> 0) l = mid;
    else h = mid - 1;
  }
  return segs[l];
}

/** The decision (arch entry) that applies to an arch value. */
export function archDecisionFor(analysis: ProgramAnalysis, arch: number): ArchDecision {
  return analysis.arches.find((a) => a.token === arch >>> 0) ?? analysis.arches[analysis.arches.length - 1];
}

/**
 * Looks up what the analysis says the program returns for concrete
 * seccomp_data words (nr = words[0], arch = words[1]). Used to cross-check
 * the analysis against an interpreter.
 */
export function lookupDecision(analysis: ProgramAnalysis, words: ArrayLike<number>): { value: number; matches: number } {
  const seg = segmentFor(archDecisionFor(analysis, words[ARCH_WORD]), words[NR_WORD]);
  let value = -1;
  let matches = 0;
  for (const r of seg.regions) {
    if (regionContains(r, words)) {
      matches++;
      value = evalExpr(r.value, words);
    }
  }
  return { value, matches };
}

/** True if every region of the segment returns the same constant; returns it. */
export function constantValue(seg: NrSegment): number | undefined {
  if (seg.regions.length === 0) return undefined;
  const v = seg.regions[0].value;
  if (v.t !== 'const') return undefined;
  for (const r of seg.regions) if (r.value !== v) return undefined;
  return v.v;
}

export { isAll };
