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
}

/** A search tree: a leaf range index, or a split at `ranges[right].lo`. */
export type SearchSplit = { split: number; left: SearchTree; right: SearchTree };
export type SearchTree = { leaf: number } | SearchSplit;

/** Builds the minimum expected-cost search tree over `ranges` (at least one). */
export function optimalSearchTree(weights: readonly number[]): SearchTree {
  const n = weights.length;
  if (n === 1) return { leaf: 0 };
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + weights[i];
  const W = (i: number, j: number) => prefix[j + 1] - prefix[i];
  // cost[i][j], root[i][j] (split: left = i..r, right = r+1..j)
  const cost: Float64Array[] = Array.from({ length: n }, () => new Float64Array(n));
  const root: Int32Array[] = Array.from({ length: n }, () => new Int32Array(n));
  for (let i = 0; i < n - 1; i++) {
    cost[i][i + 1] = W(i, i + 1);
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
  return build(0, n - 1);
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
