/**
 * Filter statistics: how long a program is, how many instructions it runs
 * per syscall, and how many syscalls the kernel's action cache can serve
 * without running it at all. Works on any program (so benchmarks can measure
 * libseccomp's output the same way) and on a {@link CompiledFilter}.
 *
 * Definitions (per arch; x86_64, x86 and x32 are reported separately even
 * when they share a section of the program):
 *
 * - **Syscall sets.** `range`: numbers `lo..hi` (default 0..470, the issue's
 *   benchmark) plus the arch's base (x32 numbers are `0x40000000 | n`, MIPS
 *   numbers carry their ABI base); `table`: every number the arch's syscall
 *   table knows.
 * - **Path length with arguments 0** (`zero`): instructions executed (the
 *   `ret` included) by {@link traceProgram} for `{nr, arch}` with ip and all
 *   six arguments 0. Mean and max over the set.
 * - **Worst-case path length** (`worst`): per syscall, the longest path
 *   over all argument (and ip) values, found by exploring both outcomes of
 *   every comparison that depends on a word other than nr and arch, pruning
 *   outcomes that contradict earlier comparisons of the same word (exact for
 *   comparisons of a word, a masked word, or a constant). Comparisons the
 *   explorer cannot model (ALU other than AND on argument words, compares
 *   against X holding an argument) are taken both ways, which can only
 *   overestimate; `exact` is false then. Mean and max of the per-syscall
 *   worst case over the set.
 * - **Cacheable** (`cacheable`): syscalls the kernel (5.11+) marks always-
 *   allowed in its action cache. This emulates `seccomp_is_const_allow`
 *   exactly: run the classic program with only nr and arch known; `ld [0]`
 *   and `ld [4]` load them, `ALU AND K`, `JA`, `JEQ/JGT/JGE/JSET` with `K`
 *   work as usual, `RET K` ends it (cacheable iff the value is exactly
 *   SECCOMP_RET_ALLOW); any other instruction or load means "not
 *   cacheable". x32 syscalls are never cached (the cache covers the native
 *   and compat arch tables, and x32 numbers lie outside them), so x32
 *   reports 0.
 */
