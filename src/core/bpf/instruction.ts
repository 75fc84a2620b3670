/**
 * The classic BPF instruction model: `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }`.
 */
import * as C from './constants.js';

/** One classic BPF instruction. `k` is an unsigned 32-bit number. */
export interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** A statement (non-jump) instruction. */
export function stmt(code: number, k: number): Instruction {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

/** A jump instruction with relative true/false offsets. */
export function jump(code: number, k: number, jt: number, jf: number): Instruction {
  return { code, jt, jf, k: k >>> 0 };
}

/** `ret #k`. */
export function ret(k: number): Instruction {
  return stmt(C.BPF_RET | C.BPF_K, k);
}

/** `ld [off]` (32-bit absolute load from seccomp_data). */
export function loadAbs(offset: number): Instruction {
  return stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, offset);
}

/** Semantic equality: for non-jumps jt/jf are ignored, unused k of X-source ops too. */
export function equal(a: Instruction, b: Instruction): boolean {
  return a.code === b.code && a.jt === b.jt && a.jf === b.jf && a.k >>> 0 === b.k >>> 0;
}

/** Something with a BPF opcode: an {@link Instruction}, or a builder's item. */
export interface HasCode {
  readonly code: number;
}

/**
 * The fields of an opcode (include/uapi/linux/bpf_common.h), by mask:
 * `bpfClass` (0x07: BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP,
 * BPF_RET, BPF_MISC), `bpfOp` (0xf0: BPF_ADD..BPF_XOR, BPF_JA..BPF_JSET),
 * `bpfMode` (0xe0: BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_LEN, BPF_MSH),
 * `bpfSize` (0x18: BPF_W, BPF_H, BPF_B), `bpfSrc` (0x08: BPF_K or BPF_X),
 * `bpfRetSrc` (0x18 of a RET: BPF_K or BPF_A), `bpfMiscOp` (0xf8: BPF_TAX,
 * BPF_TXA).
 */
export const bpfClass = (code: number): number => code & 0x07;
export const bpfOp = (code: number): number => code & 0xf0;
export const bpfMode = (code: number): number => code & 0xe0;
export const bpfSize = (code: number): number => code & 0x18;
export const bpfSrc = (code: number): number => code & 0x08;
export const bpfRetSrc = (code: number): number => code & 0x18;
export const bpfMiscOp = (code: number): number => code & 0xf8;

/**
 * Kinds of instruction: `isJump` (every jump), `isConditionalJump`
 * (JEQ/JGT/JGE/JSET), `isUnconditionalJump` (`ja`), `isReturn` (RET) and
 * `isReturnK` (`ret #k`, a constant, as opposed to `ret A`).
 */
export const isJump = (ins: HasCode): boolean => bpfClass(ins.code) === C.BPF_JMP;
export const isConditionalJump = (ins: HasCode): boolean => isJump(ins) && bpfOp(ins.code) !== C.BPF_JA;
export const isUnconditionalJump = (ins: HasCode): boolean => isJump(ins) && bpfOp(ins.code) === C.BPF_JA;
export const isReturn = (ins: HasCode): boolean => bpfClass(ins.code) === C.BPF_RET;
export const isReturnK = (ins: HasCode): boolean => isReturn(ins) && bpfRetSrc(ins.code) !== C.BPF_A;

/**
 * Whether some path from the start of `program` reads the accumulator (`a`)
 * or the index register (`x`) before writing it, i.e. depends on both
 * starting at 0. Jumps in classic BPF go forward only, so one pass in order
 * decides it: a register is written on entry to an instruction when it is on
 * every path that reaches it. Scratch memory is not tracked (the kernel
 * refuses a program that reads a slot before writing it).
 */
export function readsInitialRegisters(program: readonly Instruction[]): { a: boolean; x: boolean } {
  const n = program.length;
  // Per instruction: reached, and the registers written on every path to it (bit 1: A, bit 2: X).
  const reached = new Uint8Array(n + 1);
  const written = new Uint8Array(n + 1).fill(3);
  reached[0] = 1;
  written[0] = 0;
  const out = { a: false, x: false };
  const flow = (to: number, w: number) => {
    if (to > n) return;
    if (reached[to]) written[to] &= w;
    else {
      reached[to] = 1;
      written[to] = w;
    }
  };
  for (let pc = 0; pc < n; pc++) {
    if (!reached[pc]) continue;
    const ins = program[pc];
    let w = written[pc];
    const readA = () => {
      if (!(w & 1)) out.a = true;
    };
    const readX = () => {
      if (!(w & 2)) out.x = true;
    };
    const cls = bpfClass(ins.code);
    if (cls === C.BPF_LD) {
      if (bpfMode(ins.code) === C.BPF_IND || bpfMode(ins.code) === C.BPF_MSH) readX();
      w |= 1;
    } else if (cls === C.BPF_LDX) {
      w |= 2;
    } else if (cls === C.BPF_ST) {
      readA();
    } else if (cls === C.BPF_STX) {
      readX();
    } else if (cls === C.BPF_ALU) {
      readA();
      if (bpfOp(ins.code) !== C.BPF_NEG && bpfSrc(ins.code) === C.BPF_X) readX();
      w |= 1;
    } else if (cls === C.BPF_JMP) {
      if (bpfOp(ins.code) === C.BPF_JA) {
        flow(pc + 1 + ins.k, w);
        continue;
      }
      readA();
      if (bpfSrc(ins.code) === C.BPF_X) readX();
      flow(pc + 1 + ins.jt, w);
      flow(pc + 1 + ins.jf, w);
      continue;
    } else if (cls === C.BPF_RET) {
      if (bpfRetSrc(ins.code) === C.BPF_A) readA();
      if (bpfRetSrc(ins.code) === C.BPF_X) readX();
      continue;
    } else if (cls === C.BPF_MISC) {
      if (bpfMiscOp(ins.code) === C.BPF_TAX) {
        readA();
        w |= 2;
      } else {
        readX();
        w |= 1;
      }
    }
    flow(pc + 1, w);
  }
  return out;
}
