/**
 * Symbolic execution of a classic BPF seccomp program into a decision DAG:
 * test nodes (a predicate over symbolic values of `seccomp_data` words) and
 * leaves (the returned value). Sub-DAGs are memoised by (pc, register and
 * scratch-memory state), so programs whose paths re-join (libseccomp's shared
 * tails, hostile `if (A == c) X = c` ladders) stay linear instead of doubling
 * per branch.
 */
import * as C from '../bpf/constants.js';
import { bpfClass, type Instruction } from '../bpf/instruction.js';
import { BpfError } from '../errors.js';
import { ExprPool, type AluOp, type Expr, evalExpr } from './expr.js';

/** A branch predicate: `a OP b` (unsigned), `set` meaning `(a & b) != 0`. */
export interface Pred {
  readonly op: 'eq' | 'gt' | 'ge' | 'set';
  readonly a: Expr;
  readonly b: Expr;
}

/** A decision DAG node. `pc` is the instruction that made it. */
export type DagNode =
  | { readonly id: number; readonly kind: 'leaf'; readonly value: Expr; readonly pc: number }
  | { readonly id: number; readonly kind: 'test'; readonly pred: Pred; readonly t: DagNode; readonly f: DagNode; readonly pc: number };

/** The decision DAG of a program. */
export interface Dag {
  readonly root: DagNode;
  readonly pool: ExprPool;
  /** Number of distinct nodes. */
  readonly size: number;
  /** Instructions reached by some symbolic path (may include constant-folded dead branches' targets only if reachable). */
  readonly reached: ReadonlySet<number>;
}

interface State {
  a: Expr;
  x: Expr;
  m: (Expr | undefined)[];
}

const ALU_OPS: Record<number, AluOp | undefined> = {
  [C.BPF_ADD]: 'add', [C.BPF_SUB]: 'sub', [C.BPF_MUL]: 'mul', [C.BPF_DIV]: 'div', [C.BPF_MOD]: 'mod',
  [C.BPF_OR]: 'or', [C.BPF_AND]: 'and', [C.BPF_LSH]: 'lsh', [C.BPF_RSH]: 'rsh', [C.BPF_XOR]: 'xor',
};

/** Evaluates a predicate on concrete words. */
export function evalPred(p: Pred, words: ArrayLike<number>): boolean {
  const a = evalExpr(p.a, words);
  const b = evalExpr(p.b, words);
  switch (p.op) {
    case 'eq': return a === b;
    case 'gt': return a > b;
    case 'ge': return a >= b;
    case 'set': return (a & b) !== 0;
  }
}

/** Options for {@link buildDag}. */
export interface DagOptions {
  /** Limit on DAG nodes before giving up with ANALYSIS_TOO_COMPLEX (default 2,000,000). */
  maxNodes?: number;
}

/**
 * Builds the decision DAG of `program`. Throws {@link BpfError} (with the pc)
 * for programs the kernel would reject in a way that matters to the
 * semantics: unknown opcodes, jumps out of range, falling off the end,
 * unaligned or out-of-range loads, reads of unwritten scratch memory, constant
 * division by zero.
 */
