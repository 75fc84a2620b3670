/**
 * Code generation: sections and their decision diagrams to labelled code.
 *
 * ```
 * ld [arch]; jeq TOKEN_1 -> section 1; jeq TOKEN_2 -> section 2; ...; ret BADARCH
 * section: ld [nr]; search tree over nr ranges; exception checks;
 *          argument code; the section's returns
 * ```
 *
 * Argument code is emitted per *word block*: a maximal part of a diagram that
 * compares one word (the same offset, unmasked) with JEQ/JGT/JGE. A block is
 * a function from the word's value to the block's exits, so it is re-laid as
 * the shortest search tree over the word's value ranges (range checks instead
 * of a chain of `jeq`s). Each block is emitted once, parents before children,
 * and loads its word only when some path into it leaves another value in the
 * accumulator.
 */
import * as C from '../bpf/constants.js';
import type { DNode, DTest, TestOp } from './decision.js';
import { mergeRanges, optimalSearchTree, shortestSearchTree, type LeafLimits, type Range, type SearchLeaf, type SearchTree, NR_LEAF_LIMITS } from './layout.js';
import type { Label, ProgramBuilder } from './program-builder.js';
import type { Section } from './sections.js';

/** A word of seccomp_data as the accumulator holds it: `word & mask`. */
interface WordAcc {
  readonly offset: number;
  readonly mask: number;
}

/** What the accumulator holds where a block starts, over every path into it. */
type AccState = { readonly kind: 'word'; readonly word: WordAcc } | { readonly kind: 'mixed' };

const FULL = 0xffffffff;
const NR_ACC: WordAcc = { offset: C.SECCOMP_DATA_NR, mask: FULL };
/** Leaf limits of argument-word trees (values are rarely clustered; exceptions are plain `jeq`s). */
const WORD_LEAF_LIMITS: LeafLimits = { maxExceptions: 4, maxWidth: 1 };
/** Instructions on every path besides the nr tree: ld arch, jeq arch, ld nr, ret. */
const FIXED_PATH = 4;
/** How many percent of the mean path one percent of the program's length is worth (see nrSearchTree). */
const LENGTH_TRADE = 0.5;
/** Above this many value ranges a word block gets a balanced tree (the height-first DP is O(n^3)). */
const WORD_DP_LIMIT = 64;

/** What code generation did (part of the build statistics). */
export interface CodegenReport {
  /** Candidate splits the nr search-tree DP examined, over all sections. */
  treeWork: number;
  /** Comparisons in the nr search trees (splits and exception checks). */
  treeComparisons: number;
  /** Argument word blocks emitted. */
  wordBlocks: number;
  /** Of those, blocks re-laid as a search tree over the word's values. */
  rangeTrees: number;
  /** Word loads skipped because the accumulator already held the word. */
  loadsShared: number;
}

/** Options of {@link emitProgram}. */
export interface CodegenOptions {
  /** False: the plain lowering (balanced trees, no exceptions, a load per comparison). */
  readonly optimize: boolean;
}

const JUMP_CODE: Readonly<Record<TestOp, number>> = { JEQ: C.BPF_JEQ, JGT: C.BPF_JGT, JGE: C.BPF_JGE, JSET: C.BPF_JSET };

/** Emits the whole program into `b`. Returns true if some return is USER_NOTIF. */
export function emitProgram(b: ProgramBuilder, sections: readonly Section[], badArchValue: number, options: CodegenOptions, report: CodegenReport): boolean {
  b.loadAbs(C.SECCOMP_DATA_ARCH);
  const secLabels = sections.map((_, i) => b.newLabel(`section ${i}`));
  const badArch = b.newLabel('bad arch');
  sections.forEach((sec, i) => {
    const next = i + 1 < sections.length ? b.newLabel() : badArch;
    b.jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, sec.token, secLabels[i], next);
    if (next !== badArch) b.bind(next);
  });
  b.bind(badArch);
  b.ret(badArchValue);
  let usesNotify = false;
  sections.forEach((sec, i) => {
    b.bind(secLabels[i]);
    if (emitSection(b, sec, options, report)) usesNotify = true;
  });
  return usesNotify;
}

