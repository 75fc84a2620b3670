/** Tiny helpers to hand-write BPF programs in tests. */
import type { Instruction } from '../../src/core/bpf/instruction.js';

export const ALLOW = 0x7fff0000;
export const KILL = 0;
export const ERRNO = (e: number) => 0x00050000 | e;
export const X86_64 = 0xc000003e;
export const I386 = 0x40000003;

export const ld = (off: number): Instruction => ({ code: 0x20, jt: 0, jf: 0, k: off });
export const ret = (k: number): Instruction => ({ code: 0x06, jt: 0, jf: 0, k: k >>> 0 });
export const jeq = (k: number, jt: number, jf: number): Instruction => ({ code: 0x15, jt, jf, k: k >>> 0 });
export const jge = (k: number, jt: number, jf: number): Instruction => ({ code: 0x35, jt, jf, k: k >>> 0 });
export const jgt = (k: number, jt: number, jf: number): Instruction => ({ code: 0x25, jt, jf, k: k >>> 0 });
export const and = (k: number): Instruction => ({ code: 0x54, jt: 0, jf: 0, k: k >>> 0 });

/** `ld arch; jeq token else kill; ld nr` prologue (3 + 1 instructions). */
export function archCheck(token: number, x32Guard = false): Instruction[] {
  const p = [ld(4), jeq(token, 1, 0), ret(KILL), ld(0)];
  if (x32Guard) p.push(jge(0x40000000, 0, 1), ret(KILL));
  return p;
}

/** A linear list: for each [nr, action] a `jeq nr` returning action; then the default. */
export function nrList(entries: [number, number][], dflt: number): Instruction[] {
  const out: Instruction[] = [];
  for (const [nr, act] of entries) out.push(jeq(nr, 0, 1), ret(act));
  out.push(ret(dflt));
  return out;
}

/** Raw bytes (little-endian) of a program. */
export function bytes(prog: Instruction[]): Uint8Array {
  const out = new Uint8Array(prog.length * 8);
  const v = new DataView(out.buffer);
  prog.forEach((p, i) => {
    v.setUint16(i * 8, p.code, true);
    v.setUint8(i * 8 + 2, p.jt);
    v.setUint8(i * 8 + 3, p.jf);
    v.setUint32(i * 8 + 4, p.k >>> 0, true);
  });
  return out;
}