export function buildDag(program: readonly Instruction[], options: DagOptions = {}): Dag {
  const pool = new ExprPool();
  const memo = new Map<string, DagNode>();
  const reached = new Set<number>();
  const maxNodes = options.maxNodes ?? 2_000_000;
  let nextId = 0;
  const n = program.length;
  if (n === 0) throw new BpfError('BPF_EMPTY', 'empty program');

  const fail = (pc: number, code: string, msg: string): never => {
    throw new BpfError(code, msg, { location: { pc } });
  };

  const leaf = (value: Expr, pc: number): DagNode => {
    const key = 'L' + value.id;
    let node = memo.get(key);
    if (!node) {
      node = { id: nextId++, kind: 'leaf', value, pc };
      memo.set(key, node);
    }
    return node;
  };

  const test = (pred: Pred, t: DagNode, f: DagNode, pc: number): DagNode => {
    if (t === f) return t;
    const key = `T${pred.op}${pred.a.id},${pred.b.id}:${t.id},${f.id}`;
    let node = memo.get(key);
    if (!node) {
      node = { id: nextId++, kind: 'test', pred, t, f, pc };
      memo.set(key, node);
      if (nextId > maxNodes) {
        throw new BpfError('ANALYSIS_TOO_COMPLEX', `program needs more than ${maxNodes} decision nodes for exact analysis`, { kind: 'runtime', location: { pc } });
      }
    }
    return node;
  };

  const stateKey = (pc: number, s: State) => `${pc}|${s.a.id}|${s.x.id}|${s.m.map((e) => (e ? e.id : '')).join(',')}`;

  // Iterative DFS with an explicit stack to survive 4096-instruction programs.
  type Frame = { pc: number; s: State; key: string; stage: 0 | 1; pred?: Pred; tState?: State; fState?: State; tPc?: number; fPc?: number; t?: DagNode; divZero?: boolean };
  const results = new Map<string, DagNode>();

  const run = (pc0: number, s0: State): DagNode => {
    const stack: Frame[] = [];
    const enter = (pc: number, s: State): DagNode | undefined => {
      const key = stateKey(pc, s);
      const done = results.get(key);
      if (done) return done;
      stack.push({ pc, s, key, stage: 0 });
      return undefined;
    };
    let last: DagNode | undefined = enter(pc0, s0);
    if (last) return last;
    while (stack.length) {
      const fr = stack[stack.length - 1];
      if (fr.stage === 1) {
        // Children: first t (stored), then f (last).
        if (!fr.t) {
          fr.t = last!;
          const r = enter(fr.fPc!, fr.fState!);
          if (r) { last = r; } else continue;
        }
        const node: DagNode = fr.divZero ? test(fr.pred!, leaf(pool.c(0), fr.pc), last!, fr.pc) : test(fr.pred!, fr.t, last!, fr.pc);
        results.set(fr.key, node);
        stack.pop();
        last = node;
        continue;
      }
      // Stage 0: execute straight-line code from fr.pc until a branch or return.
      let pc = fr.pc;
      const s: State = { a: fr.s.a, x: fr.s.x, m: fr.s.m.slice() };
      let finished: DagNode | undefined;
      for (;;) {
        if (pc >= n) fail(pc - 1, 'BPF_FALLS_OFF', 'control falls off the end of the program: expected a ret');
        reached.add(pc);
        const ins = program[pc];
        const code = ins.code;
        const cls = bpfClass(code);
        const k = ins.k >>> 0;
        if (cls === C.BPF_RET) {
          const src = code & 0x18;
          if (code === (C.BPF_RET | C.BPF_K)) finished = leaf(pool.c(k), pc);
          else if (src === C.BPF_A && code === (C.BPF_RET | C.BPF_A)) finished = leaf(s.a, pc);
          else fail(pc, 'BPF_BAD_OPCODE', `invalid ret opcode 0x${code.toString(16)}`);
          break;
        }
        if (cls === C.BPF_LD || cls === C.BPF_LDX) {
          const mode = code & 0xe0;
          const size = code & 0x18;
          let v: Expr;
          if (mode === C.BPF_ABS && cls === C.BPF_LD && size === C.BPF_W) {
            if (k % 4 !== 0 || k >= C.SECCOMP_DATA_SIZE) fail(pc, 'BPF_BAD_LOAD', `load from offset ${k}: expected a 4-byte aligned offset below 64`);
            v = pool.word(k / 4);
          } else if (mode === C.BPF_IMM && size === C.BPF_W) {
            v = pool.c(k);
          } else if (mode === C.BPF_MEM && size === C.BPF_W) {
            if (k >= C.BPF_MEMWORDS) fail(pc, 'BPF_BAD_MEM', `scratch slot M[${k}] does not exist (0..15)`);
            const mv = s.m[k];
            if (!mv) fail(pc, 'BPF_UNINIT_MEM', `reads M[${k}] before it is written`);
            v = mv!;
          } else if (mode === C.BPF_LEN && size === C.BPF_W) {
            v = pool.c(C.SECCOMP_DATA_SIZE);
          } else {
            fail(pc, 'BPF_BAD_OPCODE', `load opcode 0x${code.toString(16)} is not allowed in seccomp filters`);
          }
          if (cls === C.BPF_LD) s.a = v!;
          else s.x = v!;
          pc++;
          continue;
        }
        if (cls === C.BPF_ST || cls === C.BPF_STX) {
          if (code !== cls) fail(pc, 'BPF_BAD_OPCODE', `invalid store opcode 0x${code.toString(16)}`);
          if (k >= C.BPF_MEMWORDS) fail(pc, 'BPF_BAD_MEM', `scratch slot M[${k}] does not exist (0..15)`);
          s.m[k] = cls === C.BPF_ST ? s.a : s.x;
          pc++;
          continue;
        }
        if (cls === C.BPF_ALU) {
          const opc = code & 0xf0;
          const useX = (code & 0x08) === C.BPF_X;
          if (opc === C.BPF_NEG) {
            if (code !== (C.BPF_ALU | C.BPF_NEG)) fail(pc, 'BPF_BAD_OPCODE', `invalid neg opcode 0x${code.toString(16)}`);
            s.a = pool.neg(s.a);
            pc++;
            continue;
          }
          const op = ALU_OPS[opc];
          if (!op || op === 'mod') fail(pc, 'BPF_BAD_OPCODE', `invalid ALU opcode 0x${code.toString(16)}`);
          const operand = useX ? s.x : pool.c(k);
          if (!useX && (op === 'div' || op === 'mod') && k === 0) fail(pc, 'BPF_DIV_ZERO', 'division by constant 0');
          if (!useX && (op === 'lsh' || op === 'rsh') && k >= 32) fail(pc, 'BPF_BAD_SHIFT', `shift by ${k}: expected 0..31`);
          if (useX && (op === 'div' || op === 'mod')) {
            if (operand.t === 'const' && operand.v === 0) {
              // The kernel's conversion returns 0 (KILL_THREAD) on division by X == 0.
              finished = leaf(pool.c(0), pc);
              break;
            }
            if (operand.t !== 'const') {
              // Branch on X == 0, then continue with the division.
              fr.pred = { op: 'eq', a: operand, b: pool.c(0) };
              fr.divZero = true;
              const next: State = { a: pool.op(op, s.a, operand), x: s.x, m: s.m };
              fr.stage = 1;
              fr.fPc = pc + 1;
              fr.fState = next;
              fr.t = leaf(pool.c(0), pc);
              break;
            }
          }
          let b = operand;
          if (useX && (op === 'lsh' || op === 'rsh')) b = operand.t === 'const' ? pool.c(operand.v & 31) : pool.op('and', operand, pool.c(31));
          s.a = pool.op(op!, s.a, b);
          pc++;
          continue;
        }
        if (cls === C.BPF_MISC) {
          if (code === (C.BPF_MISC | C.BPF_TAX)) s.x = s.a;
          else if (code === (C.BPF_MISC | C.BPF_TXA)) s.a = s.x;
          else fail(pc, 'BPF_BAD_OPCODE', `invalid misc opcode 0x${code.toString(16)}`);
          pc++;
          continue;
        }
        if (cls === C.BPF_JMP) {
          const opc = code & 0xf0;
          if (opc === C.BPF_JA) {
            if (code !== (C.BPF_JMP | C.BPF_JA)) fail(pc, 'BPF_BAD_OPCODE', `invalid ja opcode 0x${code.toString(16)}`);
            const target = pc + 1 + k;
            if (target >= n || target < pc + 1) fail(pc, 'BPF_BAD_JUMP', `jump to ${target} is out of range (program has ${n} instructions)`);
            pc = target;
            continue;
          }
          const op = opc === C.BPF_JEQ ? 'eq' : opc === C.BPF_JGT ? 'gt' : opc === C.BPF_JGE ? 'ge' : opc === C.BPF_JSET ? 'set' : undefined;
          if (!op || (code & ~0xf8) !== C.BPF_JMP) fail(pc, 'BPF_BAD_OPCODE', `invalid jump opcode 0x${code.toString(16)}`);
          const tPc = pc + 1 + ins.jt;
          const fPc = pc + 1 + ins.jf;
          if (tPc >= n || fPc >= n) fail(pc, 'BPF_BAD_JUMP', `jump to ${Math.max(tPc, fPc)} is out of range (program has ${n} instructions)`);
          const rhs = (code & 0x08) === C.BPF_X ? s.x : pool.c(k);
          const pred: Pred = { op: op!, a: s.a, b: rhs };
          if (pred.a.t === 'const' && pred.b.t === 'const') {
            pc = evalPred(pred, []) ? tPc : fPc;
            continue;
          }
          if (tPc === fPc) {
            pc = tPc;
            continue;
          }
          fr.pred = pred;
          fr.stage = 1;
          fr.tPc = tPc;
          fr.fPc = fPc;
          fr.tState = s;
          fr.fState = s;
          break;
        }
        fail(pc, 'BPF_BAD_OPCODE', `invalid opcode 0x${code.toString(16)}`);
      }
      if (finished) {
        results.set(fr.key, finished);
        stack.pop();
        last = finished;
        continue;
      }
      if (fr.t) {
        // Division-by-X split: t already set, go straight to the f child.
        const r = enter(fr.fPc!, fr.fState!);
        if (r) last = r;
        continue;
      }
      const r = enter(fr.tPc!, fr.tState!);
      if (r) last = r;
    }
    return last!;
  };

  const zero = pool.c(0);
  const root = run(0, { a: zero, x: zero, m: new Array(16).fill(undefined) });
  return { root, pool, size: nextId, reached };
}
