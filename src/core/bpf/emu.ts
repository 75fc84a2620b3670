/**
 * Emulation of a filter on one syscall, formatted like `seccomp-tools emu`:
 * the disassembly, a blank line and `return ACTION at line NNNN`. Runs on the
 * interpreter ({@link traceProgram}); adds what seccomp-tools lacks: a marker
 * column for the executed path that does not rely on colour, and a JSON view.
 */
import type { ArchInfo, Endian } from '../arch/arches.js';
import { BpfError } from '../errors.js';
import type { SeccompData } from './data.js';
import { DISASM_HEADER, disassembleLines, formatDisasmLine, returnLabel } from './disasm.js';
import type { Instruction } from './instruction.js';
import { traceProgram } from './interpreter.js';

/** The outcome of one emulated run. */
export interface EmuResult {
  /** The filter's 32-bit return value. */
  action: number;
  /** The action as disasm prints it (`ALLOW`, `ERRNO(5)`, `TRAP(1)`, ...). */
  label: string;
  /** Index of the instruction that returned. */
  returnLine: number;
  /** Executed instruction indexes, in order. */
  path: number[];
  /** True if the run ended dividing by X = 0 (the kernel returns KILL_THREAD there). */
  divByZero: boolean;
}

/** Runs `program` on `data`. Throws a {@link BpfError} naming the instruction if the program faults. */
export function emulate(program: readonly Instruction[], data: SeccompData, endian: Endian): EmuResult {
  const t = traceProgram(program, data, endian);
  if (!t.ok) {
    throw new BpfError(t.error.code, t.error.message, { location: { pc: t.error.pc }, kind: 'input' });
  }
  return { action: t.action >>> 0, label: returnLabel(t.action), returnLine: t.returnPc, path: t.path, divByZero: t.divByZero };
}

export interface EmuFormatOptions {
  arch: ArchInfo;
  endian?: Endian;
  /** Only the result line (`-q`). */
  quiet?: boolean;
  /** Mark executed lines with `*` in the first column and never omit lines. */
  trace?: boolean;
}

/** The text `seccomp-tools emu` prints (without colour), or the marked trace with `trace`. */
export function formatEmu(program: readonly Instruction[], result: EmuResult, options: EmuFormatOptions): string {
  const tail = `return ${result.label} at line ${result.returnLine.toString().padStart(4, '0')}\n`;
  if (options.quiet) return tail;
  const lines = disassembleLines(program, { arch: options.arch, endian: options.endian });
  const executed = new Set(result.path);
  let shown = lines.map((l) => {
    const text = formatDisasmLine(l, true);
    return options.trace && executed.has(l.line) ? '*' + text.slice(1) : text;
  });
  if (!options.trace) {
    const keep = result.returnLine + 6;
    const rest = shown.length - keep;
    if (rest > 3) shown = [...shown.slice(0, keep), `... (omitting ${rest} lines)`];
  }
  return DISASM_HEADER + shown.join('\n') + '\n\n' + tail;
}
