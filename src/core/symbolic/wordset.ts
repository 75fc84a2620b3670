/**
 * Exact sets of 32-bit values, as the conditions a BPF path puts on one word
 * of `seccomp_data`: an interval `[lo, hi]`, a masked equality
 * `x & mask == value`, masked inequalities `x & m != v` and excluded points.
 * Every operation is exact; emptiness is decided by counting (a 32-step
 * digit DP), never by sampling.
 */

const FULL = 0xffffffff;

/** A masked inequality `x & m != v`. */
export interface MaskedNe {
  readonly m: number;
  readonly v: number;
}

/** A set of unsigned 32-bit values: `lo <= x <= hi && x & mask == value && every ne && x not in excluded`. */
export interface WordSet {
  readonly lo: number;
  readonly hi: number;
  readonly mask: number;
  readonly value: number;
  /** Masked inequalities with a partial mask. */
  readonly ne: readonly MaskedNe[];
  /** Excluded single values (sorted, inside [lo, hi]). */
  readonly excluded: readonly number[];
}

/** Every 32-bit value. */
export const ALL_WORDS: WordSet = Object.freeze({ lo: 0, hi: FULL, mask: 0, value: 0, ne: [], excluded: [] });

/** True if `s` is the whole 32-bit space. */
export function isAll(s: WordSet): boolean {
  return s.lo === 0 && s.hi === FULL && s.mask === 0 && s.ne.length === 0 && s.excluded.length === 0;
}

/** True if `x` is in `s`. */
export function contains(s: WordSet, x: number): boolean {
  x >>>= 0;
  if (x < s.lo || x > s.hi) return false;
  if (((x & s.mask) >>> 0) !== s.value) return false;
  for (const n of s.ne) if (((x & n.m) >>> 0) === n.v) return false;
  return !bsearchHas(s.excluded, x);
}

function bsearchHas(arr: readonly number[], x: number): boolean {
  let l = 0;
  let h = arr.length - 1;
  while (l <= h) {
    const mid = (l + h) >> 1;
    if (arr[mid] === x) return true;
    if (arr[mid] < x) l = mid + 1;
    else h = mid - 1;
  }
  return false;
}

/** Number of x <= n (n may be -1) with `x & mask == value` and all `ne` satisfied. */
function countUpTo(n: number, mask: number, value: number, ne: readonly MaskedNe[]): number {
  if (n < 0) return 0;
  if (ne.length === 0) return countUpToPlain(n, mask, value);
  const all = (1 << ne.length) - 1;
  // state key: tight (1 bit) | sat << 1
  let states = new Map<number, number>([[1, 1]]);
  for (let bit = 31; bit >= 0; bit--) {
    const b = 2 ** bit;
    const nb = Math.floor(n / b) % 2;
    const fixed = Math.floor(mask / b) % 2 === 1;
    const fv = Math.floor(value / b) % 2;
    const next = new Map<number, number>();
    for (const [key, cnt] of states) {
      const tight = key & 1;
      const sat = key >> 1;
      for (let x = 0; x <= 1; x++) {
        if (fixed && x !== fv) continue;
        if (tight && x > nb) continue;
        const nt = tight && x === nb ? 1 : 0;
        let ns = sat;
        for (let j = 0; j < ne.length; j++) {
          const m = ne[j].m;
          if (Math.floor(m / b) % 2 === 1 && x !== Math.floor(ne[j].v / b) % 2) ns |= 1 << j;
        }
        const k = nt | (ns << 1);
        next.set(k, (next.get(k) ?? 0) + cnt);
      }
    }
    states = next;
  }
  let total = 0;
  for (const [key, cnt] of states) if (key >> 1 === all) total += cnt;
  return total;
}

function popcount(x: number): number {
  x >>>= 0;
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}

function countUpToPlain(n: number, mask: number, value: number): number {
  // Count x <= n with x & mask == value: walk the bits of n from the top.
  n >>>= 0;
  let total = 0;
  let freeAbove = 0; // free bits at positions > bit
  const totalFree = popcount(~mask);
  for (let bit = 31; bit >= 0; bit--) {
    const nb = (n >>> bit) & 1;
    const fixed = ((mask >>> bit) & 1) === 1;
    const fv = (value >>> bit) & 1;
    if (!fixed) freeAbove++;
    const freeBelow = totalFree - freeAbove;
    if (nb === 1) {
      // Choosing 0 here (if allowed) makes every lower choice free.
      if (!fixed || fv === 0) total += 2 ** freeBelow;
      if (fixed && fv === 0) return total;
    } else if (fixed && fv === 1) {
      return total;
    }
  }
  return total + 1; // x == n itself matches
}

