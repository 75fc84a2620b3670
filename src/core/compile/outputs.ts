/**
 * Output formats of a compiled filter:
 *
 * - `raw`: `struct sock_filter[]` bytes in the filter's byte order (the
 *   arch's: s390x, ppc64 and big-endian MIPS get big-endian code and k).
 * - `c`: a C source fragment with the kernel macro spellings
 *   (`BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ...)`, `BPF_JUMP(...)`,
 *   `SECCOMP_RET_*`), one instruction per line with its pseudo-code as a
 *   comment, and a `struct sock_fprog`. Arch tokens and syscall numbers are
 *   written as numbers (with names in comments) so the file compiles for any
 *   target, whatever its headers define.
 * - `hex`: one instruction (8 bytes, file byte order) per line.
 * - `json`: arches, byte order, flags, the instruction list (with
 *   pseudo-code) and, when given, the statistics.
 * - `pfc`: pseudo filter code (see pfc.ts).
 * - `disasm`: seccomp-tools' disassembly listing.
 */
import * as C from '../bpf/constants.js';
import { actionInfoOf } from '../bpf/actions.js';
import { encodeProgram } from '../bpf/codec.js';
import { disassemble, disassembleLines } from '../bpf/disasm.js';
import { hexText } from '../bpf/formats.js';
import { bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfRetSrc, bpfSize, bpfSrc, isConditionalJump, type Instruction } from '../bpf/instruction.js';
import { SyswallError } from '../errors.js';
import type { CompiledFilter } from './compile.js';
import { filterToPfc } from './pfc.js';
import type { ProgramStats } from './stats.js';

/** Formats {@link formatFilter} writes. */
export const FILTER_FORMATS = ['raw', 'c', 'hex', 'json', 'pfc', 'disasm'] as const;
export type FilterFormat = (typeof FILTER_FORMATS)[number];

/** Options of {@link formatFilter}. */
export interface FilterFormatOptions {
  /** Statistics to include (json) or mention (c, pfc). */
  stats?: ProgramStats;
  /** Name of the C array (default `filter`). */
  cName?: string;
}

/** Kernel names of the seccomp_filter flag bits. */
export const FILTER_FLAG_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [C.SECCOMP_FILTER_FLAG_TSYNC]: 'SECCOMP_FILTER_FLAG_TSYNC',
  [C.SECCOMP_FILTER_FLAG_LOG]: 'SECCOMP_FILTER_FLAG_LOG',
  [C.SECCOMP_FILTER_FLAG_SPEC_ALLOW]: 'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  [C.SECCOMP_FILTER_FLAG_NEW_LISTENER]: 'SECCOMP_FILTER_FLAG_NEW_LISTENER',
  [C.SECCOMP_FILTER_FLAG_TSYNC_ESRCH]: 'SECCOMP_FILTER_FLAG_TSYNC_ESRCH',
  [C.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV]: 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
});

/** Names of the flag bits set in `flags`. */
export function filterFlagNames(flags: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = 2 ** i;
    if (Math.floor((flags >>> 0) / bit) % 2) out.push(FILTER_FLAG_NAMES[bit] ?? `0x${bit.toString(16)}`);
  }
  return out;
}

/** Renders a compiled filter. `raw` returns bytes, the others text ending in a newline. */
export function formatFilter(filter: CompiledFilter, format: FilterFormat | string, options: FilterFormatOptions = {}): string | Uint8Array {
  switch (format) {
    case 'raw': return encodeProgram(filter.instructions, filter.endian);
    case 'hex': return hexText(encodeProgram(filter.instructions, filter.endian));
    case 'c': return filterToC(filter, options);
    case 'json': return filterToJson(filter, options);
    case 'pfc': return filterToPfc(filter);
    case 'disasm': return disassemble(filter.instructions, { arch: filter.arches[0], endian: filter.endian });
    default:
      throw new SyswallError('BAD_FORMAT', `unknown output format "${format}"`, { hint: `expected one of ${FILTER_FORMATS.join(', ')}` });
  }
}

