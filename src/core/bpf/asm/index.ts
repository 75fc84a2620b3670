/**
 * The assembler: seccomp-tools' assembly language (and disasm output) to a
 * classic BPF program. `assemble(source, { arch })` returns instructions;
 * encode them with `encodeProgram(program, arch.endian)` or `formatProgram`.
 * `assembleSeccompTools` is `seccomp-tools asm` 1.7.1 itself (compat mode).
 */
import type { ArchInfo } from '../../arch/arches.js';
import type { Instruction } from '../instruction.js';
import { assembleSyswall } from './assembler.js';
import { resolveSyscallName } from './scanner.js';

export { assembleSeccompTools } from './assembler.js';

export interface AssembleOptions {
  /** Arch for syscall names and the word order of 64-bit fields. */
  arch: ArchInfo;
  /** File name for error messages (default `<inline>`). */
  file?: string;
}

/** Assembles source text. Throws {@link AsmError} with `file:line:col` on bad input. */
export function assemble(source: string, options: AssembleOptions): Instruction[] {
  return assembleSyswall(source, options);
}

/**
 * Resolves a syscall word as the assembler does (`read`, `x32_read`,
 * `i386.open`, seccomp-tools' aliases): the number, an error message, or
 * undefined when the word is no syscall name.
 */
export function resolveSyscallWord(word: string, arch: ArchInfo): number | { error: string; hint?: string } | undefined {
  const r = resolveSyscallName(word, arch);
  return r === undefined ? undefined : 'nr' in r ? r.nr : r;
}