/** Labels of one section: a return pool (short jumps) and one label per argument block. */
class SectionLabels {
  readonly rets = new Map<number, Label>();
  readonly blocks = new Map<DTest, Label>();
  constructor(private readonly b: ProgramBuilder) {}

  of(d: DNode): Label {
    if (d.kind === 'leaf') {
      let l = this.rets.get(d.value);
      if (!l) {
        l = this.b.newLabel(`ret ${d.value}`);
        this.rets.set(d.value, l);
      }
      return l;
    }
    let l = this.blocks.get(d);
    if (!l) {
      l = this.b.newLabel('block');
      this.blocks.set(d, l);
    }
    return l;
  }
}

function emitSection(b: ProgramBuilder, sec: Section, options: CodegenOptions, report: CodegenReport): boolean {
  const labels = new SectionLabels(b);
  b.loadAbs(C.SECCOMP_DATA_NR);
  const ranges = sec.ranges;
  const tree = options.optimize ? nrSearchTree(ranges) : { tree: balancedTree(ranges), work: 0 };
  report.treeWork += tree.work;
  report.treeComparisons += emitSearchTree(b, tree.tree, (d) => labels.of(d));
  const roots = [...new Set(ranges.map((r) => r.decision).filter((d): d is DTest => d.kind === 'test'))];
  emitArgumentCode(b, roots, labels, options, report);
  let usesNotify = false;
  for (const [value, label] of labels.rets) {
    b.bind(label);
    b.ret(value);
    if (value >>> 0 === C.SECCOMP_RET_USER_NOTIF) usesNotify = true;
  }
  return usesNotify;
}

/**
 * The nr search tree. It minimises expected comparisons plus a price per
 * instruction, so that length counts relative to the program: one
 * instruction is worth LENGTH_TRADE times the share of the mean path it
 * represents (price = LENGTH_TRADE x mean / length). Both are estimated
 * before the tree exists: the mean as the fixed instructions plus the
 * Shannon entropy of the ranges' weights (the least expected depth of any
 * comparison tree over them), the length as the fixed instructions plus one
 * per range and per distinct decision. A small policy's tree then becomes a
 * `jeq` list where that saves instructions at little cost, while a large
 * profile's tree stays close to the fastest.
 */
function nrSearchTree(ranges: readonly Range<DNode>[]): { tree: SearchTree<DNode>; work: number } {
  const total = ranges.reduce((n, r) => n + r.weight, 0);
  let entropy = 0;
  for (const r of ranges) if (r.weight > 0) entropy -= (r.weight / total) * Math.log2(r.weight / total);
  const mean = FIXED_PATH + entropy;
  const length = FIXED_PATH + ranges.length + new Set(ranges.map((r) => r.decision)).size;
  return optimalSearchTree(ranges, NR_LEAF_LIMITS, LENGTH_TRADE * (mean / length) * total);
}

/** The plain lowering's tree: split in the middle, one range per leaf. */
function balancedTree<T>(ranges: readonly Range<T>[], i = 0, j = ranges.length - 1): SearchTree<T> {
  if (i === j) return { leaf: { first: i, last: i, decision: ranges[i].decision, exceptions: [] } };
  const mid = (i + j) >> 1;
  return { at: ranges[mid + 1].lo, left: balancedTree(ranges, i, mid), right: balancedTree(ranges, mid + 1, j) };
}

/**
 * Emits a search tree over the accumulator's value: `jge` splits first, then
 * the leaves' `jeq` exception checks. Returns the number of comparisons.
 */
