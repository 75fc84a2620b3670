/**
 * Search trees over ranges of a 32-bit word (the syscall number, or one
 * argument word).
 *
 * The input is a list of ranges covering the word's values in order, each
 * with a decision and a weight (how often a value in it is expected). A tree
 * splits the ranges with `jge` at range boundaries; a leaf may cover a run of
 * ranges when all but one decision D sit in narrow ranges (at most
 * `maxWidth` values each, `maxExceptions` values in all): it then decides D
 * "except nr == x -> ..." with one `jeq` per excepted value (a hole costs one
 * comparison for the leaf instead of two more tree levels, and a run of
 * scattered single syscalls becomes a `jeq` list, as libseccomp emits).
 *
 * {@link optimalSearchTree} minimises the expected number of comparisons
 * (weights times depth, plus the exception checks each leaf's values pay) by
 * dynamic programming with Knuth's monotone-root restriction: the best split
 * of ranges i..j is searched between the best splits of i..j-1 and i+1..j, so
 * the whole table costs O(n^2) instead of O(n^3). For trees without
 * exception leaves the restriction is exact (the cost satisfies the
 * quadrangle inequality; Knuth 1971, Yao 1980). Exception leaves break that
 * inequality, so the splits next to a possible leaf (a short list per run)
 * are tried as well: still O(n^2), and layout.test.ts measures how close to
 * the exhaustive O(n^3) search it stays.
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
export const NR_LEAF_LIMITS: LeafLimits = { maxExceptions: 16, maxWidth: 2 };

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

/** The values of ranges i..j outside decision `d`, heaviest first (the order their `jeq`s are emitted in). */
function exceptionsOf<T>(ranges: readonly Range<T>[], i: number, j: number, d: T): { value: number; decision: T; weight: number }[] {
  const out: { value: number; decision: T; weight: number }[] = [];
  for (let k = i; k <= j; k++) {
    const r = ranges[k];
    if (r.decision === d) continue;
    const each = r.weight / (r.hi - r.lo + 1);
    for (let v = r.lo; v <= r.hi; v++) out.push({ value: v, decision: r.decision, weight: each });
  }
  return out.sort((x, y) => y.weight - x.weight || x.value - y.value);
}

/**
 * Possible leaves, per run of ranges i..j: row i covers j = i..i+rowLength(i)-1
 * (beyond a row's end no leaf is possible). Flat typed arrays, row after row.
 */
class LeafTable<T> {
  readonly rowStart: Int32Array;
  /** Exceptions of the best leaf (its height), or -1 when i..j cannot be one leaf. */
  count: Int32Array;
  /** Expected-comparison cost of the best leaf. */
  cost: Float64Array;
  /** The best leaf's decision, as an index into `decisions`. */
  decisionId: Int32Array;
  size = 0;

  constructor(n: number, readonly decisions: readonly T[]) {
    this.rowStart = new Int32Array(n + 1);
    this.count = new Int32Array(4 * n + 16);
    this.cost = new Float64Array(4 * n + 16);
    this.decisionId = new Int32Array(4 * n + 16);
  }

  push(count: number, cost: number, decision: number): void {
    if (this.size === this.count.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.count = grow(this.count, (k) => new Int32Array(k));
      this.cost = grow(this.cost, (k) => new Float64Array(k));
      this.decisionId = grow(this.decisionId, (k) => new Int32Array(k));
    }
    this.count[this.size] = count;
    this.cost[this.size] = cost;
    this.decisionId[this.size] = decision;
    this.size++;
  }

  rowLength(i: number): number {
    return this.rowStart[i + 1] - this.rowStart[i];
  }

  /** Exceptions of the best leaf for i..j, -1 when none is possible. */
  exceptions(i: number, j: number): number {
    return j - i < this.rowLength(i) ? this.count[this.rowStart[i] + j - i] : -1;
  }

  leafCost(i: number, j: number): number {
    return this.cost[this.rowStart[i] + j - i];
  }

