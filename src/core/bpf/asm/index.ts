/**
 * The assembler: seccomp-tools' assembly language (and disasm output) to a
 * classic BPF program. `assemble(source, { arch })` returns instructions;
 * encode them with `encodeProgram(program, arch.endian)` or `formatProgram`.
 */
import type { ArchInfo, Endian } from '../../arch/arches.js';
import type { Instruction } from '../instruction.js';
import { lex } from './lexer.js';
import { parse } from './parser.js';
import { generate } from './codegen.js';

export { resolveSyscallWord } from './parser.js';

export interface AssembleOptions {
  /** Arch for syscall names and the word order of 64-bit fields. */
  arch: ArchInfo;
  /** Overrides the arch's byte order for `>> 32` halves. */
  endian?: Endian;
  /** File name for error messages (default `<inline>`). */
  file?: string;
}

/** Assembles source text. Throws {@link AsmError} with `file:line:col` on bad input. */
export function assemble(source: string, options: AssembleOptions): Instruction[] {
  const file = options.file ?? '<inline>';
  const stmts = parse(lex(source, file), { arch: options.arch, endian: options.endian, file });
  return generate(stmts, file);
}
