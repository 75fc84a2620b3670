/**
 * A tiny independent classic-BPF evaluator for cross-checking the symbolic
 * analysis (test-only; the real interpreter lives in src/core/bpf once
 * merged). Returns the filter's return value, or throws on invalid code.
 */
import type { Instruction } from '../../src/core/bpf/instruction.js';

export function evalBpf(prog: readonly Instruction[], words: ArrayLike<number>): number {
  let a = 0;
  let x = 0;
  const m = new Array<number | undefined>(16).fill(undefined);
  let pc = 0;
  for (let steps = 0; steps <= prog.length; steps++) {
    const { code, jt, jf } = prog[pc];
    const k = prog[pc].k >>> 0;
    const cls = code & 7;
    if (cls === 6) return (code & 0x18) === 0x10 ? a : k;
    if (cls === 0 || cls === 1) {
      const mode = code & 0xe0;
      const v = mode === 0x20 ? words[k / 4] >>> 0 : mode === 0x00 ? k : mode === 0x60 ? m[k]! : 64;
      if (cls === 0) a = v; else x = v;
      pc++;
    } else if (cls === 2) { m[k] = a; pc++; }
    else if (cls === 3) { m[k] = x; pc++; }
    else if (cls === 7) { if (code === 0x07) x = a; else a = x; pc++; }
    else if (cls === 4) {
      const op = code & 0xf0;
      const v = (code & 8) ? x : k;
      switch (op) {
        case 0x00: a = (a + v) >>> 0; break;
        case 0x10: a = (a - v) >>> 0; break;
        case 0x20: a = Math.imul(a, v) >>> 0; break;
        case 0x30: if (v === 0) return 0; a = Math.floor(a / v) >>> 0; break;
        case 0x40: a = (a | v) >>> 0; break;
        case 0x50: a = (a & v) >>> 0; break;
        case 0x60: a = (a << (v & 31)) >>> 0; break;
        case 0x70: a = a >>> (v & 31); break;
        case 0x80: a = (-a) >>> 0; break;
        case 0xa0: a = (a ^ v) >>> 0; break;
        default: throw new Error('bad alu');
      }
      pc++;
    } else if (cls === 5) {
      const op = code & 0xf0;
      if (op === 0) { pc += 1 + k; continue; }
      const v = (code & 8) ? x : k;
      const t = op === 0x10 ? a === v : op === 0x20 ? a > v : op === 0x30 ? a >= v : (a & v) !== 0;
      pc += 1 + (t ? jt : jf);
    } else throw new Error('bad class');
  }
  throw new Error('no return');
}
