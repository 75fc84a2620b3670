/**
 * Control-flow graph of a classic BPF program, built to be read:
 *
 * - basic blocks, with their instructions as pseudo-code;
 * - **collapsed switches**: a tree of `jeq`/`jgt`/`jge` tests on the same
 *   loaded word (the syscall-number search tree of a compiled filter, the
 *   arch check) becomes one node with one edge per target, labelled with the
 *   values that reach it, syscall names for `nr` (using the arch known on
 *   that path);
 * - **merged returns**: every `ret #k` with the same action is one node.
 *
 * Layout is not done here: {@link cfgLayoutInput} says what a layout engine
 * must place (node and label sizes), `cfg-layout.ts` runs the engine (kept
 * out of the core bundle, loaded lazily by the playground), and
 * {@link cfgToSvg} draws a {@link CfgLayout}.
 */
import { archByToken, archesByToken, X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { syscallName, syscallTable } from '../arch/syscalls.js';
import { actionName } from '../bpf/actions.js';
import * as C from '../bpf/constants.js';
import {
  bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfRetSrc, bpfSrc, isConditionalJump, isReturn, isReturnK, isUnconditionalJump, type Instruction,
} from '../bpf/instruction.js';

const FULL = 0xffffffff;

/** A node of the graph. */
export interface CfgNode {
  readonly id: number;
  /** `block`: a basic block; `switch`: collapsed tests on one word; `return`: every `ret #k` with one action. */
  readonly kind: 'block' | 'switch' | 'return';
  /** First instruction (the smallest pc of a return node). */
  readonly start: number;
  /** Instructions the node stands for, sorted. */
  readonly pcs: readonly number[];
  /** Lines shown in the node. */
  readonly lines: readonly string[];
  /** For return nodes: the action name and the raw value. */
  readonly action?: string;
  readonly ret?: number;
  /** For switch nodes: the word tested (`nr`, `arch`, `args[0].lo`, ...). */
  readonly word?: string;
}

/** An edge. */
export interface CfgEdge {
  readonly from: number;
  readonly to: number;
  /** `true`/`false` of a single conditional jump, `case` out of a switch, `always` otherwise. */
  readonly kind: 'true' | 'false' | 'case' | 'always';
  /** Short label drawn on the edge (may be ''). */
  readonly label: string;
  /** The whole condition (every syscall name of a case), for tooltips and search. */
  readonly title: string;
  /** Syscalls that take this edge (nr switches and nr tests), for search and "follow this syscall". */
  readonly syscalls?: readonly string[];
}

/** The control-flow graph. */
export interface Cfg {
  readonly nodes: readonly CfgNode[];
  readonly edges: readonly CfgEdge[];
  /** Basic blocks of the program (before collapsing). */
  readonly blockCount: number;
  /** `ret` instructions of the program. */
  readonly returnCount: number;
}

/** The parts of a {@link Cfg} that {@link cfgPath} needs (what the playground's worker sends to the page). */
export interface CfgShape {
  readonly nodes: readonly Pick<CfgNode, 'id' | 'kind' | 'pcs'>[];
  readonly edges: readonly Pick<CfgEdge, 'from' | 'to'>[];
}

/** Options of {@link buildCfg}. */
export interface CfgOptions {
  /** Collapse switches, skip `ja` trampolines and draw returns as leaves (default true); false gives one node per basic block. */
  collapse?: boolean;
  /** Return leaves: one per predecessor and action (`per-source`, default: fewer crossings) or one per action (`shared`). */
  returns?: 'per-source' | 'shared';
}

const WORD_NAMES = ['nr', 'arch', 'ip.w0', 'ip.w1'];

function wordName(off: number, arch: ArchInfo | undefined): string {
  const w = off / 4;
  if (w < 2) return WORD_NAMES[w];
  const big = arch?.endian === 'big';
  const isHi = (w % 2 === 0) === big;
  if (w < 4) return arch ? `ip.${isHi ? 'hi' : 'lo'}` : `data[${off}]`;
  const arg = (w - 4) >> 1;
  return arch ? `args[${arg}].${isHi ? 'hi' : 'lo'}` : `data[${off}]`;
}

const ALU_SYM: Record<number, string> = { 0x00: '+=', 0x10: '-=', 0x20: '*=', 0x30: '/=', 0x40: '|=', 0x50: '&=', 0x60: '<<=', 0x70: '>>=', 0xa0: '^=' };
const JMP_SYM: Record<number, string> = { 0x10: '==', 0x20: '>', 0x30: '>=', 0x40: '&' };
const JMP_NEG: Record<number, string> = { 0x10: '!=', 0x20: '<=', 0x30: '<', 0x40: '& (none)' };

/** One-line pseudo-code of an instruction (seccomp-tools-like). */
export function insnText(ins: Instruction, pc: number, arch?: ArchInfo): string {
  const k = ins.k >>> 0;
  const hx = '0x' + k.toString(16);
  const cls = bpfClass(ins.code);
  const operand = bpfSrc(ins.code) === C.BPF_X ? 'X' : hx;
  switch (cls) {
    case C.BPF_LD:
    case C.BPF_LDX: {
      const r = cls === C.BPF_LD ? 'A' : 'X';
      const mode = bpfMode(ins.code);
      if (mode === C.BPF_ABS) return `${r} = ${wordName(k, arch)}`;
      if (mode === C.BPF_IMM) return `${r} = ${hx}`;
      if (mode === C.BPF_MEM) return `${r} = M[${k}]`;
      if (mode === C.BPF_LEN) return `${r} = 64`;
      return `invalid 0x${ins.code.toString(16)}`;
    }
    case C.BPF_ST: return `M[${k}] = A`;
    case C.BPF_STX: return `M[${k}] = X`;
    case C.BPF_ALU: {
      const op = bpfOp(ins.code);
      if (op === C.BPF_NEG) return 'A = -A';
      return `A ${ALU_SYM[op] ?? '?='} ${operand}`;
    }
    case C.BPF_JMP: {
      const op = bpfOp(ins.code);
      if (op === C.BPF_JA) return `goto ${pc + 1 + k}`;
      return `if (A ${JMP_SYM[op] ?? '?'} ${operand}) goto ${pc + 1 + ins.jt} else goto ${pc + 1 + ins.jf}`;
    }
    case C.BPF_RET: return bpfRetSrc(ins.code) === C.BPF_A ? 'return A' : `return ${actionName(k)}`;
    case C.BPF_MISC: return bpfMiscOp(ins.code) === C.BPF_TAX ? 'X = A' : 'A = X';
    default: return `invalid 0x${ins.code.toString(16)}`;
  }
}

// ------------------------------------------------------------ value sets

/** Sorted disjoint closed intervals of unsigned 32-bit values. */
type Ivs = [number, number][];

function clip(s: Ivs, a: number, b: number): Ivs {
  const out: Ivs = [];
  for (const [x, y] of s) {
    const lo = Math.max(x, a);
    const hi = Math.min(y, b);
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

function without(s: Ivs, k: number): Ivs {
  const out: Ivs = [];
  for (const [x, y] of s) {
    if (k < x || k > y) out.push([x, y]);
    else {
      if (x < k) out.push([x, k - 1]);
      if (k < y) out.push([k + 1, y]);
    }
  }
  return out;
}

function union(a: Ivs, b: Ivs): Ivs {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: Ivs = [];
  for (const [x, y] of all) {
    const last = out[out.length - 1];
    if (last && x <= last[1] + 1) last[1] = Math.max(last[1], y);
    else out.push([x, y]);
  }
  return out;
}

/** Splits a value set on `A op k` (jeq, jgt, jge). */
function splitOn(s: Ivs, op: number, k: number): { t: Ivs; f: Ivs } {
  if (op === C.BPF_JEQ) return { t: clip(s, k, k), f: without(s, k) };
  if (op === C.BPF_JGT) return { t: k === FULL ? [] : clip(s, k + 1, FULL), f: clip(s, 0, k) };
  return { t: clip(s, k, FULL), f: k === 0 ? [] : clip(s, 0, k - 1) }; // JGE
}

const hex = (n: number) => '0x' + n.toString(16);

/**
 * Syscall names of a set of nr values on an arch token (x86_64 numbers with
 * bit 30 are x32's), each name once, plus the runs of numbers no table names.
 */
export function nrSetNames(s: readonly (readonly [number, number])[], token: number | null): { names: string[]; unnamed: [number, number][] } {
  const infos = token === null ? [] : archesByToken(token);
  const main = infos.find((i) => !i.x32);
  const x32 = infos.find((i) => i.x32);
  const names = new Set<string>();
  const named: number[] = [];
  for (const info of [main, x32]) {
    if (!info) continue;
    for (const e of syscallTable(info)) {
      if (x32 && info.x32 !== e.nr >= X32_SYSCALL_BIT) continue;
      if (s.some(([a, b]) => e.nr >= a && e.nr <= b)) {
        names.add(e.name);
        named.push(e.nr);
      }
    }
  }
  named.sort((a, b) => a - b);
  const unnamed: [number, number][] = [];
  for (const [a, b] of s) {
    let start = a;
    for (const nr of named) {
      if (nr < a || nr > b || nr < start) continue;
      if (nr > start) unnamed.push([start, nr - 1]);
      start = nr + 1;
    }
    if (start <= b) unnamed.push([start, b]);
  }
  return { names: [...names], unnamed };
}

function ivText(name: string, s: Ivs): string {
  if (s.length === 1 && s[0][0] === 0 && s[0][1] === FULL) return `${name}: any`;
  return `${name} ` + s.map(([a, b]) => (a === b ? `== ${hex(a)}` : b === FULL ? `>= ${hex(a)}` : a === 0 ? `<= ${hex(b)}` : `in ${hex(a)}-${hex(b)}`)).join(' or ');
}

function rangeText([a, b]: readonly [number, number]): string {
  const f = (n: number) => (n > 0xffff ? hex(n) : String(n));
  return a === b ? f(a) : `${f(a)}-${f(b)}`;
}

const count = (s: Ivs) => s.reduce((c, [a, b]) => c + (b - a + 1), 0);

/** Label for the values of a switch edge: syscall names for nr, arch names for arch, intervals otherwise. */
function caseLabel(a: AVal, s: Ivs, token: number | null, info: ArchInfo | undefined): { label: string; title: string; syscalls?: string[] } {
  if (a.off === C.SECCOMP_DATA_NR && a.mask === FULL && token !== null && archesByToken(token).length) {
    const { names, unnamed } = nrSetNames(s, token);
    const x32Only = s[0][0] >= X32_SYSCALL_BIT && archesByToken(token).some((i) => i.x32);
    const un = unnamed.length ? `nr ${unnamed.map(rangeText).join(', ')}` : '';
    const title = [names.join(', '), un].filter(Boolean).join('; ');
    let label = names.slice(0, 4).join(', ');
    if (names.length > 4) label += `, … +${names.length - 4}`;
    if (x32Only && names.length) label = `x32: ${label}`;
    if (unnamed.length) {
      const c = count(unnamed);
      const part = c > 16 ? `${c > 0xffffff ? 'other numbers' : `${c.toLocaleString('en-US')} unnamed numbers`}` : un;
      label = label ? `${label}; ${part}` : part;
    }
    return { label: label || '(none)', title: title || '(none)', syscalls: names };
  }
  if (a.off === C.SECCOMP_DATA_ARCH && a.mask === FULL) {
    if (count(s) > 0xffff) return { label: 'other arches', title: 'every other arch value' };
    const text = 'arch ' + s.map(([x, y]) => (x === y ? archesByToken(x).map((i) => i.name).join('/') || hex(x) : `${hex(x)}-${hex(y)}`)).join(', ');
    return { label: text, title: text };
  }
  const text = ivText(aName(a, info), s);
  return { label: text.length > 60 ? text.slice(0, 58) + '…' : text, title: text };
}

// ------------------------------------------------------------ building

/** What A holds: a seccomp_data word (byte offset), possibly masked by `A &= mask`. */
interface AVal {
  readonly off: number;
  readonly mask: number;
}

interface State {
  a: AVal | null;
  arch: number | null;
}

const sameA = (x: AVal | null, y: AVal | null) => x === y || (x !== null && y !== null && x.off === y.off && x.mask === y.mask);

function aName(a: AVal | null, info: ArchInfo | undefined): string {
  if (!a) return 'A';
  const w = wordName(a.off, info);
  return a.mask === FULL ? w : `${w} & ${hex(a.mask)}`;
}

/** Builds the graph. Jump targets past the end are dropped (validate programs first for a full report). */
export function buildCfg(program: readonly Instruction[], options: CfgOptions = {}): Cfg {
  const collapse = options.collapse ?? true;
  const shareReturns = options.returns === 'shared';
  const n = program.length;
  const leaders = new Set<number>([0]);
  let returnCount = 0;
  program.forEach((ins, pc) => {
    if (isUnconditionalJump(ins)) leaders.add(pc + 1 + (ins.k >>> 0));
    else if (isConditionalJump(ins)) {
      leaders.add(pc + 1 + ins.jt);
      leaders.add(pc + 1 + ins.jf);
    }
    if (isReturn(ins)) returnCount++;
    if (isReturn(ins) || isUnconditionalJump(ins) || isConditionalJump(ins)) leaders.add(pc + 1);
  });
  const starts = [...leaders].filter((x) => x < n).sort((a, b) => a - b);
  const blockAt = new Map<number, number>();
  starts.forEach((s, i) => blockAt.set(s, i));
  const ends = starts.map((s, i) => (i + 1 < starts.length ? starts[i + 1] : n) - 1);
  const nb = starts.length;
  const single = (b: number) => starts[b] === ends[b];

  // Successors per block, with trampolines (blocks of one `ja`) skipped when collapsing.
  interface Succ { to: number; kind: 'true' | 'false' | 'always' }
  const rawTarget = (pc: number) => blockAt.get(pc);
  const resolve = (b: number | undefined): number | undefined => {
    for (let guard = 0; collapse && b !== undefined && single(b) && isUnconditionalJump(program[starts[b]]) && guard < n; guard++) b = rawTarget(starts[b] + 1 + (program[starts[b]].k >>> 0));
    return b;
  };
  const succs: Succ[][] = starts.map((_, id) => {
    const last = program[ends[id]];
    const out: Succ[] = [];
    const push = (pc: number, kind: Succ['kind']) => {
      const b = resolve(rawTarget(pc));
      if (b !== undefined) out.push({ to: b, kind });
    };
    if (isReturn(last)) return out;
    if (isUnconditionalJump(last)) push(ends[id] + 1 + (last.k >>> 0), 'always');
    else if (isConditionalJump(last)) {
      if (last.jt === last.jf) push(ends[id] + 1 + last.jt, 'always');
      else {
        push(ends[id] + 1 + last.jt, 'true');
        push(ends[id] + 1 + last.jf, 'false');
      }
    } else push(ends[id] + 1, 'always');
    return out;
  });
  // Blocks drawn: reachable from the entry through the (resolved) edges.
  const visible = new Array<boolean>(nb).fill(false);
  if (nb) visible[0] = true;
  for (let id = 0; id < nb; id++) if (visible[id]) for (const s of succs[id]) visible[s.to] = true;
  const predCount = new Array<number>(nb).fill(0);
  for (let id = 0; id < nb; id++) if (visible[id]) for (const s of succs[id]) predCount[s.to]++;

  // Forward dataflow (programs only jump forward, so pc order is topological):
  // what A holds and which arch token is known, at each block entry and exit.
  const entry: (State | undefined)[] = new Array(nb);
  const exit: State[] = new Array(nb);
  const join = (i: number, s: State) => {
    const cur = entry[i];
    entry[i] = cur ? { a: sameA(cur.a, s.a) ? cur.a : null, arch: cur.arch === s.arch ? cur.arch : null } : s;
  };
  for (let id = 0; id < nb; id++) {
    const st = entry[id] ?? { a: null, arch: null };
    entry[id] = st;
    exit[id] = st;
    if (!visible[id]) continue; // a skipped trampoline: its successors are reached directly
    let a = st.a;
    for (let pc = starts[id]; pc <= ends[id]; pc++) {
      const ins = program[pc];
      const cls = bpfClass(ins.code);
      if (cls === C.BPF_LD) a = bpfMode(ins.code) === C.BPF_ABS ? { off: ins.k >>> 0, mask: FULL } : null;
      else if (cls === C.BPF_ALU) a = a && bpfOp(ins.code) === C.BPF_AND && bpfSrc(ins.code) === C.BPF_K ? { off: a.off, mask: (a.mask & ins.k) >>> 0 } : null;
      else if (cls === C.BPF_MISC && bpfMiscOp(ins.code) !== C.BPF_TAX) a = null;
    }
    exit[id] = { a, arch: st.arch };
    const last = program[ends[id]];
    for (const s of succs[id]) {
      let arch = st.arch;
      if (s.kind === 'true' && a?.off === C.SECCOMP_DATA_ARCH && a.mask === FULL && bpfOp(last.code) === C.BPF_JEQ && bpfSrc(last.code) === C.BPF_K) arch = last.k >>> 0;
      join(s.to, { a, arch });
    }
  }

  const lineOf = (pc: number, info: ArchInfo | undefined) => `${pad(pc)}: ${insnText(program[pc], pc, info)}`;
  const infoOf = (id: number) => (entry[id]!.arch !== null ? archByToken(entry[id]!.arch!) : undefined);
  const isCmpK = (ins: Instruction) => isConditionalJump(ins) && bpfSrc(ins.code) === C.BPF_K && bpfOp(ins.code) !== C.BPF_JSET && ins.jt !== ins.jf;

  // Switch membership: a one-instruction test block on the same value of A, whose only predecessor is in the switch.
  const switchOf = new Array<number>(nb).fill(-1);
  if (collapse) {
    for (let id = 0; id < nb; id++) {
      if (!visible[id] || !isCmpK(program[ends[id]]) || exit[id].a === null) continue;
      if (switchOf[id] < 0) switchOf[id] = id;
      for (const s of succs[id]) {
        const t = s.to;
        if (single(t) && isCmpK(program[starts[t]]) && predCount[t] === 1 && sameA(entry[t]!.a, exit[id].a)) switchOf[t] = switchOf[id];
      }
    }
    // A "switch" of a single test stays a block.
    const size = new Map<number, number>();
    for (const r of switchOf) if (r >= 0) size.set(r, (size.get(r) ?? 0) + 1);
    for (let id = 0; id < nb; id++) if (switchOf[id] >= 0 && size.get(switchOf[id])! < 2) switchOf[id] = -1;
  }

  // Nodes: one per visible block, switch members folded into their root; `ret #k` blocks become return leaves.
  type MNode = { id: number; kind: CfgNode['kind']; start: number; pcs: number[]; lines: string[]; action?: string; ret?: number; word?: string; block?: number };
  const nodes: MNode[] = [];
  const nodeOfBlock = new Array<number>(nb).fill(-1);
  const isLeaf = (b: number) => collapse && single(b) && isReturnK(program[starts[b]]) && b !== 0;
  for (let id = 0; id < nb; id++) {
    if (!visible[id]) continue;
    const root = switchOf[id];
    if (root >= 0 && root !== id) {
      const node = nodes[nodeOfBlock[root]];
      nodeOfBlock[id] = node.id;
      for (let pc = starts[id]; pc <= ends[id]; pc++) node.pcs.push(pc);
      continue;
    }
    if (isLeaf(id)) continue;
    const pcs: number[] = [];
    for (let pc = starts[id]; pc <= ends[id]; pc++) pcs.push(pc);
    const last = program[ends[id]];
    const node: MNode = { id: nodes.length, kind: root === id ? 'switch' : 'block', start: starts[id], pcs, lines: [], block: id };
    if (isReturnK(last)) {
      node.action = actionName(last.k >>> 0);
      node.ret = last.k >>> 0;
    }
    if (root === id) node.word = aName(exit[id].a, infoOf(id));
    nodeOfBlock[id] = node.id;
    nodes.push(node);
  }
  const leafKey = new Map<string, number>();
  const leafFor = (from: number, b: number): number => {
    const v = program[starts[b]].k >>> 0;
    const key = shareReturns ? `${v}` : `${from}/${v}`;
    let id = leafKey.get(key);
    if (id === undefined) {
      id = nodes.length;
      nodes.push({ id, kind: 'return', start: starts[b], pcs: [], lines: [], action: actionName(v), ret: v });
      leafKey.set(key, id);
    }
    const node = nodes[id];
    if (!node.pcs.includes(starts[b])) node.pcs.push(starts[b]);
    node.start = Math.min(node.start, starts[b]);
    return id;
  };
  const target = (from: number, b: number) => (isLeaf(b) ? leafFor(from, b) : nodeOfBlock[b]);

  // Edges.
  const edges: CfgEdge[] = [];
  for (let id = 0; id < nb; id++) {
    if (!visible[id]) continue;
    const root = switchOf[id];
    if ((root >= 0 && root !== id) || isLeaf(id)) continue;
    const from = nodeOfBlock[id];
    if (root === id) {
      // Walk the switch, collecting the values that leave to each outside block.
      const a = exit[id].a!;
      const token = entry[id]!.arch;
      const info = infoOf(id);
      const out = new Map<number, Ivs>();
      const stack: { b: number; s: Ivs }[] = [{ b: id, s: [[0, FULL]] }];
      while (stack.length) {
        const { b, s } = stack.pop()!;
        const last = program[ends[b]];
        const parts = splitOn(s, bpfOp(last.code), last.k >>> 0);
        for (const sc of succs[b]) {
          const vs = sc.kind === 'true' ? parts.t : parts.f;
          if (!vs.length) continue;
          if (switchOf[sc.to] === root && sc.to !== root) stack.push({ b: sc.to, s: vs });
          else {
            const to = target(from, sc.to);
            out.set(to, union(out.get(to) ?? [], vs));
          }
        }
      }
      const cases = [...out].sort((x, y) => x[1][0][0] - y[1][0][0]);
      for (const [to, s] of cases) {
        const lab = caseLabel(a, s, token, info);
        edges.push({ from, to, kind: 'case', label: lab.label, title: lab.title, ...(lab.syscalls ? { syscalls: lab.syscalls } : {}) });
      }
      continue;
    }
    const last = program[ends[id]];
    for (const sc of succs[id]) {
      const to = target(from, sc.to);
      if (sc.kind === 'always') {
        edges.push({ from, to, kind: 'always', label: '', title: '' });
        continue;
      }
      const lab = testLabel(last, exit[id].a, entry[id]!.arch, infoOf(id), sc.kind === 'true');
      edges.push({ from, to, kind: sc.kind, label: lab.label, title: lab.label, ...(lab.syscalls ? { syscalls: lab.syscalls } : {}) });
    }
  }

  // Lines of each node.
  for (const node of nodes) {
    node.pcs.sort((a, b) => a - b);
    if (node.kind === 'return') {
      node.lines = [`return ${node.action}`];
      continue;
    }
    const block = node.block!;
    const info = infoOf(block);
    if (node.kind === 'switch') {
      for (let pc = starts[block]; pc < ends[block]; pc++) node.lines.push(lineOf(pc, info));
      node.lines.push(`${pad(ends[block])}…: switch on ${node.word} (${node.pcs.length - node.lines.length} tests)`);
    } else {
      for (let pc = starts[block]; pc <= ends[block]; pc++) node.lines.push(lineOf(pc, info));
    }
  }
  return {
    nodes: nodes.map(({ block: _b, ...rest }) => rest),
    edges,
    blockCount: nb,
    returnCount,
  };
}

function pad(pc: number): string {
  return String(pc).padStart(4, '0');
}

/** Label of one branch of a single conditional jump. */
function testLabel(last: Instruction, a: AVal | null, arch: number | null, info: ArchInfo | undefined, taken: boolean): { label: string; syscalls?: string[] } {
  const op = bpfOp(last.code);
  const useX = bpfSrc(last.code) === C.BPF_X;
  const k = last.k >>> 0;
  const operand = useX ? 'X' : hex(k);
  const sym = (taken ? JMP_SYM[op] : JMP_NEG[op]) ?? '?';
  const plain = a !== null && a.mask === FULL;
  if (plain && a.off === C.SECCOMP_DATA_ARCH && !useX && op === C.BPF_JEQ) {
    const names = archesByToken(k).map((x) => x.name).join('/') || operand;
    return { label: `arch ${sym} ${names}` };
  }
  if (plain && a.off === C.SECCOMP_DATA_NR && !useX && op !== C.BPF_JSET) {
    // Name the syscall at the boundary (equality, or the first number of a range for jge/jgt).
    const at = op === C.BPF_JGT ? (k + 1) >>> 0 : k;
    const x32 = arch !== null ? archesByToken(arch).find((x) => x.x32) : undefined;
    const name = (info ? syscallName(info, at) : undefined) ?? (x32 ? syscallName(x32, at) : undefined);
    const v = name === undefined ? operand : op === C.BPF_JEQ ? name : op === C.BPF_JGT ? `${operand} (${name} - 1)` : `${operand} (${name})`;
    return { label: `nr ${sym} ${v}`, ...(op === C.BPF_JEQ && taken && name ? { syscalls: [name] } : {}) };
  }
  return { label: `${aName(a, info)} ${sym} ${operand}` };
}

/**
 * The nodes and edges an executed path (instruction indexes, as from
 * `traceProgram`) goes through. Return leaves are told apart by the node
 * they are reached from.
 */
export function cfgPath(cfg: CfgShape, path: readonly number[]): { nodes: number[]; edges: number[] } {
  const owner = new Map<number, number>();
  for (const n of cfg.nodes) if (n.kind !== 'return') for (const pc of n.pcs) owner.set(pc, n.id);
  const nodes: number[] = [];
  const edges: number[] = [];
  for (const pc of path) {
    let id = owner.get(pc);
    const prev = nodes[nodes.length - 1];
    if (id === undefined && prev !== undefined) {
      // A return leaf: the one with an edge from the previous node that holds this ret.
      const e = cfg.edges.findIndex((x) => x.from === prev && cfg.nodes[x.to].kind === 'return' && cfg.nodes[x.to].pcs.includes(pc));
      if (e >= 0) id = cfg.edges[e].to;
    }
    if (id === undefined || id === prev) continue;
    if (prev !== undefined) {
      const e = cfg.edges.findIndex((x) => x.from === prev && x.to === id);
      if (e >= 0) edges.push(e);
    }
    nodes.push(id);
  }
  return { nodes, edges };
}

// ------------------------------------------------------------ colours and DOT

/** Fill colour per action kind (shared by the graph, the map and the playground). */
export const ACTION_COLORS: readonly (readonly [RegExp, string, string])[] = [
  // pattern, fill, legend name
  [/^ALLOW/, '#b7e4b7', 'ALLOW'],
  [/^LOG/, '#bcd8ff', 'LOG'],
  [/^ERRNO\(38\)/, '#e6e6e6', 'ERRNO(ENOSYS)'],
  [/^ERRNO/, '#ffd596', 'ERRNO'],
  [/^TRAP/, '#dcc2ff', 'TRAP'],
  [/^TRACE|^USER_NOTIF/, '#a9e3e3', 'TRACE / USER_NOTIF'],
  [/^KILL/, '#ff9f9f', 'KILL'],
];

/** The fill colour of an action name. */
export function actionColor(action: string | undefined): string {
  if (!action) return '#ffffff';
  for (const [re, c] of ACTION_COLORS) if (re.test(action)) return c;
  return '#eeeeee';
}

function fillOf(n: CfgNode): string {
  if (n.kind === 'switch') return '#f3f6fa';
  return actionColor(n.action);
}

const EDGE_COLOR: Record<CfgEdge['kind'], string> = { true: '#1a7f37', false: '#cf222e', case: '#0550ae', always: '#555555' };

/** Escapes text for XML. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Graphviz DOT text of the graph. */
export function cfgToDot(cfg: Cfg, title = 'seccomp filter'): string {
  const q = (s: string) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  const dq = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const out = [`digraph ${q(title)} {`, '  node [shape=box, fontname="monospace", fontsize=10, style=filled];', '  edge [fontname="monospace", fontsize=9];'];
  for (const b of cfg.nodes) out.push(`  n${b.id} [label="${b.lines.map(dq).join('\\l')}\\l", fillcolor=${q(fillOf(b))}];`);
  for (const e of cfg.edges) {
    const color = EDGE_COLOR[e.kind];
    out.push(`  n${e.from} -> n${e.to} [label=${q(e.label)}, tooltip=${q(e.title)}, color=${q(color)}, fontcolor=${q(color)}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------ layout contract and SVG

/** Font metrics of the drawing (monospace). */
export const CFG_FONT = { size: 11, charWidth: 6.6, lineHeight: 14, labelSize: 10, labelCharWidth: 6.0 } as const;
const PAD = 6;
const MAX_LINES = 14;
const MAX_COLS = 64;
const LABEL_COLS = 34;

function shownLines(n: CfgNode): string[] {
  const lines = n.lines.slice(0, MAX_LINES).map((l) => (l.length > MAX_COLS ? l.slice(0, MAX_COLS - 1) + '…' : l));
  if (n.lines.length > MAX_LINES) lines.push(`… ${n.lines.length - MAX_LINES} more`);
  return lines;
}

/** Wraps an edge label into lines of at most LABEL_COLS characters (at ", " boundaries). */
function labelLines(label: string): string[] {
  if (!label) return [];
  const out: string[] = [];
  let cur = '';
  for (const part of label.split(/(?<=[,;]) /)) {
    if (cur && cur.length + part.length + 1 > LABEL_COLS) {
      out.push(cur);
      cur = part;
    } else cur = cur ? `${cur} ${part}` : part;
  }
  if (cur) out.push(cur);
  return out.slice(0, 3).map((l) => (l.length > LABEL_COLS + 6 ? l.slice(0, LABEL_COLS + 5) + '…' : l));
}

/** What a layout engine must place: node boxes and edge-label boxes (sizes in px). */
export interface CfgLayoutInput {
  readonly nodes: readonly { readonly id: number; readonly width: number; readonly height: number }[];
  readonly edges: readonly { readonly from: number; readonly to: number; readonly labelWidth: number; readonly labelHeight: number }[];
}

/** Node sizes and label sizes of a graph, for the layout engine. */
export function cfgLayoutInput(cfg: Cfg): CfgLayoutInput {
  return {
    nodes: cfg.nodes.map((n) => {
      const lines = shownLines(n);
      const cols = Math.max(12, ...lines.map((l) => l.length));
      return { id: n.id, width: Math.ceil(cols * CFG_FONT.charWidth + 2 * PAD), height: lines.length * CFG_FONT.lineHeight + 2 * PAD };
    }),
    edges: cfg.edges.map((e) => {
      const lines = labelLines(e.label);
      const cols = Math.max(0, ...lines.map((l) => l.length));
      return { from: e.from, to: e.to, labelWidth: lines.length ? Math.ceil(cols * CFG_FONT.labelCharWidth + 4) : 0, labelHeight: lines.length * (CFG_FONT.labelSize + 2) + (lines.length ? 2 : 0) };
    }),
  };
}

/** Positions from a layout engine: node boxes (top-left corner), edge polylines and label boxes (top-left). */
export interface CfgLayout {
  /** Which engine produced it. */
  readonly engine: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly { readonly x: number; readonly y: number; readonly width: number; readonly height: number }[];
  readonly edges: readonly { readonly points: readonly (readonly [number, number])[]; readonly label?: { readonly x: number; readonly y: number } }[];
}

const f1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** Self-contained SVG of a laid-out graph. Nodes are `<g class="node" id="n<id>" data-pcs>`, edges `<g class="edge" data-syscalls>`. */
export function cfgToSvg(cfg: Cfg, layout: CfgLayout, title = 'seccomp filter'): string {
  const input = cfgLayoutInput(cfg);
  const W = Math.ceil(layout.width);
  const H = Math.ceil(layout.height);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="ui-monospace, DejaVu Sans Mono, monospace" font-size="${CFG_FONT.size}" class="cfg">`);
  out.push(`<title>${xmlEscape(title)}</title>`);
  out.push('<defs>');
  for (const [kind, color] of Object.entries(EDGE_COLOR)) out.push(`<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`);
  out.push('</defs>');
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  cfg.edges.forEach((e, i) => {
    const l = layout.edges[i];
    if (!l || l.points.length < 2) return;
    const color = EDGE_COLOR[e.kind];
    const d = l.points.map(([x, y], j) => `${j ? 'L' : 'M'}${f1(x)},${f1(y)}`).join(' ');
    const sys = e.syscalls?.length ? ` data-syscalls=" ${xmlEscape(e.syscalls.join(' '))} "` : '';
    out.push(`<g class="edge" id="e${i}" data-from="${e.from}" data-to="${e.to}"${sys}><title>${xmlEscape(e.title || e.label || e.kind)}</title>`);
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.2" marker-end="url(#arrow-${e.kind})"/>`);
    const lines = labelLines(e.label);
    if (lines.length && l.label) {
      const w = input.edges[i].labelWidth;
      const h = input.edges[i].labelHeight;
      out.push(`<rect x="${f1(l.label.x)}" y="${f1(l.label.y)}" width="${w}" height="${h}" fill="#ffffff" fill-opacity="0.9"/>`);
      lines.forEach((t, j) => out.push(`<text x="${f1(l.label!.x + 2)}" y="${f1(l.label!.y + (j + 1) * (CFG_FONT.labelSize + 2) - 1)}" fill="${color}" font-size="${CFG_FONT.labelSize}">${xmlEscape(t)}</text>`));
    }
    out.push('</g>');
  });
  cfg.nodes.forEach((n, i) => {
    const p = layout.nodes[i];
    out.push(`<g class="node ${n.kind}" id="n${n.id}" data-pcs="${n.pcs.join(' ')}"${n.action ? ` data-action="${xmlEscape(n.action)}"` : ''}>`);
    out.push(`<rect x="${f1(p.x)}" y="${f1(p.y)}" width="${f1(p.width)}" height="${f1(p.height)}" rx="3" fill="${fillOf(n)}" stroke="#333"/>`);
    shownLines(n).forEach((line, j) => {
      const bold = n.kind === 'return' && j === 0 ? ' font-weight="bold"' : '';
      out.push(`<text x="${f1(p.x + PAD)}" y="${f1(p.y + PAD + (j + 1) * CFG_FONT.lineHeight - 3)}"${bold}>${xmlEscape(line)}</text>`);
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