function emitSearchTree<T>(b: ProgramBuilder, tree: SearchTree<T>, labelOf: (d: T) => Label): number {
  const pending: { label: Label; leaf: SearchLeaf<T> }[] = [];
  const leafLabel = (leaf: SearchLeaf<T>): Label => {
    if (!leaf.exceptions.length) return labelOf(leaf.decision);
    const label = b.newLabel('exceptions');
    pending.push({ label, leaf });
    return label;
  };
  let comparisons = 0;
  const walk = (t: SearchTree<T>, here: Label | undefined): void => {
    if ('leaf' in t) return;
    const sub = (s: SearchTree<T>): Label => ('leaf' in s ? leafLabel(s.leaf) : b.newLabel());
    const left = sub(t.left);
    const right = sub(t.right);
    if (here) b.bind(here);
    b.jump(C.BPF_JMP | C.BPF_JGE | C.BPF_K, t.at, right, left);
    comparisons++;
    if (!('leaf' in t.left)) walk(t.left, left);
    if (!('leaf' in t.right)) walk(t.right, right);
  };
  if ('leaf' in tree) b.ja(leafLabel(tree.leaf));
  else walk(tree, undefined);
  for (const { label, leaf } of pending) {
    b.bind(label);
    leaf.exceptions.forEach((e, idx) => {
      const last = idx === leaf.exceptions.length - 1;
      const next = last ? labelOf(leaf.decision) : b.newLabel();
      b.jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, e.value, labelOf(e.decision), next);
      comparisons++;
      if (!last) b.bind(next);
    });
  }
  return comparisons;
}

/** A word block: its entry node, the word it compares, and how it decides. */
interface WordBlock {
  readonly entry: DTest;
  readonly word: WordAcc;
  /** A search tree over the word's values, when the block has more than one node. */
  readonly tree?: SearchTree<DNode>;
  /** The nodes the block leaves to, with what the accumulator then holds. */
  readonly exits: readonly { readonly node: DNode; readonly acc: WordAcc }[];
}

const rangeable = (n: DNode): n is DTest => n.kind === 'test' && n.mask === FULL && n.op !== 'JSET';

/** Cuts a block's word into value ranges with one exit each. */
function blockRanges(entry: DTest): Range<DNode>[] {
  const inBlock = (n: DNode): n is DTest => rangeable(n) && n.offset === entry.offset;
  const cuts = new Set<number>([0]);
  const seen = new Set<DTest>();
  const stack: DTest[] = [entry];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.op === 'JEQ') {
      cuts.add(n.k);
      if (n.k < FULL) cuts.add(n.k + 1);
    } else {
      const at = n.op === 'JGT' ? n.k + 1 : n.k;
      if (at <= FULL) cuts.add(at);
    }
    for (const c of [n.t, n.f]) if (inBlock(c)) stack.push(c);
  }
  const sorted = [...cuts].sort((x, y) => x - y);
  const exitAt = (v: number): DNode => {
    let n: DNode = entry;
    while (inBlock(n)) n = (n.op === 'JEQ' ? v === n.k : n.op === 'JGT' ? v > n.k : v >= n.k) ? n.t : n.f;
    return n;
  };
  const ranges = sorted.map((lo, i) => ({ lo, hi: i + 1 < sorted.length ? sorted[i + 1] - 1 : FULL, decision: exitAt(lo), weight: 1 }));
  return mergeRanges(ranges);
}

/** Longest chain of block nodes from the entry (the comparisons the diagram's own order costs). */
function chainHeight(entry: DTest): number {
  const memo = new Map<DTest, number>();
  const h = (n: DNode): number => {
    if (!rangeable(n) || n.offset !== entry.offset) return 0;
    const hit = memo.get(n);
    if (hit !== undefined) return hit;
    const v = 1 + Math.max(h(n.t), h(n.f));
    memo.set(n, v);
    return v;
  };
  return h(entry);
}

function treeHeight<T>(t: SearchTree<T>): number {
  return 'leaf' in t ? t.leaf.exceptions.length : 1 + Math.max(treeHeight(t.left), treeHeight(t.right));
}

