/**
 * Decision diagrams over 32-bit seccomp_data words: the compiler's middle IR.
 *
 * A {@link DNode} is either a leaf (a seccomp return value) or a test of one
 * 32-bit word (`(word & mask) OP k`) with a true and a false child. Nodes are
 * hash-consed in a {@link DiagramBuilder}, so structurally equal sub-diagrams
 * are one object, identical decisions compare by identity, and shared code is
 * emitted once.
 */
import type { DbNode } from './rule-db.js';

export type TestOp = 'JEQ' | 'JGT' | 'JGE' | 'JSET';

export interface DLeaf {
  readonly kind: 'leaf';
  readonly id: number;
  /** seccomp return value. */
  readonly value: number;
}

export interface DTest {
  readonly kind: 'test';
  readonly id: number;
  /** Byte offset of the word in seccomp_data. */
  readonly offset: number;
  /** AND mask applied before the comparison (0xffffffff = none). */
  readonly mask: number;
  readonly op: TestOp;
  readonly k: number;
  readonly t: DNode;
  readonly f: DNode;
}

export type DNode = DLeaf | DTest;

const FULL = 0xffffffff;

/** Evaluates a diagram for concrete words (`words[offset / 4]`). */
export function evalDiagram(node: DNode, words: Uint32Array): number {
  let n = node;
  while (n.kind === 'test') {
    const w = (words[n.offset >> 2] & n.mask) >>> 0;
    let r: boolean;
    switch (n.op) {
      case 'JEQ': r = w === n.k; break;
      case 'JGT': r = w > n.k; break;
      case 'JGE': r = w >= n.k; break;
      default: r = (w & n.k) !== 0;
    }
    n = r ? n.t : n.f;
  }
  return n.value;
}

/** Hash-consing factory for diagram nodes. */
export class DiagramBuilder {
  private next = 0;
  private leaves = new Map<number, DLeaf>();
  private tests = new Map<string, DTest>();

  leaf(value: number): DLeaf {
    const v = value >>> 0;
    let l = this.leaves.get(v);
    if (!l) {
      l = { kind: 'leaf', id: this.next++, value: v };
      this.leaves.set(v, l);
    }
    return l;
  }

  /** A test node; returns the child directly when both branches are the same. */
  test(offset: number, mask: number, op: TestOp, k: number, t: DNode, f: DNode): DNode {
    if (t === f) return t;
    mask >>>= 0;
    k >>>= 0;
    // Normalise: JEQ on a mask is k-masked; trivial comparisons fold.
    if (op === 'JEQ' && (k & ~mask) >>> 0 !== 0) return f;
    if (mask === 0) {
      const r = op === 'JEQ' ? k === 0 : op === 'JGE' ? k === 0 : false;
      return r ? t : f;
    }
    if (op === 'JGE' && k === 0) return t;
    if (op === 'JGT' && mask === FULL && k === FULL) return f;
    if (op === 'JSET' && (k & mask) >>> 0 === 0) return f;
    const key = `${offset},${mask},${op},${k},${t.id},${f.id}`;
    let n = this.tests.get(key);
    if (!n) {
      n = { kind: 'test', id: this.next++, offset, mask, op, k, t, f };
      this.tests.set(key, n);
    }
    return n;
  }

  /**
   * Converts a rule-database tree (libseccomp's evaluation order: siblings in
   * order, a branch that leads nowhere falls through to the next sibling,
   * then to `fallback`) into a diagram.
   */
  fromDbTree(tree: DbNode, fallback: DNode): DNode {
    const memo = new Map<DbNode, Map<DNode, DNode>>();
    const ids = new Map<DbNode, number>();
    const level = (n: DbNode | null, fb: DNode): DNode => {
      if (n === null) return fb;
      let m = memo.get(n);
      if (!m) {
        m = new Map();
        memo.set(n, m);
      }
      const hit = m.get(fb);
      if (hit) return hit;
      const next = level(n.lvlNxt, fb);
      const branch = (sub: DbNode | null, actSet: boolean, act: number): DNode => {
        if (sub) {
          let first = sub;
          while (first.lvlPrv) first = first.lvlPrv;
          return level(first, next);
        }
        return actSet ? this.leaf(act) : next;
      };
      const t = branch(n.nxtT, n.actTSet, n.actT);
      const f = branch(n.nxtF, n.actFSet, n.actF);
      const op: TestOp = n.op === 'GT' ? 'JGT' : n.op === 'GE' ? 'JGE' : 'JEQ';
      const mask = n.op === 'MASKED_EQ' ? n.mask : n.mask;
      const r = this.test(n.offset, mask, op, n.datum, t, f);
      m.set(fb, r);
      ids.set(n, r.id);
      return r;
    };
    let first = tree;
    while (first.lvlPrv) first = first.lvlPrv;
    return level(first, fallback);
  }

