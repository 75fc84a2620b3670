/**
 * Inputs of the analysis commands. Today: raw `struct sock_filter[]`
 * programs; policies will be compiled first by the caller and passed as
 * instructions, so every analysis takes `Instruction[]` plus arches.
 */
import { type ArchInfo, type Endian } from '../arch/arches.js';
import { decodeProgram, guessEndian } from '../bpf/codec.js';
import type { Instruction } from '../bpf/instruction.js';
import { BpfError } from '../errors.js';

/** A program ready for analysis. */
export interface AnalysisInput {
  readonly program: Instruction[];
  /** Arches the user asked about (may be empty: inferred from the program's arch checks). */
  readonly arches: readonly ArchInfo[];
  readonly endian: Endian;
  /** Label for messages. */
  readonly file?: string;
}

/**
 * Decodes a raw program. Byte order: the first requested arch's, else guessed
 * from the opcodes, else little-endian. Text inputs (policies, assembly) are
 * refused with a hint.
 */
export function rawProgramInput(bytes: Uint8Array, options: { arches?: readonly ArchInfo[]; file?: string } = {}): AnalysisInput {
  const file = options.file;
  const first = bytes.length ? bytes[0] : 0;
  const looksText = bytes.length > 0 && bytes.length % 8 !== 0 && [...bytes.subarray(0, Math.min(64, bytes.length))].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (looksText || (bytes.length % 8 !== 0 && (first === 0x7b || first === 0x5b))) {
    throw new BpfError('NOT_RAW_BPF', 'expected a raw BPF program (struct sock_filter[]), got text', {
      location: file ? { file } : undefined,
      hint: 'compile policies first (`syswall compile POLICY -o prog.bpf`), assemble text with `syswall asm`',
    });
  }
  const arches = options.arches ?? [];
  const endian: Endian = arches[0]?.endian ?? guessEndian(bytes) ?? 'little';
  const program = decodeProgram(bytes, { endian, file });
  return { program, arches, endian, file };
}
