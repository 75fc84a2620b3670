/**
 * A classic BPF interpreter with the kernel's seccomp semantics.
 *
 * Semantics (as the kernel runs a seccomp filter after converting it to
 * eBPF): A = X = 0 at the start; `ld [k]` reads the 32-bit word at byte
 * offset k of `struct seccomp_data` in the arch's byte order (see
 * {@link seccompDataWords}); `ld len`/`ldx len` load 64; all arithmetic wraps
 * modulo 2^32; comparisons are unsigned; `jset` is true when `A & operand`
 * is non-zero; division by X = 0 ends the program with return value 0
 * (SECCOMP_RET_KILL_THREAD); shifts by X use the low 5 bits of X (the
 * kernel masks the count); `ret a` returns A.
 *
 * Three ways to run a program, which agree on every valid program:
 * - {@link runProgram} / {@link runWords}: a plain loop, no set-up cost.
 * - {@link traceProgram}: the same loop, recording the path, A and X after
 *   every step and which seccomp_data words were read. It accepts any input
 *   and reports a runtime fault (bad opcode, jump past the end, ...) as an
 *   error result instead of throwing.
 * - `compileProgram` (jit.ts): JavaScript generated once per program, for
 *   evaluating one program on many inputs.
 */
import type { Endian } from '../arch/arches.js';
import { BpfError } from '../errors.js';
import * as C from './constants.js';
import { seccompDataWords, type SeccompData } from './data.js';
import { bpfClass, type Instruction } from './instruction.js';

const LD_W_ABS = C.BPF_LD | C.BPF_W | C.BPF_ABS;
const LD_W_LEN = C.BPF_LD | C.BPF_W | C.BPF_LEN;
const LDX_W_LEN = C.BPF_LDX | C.BPF_W | C.BPF_LEN;
const LD_IMM = C.BPF_LD | C.BPF_IMM;
const LDX_IMM = C.BPF_LDX | C.BPF_IMM;
const LD_MEM = C.BPF_LD | C.BPF_MEM;
const LDX_MEM = C.BPF_LDX | C.BPF_MEM;
const ST = C.BPF_ST;
const STX = C.BPF_STX;
const RET_K = C.BPF_RET | C.BPF_K;
const RET_A = C.BPF_RET | C.BPF_A;
const TAX = C.BPF_MISC | C.BPF_TAX;
const TXA = C.BPF_MISC | C.BPF_TXA;
const NEG = C.BPF_ALU | C.BPF_NEG;
const JA = C.BPF_JMP | C.BPF_JA;

/**
 * Applies a binary ALU operation (`op` = code & 0xf0) to unsigned 32-bit
 * operands; `undefined` for an operation seccomp does not have. Division by
 * 0 is the caller's business.
 */
export function aluOp(op: number, a: number, v: number): number | undefined {
  switch (op) {
    case C.BPF_ADD:
      return (a + v) >>> 0;
    case C.BPF_SUB:
      return (a - v) >>> 0;
    case C.BPF_MUL:
      return Math.imul(a, v) >>> 0;
    case C.BPF_DIV:
      return Math.floor(a / v) >>> 0;
    case C.BPF_AND:
      return (a & v) >>> 0;
    case C.BPF_OR:
      return (a | v) >>> 0;
    case C.BPF_XOR:
      return (a ^ v) >>> 0;
    case C.BPF_LSH:
      return (a << (v & 31)) >>> 0;
    case C.BPF_RSH:
      return a >>> (v & 31);
    default:
      return undefined;
  }
}

/** Evaluates a conditional jump's test (`op` = code & 0xf0) on unsigned operands. */
export function jumpTest(op: number, a: number, v: number): boolean | undefined {
  switch (op) {
    case C.BPF_JEQ:
      return a === v;
    case C.BPF_JGT:
      return a > v;
    case C.BPF_JGE:
      return a >= v;
    case C.BPF_JSET:
      return (a & v) !== 0;
    default:
      return undefined;
  }
}

