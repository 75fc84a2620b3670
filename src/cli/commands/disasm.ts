import type { Command, CommandContext } from '../command.js';
import { flag, stringOpt } from '../command.js';
import { resolveArch, type ArchInfo, type Endian } from '../../core/arch/arches.js';
import { decodeProgram, guessEndian } from '../../core/bpf/codec.js';
import { checkJumpRange, disassemble, disassembleLines, inferArch } from '../../core/bpf/disasm.js';
import { parseHexText } from '../../core/bpf/formats.js';
import type { Instruction } from '../../core/bpf/instruction.js';
import { BpfError } from '../../core/errors.js';
import { hostArch } from '../../node/host.js';
import { readInput, writeOutput } from '../io.js';

/** A raw program loaded from a file, with the arch and byte order it is read in. */
export interface LoadedProgram {
  program: Instruction[];
  arch: ArchInfo;
  endian: Endian;
}

/**
 * Reads a BPF file (raw `struct sock_filter[]`, or hex text as written by
 * `syswall asm --format hex`), picks the byte order (the arch's when --arch is
 * given, else detected) and the default arch (--arch, else the arch the
 * program checks, else the host's). Rejects empty files, partial
 * instructions, wrong-endian files and out-of-range jumps with one-line errors.
 */
export function loadProgram(path: string, archName: string | undefined): LoadedProgram {
  let bytes = readInput(path);
  const file = path === '-' ? '<stdin>' : path;
  if (bytes.length > 0 && !bytes.includes(0)) {
    const fromHex = parseHexText(new TextDecoder().decode(bytes));
    if (fromHex) bytes = fromHex;
  }
  const guessed = guessEndian(bytes);
  let arch: ArchInfo | undefined;
  let endian: Endian;
  if (archName) {
    arch = resolveArch(archName);
    endian = arch.endian;
    if (guessed && guessed !== endian && bytes.length % 8 === 0) {
      throw new BpfError('BPF_WRONG_ENDIAN', `${file}: the program looks ${guessed}-endian, but ${arch.name} is ${endian}-endian`, {
        hint: guessed === 'big' ? 'pass the arch it was made for, e.g. --arch s390x (or ppc64, mips)' : 'pass the arch it was made for, e.g. --arch x86_64 (or aarch64)',
      });
    }
  } else {
    endian = guessed ?? hostArch().endian;
  }
  const program = decodeProgram(bytes, { endian, file });
  checkJumpRange(program, file);
  if (!arch) arch = inferArch(program, hostArch(), endian);
  return { program, arch, endian };
}

export const command: Command = {
  name: 'disasm',
  summary: 'disassemble a raw BPF filter in seccomp-tools\' format',
  usage: `Usage: syswall disasm FILE [--arch ARCH] [--no-bpf] [--no-arg-infer] [--asm-able] [--json] [-o OUT]

Prints a raw seccomp filter (struct sock_filter[], 8 bytes per instruction;
hex text is accepted too) as seccomp-tools 1.7 does, byte for byte: a
header, then " NNNN: 0xCC 0xJT 0xJF 0xKKKKKKKK  pseudo-code" per line.
Syscall names come from the arch each branch checked (prefixed "<arch>."
when it differs from --arch); argument names are inferred per syscall.
The output is valid input for \`syswall asm\`, which gives the bytes back.
FILE "-" reads stdin.

Options:
  -a, --arch ARCH     default arch for names and byte order (default: the arch
                      the program checks, else this machine's)
      --no-bpf        omit the header and the CODE/JT/JF/K columns
      --no-arg-infer  print args[i] instead of inferred argument names
      --asm-able      same as --no-bpf --no-arg-infer
      --json          print JSON: arch, byte order and one object per instruction
  -o, --output OUT    write to OUT instead of stdout
  -h, --help          show this help

Examples:
  syswall disasm examples/sample.bpf
  syswall disasm filter.bpf --arch s390x --asm-able > filter.asm`,
  options: {
    arch: { type: 'string', short: 'a' },
    'no-bpf': { type: 'boolean' },
    'no-arg-infer': { type: 'boolean' },
    'asm-able': { type: 'boolean' },
    json: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  },
  run(ctx: CommandContext) {
    if (ctx.positionals.length !== 1) {
      throw new BpfError('USAGE', `disasm: expected exactly one FILE, got ${ctx.positionals.length}`, { hint: 'see `syswall disasm --help`' });
    }
    const { program, arch, endian } = loadProgram(ctx.positionals[0], stringOpt(ctx, 'arch'));
    const asmAble = flag(ctx, 'asm-able');
    const opts = { arch, endian, bpf: !(asmAble || flag(ctx, 'no-bpf')), argInfer: !(asmAble || flag(ctx, 'no-arg-infer')) };
    const text = flag(ctx, 'json')
      ? JSON.stringify({ arch: arch.name, endian, instructions: disassembleLines(program, opts) }, null, 2) + '\n'
      : disassemble(program, opts);
    const out = stringOpt(ctx, 'output');
    if (out) writeOutput(out, text);
    else ctx.stdout.write(text);
    return 0;
  },
};