  decision(i: number, j: number): T {
    return this.decisions[this.decisionId[this.rowStart[i] + j - i]];
  }
}

/**
 * Leaves of ranges i..j: every range not deciding D must be at most
 * `maxWidth` wide, each of its values one exception, at most
 * `maxExceptions` in all. D is the decision of the wide ranges when there
 * are any (two wide decisions: no leaf), else the cheapest candidate.
 * Exception counts never fall as j grows, so each row stops at the first
 * run that needs too many.
 */
function leafTable<T>(ranges: readonly Range<T>[], limits: LeafLimits, instructionCost = 0): LeafTable<T> {
  const n = ranges.length;
  // Decisions as small ids, so that per-run counts live in typed arrays.
  const ids = new Map<T, number>();
  const decisionOf: T[] = [];
  const id = new Int32Array(n);
  let widest = 1;
  ranges.forEach((r, k) => {
    let x = ids.get(r.decision);
    if (x === undefined) {
      x = decisionOf.length;
      ids.set(r.decision, x);
      decisionOf.push(r.decision);
    }
    id[k] = x;
    widest = Math.max(widest, Math.min(r.hi - r.lo + 1, limits.maxWidth));
  });
  const table = new LeafTable<T>(n, decisionOf);
  const narrow = new Float64Array(decisionOf.length);
  const weightOf = new Float64Array(decisionOf.length);
  const touched = new Int32Array(decisionOf.length);
  // The narrow values of the run, heaviest first (as their checks are emitted): weight and decision.
  const vw = new Float64Array(n * widest + 1);
  const vd = new Int32Array(n * widest + 1);
  for (let i = 0; i < n; i++) {
    table.rowStart[i] = table.size;
    table.push(0, 0, id[i]);
    let touchedCount = 0;
    let values = 0;
    let narrowTotal = 0;
    let wide = -1;
    for (let j = i; j < n; j++) {
      // Add range j to the run.
      const r = ranges[j];
      const d = id[j];
      const width = r.hi - r.lo + 1;
      if (narrow[d] === 0 && weightOf[d] === 0) touched[touchedCount++] = d;
      if (width > limits.maxWidth) {
        if (wide >= 0 && wide !== d) break;
        wide = d;
      } else {
        narrowTotal += width;
        narrow[d] += width;
        const w = r.weight / width;
        let at = values;
        while (at > 0 && vw[at - 1] < w) at--;
        vw.copyWithin(at + width, at, values);
        vd.copyWithin(at + width, at, values);
        vw.fill(w, at, at + width);
        vd.fill(d, at, at + width);
        values += width;
      }
      weightOf[d] += r.weight;
      if (j === i) continue;
      if (limits.maxExceptions === 0) break;
      let best = -1;
      let bestCount = -1;
      let bestCost = Infinity;
      let fewest = Infinity;
      for (let t = 0; t < (wide >= 0 ? 1 : touchedCount); t++) {
        const c = wide >= 0 ? wide : touched[t];
        const count = narrowTotal - narrow[c];
        fewest = Math.min(fewest, count);
        if (count > limits.maxExceptions || (wide < 0 && narrow[c] === 0)) continue;
        // c's values pass every check; the k-th excepted value stops at the k-th.
        let cost = count * weightOf[c];
        let k = 0;
        for (let v = 0; v < values; v++) if (vd[v] !== c) cost += ++k * vw[v];
        if (cost + count * instructionCost < bestCost + bestCount * instructionCost) {
          best = c;
          bestCount = count;
          bestCost = cost;
        }
      }
      if (fewest > limits.maxExceptions) break;
      table.push(best < 0 ? -1 : bestCount, bestCost, best < 0 ? id[i] : best);
    }
    for (let t = 0; t < touchedCount; t++) narrow[touched[t]] = weightOf[touched[t]] = 0;
  }
  table.rowStart[n] = table.size;
  return table;
}

