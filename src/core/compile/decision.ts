/**
 * Decision diagrams over 32-bit seccomp_data words: the compiler's middle IR.
 *
 * A {@link DNode} is either a leaf (a seccomp return value) or a test of one
 * 32-bit word (`(word & mask) OP k`) with a true and a false child. Nodes are
 * hash-consed in a {@link DiagramBuilder}, so structurally equal sub-diagrams
 * are one object, identical decisions compare by identity, and shared code is
 * emitted once.
 */
import { levelStart, type DbNode } from './rule-db.js';
import { CompileError } from '../errors.js';
import { ALL_WORDS, splitByTest, wordSetKey, type WordSet, type WordTestOp } from '../symbolic/wordset.js';

/** Upper bound on diagram nodes built for one syscall before giving up. */
const MAX_DIAGRAM_WORK = 200_000;

/**
 * Most argument comparisons one level of a syscall's rules may chain (one
 * per distinct comparison at that level, e.g. `arg1 == v` for 4,097 values):
 * the kernel's program limit, and the bound that keeps the merge's time and
 * memory small (its path facts grow with the chain).
 */
export const MAX_LEVEL_TESTS = 4096;

function tooComplex(what: string): CompileError {
  return new CompileError('RULES_TOO_COMPLEX', `the argument conditions for ${what} overlap in too many ways to merge (more than ${MAX_DIAGRAM_WORK} decision nodes, or a tangled merge)`, {
    hint: 'libseccomp does not finish on such policies either; simplify the overlapping rules of that syscall',
  });
}

export type TestOp = WordTestOp;

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

/** Hash-consing factory for diagram nodes. */
export class DiagramBuilder {
  private next = 0;
  private leaves = new Map<number, DLeaf>();
  private tests = new Map<string, DTest>();

  /** Nodes built so far (leaves and tests). */
  get size(): number {
    return this.next;
  }

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

  /** The same diagram with every leaf value rewritten by `map`. */
  mapLeaves(d: DNode, map: (value: number) => number): DNode {
    const memo = new Map<DNode, DNode>();
    const walk = (n: DNode): DNode => {
      const hit = memo.get(n);
      if (hit) return hit;
      const r = n.kind === 'leaf' ? this.leaf(map(n.value)) : this.test(n.offset, n.mask, n.op, n.k, walk(n.t), walk(n.f));
      memo.set(n, r);
      return r;
    };
    return walk(d);
  }

  /**
   * Converts a rule-database tree (libseccomp's evaluation order: siblings in
   * order, a branch that leads nowhere falls through to the next sibling,
   * then to `fallback`) into a diagram.
   */
  fromDbTree(tree: DbNode, fallback: DNode, what = 'a syscall'): DNode {
    const memo = new Map<DbNode, Map<DNode, DNode>>();
    let work = 0;
    const onLevel = new Set<DbNode>();
    // A level is a chain of siblings (one per rule on a syscall can make it
    // thousands long): walked with a loop, not recursion, so a long chain
    // cannot overflow the stack. Recursion is only into sub-levels (one per
    // argument word compared, so a few). The order of node creation is the
    // recursive walk's (last sibling first), so the program is the same.
    const level = (start: DbNode | null, fb: DNode): DNode => {
      const chain: DbNode[] = [];
      let next = fb;
      for (let n = start; n !== null; n = n.lvlNxt) {
        if (++work > MAX_DIAGRAM_WORK || onLevel.has(n)) throw tooComplex(what);
        if (chain.length >= MAX_LEVEL_TESTS) {
          throw new CompileError('RULES_TOO_MANY', `the rules for ${what} make more than ${MAX_LEVEL_TESTS} argument comparisons at one level (syswall's limit; docs/limits.md)`, {
            hint: 'merge the values into ranges or masks (e.g. SCMP_CMP_MASKED_EQ), or split the policy into stacked filters',
          });
        }
        const hit = memo.get(n)?.get(fb);
        if (hit) {
          next = hit;
          break;
        }
        onLevel.add(n);
        chain.push(n);
      }
      for (const n of chain) onLevel.delete(n);
      for (let i = chain.length - 1; i >= 0; i--) {
        const n = chain[i];
        const branch = (sub: DbNode | null, actSet: boolean, act: number): DNode => {
          if (sub) {
            const first = levelStart(sub);
            if (!first) throw tooComplex(what);
            return level(first, next);
          }
          return actSet ? this.leaf(act) : next;
        };
        const t = branch(n.nxtT, n.actTSet, n.actT);
        const f = branch(n.nxtF, n.actFSet, n.actF);
        const op: TestOp = n.op === 'GT' ? 'JGT' : n.op === 'GE' ? 'JGE' : 'JEQ';
        const r = this.test(n.offset, n.mask, op, n.datum, t, f);
        let m = memo.get(n);
        if (!m) {
          m = new Map();
          memo.set(n, m);
        }
        m.set(fb, r);
        next = r;
      }
      return next;
    };
    const first = levelStart(tree);
    if (!first) throw tooComplex(what);
    return level(first, fallback);
  }