import { resolveArch, X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { syscallTable } from '../arch/syscalls.js';
import * as C from '../bpf/constants.js';
import { bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfSize, bpfSrc, type Instruction } from '../bpf/instruction.js';
import { aluOp, jumpTest, traceProgram } from '../bpf/interpreter.js';
import { ALL_WORDS, splitByTest, type WordSet, type WordTestOp } from '../symbolic/wordset.js';
import type { CompiledFilter } from './compile.js';
import { decisionFunction, rangeBound, type RangeBound } from './bound.js';
import type { ProgramAnalysis } from '../symbolic/symbolic.js';
import { SyswallError } from '../errors.js';

const FULL = 0xffffffff;
const JUMP_OPS: Record<number, WordTestOp> = { [C.BPF_JEQ]: 'JEQ', [C.BPF_JGT]: 'JGT', [C.BPF_JGE]: 'JGE', [C.BPF_JSET]: 'JSET' };

/** Mean and max of a per-syscall count. */
export interface MeanMax {
  readonly mean: number;
  readonly max: number;
  /** A syscall number where the max is reached. */
  readonly maxNr: number;
}

/** Statistics over one set of syscall numbers of one arch. */
export interface SyscallSetStats {
  /** Number of syscall numbers in the set. */
  readonly count: number;
  /** Instructions executed with all arguments (and ip) 0. */
  readonly zero: MeanMax;
  /** Per-syscall longest path over all argument values. */
  readonly worst: MeanMax;
  /** Syscalls the kernel's action cache serves (always allowed, decided by nr and arch alone). */
  readonly cacheable: number;
  /** Syscalls whose decision depends on more than nr and arch (some path reads another word). */
  readonly argDependent: number;
}

/** Statistics for one arch. */
export interface ArchStats {
  readonly arch: string;
  /** AUDIT_ARCH token. */
  readonly token: number;
  /** The nr range as given (before the arch base is added). */
  readonly range: readonly [number, number];
  readonly rangeStats: SyscallSetStats;
  readonly tableStats: SyscallSetStats;
  /**
   * The range bound over the `range` set (bound.ts): the least mean and max a
   * search of `jge` comparisons over this decision function can reach.
   * Absent when the program is too complex to analyse exactly.
   */
  readonly bound?: RangeBound;
}

/** Statistics of a program. */
export interface ProgramStats {
  /** Program length in instructions. */
  readonly length: number;
  /** Compile time in milliseconds, when the program was compiled by syswall. */
  readonly compileMs?: number;
  readonly arches: readonly ArchStats[];
  /** False if some worst-case path length is an upper bound rather than exact. */
  readonly exact: boolean;
}

/** Options of {@link programStats} and {@link filterStats}. */
export interface StatsOptions {
  /** Syscall numbers (before the arch base) for the `range` set; default [0, 470]. */
  nrRange?: readonly [number, number];
}

/** The default benchmark range, syscalls 0..470. */
export const DEFAULT_NR_RANGE: readonly [number, number] = [0, 470];

/**
 * The kernel's `seccomp_is_const_allow` for one (arch token, nr): true when
 * the program reaches `RET SECCOMP_RET_ALLOW` using only nr and arch.
 */
export function kernelCacheAllows(program: readonly Instruction[], token: number, nr: number): boolean {
  let reg = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, k, jt, jf } = program[pc];
    switch (code) {
      case C.BPF_LD | C.BPF_W | C.BPF_ABS:
        if (k === C.SECCOMP_DATA_NR) reg = nr >>> 0;
        else if (k === C.SECCOMP_DATA_ARCH) reg = token >>> 0;
        else return false;
        break;
      case C.BPF_RET | C.BPF_K:
        return k >>> 0 === C.SECCOMP_RET_ALLOW;
      case C.BPF_JMP | C.BPF_JA:
        pc += k >>> 0;
        break;
      case C.BPF_JMP | C.BPF_JEQ | C.BPF_K:
        pc += reg === k >>> 0 ? jt : jf;
        break;
      case C.BPF_JMP | C.BPF_JGT | C.BPF_K:
        pc += reg > k >>> 0 ? jt : jf;
        break;
      case C.BPF_JMP | C.BPF_JGE | C.BPF_K:
        pc += reg >= k >>> 0 ? jt : jf;
        break;
      case C.BPF_JMP | C.BPF_JSET | C.BPF_K:
        pc += (reg & k) !== 0 ? jt : jf;
        break;
      case C.BPF_ALU | C.BPF_AND | C.BPF_K:
        reg = (reg & k) >>> 0;
        break;
      default:
        return false;
    }
  }
  return false;
}

/** An abstract register value: a constant, `word & mask`, or unknown. */
type AVal = { t: 'k'; v: number } | { t: 'w'; w: number; mask: number } | { t: 'u' };

const UNKNOWN: AVal = { t: 'u' };

interface Explore {
  max: number;
  exact: boolean;
  readsArgs: boolean;
}

class BudgetExceeded extends Error {}

/** Instructions the exact worst-path explorer may step through per syscall before it falls back to the memoised upper bound. */
const WORST_PATH_BUDGET = 200_000;

/**
 * The longest path (instructions executed) for one (token, nr) over every
 * value of the other words. See the module comment for exactness.
 */
export function worstPathLength(program: readonly Instruction[], token: number, nr: number, budget = WORST_PATH_BUDGET): { length: number; exact: boolean; readsArgs: boolean } {
  try {
    const r = explore(program, token, nr, true, budget);
    return { length: r.max, exact: r.exact, readsArgs: r.readsArgs };
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    // Too many paths: an upper bound from a memoised walk without pruning.
    const r = explore(program, token, nr, false, Infinity);
    return { length: r.max, exact: false, readsArgs: r.readsArgs };
  }
}

