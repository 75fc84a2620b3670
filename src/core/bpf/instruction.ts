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

/** Instruction class (`code & 0x07`): BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_RET or BPF_MISC. */
export function bpfClass(code: number): number {
  return code & 0x07;
}

/** Operation of an ALU or jump instruction (`code & 0xf0`): BPF_ADD..BPF_XOR, BPF_JA..BPF_JSET. */
export function bpfOp(code: number): number {
  return code & 0xf0;
}

/** Addressing mode of a load (`code & 0xe0`): BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_LEN, BPF_MSH. */
export function bpfMode(code: number): number {
  return code & 0xe0;
}

/** Size of a load (`code & 0x18`): BPF_W, BPF_H or BPF_B. */
export function bpfSize(code: number): number {
  return code & 0x18;
}

/** Operand source of an ALU or jump instruction (`code & 0x08`): BPF_K or BPF_X. */
export function bpfSrc(code: number): number {
  return code & 0x08;
}

/** What a return instruction returns (`code & 0x18`): BPF_K (the constant) or BPF_A (the accumulator). */
export function bpfRetSrc(code: number): number {
  return code & 0x18;
}

/** MISC operation (`code & 0xf8`): BPF_TAX or BPF_TXA. */
export function bpfMiscOp(code: number): number {
  return code & 0xf8;
}

/** True for every jump (`ja` and the conditional ones). */
export function isJump(ins: HasCode): boolean {
  return bpfClass(ins.code) === C.BPF_JMP;
}

/** True for conditional jumps (JEQ/JGT/JGE/JSET). */
export function isConditionalJump(ins: HasCode): boolean {
  return isJump(ins) && bpfOp(ins.code) !== C.BPF_JA;
}

/** True for `ja`. */
export function isUnconditionalJump(ins: HasCode): boolean {
  return isJump(ins) && bpfOp(ins.code) === C.BPF_JA;
}

/** True for RET instructions. */
export function isReturn(ins: HasCode): boolean {
  return bpfClass(ins.code) === C.BPF_RET;
}

/** True for `ret #k` (a constant return value, as opposed to `ret A`). */
export function isReturnK(ins: HasCode): boolean {
  return isReturn(ins) && bpfRetSrc(ins.code) !== C.BPF_A;
}