const CLASS = ['BPF_LD', 'BPF_LDX', 'BPF_ST', 'BPF_STX', 'BPF_ALU', 'BPF_JMP', 'BPF_RET', 'BPF_MISC'];
const SIZE: Record<number, string> = { [C.BPF_W]: 'BPF_W', [C.BPF_H]: 'BPF_H', [C.BPF_B]: 'BPF_B' };
const MODE: Record<number, string> = { [C.BPF_IMM]: 'BPF_IMM', [C.BPF_ABS]: 'BPF_ABS', [C.BPF_IND]: 'BPF_IND', [C.BPF_MEM]: 'BPF_MEM', [C.BPF_LEN]: 'BPF_LEN', [C.BPF_MSH]: 'BPF_MSH' };
const ALU: Record<number, string> = {
  [C.BPF_ADD]: 'BPF_ADD', [C.BPF_SUB]: 'BPF_SUB', [C.BPF_MUL]: 'BPF_MUL', [C.BPF_DIV]: 'BPF_DIV', [C.BPF_OR]: 'BPF_OR', [C.BPF_AND]: 'BPF_AND',
  [C.BPF_LSH]: 'BPF_LSH', [C.BPF_RSH]: 'BPF_RSH', [C.BPF_NEG]: 'BPF_NEG', [C.BPF_MOD]: 'BPF_MOD', [C.BPF_XOR]: 'BPF_XOR',
};
const JMP: Record<number, string> = { [C.BPF_JA]: 'BPF_JA', [C.BPF_JEQ]: 'BPF_JEQ', [C.BPF_JGT]: 'BPF_JGT', [C.BPF_JGE]: 'BPF_JGE', [C.BPF_JSET]: 'BPF_JSET' };

/** The opcode as kernel macros, e.g. `BPF_JMP | BPF_JEQ | BPF_K`; undefined for codes outside classic BPF. */
export function opcodeMacro(code: number): string | undefined {
  if (code > 0xff) return undefined; // classic BPF codes are 8 bits
  const cls = bpfClass(code);
  const parts = [CLASS[cls]];
  switch (cls) {
    case C.BPF_LD:
    case C.BPF_LDX: {
      const size = SIZE[bpfSize(code)];
      const mode = MODE[bpfMode(code)];
      if (!size || !mode) return undefined;
      if (bpfMode(code) !== C.BPF_IMM || bpfSize(code) !== 0) parts.push(size);
      parts.push(mode);
      break;
    }
    case C.BPF_ST:
    case C.BPF_STX:
      if (bpfMiscOp(code)) return undefined; // no mode, size or op bits besides the class
      break;
    case C.BPF_ALU: {
      const op = ALU[bpfOp(code)];
      if (!op) return undefined;
      parts.push(op);
      if (bpfOp(code) !== C.BPF_NEG) parts.push(bpfSrc(code) === C.BPF_X ? 'BPF_X' : 'BPF_K');
      break;
    }
    case C.BPF_JMP: {
      const op = JMP[bpfOp(code)];
      if (!op) return undefined;
      parts.push(op);
      if (bpfOp(code) !== C.BPF_JA) parts.push(bpfSrc(code) === C.BPF_X ? 'BPF_X' : 'BPF_K');
      break;
    }
    case C.BPF_RET: {
      const src = bpfRetSrc(code);
      parts.push(src === C.BPF_A ? 'BPF_A' : src === C.BPF_X ? 'BPF_X' : 'BPF_K');
      break;
    }
    case C.BPF_MISC:
      parts.push(bpfMiscOp(code) === C.BPF_TXA ? 'BPF_TXA' : 'BPF_TAX');
      break;
  }
  // Only accept spellings that reproduce the code exactly.
  const value = parts.reduce((v, p) => v | MACRO_VALUES[p], 0);
  return value === code ? parts.join(' | ') : undefined;
}

const MACRO_VALUES: Record<string, number> = Object.fromEntries([
  ...CLASS.map((n, i) => [n, i] as const),
  ...[SIZE, MODE, ALU, JMP].flatMap((m) => Object.entries(m).map(([v, n]) => [n, Number(v)] as const)),
  ['BPF_K', C.BPF_K], ['BPF_X', C.BPF_X], ['BPF_A', C.BPF_A], ['BPF_TAX', C.BPF_TAX], ['BPF_TXA', C.BPF_TXA],
]);

/** A return value as macros: `SECCOMP_RET_ERRNO | 38`, `SECCOMP_RET_ALLOW`. */
export function retMacro(k: number): string {
  const info = actionInfoOf(k);
  if (!info) return '0x' + (k >>> 0).toString(16);
  const data = k & C.SECCOMP_RET_DATA;
  return data ? `${info.macro} | ${data}` : info.macro;
}