/** The abstract machine state on one path: A, X and the scratch memory. */
interface AState {
  a: AVal;
  x: AVal;
  mem: readonly AVal[];
}

/** Scratch memory words (M[0..15]). */
const MEM_WORDS = 16;

/** The value a load puts in A or X, for one (token, nr); notes argument reads and loads it cannot model. */
function loadValue(ins: Instruction, s: AState, token: number, nr: number, out: Explore): AVal {
  const k = ins.k >>> 0;
  const mode = bpfMode(ins.code);
  if (mode === C.BPF_ABS && bpfSize(ins.code) === C.BPF_W) {
    if (k === C.SECCOMP_DATA_NR) return { t: 'k', v: nr >>> 0 };
    if (k === C.SECCOMP_DATA_ARCH) return { t: 'k', v: token >>> 0 };
    if (k < C.SECCOMP_DATA_SIZE && (k & 3) === 0) {
      out.readsArgs = true;
      return { t: 'w', w: k >>> 2, mask: FULL };
    }
  } else if (mode === C.BPF_IMM) return { t: 'k', v: k };
  else if (mode === C.BPF_LEN) return { t: 'k', v: C.SECCOMP_DATA_SIZE };
  else if (mode === C.BPF_MEM) return k < MEM_WORDS ? s.mem[k] ?? UNKNOWN : UNKNOWN;
  out.exact = false;
  return UNKNOWN;
}

/** Runs one instruction that is neither a jump nor a return on the abstract state. */
function stepAbstract(ins: Instruction, s: AState, token: number, nr: number, out: Explore): AState {
  const k = ins.k >>> 0;
  const cls = bpfClass(ins.code);
  if (cls === C.BPF_LD) return { ...s, a: loadValue(ins, s, token, nr, out) };
  if (cls === C.BPF_LDX) return { ...s, x: loadValue(ins, s, token, nr, out) };
  if (cls === C.BPF_ST || cls === C.BPF_STX) {
    if (k >= MEM_WORDS) return s;
    const mem = s.mem.slice();
    mem[k] = cls === C.BPF_ST ? s.a : s.x;
    return { ...s, mem };
  }
  if (cls === C.BPF_MISC) return bpfMiscOp(ins.code) === C.BPF_TXA ? { ...s, a: s.x } : { ...s, x: s.a };
  // BPF_ALU
  const op = bpfOp(ins.code);
  const a = s.a;
  const src: AVal = bpfSrc(ins.code) === C.BPF_X ? s.x : { t: 'k', v: k };
  if (op === C.BPF_NEG) return { ...s, a: a.t === 'k' ? { t: 'k', v: (0 - a.v) >>> 0 } : UNKNOWN };
  if (a.t === 'k' && src.t === 'k') {
    const r = op === C.BPF_DIV && src.v === 0 ? 0 : aluOp(op, a.v, src.v);
    return { ...s, a: r === undefined ? UNKNOWN : { t: 'k', v: r >>> 0 } };
  }
  if (a.t === 'w' && op === C.BPF_AND && src.t === 'k') return { ...s, a: { t: 'w', w: a.w, mask: (a.mask & src.v) >>> 0 } };
  return { ...s, a: UNKNOWN };
}

/**
 * The outcomes of a data-dependent jump that can still happen on this path,
 * with the word sets each implies (null: impossible). Without pruning, or
 * for a comparison the word sets cannot express, both are taken.
 */
function jumpOutcomes(a: AVal, src: AVal, op: number, cons: ReadonlyMap<number, WordSet>, prune: boolean, out: Explore): [ReadonlyMap<number, WordSet> | null, ReadonlyMap<number, WordSet> | null] {
  if (!prune || a.t !== 'w' || src.t !== 'k') {
    out.exact = false;
    return [cons, cons];
  }
  const split = splitByTest(cons.get(a.w) ?? ALL_WORDS, a.mask, JUMP_OPS[op], src.v);
  if (split === undefined) {
    out.exact = false;
    return [cons, cons];
  }
  const [ts, fs] = split;
  return [ts ? withWord(cons, a.w, ts) : null, fs ? withWord(cons, a.w, fs) : null];
}