/** A filled DP table: n x n, row-major; `choice` is -1 for a leaf, else the split r (left i..r, right r+1..j). */
interface Table<T> {
  readonly n: number;
  readonly choice: Int32Array;
  readonly leaves: LeafTable<T>;
}

/** Builds the leaf or split chosen for ranges i..j. */
function buildTree<T>(ranges: readonly Range<T>[], table: Table<T>, i: number, j: number): SearchTree<T> {
  const c = table.choice[i * table.n + j];
  if (c < 0) {
    const d = table.leaves.decision(i, j);
    const exceptions = exceptionsOf(ranges, i, j, d).map(({ value, decision }) => ({ value, decision }));
    return { leaf: { first: i, last: j, decision: d, exceptions } };
  }
  return { at: ranges[c + 1].lo, left: buildTree(ranges, table, i, c), right: buildTree(ranges, table, c + 1, j) };
}

function prefixWeights<T>(ranges: readonly Range<T>[]): Float64Array {
  const prefix = new Float64Array(ranges.length + 1);
  for (let i = 0; i < ranges.length; i++) prefix[i + 1] = prefix[i] + ranges[i].weight;
  return prefix;
}

/**
 * DP tables, reused between calls (the compiler builds one tree per section
 * and per argument word; fresh n x n arrays each time cost more in garbage
 * collection than the DP itself). Every cell a DP reads it has written first.
 */
/** Smallest table allocated (argument-word trees are tiny; this keeps them from reallocating). */
const MIN_SCRATCH_CELLS = 1024;
let scratch: { size: number; cost: Float64Array; costT: Float64Array; choice: Int32Array; root: Int32Array } | undefined;

/** n x n tables (row-major): cost and its transpose, choice (-1 leaf, else the split), root (the best split even where a leaf won). */
function scratchTables(n: number): { cost: Float64Array; costT: Float64Array; choice: Int32Array; root: Int32Array } {
  if (!scratch || scratch.size < n * n) {
    const size = Math.max(n * n, MIN_SCRATCH_CELLS);
    scratch = { size, cost: new Float64Array(size), costT: new Float64Array(size), choice: new Int32Array(size), root: new Int32Array(size) };
  }
  return scratch;
}

/** Tolerance for comparing float costs (sums of weights). */
const EPS = 1e-9;

/**
 * The minimum-cost search tree (see the module comment): expected
 * comparisons (weights times depth, plus each leaf's exception checks), plus
 * `instructionCost` per instruction (split or exception check) when the
 * program's length matters too. `ranges` must be non-empty, sorted, with
 * adjacent ranges deciding differently.
 */
