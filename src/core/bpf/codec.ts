/**
 * Encode and decode raw `struct sock_filter[]` (8 bytes per instruction) in
 * either byte order. A program's byte order follows its arch (s390x, ppc64,
 * mips and other big-endian arches store code and k big-endian).
 */
import { BpfError } from '../errors.js';
import type { Endian } from '../arch/arches.js';
import type { Instruction } from './instruction.js';

/** Serialises instructions to bytes. */
export function encodeProgram(program: readonly Instruction[], endian: Endian = 'little'): Uint8Array {
  const out = new Uint8Array(program.length * 8);
  const view = new DataView(out.buffer);
  const le = endian === 'little';
  program.forEach((ins, i) => {
    view.setUint16(i * 8, ins.code, le);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k >>> 0, le);
  });
  return out;
}

export interface DecodeOptions {
  endian?: Endian;
  /** Name used in error messages. */
  file?: string;
}

/** Parses raw bytes; the length must be a non-zero multiple of 8. */
export function decodeProgram(bytes: Uint8Array, options: DecodeOptions = {}): Instruction[] {
  const file = options.file;
  if (bytes.length === 0) {
    throw new BpfError('BPF_EMPTY', 'empty program: expected raw struct sock_filter[] (8 bytes per instruction)', { location: file ? { file } : undefined });
  }
  if (bytes.length % 8 !== 0) {
    throw new BpfError('BPF_BAD_LENGTH', `size ${bytes.length} bytes is not a multiple of 8: expected raw struct sock_filter[] (8 bytes per instruction)`, {
      location: file ? { file } : undefined,
      hint: 'is this really a raw BPF file? assembly text goes to `syswall asm`, policies to `syswall compile`',
    });
  }
  const le = (options.endian ?? 'little') === 'little';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  for (let off = 0; off < bytes.length; off += 8) {
    out.push({
      code: view.getUint16(off, le),
      jt: view.getUint8(off + 2),
      jf: view.getUint8(off + 3),
      k: view.getUint32(off + 4, le),
    });
  }
  return out;
}

/**
 * Guesses the byte order of raw bytes: valid seccomp opcodes are < 0x100, so
 * a code word with a zero low byte and non-zero high byte means the other
 * order. Returns undefined if it cannot tell.
 */
export function guessEndian(bytes: Uint8Array): Endian | undefined {
  let le = 0;
  let be = 0;
  for (let off = 0; off + 8 <= bytes.length; off += 8) {
    const b0 = bytes[off];
    const b1 = bytes[off + 1];
    if (b1 === 0 && b0 !== 0) le++;
    else if (b0 === 0 && b1 !== 0) be++;
  }
  if (le > 0 && be === 0) return 'little';
  if (be > 0 && le === 0) return 'big';
  return undefined;
}