function explore(program: readonly Instruction[], token: number, nr: number, prune: boolean, budget: number): Explore {
  const out: Explore = { max: 0, exact: true, readsArgs: false };
  let work = 0;
  const n = program.length;
  const memo = new Map<string, number>();
  const key = (v: AVal) => (v.t === 'k' ? `k${v.v}` : v.t === 'w' ? `w${v.w}/${v.mask}` : 'u');
  // Returns the longest number of instructions from pc to a ret (inclusive).
  const walk = (pc0: number, s0: AState, cons: ReadonlyMap<number, WordSet>): number => {
    const memoKey = prune ? undefined : `${pc0}|${key(s0.a)}|${key(s0.x)}|${s0.mem.map(key).join(',')}`;
    if (memoKey !== undefined) {
      const hit = memo.get(memoKey);
      if (hit !== undefined) return hit;
    }
    const done = (v: number) => {
      if (memoKey !== undefined) memo.set(memoKey, v);
      return v;
    };
    let pc = pc0;
    let s = s0;
    for (let steps = 1; ; steps++, pc++) {
      if (++work > budget) throw new BudgetExceeded();
      if (pc >= n) {
        out.exact = false;
        return done(steps - 1);
      }
      const ins = program[pc];
      const cls = bpfClass(ins.code);
      if (cls === C.BPF_RET) return done(steps);
      if (cls !== C.BPF_JMP) {
        s = stepAbstract(ins, s, token, nr, out);
        continue;
      }
      const op = bpfOp(ins.code);
      if (op === C.BPF_JA) {
        pc += ins.k >>> 0;
        continue;
      }
      const src: AVal = bpfSrc(ins.code) === C.BPF_X ? s.x : { t: 'k', v: ins.k >>> 0 };
      const tPc = pc + 1 + ins.jt;
      const fPc = pc + 1 + ins.jf;
      if (s.a.t === 'k' && src.t === 'k') {
        pc = (jumpTest(op, s.a.v, src.v) ? tPc : fPc) - 1;
        continue;
      }
      // Data-dependent: explore the feasible outcomes.
      let best = 0;
      if (tPc === fPc) best = walk(tPc, s, cons);
      else {
        const [tCons, fCons] = jumpOutcomes(s.a, src, op, cons, prune, out);
        if (tCons) best = Math.max(best, walk(tPc, s, tCons));
        if (fCons) best = Math.max(best, walk(fPc, s, fCons));
      }
      return done(steps + best);
    }
  };
  out.max = walk(0, { a: { t: 'k', v: 0 }, x: { t: 'k', v: 0 }, mem: [] }, new Map());
  return out;
}

function withWord(cons: ReadonlyMap<number, WordSet>, w: number, s: WordSet): Map<number, WordSet> {
  const m = new Map(cons);
  m.set(w, s);
  return m;
}

/** The numbers of an arch's `range` set: `lo..hi` plus the arch base (x32 bit, MIPS base). */
export function rangeNumbers(arch: ArchInfo, range: readonly [number, number] = DEFAULT_NR_RANGE): number[] {
  const out: number[] = [];
  for (let n = range[0]; n <= range[1]; n++) out.push(((arch.x32 ? n | X32_SYSCALL_BIT : n + arch.nrBase) >>> 0));
  return out;
}

