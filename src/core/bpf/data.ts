/**
 * `struct seccomp_data` as the filter sees it: 64 bytes read as sixteen
 * 32-bit words. `nr` at 0, `arch` at 4, `instruction_pointer` at 8, `args[i]`
 * at 16 + 8i. On little-endian arches a 64-bit field's low word comes first;
 * on big-endian arches (s390x, ppc64, ...) its high word does.
 */
import type { Endian } from '../arch/arches.js';

/** The input of a seccomp filter. `nr` and `arch` are 32-bit; `ip` and args 64-bit. */
export interface SeccompData {
  /** Syscall number as in seccomp_data.nr (x32 bit included); -1 is allowed. */
  nr: number;
  /** AUDIT_ARCH_* token. */
  arch: number;
  ip?: bigint;
  args?: readonly bigint[];
}

const MASK32 = 0xffffffffn;

/** Lays out `data` as the 16 words a filter loads (`words[off / 4]`). */
export function seccompDataWords(data: SeccompData, endian: Endian = 'little'): Uint32Array {
  const w = new Uint32Array(16);
  w[0] = data.nr >>> 0;
  w[1] = data.arch >>> 0;
  const put = (index: number, v: bigint) => {
    const lo = Number(v & MASK32);
    const hi = Number((v >> 32n) & MASK32);
    if (endian === 'little') {
      w[index] = lo;
      w[index + 1] = hi;
    } else {
      w[index] = hi;
      w[index + 1] = lo;
    }
  };
  put(2, BigInt.asUintN(64, data.ip ?? 0n));
  for (let i = 0; i < 6; i++) put(4 + 2 * i, BigInt.asUintN(64, data.args?.[i] ?? 0n));
  return w;
}

/** Byte offset of the high (`half = 'hi'`) or low 32-bit word of args[i] for an arch's byte order. */
export function argWordOffset(index: number, half: 'hi' | 'lo', endian: Endian): number {
  const base = 16 + 8 * index;
  const hiFirst = endian === 'big';
  return half === 'hi' ? (hiFirst ? base : base + 4) : hiFirst ? base + 4 : base;
}

/** Byte offset of the high or low word of the instruction pointer. */
export function ipWordOffset(half: 'hi' | 'lo', endian: Endian): number {
  const hiFirst = endian === 'big';
  return half === 'hi' ? (hiFirst ? 8 : 12) : hiFirst ? 12 : 8;
}
