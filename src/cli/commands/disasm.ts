import type { Command, CommandContext } from '../command.js';
import { flag, stringOpt } from '../command.js';
import { resolveArch, type ArchInfo, type Endian } from '../../core/arch/arches.js';
import { checkJumpRange, disassemble, disassembleLines, inferArch } from '../../core/bpf/disasm.js';
import type { Instruction } from '../../core/bpf/instruction.js';
import { BpfError } from '../../core/errors.js';
import type { InputKindOption } from '../../core/formats/door.js';
import { loadInput } from '../../core/input/load.js';
import { inputKindOf } from '../input.js';
import { hostArch } from '../../node/host.js';
import { baseProfileResolver, hostContext, includeResolver } from '../../node/input-files.js';
import { readInput, writeOutput } from '../io.js';
import { stDisassemble } from '../../core/bpf/compat/disasm.js';
import { BPF_MAXINSNS as MAX_INSTRUCTIONS } from '../../core/bpf/constants.js';
import { COMPAT_HELP, COMPAT_OPTIONS, compatArch, compatMode, differencesHelp, reportCompatError } from '../sectools-compat.js';

/** A raw program loaded from a file, with the arch and byte order it is read in. */
export interface LoadedProgram {
  program: Instruction[];
  arch: ArchInfo;
  endian: Endian;
}

/**
 * Reads FILE through the one input door: a raw filter (struct
 * sock_filter[]), its hex text, seccomp-tools assembly, or a policy in any
 * dialect (compiled with the defaults every command uses). The byte order of
 * raw bytes is the arch's when --arch is given (a mismatch is an error), else
 * detected; the default arch is --arch, else the arch the program checks,
 * else the host's. Empty, partial and out-of-range programs are refused with
 * one-line errors; `maxInstructions` (default: the kernel's 4,096) bounds
 * the program.
 */
export function loadProgram(path: string, archName: string | undefined, opts: { maxInstructions?: number; kind?: InputKindOption; name?: string; thread?: string } = {}): LoadedProgram {
  const file = path === '-' ? '<stdin>' : path;
  const given = archName ? resolveArch(archName) : undefined;
  const loaded = loadInput(readInput(path), {
    file,
    context: hostContext(given ? { arch: given.name } : {}),
    ...(given ? { programArch: given } : {}),
    readFile: includeResolver(),
    resolveBase: baseProfileResolver(),
    ...(opts.maxInstructions !== undefined ? { maxInstructions: opts.maxInstructions } : {}),
    ...(opts.kind ? { kind: opts.kind } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.thread !== undefined ? { thread: opts.thread } : {}),
  });
  const program = loaded.program;
  const endian: Endian = loaded.endian;
  checkJumpRange(program, file);
  const arch = given ?? (loaded.compiled ? loaded.compiled.arches[0] : inferArch(program, hostArch(), endian));
  return { program, arch, endian };
}

/** --input, --name and --thread, as loadProgram takes them (disasm and emu). */
export function selectorsOf(ctx: CommandContext): { kind?: InputKindOption; name?: string; thread?: string } {
  const kind = inputKindOf(ctx);
  const name = stringOpt(ctx, 'name');
  const thread = stringOpt(ctx, 'thread');
  return { ...(kind ? { kind } : {}), ...(name !== undefined ? { name } : {}), ...(thread !== undefined ? { thread } : {}) };
}

export const command: Command = {
  name: 'disasm',
  summary: 'disassemble a raw BPF filter (seccomp-tools\' listing, richer; --compat seccomp-tools for its output)',
  usage: `Usage: syswall disasm FILE [--arch ARCH] [--no-bpf] [--no-arg-infer] [--asm-able] [--json] [-o OUT]
       syswall disasm FILE --compat seccomp-tools [--arch ARCH] [--no-bpf] [--no-arg-infer] [--asm-able] [-o OUT]

Prints a raw seccomp filter (struct sock_filter[], 8 bytes per instruction;
hex text, assembly and policies in any dialect are accepted too, read by
the same door as every command, policies compiled with the same defaults)
in seccomp-tools' layout: a header, then " NNNN: 0xCC 0xJT 0xJF 0xKKKKKKKK
pseudo-code" per line. Syscall names come from the arch each branch checked
(prefixed "<arch>." when it differs from --arch); argument names are
inferred per syscall. The output is valid input for \`syswall asm\`, which
gives the bytes back. FILE "-" reads stdin.

How the default listing differs from seccomp-tools 1.7.1, which --compat
seccomp-tools prints instead (for a raw FILE); one example line of each:
${differencesHelp('disasm')}

Options:
  -a, --arch ARCH     default arch for names and byte order (default: the arch
                      the program checks, else this machine's)
      --no-bpf        omit the header and the CODE/JT/JF/K columns
      --no-arg-infer  print args[i] instead of inferred argument names
      --asm-able      same as --no-bpf --no-arg-infer
      --json          print JSON: arch, byte order and one object per instruction
      --input KIND    read FILE as KIND (raw, hex, asm or a policy dialect) instead of detecting it
      --name NAME     SPO input: the profile's name (a file with several)
      --thread NAME   Firecracker input: the thread's filter (vmm, api, vcpu...)
${COMPAT_HELP}
  -o, --output OUT    write to OUT instead of stdout
  -h, --help          show this help

Examples:
  syswall disasm examples/sample.bpf
  syswall disasm filter.bpf --arch s390x --asm-able > filter.asm
  syswall disasm filter.bpf --compat seccomp-tools -a amd64`,
  options: {
    input: { type: 'string' },
    name: { type: 'string' },
    thread: { type: 'string' },
    arch: { type: 'string', short: 'a' },
    'no-bpf': { type: 'boolean' },
    'no-arg-infer': { type: 'boolean' },
    'asm-able': { type: 'boolean' },
    json: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    ...COMPAT_OPTIONS,
  },
  run(ctx: CommandContext) {
    if (ctx.positionals.length !== 1) {
      throw new BpfError('USAGE', `disasm: expected exactly one FILE, got ${ctx.positionals.length}`, { hint: 'see `syswall disasm --help`' });
    }
    const asmAble = flag(ctx, 'asm-able');
    const bpf = !(asmAble || flag(ctx, 'no-bpf'));
    const argInfer = !(asmAble || flag(ctx, 'no-arg-infer'));
    const out = stringOpt(ctx, 'output');
    let text: string;
    if (compatMode(ctx, 'disasm')) {
      const arch = compatArch(ctx, 'disasm');
      const bytes = readInput(ctx.positionals[0]);
      try {
        // Colour as seccomp-tools: on a terminal, never into a file.
        text = stDisassemble(bytes, { arch, bpf, argInfer, color: Boolean(ctx.stdout.isTTY) && !out });
      } catch (e) {
        return reportCompatError(ctx, e);
      }
    } else {
      const { program, arch, endian } = loadProgram(ctx.positionals[0], stringOpt(ctx, 'arch'), { maxInstructions: Infinity, ...selectorsOf(ctx) });
      if (program.length > MAX_INSTRUCTIONS) ctx.stderr.write(`syswall: warning: ${program.length} instructions; the kernel accepts at most ${MAX_INSTRUCTIONS}, so this filter never loads\n`);
      const opts = { arch, endian, bpf, argInfer };
      text = flag(ctx, 'json')
        ? JSON.stringify({ arch: arch.name, endian, instructions: disassembleLines(program, opts) }, null, 2) + '\n'
        : disassemble(program, opts);
    }
    if (out) writeOutput(out, text);
    else ctx.stdout.write(text);
    return 0;
  },
};