/** A block tree's exits (the accumulator still holds the block's word). */
function treeExits(t: SearchTree<DNode>, word: WordAcc, out: { node: DNode; acc: WordAcc }[]): { node: DNode; acc: WordAcc }[] {
  if ('leaf' in t) {
    out.push({ node: t.leaf.decision, acc: word }, ...t.leaf.exceptions.map((e) => ({ node: e.decision, acc: word })));
    return out;
  }
  treeExits(t.left, word, out);
  return treeExits(t.right, word, out);
}

/** The block starting at `entry`: re-laid as a search tree when that shortens its longest chain. */
function wordBlock(entry: DTest, optimize: boolean): WordBlock {
  const word: WordAcc = { offset: entry.offset, mask: entry.mask };
  const single: WordBlock = { entry, word, exits: [{ node: entry.t, acc: word }, { node: entry.f, acc: word }] };
  if (!optimize || !rangeable(entry)) return single;
  const chain = chainHeight(entry);
  if (chain <= 1) return single;
  const ranges = blockRanges(entry);
  const tree = ranges.length > WORD_DP_LIMIT ? balancedTree(ranges) : shortestSearchTree(ranges, WORD_LEAF_LIMITS).tree;
  if (treeHeight(tree) >= chain) return single;
  return { entry, word, tree, exits: treeExits(tree, word, []) };
}

/** What the accumulator holds where two paths meet. */
function joinAcc(state: AccState | undefined, acc: WordAcc): AccState {
  if (state === undefined) return { kind: 'word', word: acc };
  if (state.kind === 'word' && state.word.offset === acc.offset && state.word.mask === acc.mask) return state;
  return MIXED;
}

const MIXED: AccState = { kind: 'mixed' };

/**
 * Collects the blocks reachable from the roots, in an order where parents
 * come before children, with the accumulator state on entry to each (joined
 * over every path into it).
 */
function orderBlocks(roots: readonly DTest[], optimize: boolean): { order: WordBlock[]; incoming: Map<DTest, AccState> } {
  const blocks = new Map<DTest, WordBlock>();
  const incoming = new Map<DTest, AccState>();
  const post: WordBlock[] = [];
  const visit = (n: DTest, acc: WordAcc) => {
    incoming.set(n, joinAcc(incoming.get(n), acc));
    if (blocks.has(n)) return;
    const blk = wordBlock(n, optimize);
    blocks.set(n, blk);
    // Visit the false side last so that it tends to follow its parent directly.
    for (const e of [...blk.exits].reverse()) if (e.node.kind === 'test') visit(e.node, e.acc);
    post.push(blk);
  };
  for (let i = roots.length - 1; i >= 0; i--) visit(roots[i], NR_ACC);
  return { order: post.reverse(), incoming };
}

/** Emits every argument block of a section. */
function emitArgumentCode(b: ProgramBuilder, roots: readonly DTest[], labels: SectionLabels, options: CodegenOptions, report: CodegenReport): void {
  const { order, incoming } = orderBlocks(roots, options.optimize);
  for (const blk of order) {
    b.bind(labels.of(blk.entry));
    report.wordBlocks++;
    const acc = options.optimize ? incoming.get(blk.entry)! : MIXED;
    const held = acc.kind === 'word' && acc.word.offset === blk.word.offset;
    if (held && acc.word.mask === blk.word.mask) report.loadsShared++;
    else if (held && acc.word.mask === FULL) b.stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, blk.word.mask);
    else {
      b.loadAbs(blk.word.offset);
      if (blk.word.mask !== FULL) b.stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, blk.word.mask);
    }
    if (blk.tree) {
      report.rangeTrees++;
      emitSearchTree(b, blk.tree, (d) => labels.of(d));
    } else {
      const n = blk.entry;
      b.jump(C.BPF_JMP | JUMP_CODE[n.op] | C.BPF_K, n.k, labels.of(n.t), labels.of(n.f));
    }
  }
}