function setStats(program: readonly Instruction[], arch: ArchInfo, numbers: readonly number[], state: { exact: boolean }): SyscallSetStats {
  const zeros = new Uint32Array(16);
  zeros[1] = arch.token >>> 0;
  let zSum = 0;
  let zMax = -1;
  let zMaxNr = 0;
  let wSum = 0;
  let wMax = -1;
  let wMaxNr = 0;
  let cacheable = 0;
  let argDependent = 0;
  for (const nr of numbers) {
    zeros[0] = nr >>> 0;
    const t = traceProgram(program, zeros);
    const z = t.steps;
    zSum += z;
    if (z > zMax) {
      zMax = z;
      zMaxNr = nr;
    }
    const w = worstPathLength(program, arch.token, nr);
    if (!w.exact) state.exact = false;
    if (w.readsArgs) argDependent++;
    const worst = Math.max(w.length, z);
    wSum += worst;
    if (worst > wMax) {
      wMax = worst;
      wMaxNr = nr;
    }
    if (!arch.x32 && kernelCacheAllows(program, arch.token, nr)) cacheable++;
  }
  const count = numbers.length;
  return {
    count,
    zero: { mean: count ? zSum / count : 0, max: Math.max(zMax, 0), maxNr: zMaxNr },
    worst: { mean: count ? wSum / count : 0, max: Math.max(wMax, 0), maxNr: wMaxNr },
    cacheable,
    argDependent,
  };
}

/**
 * Statistics of any program for the given arches (names or infos). Use it
 * for programs syswall did not compile, e.g. libseccomp's.
 */
export function programStats(program: readonly Instruction[], arches: readonly (ArchInfo | string)[], options: StatsOptions & { compileMs?: number } = {}): ProgramStats {
  const range = options.nrRange ?? DEFAULT_NR_RANGE;
  const state = { exact: true };
  const out: ArchStats[] = [];
  const infos = arches.map((a) => (typeof a === 'string' ? resolveArch(a) : a));
  let analysis: ProgramAnalysis | undefined;
  try {
    analysis = decisionFunction(program, infos);
  } catch (e) {
    if (!(e instanceof SyswallError)) throw e;
  }
  for (const arch of infos) {
    const table = [...new Set(syscallTable(arch).map((e) => e.nr >>> 0))].sort((x, y) => x - y);
    const numbers = rangeNumbers(arch, range);
    out.push({
      arch: arch.name,
      token: arch.token,
      range: [range[0], range[1]],
      rangeStats: setStats(program, arch, numbers, state),
      tableStats: setStats(program, arch, table, state),
      ...(analysis ? { bound: rangeBound(analysis, arch.token, numbers[0], numbers[numbers.length - 1]) } : {}),
    });
  }
  return { length: program.length, ...(options.compileMs !== undefined ? { compileMs: options.compileMs } : {}), arches: out, exact: state.exact };
}

/** Statistics of a compiled filter, for each of its arches (x86_64, x86 and x32 separately). */
export function filterStats(filter: CompiledFilter, options: StatsOptions = {}): ProgramStats {
  return programStats(filter.instructions, filter.arches, { ...options, compileMs: filter.stats.compileMs });
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** A plain-text table of the statistics (what `syswall compile --stats` prints). */
export function formatStats(stats: ProgramStats): string {
  const head = `length ${stats.length} instructions${stats.compileMs !== undefined ? `, compiled in ${stats.compileMs.toFixed(1)} ms` : ''}`;
  const rows: string[][] = [['arch', 'syscalls', 'count', 'mean(args=0)', 'max(args=0)', 'mean(worst)', 'max(worst)', 'bound(mean/max)', 'cacheable', 'arg-dependent']];
  for (const a of stats.arches) {
    for (const [label, s, bound] of [[`nr ${a.range[0]}..${a.range[1]}`, a.rangeStats, a.bound], ['table', a.tableStats, undefined]] as const) {
      const b = bound ? `${fmt(bound.mean)}/${bound.max}` : '-';
      rows.push([a.arch, label, String(s.count), fmt(s.zero.mean), String(s.zero.max), fmt(s.worst.mean), String(s.worst.max), b, a.arch === 'x32' ? '0 (never)' : String(s.cacheable), String(s.argDependent)]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
  const note = stats.exact ? [] : ['note: some worst-case lengths are upper bounds (comparisons the explorer cannot model)'];
  if (stats.arches.some((a) => a.bound)) note.push('bound: the least mean/max any search of jge comparisons over these decision ranges reaches (docs/compiler.md)');
  return [head, ...lines, ...note].join('\n') + '\n';
}