  /**
   * Removes tests whose outcome is implied by the tests above them on the
   * path (e.g. the high word re-checked by every 64-bit comparison).
   * Knowledge per word: an unsigned interval, equalities under masks, and
   * excluded values.
   */
  simplify(root: DNode, what = 'a syscall'): DNode {
    // Depth-first with an explicit stack: a diagram path is as long as the
    // rules on a syscall (thousands), too deep for recursion. The order of
    // visits (true branch, false branch, then the node) is the recursive
    // one's, so node ids and the program are the same.
    const memo = new Map<string, DNode>();
    type Frame = { n: DTest; facts: Facts; key: string; known: boolean | undefined; phase: 0 | 1 | 2; t?: DNode };
    const stack: Frame[] = [];
    let ret: DNode | undefined;
    const call = (n: DNode, facts: Facts): DNode | undefined => {
      if (n.kind === 'leaf') return n;
      const key = n.id + '|' + facts.key();
      const hit = memo.get(key);
      if (hit) return hit;
      if (memo.size > MAX_DIAGRAM_WORK) throw tooComplex(what);
      stack.push({ n, facts, key, known: facts.decide(n), phase: 0 });
      return undefined;
    };
    const finish = (fr: Frame, r: DNode) => {
      stack.pop();
      memo.set(fr.key, r);
      ret = r;
    };
    ret = call(root, Facts.empty);
    while (stack.length) {
      const fr = stack[stack.length - 1];
      if (fr.phase === 0) {
        fr.phase = 1;
        const r = call(fr.known === false ? fr.n.f : fr.n.t, fr.known === undefined ? fr.facts.with(fr.n, true) : fr.facts);
        if (r === undefined) continue;
        ret = r;
      }
      if (fr.phase === 1) {
        if (fr.known !== undefined) {
          finish(fr, ret!);
          continue;
        }
        fr.t = ret;
        fr.phase = 2;
        const r = call(fr.n.f, fr.facts.with(fr.n, false));
        if (r === undefined) continue;
        ret = r;
      }
      finish(fr, this.test(fr.n.offset, fr.n.mask, fr.n.op, fr.n.k, fr.t!, ret!));
    }
    return ret!;
  }
}

/**
 * Upper bound on the masked inequalities kept per word on one path. Deciding
 * emptiness of a word set costs 2^n in them, so beyond this the path simply
 * forgets the newest one (sound: a test that is not decided is kept).
 */
const MAX_PATH_INEQUALITIES = 6;

/**
 * Immutable per-path knowledge about data words: one exact
 * {@link WordSet} per word (the word-set type of the symbolic engine).
 */
export class Facts {
  static readonly empty = new Facts(new Map());
  private constructor(private readonly words: ReadonlyMap<number, WordSet>) {}

  key(): string {
    if (this.words.size === 0) return '';
    return [...this.words.entries()].sort((a, b) => a[0] - b[0]).map(([o, w]) => `${o}:${wordSetKey(w)}`).join('/');
  }

  /** true/false if the test's outcome is known on this path, else undefined. */
  decide(n: DTest): boolean | undefined {
    const split = splitByTest(this.words.get(n.offset) ?? ALL_WORDS, n.mask, n.op, n.k);
    if (split === undefined) return undefined;
    if (split[1] === null) return true;
    if (split[0] === null) return false;
    return undefined;
  }

  /** Facts after taking the `outcome` branch of `n` (which {@link decide} left open). */
  with(n: DTest, outcome: boolean): Facts {
    const split = splitByTest(this.words.get(n.offset) ?? ALL_WORDS, n.mask, n.op, n.k);
    const next = split?.[outcome ? 0 : 1];
    if (!next || next.ne.length > MAX_PATH_INEQUALITIES) return this;
    const words = new Map(this.words);
    words.set(n.offset, next);
    return new Facts(words);
  }
}