function fault(pc: number, message: string): BpfError {
  return new BpfError('BPF_RUNTIME_FAULT', message, { location: { pc }, kind: 'runtime' });
}

/**
 * Runs a program on the sixteen 32-bit words of `struct seccomp_data`
 * (`words[offset / 4]`, see {@link seccompDataWords}) and returns the
 * filter's unsigned 32-bit return value.
 *
 * Assumes a kernel-valid program (see `validateProgram`): for one it never
 * throws. On an invalid program it never hangs; it throws a BpfError
 * (`BPF_RUNTIME_FAULT`) if execution reaches an instruction it cannot run.
 */
export function runWords(program: readonly Instruction[], words: Uint32Array): number {
  let a = 0;
  let x = 0;
  // Allocated on the first store: most filters never use scratch memory.
  let mem: Uint32Array | undefined;
  const n = program.length;
  let pc = 0;
  // Forward-only jumps make this terminate; the step bound also covers malformed offsets.
  for (let steps = 0; steps <= n; steps++) {
    if (pc >= n) break;
    const ins = program[pc];
    const code = ins.code;
    const k = ins.k >>> 0;
    switch (code) {
      case LD_W_ABS:
        if (k >= 64 || (k & 3) !== 0) throw fault(pc, `ld [${k}]: offset outside struct seccomp_data or unaligned`);
        a = words[k >>> 2];
        pc++;
        continue;
      case RET_K:
        return k;
      case RET_A:
        return a;
      case JA:
        pc += 1 + k;
        continue;
      case LD_W_LEN:
        a = C.SECCOMP_DATA_SIZE;
        pc++;
        continue;
      case LDX_W_LEN:
        x = C.SECCOMP_DATA_SIZE;
        pc++;
        continue;
      case LD_IMM:
        a = k;
        pc++;
        continue;
      case LDX_IMM:
        x = k;
        pc++;
        continue;
      case LD_MEM:
        if (k >= 16) throw fault(pc, `scratch memory index ${k} out of range`);
        a = mem ? mem[k] : 0;
        pc++;
        continue;
      case LDX_MEM:
        if (k >= 16) throw fault(pc, `scratch memory index ${k} out of range`);
        x = mem ? mem[k] : 0;
        pc++;
        continue;
      case ST:
        if (k >= 16) throw fault(pc, `scratch memory index ${k} out of range`);
        (mem ??= new Uint32Array(16))[k] = a;
        pc++;
        continue;
      case STX:
        if (k >= 16) throw fault(pc, `scratch memory index ${k} out of range`);
        (mem ??= new Uint32Array(16))[k] = x;
        pc++;
        continue;
      case TAX:
        x = a;
        pc++;
        continue;
      case TXA:
        a = x;
        pc++;
        continue;
      case NEG:
        a = (0 - a) >>> 0;
        pc++;
        continue;
    }
    const cls = bpfClass(code);
    if (cls === C.BPF_JMP && (code & ~0xf8) === C.BPF_JMP) {
      const r = jumpTest(code & 0xf0, a, (code & C.BPF_X) !== 0 ? x : k);
      if (r === undefined) break;
      pc += 1 + (r ? ins.jt : ins.jf);
      continue;
    }
    if (cls === C.BPF_ALU && (code & ~0xf8) === C.BPF_ALU) {
      const op = code & 0xf0;
      const v = (code & C.BPF_X) !== 0 ? x : k;
      if (op === C.BPF_DIV && v === 0) {
        if ((code & C.BPF_X) !== 0) return 0;
        throw fault(pc, 'division by the constant 0');
      }
      const r = aluOp(op, a, v);
      if (r === undefined) break;
      a = r;
      pc++;
      continue;
    }
    break;
  }
  if (pc >= n) throw fault(pc, 'execution ran past the last instruction without a ret');
  throw fault(pc, `opcode 0x${program[pc].code.toString(16)} is not a seccomp BPF instruction`);
}

