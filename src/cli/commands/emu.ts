import type { Command, CommandContext } from '../command.js';
import { flag, stringOpt, UsageError } from '../command.js';
import { findArch, type ArchInfo } from '../../core/arch/arches.js';
import { syscallName } from '../../core/arch/syscalls.js';
import { resolveSyscallWord } from '../../core/bpf/asm/index.js';
import { emulate, formatEmu } from '../../core/bpf/emu.js';
import { SyscallResolveError } from '../../core/errors.js';
import { BPF_MAXINSNS as MAX_INSTRUCTIONS } from '../../core/bpf/constants.js';
import { parseBigUint } from '../../core/util/numbers.js';
import { loadProgram, selectorsOf } from './disasm.js';
import { optparseInteger, rubyInteger, stEmulate } from '../../core/bpf/compat/emu.js';
import { stSyscalls } from '../../core/bpf/compat/tables.js';
import { SeccompToolsError } from '../../core/bpf/compat/errors.js';
import { readInput } from '../io.js';
import { COMPAT_HELP, COMPAT_OPTIONS, compatArch, compatMode, differencesHelp, reportCompatError } from '../sectools-compat.js';
import type { CommandContext as Ctx } from '../command.js';

function resolveSyscall(text: string, arch: ArchInfo): { nr: number; arch: ArchInfo } {
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) return { nr: Number(parseBigUint(text, 32, 'syscall number')), arch };
  const r = resolveSyscallWord(text, arch);
  if (typeof r === 'number') {
    const dot = text.indexOf('.');
    return { nr: r, arch: dot >= 0 ? findArch(text.slice(0, dot)) ?? arch : arch };
  }
  throw new SyscallResolveError('UNKNOWN_SYSCALL', r ? r.error : `unknown syscall '${text}' on ${arch.name}`, {
    hint: r?.hint ?? 'give a syscall name of the arch or a number (decimal or 0x hex)',
  });
}

export const command: Command = {
  name: 'emu',
  summary: 'run a filter on one syscall and show the path and the action',
  usage: `Usage: syswall emu FILE SYSCALL [ARG0..ARG5] [--arch ARCH] [--ip N] [--trace] [--json] [-q]
       syswall emu FILE [SYSCALL [ARG0..ARG5]] --compat seccomp-tools [--arch ARCH] [--ip N] [-q]

Runs a filter on one hypothetical syscall, like seccomp-tools emu (FILE is a
raw filter, hex, assembly, or a policy in any dialect, compiled first):
prints the disassembly, a blank line and "return ACTION at line NNNN". SYSCALL
is a name of the arch (also x32_NAME, ARCH.NAME) or a number; arguments are
64-bit, decimal or 0x hex, negative values allowed (-1 = 0xffffffffffffffff).
Missing arguments are 0; operands may follow "--". seccomp_data.arch is the arch's AUDIT value. The
listing shows 6 lines past the returning one, then "... (omitting N lines)"
when more than 3 remain, as seccomp-tools does.

With --compat seccomp-tools the output is seccomp-tools 1.7.1's: its listing
and action names (TRAP and TRACE without their data), numbers in Ruby's
Integer syntax (0x, 0b, 0o, a leading 0 for octal, 1_000), and a field the
filter loads but the command line did not give (SYSCALL, an argument, --ip)
is an error, "Undefined Variable"; a negative number before "--" is refused
as seccomp-tools' option parser refuses it ("invalid option: -1"), after
"--" it is read. Shifts keep the kernel's behaviour: by X,
the low 5 bits of X (seccomp-tools: all of X); by a constant of 32 or more,
refused (the kernel does not load such a filter; seccomp-tools: 0).

How the default mode's output differs from seccomp-tools 1.7.1, which
--compat seccomp-tools prints instead; one example line of each:
${differencesHelp('emu')}

Options:
  -a, --arch ARCH   arch of the syscall (default: the arch the program checks, else this machine's)
  -i, --ip N        instruction pointer (default 0)
      --trace       mark executed lines with "*" in the first column, show every line
      --json        print JSON: input, action, return line and executed path
  -q, --quiet       print only the result line
      --input KIND  read FILE as KIND (raw, hex, asm or a policy dialect, compiled
                    with the defaults) instead of detecting it
      --name NAME   SPO input: the profile's name (a file with several)
      --thread NAME Firecracker input: the thread's filter (vmm, api, vcpu...)
${COMPAT_HELP}
  -h, --help        show this help

Examples:
  syswall emu examples/sample.bpf write 1
  syswall emu examples/sample.bpf openat -100 0x7ffd0000 2 --trace`,
  options: {
    arch: { type: 'string', short: 'a' },
    ip: { type: 'string', short: 'i' },
    trace: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    input: { type: 'string' },
    name: { type: 'string' },
    thread: { type: 'string' },
    ...COMPAT_OPTIONS,
  },
  numericOperands: true,
  separateRest: true,
  run(ctx: CommandContext) {
    if (compatMode(ctx, 'emu')) return runCompat(ctx);
    const [file, sys, ...argTexts] = operands(ctx);
    if (!file || !sys) throw new UsageError('emu: expected FILE and SYSCALL', 'see `syswall emu --help`');
    if (argTexts.length > 6) throw new UsageError(`emu: at most 6 syscall arguments, got ${argTexts.length}`);
    const { program, arch, endian } = loadProgram(file, stringOpt(ctx, 'arch'), selectorsOf(ctx));
    const { nr, arch: dataArch } = resolveSyscall(sys, arch);
    const args = argTexts.map((t, i) => parseBigUint(t, 64, `argument ${i}`));
    const ipText = stringOpt(ctx, 'ip');
    const ip = ipText === undefined ? 0n : parseBigUint(ipText, 64, '--ip');
    const result = emulate(program, { nr, arch: dataArch.token, ip, args }, endian);
    if (flag(ctx, 'json')) {
      const hex = (v: bigint) => '0x' + v.toString(16);
      ctx.stdout.write(JSON.stringify({
        arch: dataArch.name,
        syscall: { nr, name: syscallName(dataArch, nr) ?? null },
        args: Array.from({ length: 6 }, (_, i) => hex(args[i] ?? 0n)),
        ip: hex(ip),
        action: { value: '0x' + result.action.toString(16).padStart(8, '0'), label: result.label },
        returnLine: result.returnLine,
        path: result.path,
        divByZero: result.divByZero,
      }, null, 2) + '\n');
      return 0;
    }
    ctx.stdout.write(formatEmu(program, result, { arch, endian, quiet: flag(ctx, 'quiet'), trace: flag(ctx, 'trace') }));
    return 0;
  },
};