  /**
   * Removes tests whose outcome is implied by the tests above them on the
   * path (e.g. the high word re-checked by every 64-bit comparison).
   * Knowledge per word: an unsigned interval, equalities under masks, and
   * excluded values.
   */
  simplify(root: DNode): DNode {
    const memo = new Map<string, DNode>();
    const walk = (n: DNode, facts: Facts): DNode => {
      if (n.kind === 'leaf') return n;
      const key = n.id + '|' + facts.key();
      const hit = memo.get(key);
      if (hit) return hit;
      const known = facts.decide(n);
      let r: DNode;
      if (known === true) r = walk(n.t, facts);
      else if (known === false) r = walk(n.f, facts);
      else r = this.test(n.offset, n.mask, n.op, n.k, walk(n.t, facts.with(n, true)), walk(n.f, facts.with(n, false)));
      memo.set(key, r);
      return r;
    };
    return walk(root, Facts.empty);
  }
}

interface WordFacts {
  lo: number;
  hi: number;
  /** mask -> required value */
  eq: [number, number][];
  /** excluded (mask, value) pairs */
  ne: [number, number][];
}

/** Immutable per-path knowledge about data words. */
export class Facts {
  static readonly empty = new Facts(new Map());
  private constructor(private readonly words: Map<number, WordFacts>) {}

  key(): string {
    if (this.words.size === 0) return '';
    return [...this.words.entries()].sort((a, b) => a[0] - b[0]).map(([o, w]) => `${o}:${w.lo}-${w.hi}:${w.eq.join(';')}:${w.ne.join(';')}`).join('/');
  }

  private get(offset: number): WordFacts {
    return this.words.get(offset) ?? { lo: 0, hi: FULL, eq: [], ne: [] };
  }

  /** true/false if the test's outcome is known on this path, else undefined. */
  decide(n: DTest): boolean | undefined {
    const w = this.get(n.offset);
    if (n.mask === FULL) {
      if (n.op === 'JEQ') {
        if (n.k < w.lo || n.k > w.hi) return false;
        if (w.lo === w.hi) return w.lo === n.k;
        for (const [m, v] of w.eq) if ((n.k & m) >>> 0 !== v) return false;
        for (const [m, v] of w.ne) if (m === FULL && v === n.k) return false;
        return undefined;
      }
      if (n.op === 'JGT') {
        if (w.lo > n.k) return true;
        if (w.hi <= n.k) return false;
        return undefined;
      }
      if (n.op === 'JGE') {
        if (w.lo >= n.k) return true;
        if (w.hi < n.k) return false;
        return undefined;
      }
    }
    if (n.op === 'JEQ') {
      for (const [m, v] of w.eq) {
        if (m === n.mask) return v === n.k;
        // A stronger known mask decides a weaker one.
        if ((m & n.mask) >>> 0 === n.mask) return ((v & n.mask) >>> 0) === n.k;
      }
      for (const [m, v] of w.ne) if (m === n.mask && v === n.k) return false;
      if (w.lo === w.hi) return ((w.lo & n.mask) >>> 0) === n.k;
    }
    if (n.op === 'JSET' && w.lo === w.hi) return ((w.lo & n.mask & n.k) >>> 0) !== 0;
    return undefined;
  }

  /** Facts after taking the `outcome` branch of `n`. */
  with(n: DTest, outcome: boolean): Facts {
    const w = this.get(n.offset);
    const next: WordFacts = { lo: w.lo, hi: w.hi, eq: w.eq, ne: w.ne };
    if (n.mask === FULL && n.op !== 'JSET') {
      if (n.op === 'JEQ') {
        if (outcome) {
          next.lo = next.hi = n.k;
        } else {
          if (n.k === next.lo && next.lo < next.hi) next.lo = n.k + 1;
          else if (n.k === next.hi && next.lo < next.hi) next.hi = n.k - 1;
          else next.ne = [...w.ne, [FULL, n.k]];
        }
      } else if (n.op === 'JGT') {
        if (outcome) next.lo = Math.max(next.lo, n.k + 1);
        else next.hi = Math.min(next.hi, n.k);
      } else if (n.op === 'JGE') {
        if (outcome) next.lo = Math.max(next.lo, n.k);
        else next.hi = Math.min(next.hi, n.k - 1);
      }
    } else if (n.op === 'JEQ') {
      if (outcome) next.eq = [...w.eq, [n.mask, n.k]];
      else next.ne = [...w.ne, [n.mask, n.k]];
    } else {
      return this; // JSET / masked ranges: no facts kept
    }
    const words = new Map(this.words);
    words.set(n.offset, next);
    return new Facts(words);
  }
}
