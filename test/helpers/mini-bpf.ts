// TEMPORARY test-only evaluator until src/core/bpf/interpreter.ts lands.
import type { Instruction } from '../../src/core/bpf/instruction.js';
export function miniRun(p: readonly Instruction[], w: Uint32Array): number {
  let A = 0, X = 0; const M = new Uint32Array(16);
  for (let pc = 0; pc < p.length; pc++) {
    const { code, k, jt, jf } = p[pc];
    switch (code) {
      case 0x20: A = w[k >> 2]; break;
      case 0x00: A = k; break;
      case 0x54: A = (A & k) >>> 0; break;
      case 0x15: pc += A === k ? jt : jf; break;
      case 0x25: pc += A > k ? jt : jf; break;
      case 0x35: pc += A >= k ? jt : jf; break;
      case 0x45: pc += (A & k) ? jt : jf; break;
      case 0x05: pc += k; break;
      case 0x06: return k >>> 0;
      case 0x16: return A >>> 0;
      default: throw new Error('mini: opcode ' + code.toString(16));
    }
    void X; void M;
  }
  throw new Error('fell off');
}
