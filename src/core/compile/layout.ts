/**
 * Search-tree layout over syscall-number ranges.
 *
 * A section's decisions are a list of ranges covering the whole 32-bit
 * syscall-number space, adjacent ranges having different decisions. The
 * search tree splits them with `jge` at range boundaries; its cost is the
 * expected number of comparisons, with each range weighted (by default one
 * unit per syscall number the table knows, or by a syscall frequency table).
 * The optimal alphabetic tree is found by dynamic programming with Knuth's
 * monotone-root speed-up (O(n^2)).
 */

export interface Range<T> {
  lo: number;
  hi: number;
  decision: T;
  weight: number;
  /**
   * Single syscall numbers inside [lo, hi] with another decision, checked
   * with `jeq` before the range's own decision applies (a "hole" costs one
   * comparison for the range instead of two extra tree levels).
   */
  exceptions?: { nr: number; decision: T }[];
}

/** A search tree: a leaf range index, or a split at `ranges[right].lo`. */
export type SearchSplit = { split: number; left: SearchTree; right: SearchTree };
export type SearchTree = { leaf: number } | SearchSplit;

/**
 * Builds the minimum expected-cost search tree over ranges with the given
 * weights (at least one). `leafCost[i]` is the extra cost of leaf i itself
 * (its exception checks). Returns the tree and its total cost.
 */
export function optimalSearchTree(weights: readonly number[], leafCost?: readonly number[]): SearchTree {
  return searchTreeWithCost(weights, leafCost).tree;
}

export function searchTreeWithCost(weights: readonly number[], leafCost?: readonly number[]): { tree: SearchTree; cost: number } {
  const n = weights.length;
  if (n === 1) return { tree: { leaf: 0 }, cost: leafCost ? leafCost[0] : 0 };
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + weights[i];
  const W = (i: number, j: number) => prefix[j + 1] - prefix[i];
  // cost[i][j], root[i][j] (split: left = i..r, right = r+1..j)
  const cost: Float64Array[] = Array.from({ length: n }, () => new Float64Array(n));
  const root: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n));
  const lc = (i: number) => (leafCost ? leafCost[i] : 0);
  for (let i = 0; i < n; i++) cost[i][i] = lc(i);
  for (let i = 0; i < n - 1; i++) {
    cost[i][i + 1] = W(i, i + 1) + lc(i) + lc(i + 1);
    root[i][i + 1] = i;
  }
  for (let len = 3; len <= n; len++) {
    for (let i = 0; i + len - 1 < n; i++) {
      const j = i + len - 1;
      const lo = root[i][j - 1];
      const hi = Math.min(root[i + 1][j], j - 1);
      let best = Infinity;
      let bestR = lo;
      for (let r = lo; r <= hi; r++) {
        const c = cost[i][r] + cost[r + 1][j];
        // Prefer the more balanced split on ties (smaller worst case).
        if (c < best - 1e-9 || (Math.abs(c - best) <= 1e-9 && Math.abs((r - i) - (j - r - 1)) < Math.abs((bestR - i) - (j - bestR - 1)))) {
          best = c;
          bestR = r;
        }
      }
      cost[i][j] = best + W(i, j);
      root[i][j] = bestR;
    }
  }
  const build = (i: number, j: number): SearchTree => {
    if (i === j) return { leaf: i };
    const r = root[i][j];
    return { split: r + 1, left: build(i, r), right: build(r + 1, j) };
  };
  return { tree: build(0, n - 1), cost: cost[0][n - 1] };
}

/**
 * Folds single-number "holes" into the surrounding range when both
 * neighbours decide alike: `[A: 0-9][B: 10][A: 11-20]` becomes `[A: 0-20]`
 * with the exception `10 -> B`. At most `maxExceptions` per range.
 */
export function absorbHoles<T>(ranges: Range<T>[], maxExceptions: number): Range<T>[] {
  if (maxExceptions <= 0) return ranges;
  const out: Range<T>[] = [];
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i];
    const prev = out[out.length - 1];
    const next = ranges[i + 1];
    const width = r.hi - r.lo + 1;
    if (prev && next && width <= 2 && !r.exceptions && prev.decision === next.decision && !next.exceptions && (prev.exceptions?.length ?? 0) + width <= maxExceptions) {
      const extra = width === 1 ? [{ nr: r.lo, decision: r.decision }] : [{ nr: r.lo, decision: r.decision }, { nr: r.hi, decision: r.decision }];
      prev.exceptions = [...(prev.exceptions ?? []), ...extra];
      prev.hi = next.hi;
      prev.weight += r.weight + next.weight;
      i++;
      continue;
    }
    out.push({ ...r });
  }
  return out;
}

