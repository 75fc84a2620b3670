/**
 * Search trees over ranges of a 32-bit word (the syscall number, or one
 * argument word).
 *
 * The input is a list of ranges covering the word's values in order, each
 * with a decision and a weight (how often a value in it is expected). A tree
 * splits the ranges with `jge` at range boundaries; a leaf may cover a run of
 * ranges that starts and ends with one decision D when every other range in
 * it is narrow: it then decides D "except nr == x -> ..." with one `jeq` per
 * excepted number (a hole costs one comparison for the leaf instead of two
 * more tree levels).
 *
 * {@link optimalSearchTree} minimises the expected number of comparisons
 * (weights times depth, plus the exception checks each leaf's values pay) by
 * dynamic programming with Knuth's monotone-root restriction: the best split
 * of ranges i..j is searched between the best splits of i..j-1 and i+1..j, so
 * the whole table costs O(n^2) instead of O(n^3). For trees without
 * exception leaves the restriction is exact (the cost satisfies the
 * quadrangle inequality; Knuth 1971, Yao 1980); with exception leaves it is a
 * heuristic, checked against the full O(n^3) search in layout.test.ts.
 *
 * {@link shortestSearchTree} minimises the height first (the longest path),
 * then the expected cost; it is for argument words, where there are few
 * ranges and no frequencies.
 */

export interface Range<T> {
  lo: number;
  hi: number;
  decision: T;
  weight: number;
}

/** A leaf: ranges `first..last` decided as `decision`, except single numbers checked with `jeq`. */
export interface SearchLeaf<T> {
  readonly first: number;
  readonly last: number;
  readonly decision: T;
  readonly exceptions: readonly { readonly value: number; readonly decision: T }[];
}

/** A search tree: a leaf, or a split at value `at` (values >= at go right). */
export type SearchTree<T> = { readonly leaf: SearchLeaf<T> } | { readonly at: number; readonly left: SearchTree<T>; readonly right: SearchTree<T> };

/** What a leaf may hold. */
export interface LeafLimits {
  /** Most `jeq` exceptions in one leaf (0: every leaf is one range). */
  maxExceptions: number;
  /** Widest range (in values) that may become exceptions. */
  maxWidth: number;
}

/** The default leaf limits of the syscall-number tree. */
export const NR_LEAF_LIMITS: LeafLimits = { maxExceptions: 6, maxWidth: 2 };

/** A tree and what building it took. */
export interface SearchResult<T> {
  readonly tree: SearchTree<T>;
  /** Expected comparisons (weighted sum). */
  readonly cost: number;
  /** Candidate splits examined (the DP's work; O(n^2) with Knuth's restriction). */
  readonly work: number;
}

/** Merges adjacent ranges with identical decisions (by identity). */
export function mergeRanges<T>(ranges: readonly Range<T>[]): Range<T>[] {
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

/**
 * Exceptions needed to make ranges i..j one leaf, per (i, j): row i holds
 * j = i..i+row.length-1; beyond a row's end the run is impossible.
 */
function leafExceptionTable<T>(ranges: readonly Range<T>[], limits: LeafLimits): Int32Array[] {
  const n = ranges.length;
  const rows: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const d = ranges[i].decision;
    const counts: number[] = [0];
    let count = 0;
    for (let j = i + 1; j < n && limits.maxExceptions > 0; j++) {
      const r = ranges[j];
      if (r.decision === d) {
        counts.push(count);
        continue;
      }
      const width = r.hi - r.lo + 1;
      if (width > limits.maxWidth) break;
      count += width;
      if (count > limits.maxExceptions) break;
      counts.push(-1); // ends on another decision: not a leaf, but later j may be
    }
    rows.push(Int32Array.from(counts));
  }
  return rows;
}