/** Number of values in `s` that also lie in [a, b]. */
export function countIn(s: WordSet, a = 0, b = FULL): number {
  const lo = Math.max(s.lo, a >>> 0);
  const hi = Math.min(s.hi, b >>> 0);
  if (lo > hi) return 0;
  let n = countUpTo(hi, s.mask, s.value, s.ne) - countUpTo(lo - 1, s.mask, s.value, s.ne);
  if (n === 0) return 0;
  for (const p of s.excluded) {
    if (p < lo || p > hi) continue;
    if (((p & s.mask) >>> 0) !== s.value) continue;
    let ok = true;
    for (const q of s.ne) if (((p & q.m) >>> 0) === q.v) { ok = false; break; }
    if (ok) n--;
  }
  return n;
}

/** True if `s` has at least one value. */
export function nonEmpty(s: WordSet): boolean {
  return countIn(s) > 0;
}

function norm(lo: number, hi: number, mask: number, value: number, ne: readonly MaskedNe[], excluded: readonly number[]): WordSet | null {
  if (lo > hi) return null;
  // Drop inequalities decided by the fixed bits, fail on violated ones.
  const keep: MaskedNe[] = [];
  for (const n of ne) {
    if (((n.m & ~mask) >>> 0) === 0) {
      if (((value & n.m) >>> 0) === n.v) return null;
      continue;
    }
    if ((((value ^ n.v) & n.m & mask) >>> 0) !== 0) continue; // fixed bits already differ
    if (!keep.some((k) => k.m === n.m && k.v === n.v)) keep.push(n);
  }
  const ex = excluded.filter((p) => p >= lo && p <= hi && ((p & mask) >>> 0) === value);
  // Shrink the interval past excluded end points.
  let l = lo;
  let h = hi;
  const set = new Set(ex);
  while (l <= h && set.has(l)) l++;
  while (h >= l && set.has(h)) h--;
  if (l > h) return null;
  const ex2 = ex.filter((p) => p > l && p < h);
  const s: WordSet = { lo: l, hi: h, mask: mask >>> 0, value: value >>> 0, ne: keep, excluded: ex2 };
  if (!nonEmpty(s)) return null;
  // A single value is stored canonically as a plain point.
  if (l === h) return { lo: l, hi: h, mask: 0, value: 0, ne: [], excluded: [] };
  return s;
}

/** `s ∩ [a, b]`, or null when empty. */
export function withRange(s: WordSet, a: number, b: number): WordSet | null {
  return norm(Math.max(s.lo, a >>> 0), Math.min(s.hi, b >>> 0), s.mask, s.value, s.ne, s.excluded);
}

/** `s ∩ {x : x & m == v}`, or null when empty. */
export function withMaskEq(s: WordSet, m: number, v: number): WordSet | null {
  m >>>= 0;
  v >>>= 0;
  if (((v & ~m) >>> 0) !== 0) return null;
  if (((s.mask & m & (s.value ^ v)) >>> 0) !== 0) return null;
  if (m === FULL) return norm(Math.max(s.lo, v), Math.min(s.hi, v), s.mask | m, (s.value | v) >>> 0, s.ne, s.excluded);
  return norm(s.lo, s.hi, (s.mask | m) >>> 0, (s.value | v) >>> 0, s.ne, s.excluded);
}

/** `s ∩ {x : x & m != v}`, or null when empty. */
export function withMaskNe(s: WordSet, m: number, v: number): WordSet | null {
  m >>>= 0;
  v >>>= 0;
  if (((v & ~m) >>> 0) !== 0) return s; // always true
  if (m === 0) return null; // 0 != 0 is false
  if (m === FULL) {
    if (v < s.lo || v > s.hi) return s;
    if (s.mask === 0 && s.ne.length === 0) return excludePlain(s, v);
    return norm(s.lo, s.hi, s.mask, s.value, s.ne, insertSorted(s.excluded, v));
  }
  return norm(s.lo, s.hi, s.mask, s.value, [...s.ne, { m, v }], s.excluded);
}