/** Leaf costs for ranges with exceptions: each `jeq` is paid by the whole range. */
export function exceptionCosts<T>(ranges: readonly Range<T>[]): number[] {
  return ranges.map((r) => (r.exceptions?.length ?? 0) * r.weight);
}

/** Merges adjacent ranges with identical decisions (by identity). */
export function mergeRanges<T>(ranges: Range<T>[]): Range<T>[] {
  const out: Range<T>[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.decision === r.decision && last.hi + 1 === r.lo) {
      last.hi = r.hi;
      last.weight += r.weight;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

/** A leaf of a {@link GroupTree}: ranges i..j handled as one decision with `jeq` exceptions. */
export interface GroupLeaf<T> {
  group: [number, number];
  decision: T;
  exceptions: { nr: number; decision: T }[];
}
export type GroupTree<T> = { leaf: GroupLeaf<T> } | { split: number; left: GroupTree<T>; right: GroupTree<T> };

/**
 * Minimum expected-cost search tree where a leaf may cover several ranges:
 * a run of ranges that starts and ends with decision D and otherwise holds
 * only narrow ranges (at most `maxWidth` numbers each) becomes "D, except
 * nr == x -> ..." checked with `jeq`s (each paid by the whole leaf's weight).
 * O(n^3) dynamic programming; n is the number of ranges in a section.
 */
export function optimalGroupTree<T>(ranges: readonly Range<T>[], maxExceptions = 6, maxWidth = 2, decisionCost: (d: T) => number = () => 0): { tree: GroupTree<T>; cost: number } {
  const n = ranges.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + ranges[i].weight;
  const W = (i: number, j: number) => prefix[j + 1] - prefix[i];
  const cost: Float64Array[] = Array.from({ length: n }, () => new Float64Array(n).fill(Infinity));
  const choice: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n).fill(-1)); // -1 leaf, else split root
  // Exceptions needed to make i..j one leaf (Infinity if impossible).
  const leafExceptions = (i: number, j: number): number => {
    if (ranges[i].decision !== ranges[j].decision) return Infinity;
    const d = ranges[i].decision;
    let count = 0;
    for (let k = i + 1; k < j; k++) {
      const r = ranges[k];
      if (r.decision === d) continue;
      const w = r.hi - r.lo + 1;
      if (w > maxWidth) return Infinity;
      count += w;
      if (count > maxExceptions) return Infinity;
    }
    return count;
  };
  for (let len = 1; len <= n; len++) {
    for (let i = 0; i + len - 1 < n; i++) {
      const j = i + len - 1;
      const ex = len === 1 ? 0 : leafExceptions(i, j);
      let best = ex === Infinity ? Infinity : (ex + decisionCost(ranges[i].decision)) * W(i, j);
      let pick = ex === Infinity ? -2 : -1;
      for (let r = i; r < j; r++) {
        const c = cost[i][r] + cost[r + 1][j] + W(i, j);
        if (c < best - 1e-9) {
          best = c;
          pick = r;
        }
      }
      cost[i][j] = best;
      choice[i][j] = pick;
    }
  }
  const build = (i: number, j: number): GroupTree<T> => {
    const c = choice[i][j];
    if (c === -1) {
      const d = ranges[i].decision;
      const exceptions: { nr: number; decision: T }[] = [];
      for (let k = i + 1; k < j; k++) {
        const r = ranges[k];
        if (r.decision === d) continue;
        for (let nr = r.lo; nr <= r.hi; nr++) exceptions.push({ nr, decision: r.decision });
      }
      return { leaf: { group: [i, j], decision: d, exceptions } };
    }
    return { split: c + 1, left: build(i, c), right: build(c + 1, j) };
  };
  return { tree: build(0, n - 1), cost: cost[0][n - 1] };
}