/**
 * Runs a program on one syscall: `data` is laid out with `endian` (the
 * arch's byte order decides which half of a 64-bit argument is at the lower
 * offset). Returns the unsigned 32-bit return value. See {@link runWords}.
 */
export function runProgram(program: readonly Instruction[], data: SeccompData, endian: Endian = 'little'): number {
  return runWords(program, seccompDataWords(data, endian));
}

/** A fault met while tracing an invalid program. */
export interface TraceError {
  /** Instruction index where execution stopped (may equal the program length). */
  pc: number;
  /** Stable code: BPF_BAD_OPCODE, BPF_BAD_LOAD, BPF_MEM_INDEX, BPF_MEM_UNINIT, BPF_DIV_ZERO, BPF_SHIFT_RANGE, BPF_BAD_ENCODING, BPF_NO_RET. */
  code: string;
  message: string;
}

interface TraceCommon {
  /** Executed instruction indexes, in order (the `ret` included). */
  path: number[];
  /** Number of executed instructions (`path.length`). */
  steps: number;
  /** A after each executed instruction (parallel to `path`). */
  a: number[];
  /** X after each executed instruction (parallel to `path`). */
  x: number[];
  /**
   * For each executed conditional jump, whether its condition held (parallel
   * to `path`; `undefined` for other instructions).
   */
  taken: (boolean | undefined)[];
  /** Byte offsets of the seccomp_data words loaded, distinct, in order of first load. */
  reads: number[];
  /** Bit i set when word i (byte offset 4i) was loaded. */
  readMask: number;
  /** Scratch memory at the end; `undefined` for cells never written. */
  mem: (number | undefined)[];
}

/** A completed run. */
export interface TraceOk extends TraceCommon {
  ok: true;
  /** The filter's unsigned 32-bit return value. */
  action: number;
  /** Index of the instruction that produced the return value (a `ret`, or a division by X = 0). */
  returnPc: number;
  /** True when the run ended by dividing by X = 0 (return value 0). */
  divByZero: boolean;
  error?: undefined;
}

/** A run stopped by an instruction the kernel would have rejected. */
export interface TraceFailed extends TraceCommon {
  ok: false;
  action?: undefined;
  returnPc?: undefined;
  divByZero?: undefined;
  error: TraceError;
}

/** Result of {@link traceProgram}. */
export type TraceResult = TraceOk | TraceFailed;

/**
 * Runs a program on one syscall and records how: the executed path, A and X
 * after every step, jump outcomes and the seccomp_data words read. Never
 * throws and never hangs, whatever `program` holds: a step the kernel would
 * have rejected (unknown opcode, bad load offset, jump past the end, read of
 * unwritten scratch memory, ...) ends the run with `ok: false` and `error`.
 * `data` may also be the sixteen words of seccomp_data directly.
 */