function kText(ins: Instruction): string {
  const cls = bpfClass(ins.code);
  const k = ins.k >>> 0;
  if (cls === C.BPF_RET && bpfRetSrc(ins.code) === C.BPF_K) return retMacro(k);
  if ((cls === C.BPF_LD || cls === C.BPF_LDX) && bpfMode(ins.code) === C.BPF_ABS) {
    if (k === C.SECCOMP_DATA_NR) return 'offsetof(struct seccomp_data, nr)';
    if (k === C.SECCOMP_DATA_ARCH) return 'offsetof(struct seccomp_data, arch)';
    return String(k);
  }
  return k > 0xffff ? '0x' + k.toString(16) : String(k);
}

function cIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new SyswallError('BAD_C_NAME', `"${name}" is not a C identifier`);
  return name;
}

/** C source: `struct sock_filter NAME[] = { BPF_STMT(...), BPF_JUMP(...) };` and `struct sock_fprog NAME_prog`. */
export function filterToC(filter: CompiledFilter, options: FilterFormatOptions = {}): string {
  const name = cIdent(options.cName ?? 'filter');
  const text = disassembleLines(filter.instructions, { arch: filter.arches[0], endian: filter.endian, bpf: false });
  const flags = filterFlagNames(filter.flags);
  const out: string[] = [
    `/*`,
    ` * seccomp filter generated by syswall compile: ${filter.instructions.length} instructions,`,
    ` * arches ${filter.arches.map((a) => a.name).join(', ')} (${filter.endian}-endian targets).`,
    ` * Load with prctl(PR_SET_NO_NEW_PRIVS, 1) then seccomp(SECCOMP_SET_MODE_FILTER, ${flags.length ? flags.join(' | ') : '0'}, &${name}_prog)`,
    ` * (or prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &${name}_prog) when no flags are needed).`,
    ` */`,
    '#include <stddef.h>',
    '#include <linux/filter.h>',
    '#include <linux/seccomp.h>',
    '',
    `static struct sock_filter ${name}[] = {`,
  ];
  filter.instructions.forEach((ins, i) => {
    const macro = opcodeMacro(ins.code);
    const code = macro ?? `0x${ins.code.toString(16)}`;
    const isCond = isConditionalJump(ins);
    const body = isCond ? `BPF_JUMP(${code}, ${kText(ins)}, ${ins.jt}, ${ins.jf})` : `BPF_STMT(${code}, ${kText(ins)})`;
    const comment = text[i].text.replace(/\*\//g, '* /');
    out.push(`\t/* ${String(i).padStart(4, '0')} */ ${body},${' '.repeat(Math.max(1, 72 - body.length))}/* ${comment} */`);
  });
  out.push('};', '', `static struct sock_fprog ${name}_prog = {`, `\t.len = (unsigned short)(sizeof(${name}) / sizeof(${name}[0])),`, `\t.filter = ${name},`, '};', '');
  return out.join('\n');
}

/** The JSON document of `--format json`. */
export interface FilterJson {
  format: 'syswall-filter';
  version: 1;
  arches: string[];
  endian: string;
  flags: number;
  flagNames: string[];
  noNewPrivs: boolean;
  usesNotify: boolean;
  length: number;
  instructions: { code: number; jt: number; jf: number; k: number; text: string }[];
  warnings: string[];
  stats?: ProgramStats;
}

/** The filter as a JSON object (see {@link FilterJson}). */
export function filterToJsonObject(filter: CompiledFilter, options: FilterFormatOptions = {}): FilterJson {
  const lines = disassembleLines(filter.instructions, { arch: filter.arches[0], endian: filter.endian, bpf: false });
  const out: FilterJson = {
    format: 'syswall-filter',
    version: 1,
    arches: filter.arches.map((a) => a.name),
    endian: filter.endian,
    flags: filter.flags,
    flagNames: filterFlagNames(filter.flags),
    noNewPrivs: filter.noNewPrivs,
    usesNotify: filter.usesNotify,
    length: filter.instructions.length,
    instructions: filter.instructions.map((ins, i) => ({ code: ins.code, jt: ins.jt, jf: ins.jf, k: ins.k >>> 0, text: lines[i].text })),
    warnings: [...filter.warnings],
  };
  if (options.stats) out.stats = options.stats;
  return out;
}

/** `--format json` text. */
export function filterToJson(filter: CompiledFilter, options: FilterFormatOptions = {}): string {
  return JSON.stringify(filterToJsonObject(filter, options), null, 2) + '\n';
}