/** FILE, SYSCALL and the arguments: the operands before and after "--" (so `emu F read -- -1` gives -1). */
function operands(ctx: Ctx): string[] {
  return [...ctx.positionals, ...(ctx.rest ?? [])];
}

/** `seccomp-tools emu`, with its output (test/sectools-compat.test.ts). */
function runCompat(ctx: Ctx): number {
  // seccomp-tools' option parser takes "-1" before "--" for an option and refuses it (after "--" it is an argument).
  const negative = ctx.positionals.find((p) => p.length > 1 && p.startsWith('-'));
  if (negative !== undefined) return reportCompatError(ctx, new SeccompToolsError('ST_OPTION', `invalid option: ${negative}`));
  const [file, sys, ...argTexts] = operands(ctx);
  if (!file) throw new UsageError('emu: expected FILE [SYSCALL [ARG0..ARG5]]', 'see `syswall emu --help`');
  const arch = compatArch(ctx, 'emu');
  const bytes = readInput(file);
  if (bytes.length / 8 > MAX_INSTRUCTIONS) ctx.stderr.write(`syswall: warning: ${Math.floor(bytes.length / 8)} instructions; the kernel accepts at most ${MAX_INSTRUCTIONS}, so this filter never runs\n`);
  try {
    const ipText = stringOpt(ctx, 'ip');
    const ip = ipText === undefined ? undefined : optparseInteger(ipText, '--ip');
    const table = stSyscalls(arch).byName;
    const nr = sys === undefined ? undefined : table.has(sys) ? BigInt(table.get(sys)!) : rubyInteger(sys);
    const args = argTexts.map(rubyInteger);
    if (args.length > 6) ctx.stderr.write(`syswall: warning: a syscall has 6 arguments; the ${args.length - 6} after the sixth are ignored\n`);
    ctx.stdout.write(stEmulate(bytes, { arch, nr, args, ip }, flag(ctx, 'quiet'), Boolean(ctx.stdout.isTTY)));
    return 0;
  } catch (e) {
    return reportCompatError(ctx, e);
  }
}
