import type { Command, CommandContext } from '../command.js';
import { stringOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { assemble } from '../../core/bpf/asm/index.js';
import { encodeProgram } from '../../core/bpf/codec.js';
import { formatProgram, resolveOutputFormat, OUTPUT_FORMATS } from '../../core/bpf/formats.js';
import { hostArch } from '../../node/host.js';
import { readTextInput, writeOutput } from '../io.js';

export const command: Command = {
  name: 'asm',
  summary: 'assemble seccomp-tools-style assembly (or disasm output) to BPF',
  usage: `Usage: syswall asm FILE [-o OUT] [--arch ARCH] [--format FORMAT]

Assembles seccomp-tools' assembly language: A/X/mem[] assignments, ALU
operations, return ACTION[(n)], goto/jmp/jump, if (COND) goto T [else goto F],
A CMP V ? T : F, labels (also numeric), next, syscall names (x32_NAME,
ARCH.NAME), ARCH_* constants. \`syswall disasm\` output (with or without the
columns) assembles back to the same bytes. FILE "-" reads stdin.

Formats: raw, hex (one instruction per line), inspect (Ruby string, as
seccomp-tools prints by default), c_array, c_source, assembly (x86_64, x86,
aarch64). Default: raw with -o or when stdout is not a terminal, hex on a
terminal.

Options:
  -a, --arch ARCH      arch for syscall names and byte order (default: this machine's)
  -f, --format FORMAT  output format (${OUTPUT_FORMATS.join(', ')})
  -o, --output OUT     write to OUT instead of stdout
  -h, --help           show this help

Examples:
  syswall asm examples/sample.asm -o sample.bpf
  syswall asm filter.asm --arch aarch64 --format c_source`,
  options: {
    arch: { type: 'string', short: 'a' },
    format: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
  },
  run(ctx: CommandContext) {
    if (ctx.positionals.length !== 1) throw new UsageError(`asm: expected exactly one FILE, got ${ctx.positionals.length}`, 'see `syswall asm --help`');
    const path = ctx.positionals[0];
    const archName = stringOpt(ctx, 'arch');
    const arch = archName ? resolveArch(archName) : hostArch();
    const out = stringOpt(ctx, 'output');
    const fmtName = stringOpt(ctx, 'format');
    const format = fmtName ? resolveOutputFormat(fmtName) : out || !ctx.stdout.isTTY ? 'raw' : 'hex';
    const source = readTextInput(path);
    const program = assemble(source, { arch, file: path === '-' ? '<stdin>' : path });
    const result = formatProgram(encodeProgram(program, arch.endian), format, arch);
    if (out) writeOutput(out, result);
    else ctx.stdout.write(result);
    return 0;
  },
};