export function optimalSearchTree<T>(ranges: readonly Range<T>[], limits: LeafLimits = NR_LEAF_LIMITS, instructionCost = 0): SearchResult<T> {
  const n = ranges.length;
  const prefix = prefixWeights(ranges);
  const leaves = leafTable(ranges, limits, instructionCost);
  const starts = leafStartsByEnd(leaves, n);
  // cost[i * n + j] and its transpose costT[j * n + i]: the split loops read a row of each, in order.
  const { cost, costT, choice, root } = scratchTables(n);
  let work = 0;
  for (let len = 1; len <= n; len++) {
    for (let i = 0, j = len - 1; j < n; i++, j++) {
      const ij = i * n + j;
      const ex = leaves.exceptions(i, j);
      let best = ex >= 0 ? leaves.leafCost(i, j) + ex * instructionCost : Infinity;
      let pick = -1;
      if (len === 1) {
        root[ij] = i;
        cost[ij] = best;
        costT[j * n + i] = best;
        choice[ij] = pick;
        continue;
      }
      let lo = len === 2 ? i : root[ij - 1];
      let hi = len === 2 ? i : root[ij + n];
      if (hi > j - 1) hi = j - 1;
      if (lo > hi) lo = hi;
      let bestSplit = Infinity;
      let bestR = lo;
      for (let r = lo; r <= hi; r++) {
        const c = cost[i * n + r] + costT[j * n + r + 1];
        if (c < bestSplit) {
          bestSplit = c;
          bestR = r;
        }
      }
      work += hi - lo + 1;
      // Splits next to a run that can be one leaf: leaves break the quadrangle inequality Knuth's
      // window rests on, but each run has few such splits (leaf runs are short), so they are tried too.
      const leftEnd = Math.min(i + leaves.rowLength(i) - 1, j - 1);
      for (let r = i; r <= leftEnd; r++) {
        if (r >= lo && r <= hi) continue;
        work++;
        const c = cost[i * n + r] + costT[j * n + r + 1];
        if (c < bestSplit || (c === bestSplit && r < bestR)) {
          bestSplit = c;
          bestR = r;
        }
      }
      for (let k = starts.offset[j]; k < starts.offset[j + 1]; k++) {
        const r = starts.list[k] - 1;
        if (r < i || (r >= lo && r <= hi) || r <= leftEnd) continue;
        work++;
        const c = cost[i * n + r] + costT[j * n + r + 1];
        if (c < bestSplit || (c === bestSplit && r < bestR)) {
          bestSplit = c;
          bestR = r;
        }
      }
      root[ij] = bestR;
      const w = prefix[j + 1] - prefix[i];
      if (bestSplit + w + instructionCost < best - EPS) {
        best = bestSplit + w + instructionCost;
        pick = bestR;
      }
      cost[ij] = best;
      costT[j * n + i] = best;
      choice[ij] = pick;
    }
  }
  return { tree: buildTree(ranges, { n, choice, leaves }, 0, n - 1), cost: cost[n - 1], work };
}

/** For each end j, the starts i < j of runs i..j that can be one leaf (CSR layout: list[offset[j]..offset[j+1])). */
function leafStartsByEnd<T>(leaves: LeafTable<T>, n: number): { offset: Int32Array; list: Int32Array } {
  const offset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) for (let d = 1; d < leaves.rowLength(i); d++) if (leaves.exceptions(i, i + d) >= 0) offset[i + d + 1]++;
  for (let j = 0; j < n; j++) offset[j + 1] += offset[j];
  const list = new Int32Array(offset[n]);
  const fill = offset.slice(0, n);
  for (let i = 0; i < n; i++) for (let d = 1; d < leaves.rowLength(i); d++) if (leaves.exceptions(i, i + d) >= 0) list[fill[i + d]++] = i;
  return { offset, list };
}

/**
 * The search tree with the smallest height (longest path, exception checks
 * included), and among those the smallest expected cost. O(n^3); for the
 * few ranges of an argument word.
 */
export function shortestSearchTree<T>(ranges: readonly Range<T>[], limits: LeafLimits): SearchResult<T> {
  const n = ranges.length;
  const prefix = prefixWeights(ranges);
  const leaves = leafTable(ranges, limits);
  const { cost, choice, root: height } = scratchTables(n);
  let work = 0;
  for (let len = 1; len <= n; len++) {
    for (let i = 0, j = len - 1; j < n; i++, j++) {
      const w = prefix[j + 1] - prefix[i];
      const ex = leaves.exceptions(i, j);
      let bestH = ex >= 0 ? ex : Infinity;
      let bestC = ex >= 0 ? leaves.leafCost(i, j) : Infinity;
      let pick = -1;
      for (let r = i; r < j; r++) {
        work++;
        const h = 1 + Math.max(height[i * n + r], height[(r + 1) * n + j]);
        const c = cost[i * n + r] + cost[(r + 1) * n + j] + w;
        if (h < bestH || (h === bestH && c < bestC - EPS)) {
          bestH = h;
          bestC = c;
          pick = r;
        }
      }
      height[i * n + j] = bestH;
      cost[i * n + j] = bestC;
      choice[i * n + j] = pick;
    }
  }
  return { tree: buildTree(ranges, { n, choice, leaves }, 0, n - 1), cost: cost[n - 1], work };
}