/** Fast path: exclude one value from a plain interval-minus-points set. */
function excludePlain(s: WordSet, v: number): WordSet | null {
  if (bsearchHas(s.excluded, v)) return s;
  let lo = s.lo;
  let hi = s.hi;
  let ex = s.excluded;
  if (v === lo) {
    lo++;
    let i = 0;
    while (i < ex.length && ex[i] === lo) {
      lo++;
      i++;
    }
    ex = ex.slice(i);
  } else if (v === hi) {
    hi--;
    let j = ex.length;
    while (j > 0 && ex[j - 1] === hi) {
      hi--;
      j--;
    }
    ex = ex.slice(0, j);
  } else {
    ex = insertSorted(ex, v);
  }
  if (lo > hi) return null;
  if (lo === hi) return { lo, hi, mask: 0, value: 0, ne: [], excluded: [] };
  return { lo, hi, mask: 0, value: 0, ne: [], excluded: ex };
}

function insertSorted(arr: readonly number[], x: number): number[] {
  if (bsearchHas(arr, x)) return arr.slice();
  const out = arr.slice();
  let i = out.length;
  while (i > 0 && out[i - 1] > x) i--;
  out.splice(i, 0, x);
  return out;
}

/** `a ∩ b`, or null when empty. */
export function intersect(a: WordSet, b: WordSet): WordSet | null {
  let s: WordSet | null = withRange(a, b.lo, b.hi);
  if (s && b.mask) s = withMaskEq(s, b.mask, b.value);
  for (const n of b.ne) if (s) s = withMaskNe(s, n.m, n.v);
  if (s && b.excluded.length) s = norm(s.lo, s.hi, s.mask, s.value, s.ne, mergeSorted(s.excluded, b.excluded));
  return s;
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** True if every value in [a, b] is in `s`. */
export function coversRange(s: WordSet, a: number, b: number): boolean {
  if (a < s.lo || b > s.hi) return false;
  return countIn(s, a, b) === b - a + 1;
}

/** A stable string key of a set (for grouping and memo keys). */
export function wordSetKey(s: WordSet): string {
  let k = `${s.lo}-${s.hi}`;
  if (s.mask) k += `&${s.mask}=${s.value}`;
  for (const n of s.ne) k += `!${n.m}=${n.v}`;
  if (s.excluded.length) k += `x${s.excluded.join(',')}`;
  return k;
}

/**
 * The set as a sorted list of disjoint intervals, when it has no mask
 * constraints (undefined otherwise, or when there would be more than `limit`).
 */
export function toIntervals(s: WordSet, limit = 64): [number, number][] | undefined {
  if (s.mask !== 0 || s.ne.length > 0) return undefined;
  if (s.excluded.length + 1 > limit) return undefined;
  const out: [number, number][] = [];
  let start = s.lo;
  for (const p of s.excluded) {
    if (p > start) out.push([start, p - 1]);
    start = p + 1;
  }
  if (start <= s.hi) out.push([start, s.hi]);
  return out;
}

/** A comparison of one masked word with a constant, as BPF's conditional jumps make it. */
export type WordTestOp = 'JEQ' | 'JGT' | 'JGE' | 'JSET';

/**
 * Splits `s` by the test `(x & mask) OP k` (JSET: `x & mask & k != 0`):
 * `[true side, false side]`, `null` for an empty side; `undefined` for both
 * when the test cannot be written as a word set (an ordering on a masked
 * word).
 */
export function splitByTest(s: WordSet, mask: number, op: WordTestOp, k: number): [WordSet | null, WordSet | null] | undefined {
  mask >>>= 0;
  k >>>= 0;
  switch (op) {
    case 'JEQ':
      if ((k & ~mask) >>> 0 !== 0) return [null, s];
      return [withMaskEq(s, mask, k), withMaskNe(s, mask, k)];
    case 'JSET': {
      const t = (mask & k) >>> 0;
      if (t === 0) return [null, s];
      return [withMaskNe(s, t, 0), withMaskEq(s, t, 0)];
    }
    case 'JGT':
      if (mask !== FULL) return undefined;
      return [k === FULL ? null : withRange(s, k + 1, FULL), withRange(s, 0, k)];
    case 'JGE':
      if (mask !== FULL) return undefined;
      return [withRange(s, k, FULL), k === 0 ? null : withRange(s, 0, k - 1)];
  }
}
