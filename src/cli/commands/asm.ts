import type { Command, CommandContext } from '../command.js';
import { stringOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { assemble, assembleSeccompTools } from '../../core/bpf/asm/index.js';
import { BPF_MAXINSNS as MAX_INSTRUCTIONS } from '../../core/bpf/constants.js';
import { encodeProgram } from '../../core/bpf/codec.js';
import { ST_FORMATS, stFormat, type StFormat } from '../../core/bpf/compat/formats.js';
import { stDecode, stDecodeOp } from '../../core/bpf/compat/disasm.js';
import type { Instruction } from '../../core/bpf/instruction.js';
import { formatProgram, resolveOutputFormat, OUTPUT_FORMATS } from '../../core/bpf/formats.js';
import { hostArch } from '../../node/host.js';
import { readInput, readTextInput, writeOutput } from '../io.js';
import { COMPAT_HELP, COMPAT_OPTIONS, compatArch, compatMode, differencesHelp, reportCompatError } from '../sectools-compat.js';

export const command: Command = {
  name: 'asm',
  summary: 'assemble seccomp-tools-style assembly (or disasm output) to BPF',
  usage: `Usage: syswall asm FILE [-o OUT] [--arch ARCH] [--format FORMAT]
       syswall asm FILE --compat seccomp-tools [-o OUT] [--arch ARCH] [--format FORMAT]

Assembles seccomp-tools' assembly language: A/X/mem[] assignments, ALU
operations, return ACTION[(n)], goto/jmp/jump, if (COND) goto T [else goto F]
(newlines allowed inside), A CMP V ? T : F, labels (also numeric), next,
syscall names (also seccomp-tools' spellings such as timerfd, madvise1,
newfstat; x32_NAME with the real x32 number; ARCH.NAME), args[i], args_h[i],
args[i] >> 32, ARCH_* constants. \`syswall disasm\` output (with or without
the columns) assembles back to the same bytes. FILE "-" reads stdin.

Refused with the line and column: constants that do not fit 32 bits
(4294967296, 0x1ffffffff; negative values down to -2147483648 wrap), action
data over 16 bits, jumps past the end, an empty source, and programs over
${MAX_INSTRUCTIONS} instructions (the kernel's limit).

With --compat seccomp-tools, the source is read as seccomp-tools 1.7.1
reads it (its syscall table, constants wrapped to 32 bits, its error
messages) and the default format is inspect, as in seccomp-tools. How the
default mode's bytes differ:
${differencesHelp('asm')}

Formats: raw, hex (one instruction per line), inspect (Ruby string, as
seccomp-tools prints by default), c_array (carray), c_source, assembly
(x86_64, x86, aarch64; with --compat: seccomp-tools' templates, amd64, i386
and s390x). Default: raw with -o or when stdout is not a terminal, hex on a
terminal.

Options:
  -a, --arch ARCH      arch for syscall names and byte order (default: this machine's)
  -f, --format FORMAT  output format (${OUTPUT_FORMATS.join(', ')})
${COMPAT_HELP}
  -o, --output OUT     write to OUT instead of stdout
  -h, --help           show this help

Examples:
  syswall asm examples/sample.asm -o sample.bpf
  syswall asm filter.asm --arch aarch64 --format c_source
  syswall asm filter.asm --compat seccomp-tools -a amd64 -f c_array`,
  options: {
    arch: { type: 'string', short: 'a' },
    format: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    ...COMPAT_OPTIONS,
  },
  run(ctx: CommandContext) {
    if (ctx.positionals.length !== 1) throw new UsageError(`asm: expected exactly one FILE, got ${ctx.positionals.length}`, 'see `syswall asm --help`');
    const path = ctx.positionals[0];
    const out = stringOpt(ctx, 'output');
    const fmtName = stringOpt(ctx, 'format');
    if (compatMode(ctx, 'asm')) return runCompat(ctx, path, out, fmtName);
    const archName = stringOpt(ctx, 'arch');
    const arch = archName ? resolveArch(archName) : hostArch();
    const format = fmtName ? resolveOutputFormat(fmtName) : out || !ctx.stdout.isTTY ? 'raw' : 'hex';
    const source = readTextInput(path);
    const program = assemble(source, { arch, file: path === '-' ? '<stdin>' : path });
    const result = formatProgram(encodeProgram(program, arch.endian), format, arch);
    if (out) writeOutput(out, result);
    else ctx.stdout.write(result);
    return 0;
  },
};

/** Indexes of instructions whose jump lands past the last instruction. */
function jumpsPastEnd(program: readonly Instruction[]): number[] {
  const out: number[] = [];
  program.forEach((ins, i) => {
    const op = stDecodeOp(ins.code);
    if ('invalid' in op) return;
    const targets = op.kind === 'ja' ? [i + 1 + ins.k] : op.kind === 'jcc' ? [i + 1 + ins.jt, i + 1 + ins.jf] : [];
    if (targets.some((t) => t >= program.length)) out.push(i);
  });
  return out;
}

/** `seccomp-tools asm`, with its output (test/sectools-compat.test.ts). */
function runCompat(ctx: CommandContext, path: string, out: string | undefined, fmtName: string | undefined): number {
  const arch = compatArch(ctx, 'asm');
  const format = (fmtName ?? 'inspect') as StFormat;
  if (!(ST_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`asm: invalid argument: --format ${fmtName}`, `with --compat seccomp-tools the formats are ${ST_FORMATS.join(', ')}`);
  }
  const text = Buffer.from(readInput(path)).toString('latin1');
  let result: string | Uint8Array;
  let n: number;
  let bytes: Uint8Array;
  try {
    bytes = assembleSeccompTools(text, { arch, file: path === '-' ? '<inline>' : path });
    n = bytes.length / 8;
    result = stFormat(bytes, format, arch);
  } catch (e) {
    return reportCompatError(ctx, e);
  }
  // seccomp-tools prints these silently; say what the kernel will think of them.
  if (n === 0) ctx.stderr.write('syswall: warning: the source has no statements: an empty program (the kernel refuses it)\n');
  if (n > MAX_INSTRUCTIONS) ctx.stderr.write(`syswall: warning: ${n} instructions; the kernel accepts at most ${MAX_INSTRUCTIONS}\n`);
  const past = jumpsPastEnd(stDecode(bytes, arch));
  if (past.length) ctx.stderr.write(`syswall: warning: instruction${past.length > 1 ? 's' : ''} ${past.slice(0, 5).join(', ')}${past.length > 5 ? ', ...' : ''} jump${past.length > 1 ? '' : 's'} past the end of the program (the kernel refuses it)\n`);
  const data = typeof result === 'string' ? Buffer.from(result, 'latin1') : result;
  if (out) writeOutput(out, data);
  else ctx.stdout.write(data);
  return 0;
}
