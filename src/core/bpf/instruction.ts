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

/** Instruction class (`code & 7`). */
export function bpfClass(code: number): number {
  return code & 0x07;
}

/** True for conditional jumps (JEQ/JGT/JGE/JSET). */
export function isConditionalJump(ins: Instruction): boolean {
  return bpfClass(ins.code) === C.BPF_JMP && (ins.code & 0xf0) !== C.BPF_JA;
}

/** True for `ja`. */
export function isUnconditionalJump(ins: Instruction): boolean {
  return bpfClass(ins.code) === C.BPF_JMP && (ins.code & 0xf0) === C.BPF_JA;
}

/** True for RET instructions. */
export function isReturn(ins: Instruction): boolean {
  return bpfClass(ins.code) === C.BPF_RET;
}