export function traceProgram(program: readonly Instruction[], data: SeccompData | Uint32Array, endian: Endian = 'little'): TraceResult {
  const words = data instanceof Uint32Array ? data : seccompDataWords(data, endian);
  const path: number[] = [];
  const as: number[] = [];
  const xs: number[] = [];
  const taken: (boolean | undefined)[] = [];
  const reads: number[] = [];
  const mem: (number | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
  let readMask = 0;
  let a = 0;
  let x = 0;
  const n = program.length;
  let pc = 0;
  // Outcome: a return value, or an error code + message.
  let action = -1;
  let divByZero = false;
  let errCode = 'BPF_NO_RET';
  let errMessage = 'execution ran past the last instruction without a ret';

  run: for (let steps = 0; steps <= n; steps++) {
    if (pc >= n) break;
    const ins = program[pc] as Instruction | undefined;
    if (!wellFormed(ins)) {
      errCode = 'BPF_BAD_ENCODING';
      errMessage = 'instruction fields do not fit struct sock_filter (code u16, jt/jf u8, k u32)';
      break;
    }
    const code = ins.code;
    const k = ins.k >>> 0;
    let cond: boolean | undefined;
    switch (code) {
      case LD_W_ABS:
        if (k >= 64 || (k & 3) !== 0) {
          errCode = 'BPF_BAD_LOAD';
          errMessage = `ld [${k}]: offset must be a multiple of 4 below 64`;
          break run;
        }
        a = words[k >>> 2];
        if ((readMask & (1 << (k >>> 2))) === 0) {
          readMask |= 1 << (k >>> 2);
          reads.push(k);
        }
        break;
      case RET_K:
        action = k;
        break;
      case RET_A:
        action = a;
        break;
      case JA:
        break;
      case LD_W_LEN:
        a = C.SECCOMP_DATA_SIZE;
        break;
      case LDX_W_LEN:
        x = C.SECCOMP_DATA_SIZE;
        break;
      case LD_IMM:
        a = k;
        break;
      case LDX_IMM:
        x = k;
        break;
      case LD_MEM:
      case LDX_MEM:
      case ST:
      case STX: {
        if (k >= 16) {
          errCode = 'BPF_MEM_INDEX';
          errMessage = `scratch memory index ${k} out of range (M[0]..M[15])`;
          break run;
        }
        if (code === ST) mem[k] = a;
        else if (code === STX) mem[k] = x;
        else {
          const v = mem[k];
          if (v === undefined) {
            errCode = 'BPF_MEM_UNINIT';
            errMessage = `M[${k}] read before it was written`;
            break run;
          }
          if (code === LD_MEM) a = v;
          else x = v;
        }
        break;
      }
      case TAX:
        x = a;
        break;
      case TXA:
        a = x;
        break;
      case NEG:
        a = (0 - a) >>> 0;
        break;
      default: {
        const cls = bpfClass(code);
        const op = code & 0xf0;
        const useX = (code & C.BPF_X) !== 0;
        const v = useX ? x : k;
        if (cls === C.BPF_JMP && (code & ~0xf8) === C.BPF_JMP) {
          cond = jumpTest(op, a, v);
          if (cond !== undefined) break;
        } else if (cls === C.BPF_ALU && (code & ~0xf8) === C.BPF_ALU) {
          if (op === C.BPF_DIV && v === 0) {
            if (!useX) {
              errCode = 'BPF_DIV_ZERO';
              errMessage = 'division by the constant 0';
              break run;
            }
            a = 0;
            action = 0;
            divByZero = true;
            break;
          }
          if ((op === C.BPF_LSH || op === C.BPF_RSH) && !useX && k >= 32) {
            errCode = 'BPF_SHIFT_RANGE';
            errMessage = `shift by the constant ${k} (must be below 32)`;
            break run;
          }
          const r = aluOp(op, a, v);
          if (r !== undefined) {
            a = r;
            break;
          }
        }
        errCode = 'BPF_BAD_OPCODE';
        errMessage = `opcode 0x${code.toString(16)} is not a seccomp BPF instruction`;
        break run;
      }
    }
    path.push(pc);
    as.push(a);
    xs.push(x);
    taken.push(cond);
    if (action >= 0) {
      return { ok: true, action, returnPc: pc, divByZero, path, steps: path.length, a: as, x: xs, taken, reads, readMask, mem };
    }
    if (code === JA) pc += 1 + k;
    else if (cond !== undefined) pc += 1 + (cond ? ins.jt : ins.jf);
    else pc++;
  }
  return { ok: false, error: { pc, code: errCode, message: errMessage }, path, steps: path.length, a: as, x: xs, taken, reads, readMask, mem };
}

function wellFormed(ins: Instruction | undefined): ins is Instruction {
  if (typeof ins !== 'object' || ins === null) return false;
  const { code, jt, jf, k } = ins;
  return (
    (code & 0xffff) === code &&
    code >= 0 &&
    (jt & 0xff) === jt &&
    (jf & 0xff) === jf &&
    typeof k === 'number' &&
    k >= 0 &&
    k <= 0xffffffff &&
    Math.floor(k) === k
  );
}