/** Builds the leaf or split chosen for ranges i..j. */
function buildTree<T>(ranges: readonly Range<T>[], choice: readonly Int32Array[], i: number, j: number): SearchTree<T> {
  const c = choice[i][j];
  if (c < 0) {
    const d = ranges[i].decision;
    const exceptions: { value: number; decision: T }[] = [];
    for (let k = i + 1; k < j; k++) {
      const r = ranges[k];
      if (r.decision === d) continue;
      for (let v = r.lo; v <= r.hi; v++) exceptions.push({ value: v, decision: r.decision });
    }
    return { leaf: { first: i, last: j, decision: d, exceptions } };
  }
  return { at: ranges[c + 1].lo, left: buildTree(ranges, choice, i, c), right: buildTree(ranges, choice, c + 1, j) };
}

/**
 * The minimum expected-cost search tree (see the module comment). `ranges`
 * must be non-empty, sorted, with adjacent ranges deciding differently.
 */
export function optimalSearchTree<T>(ranges: readonly Range<T>[], limits: LeafLimits = NR_LEAF_LIMITS): SearchResult<T> {
  const n = ranges.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + ranges[i].weight;
  const exceptions = leafExceptionTable(ranges, limits);
  const cost: Float64Array[] = Array.from({ length: n }, () => new Float64Array(n));
  // choice[i][j]: -1 leaf, else the split r (left i..r, right r+1..j).
  const choice: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n).fill(-1));
  // The best split of i..j even where a leaf won: Knuth's window for longer runs.
  const root: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n));
  let work = 0;
  for (let len = 1; len <= n; len++) {
    for (let i = 0, j = len - 1; j < n; i++, j++) {
      const w = prefix[j + 1] - prefix[i];
      const ex = j - i < exceptions[i].length ? exceptions[i][j - i] : -1;
      let best = ex >= 0 ? ex * w : Infinity;
      let pick = -1;
      if (len > 1) {
        let lo = len === 2 ? i : root[i][j - 1];
        let hi = len === 2 ? i : root[i + 1][j];
        if (hi > j - 1) hi = j - 1;
        if (lo > hi) lo = hi;
        let bestSplit = Infinity;
        let bestR = lo;
        for (let r = lo; r <= hi; r++) {
          work++;
          const c = cost[i][r] + cost[r + 1][j];
          if (c < bestSplit) {
            bestSplit = c;
            bestR = r;
          }
        }
        root[i][j] = bestR;
        if (bestSplit + w < best - 1e-9) {
          best = bestSplit + w;
          pick = bestR;
        }
      } else {
        root[i][j] = i;
      }
      cost[i][j] = best;
      choice[i][j] = pick;
    }
  }
  return { tree: buildTree(ranges, choice, 0, n - 1), cost: cost[0][n - 1], work };
}

/**
 * The search tree with the smallest height (longest path, exception checks
 * included), and among those the smallest expected cost. O(n^3); for the
 * few ranges of an argument word.
 */
export function shortestSearchTree<T>(ranges: readonly Range<T>[], limits: LeafLimits): SearchResult<T> {
  const n = ranges.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + ranges[i].weight;
  const exceptions = leafExceptionTable(ranges, limits);
  const height: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n));
  const cost: Float64Array[] = Array.from({ length: n }, () => new Float64Array(n));
  const choice: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n).fill(-1));
  let work = 0;
  for (let len = 1; len <= n; len++) {
    for (let i = 0, j = len - 1; j < n; i++, j++) {
      const w = prefix[j + 1] - prefix[i];
      const ex = j - i < exceptions[i].length ? exceptions[i][j - i] : -1;
      let bestH = ex >= 0 ? ex : 0x7fffffff;
      let bestC = ex >= 0 ? ex * w : Infinity;
      let pick = -1;
      for (let r = i; r < j; r++) {
        work++;
        const h = 1 + Math.max(height[i][r], height[r + 1][j]);
        const c = cost[i][r] + cost[r + 1][j] + w;
        if (h < bestH || (h === bestH && c < bestC - 1e-9)) {
          bestH = h;
          bestC = c;
          pick = r;
        }
      }
      height[i][j] = bestH;
      cost[i][j] = bestC;
      choice[i][j] = pick;
    }
  }
  return { tree: buildTree(ranges, choice, 0, n - 1), cost: cost[0][n - 1], work };
}
