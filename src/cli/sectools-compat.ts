/**
 * `--compat seccomp-tools` for disasm, asm, emu and dump: the shared
 * option, arch resolution and error reporting, and the one list of how the
 * default mode differs from seccomp-tools. In compat mode a command's
 * standard output is what seccomp-tools 1.7.1 prints (test/sectools-compat.test.ts
 * compares it with the tool's recorded outputs and lists every case that
 * differs, with its reason); where
 * seccomp-tools raises, stderr gets its message (without the Ruby backtrace)
 * and the exit status is syswall's 2 (seccomp-tools exits 1).
 */
import { join, dirname, basename, extname } from 'node:path';
import type { CommandContext, OptionSpec } from './command.js';
import { stringOpt, UsageError } from './command.js';
import { SeccompToolsError } from '../core/bpf/compat/errors.js';
import { findStArch, stArchOf, ST_ARCHES, type StArch } from '../core/bpf/compat/tables.js';
import { hostArch } from '../node/host.js';

export const COMPAT_OPTIONS: OptionSpec = {
  compat: { type: 'string' },
};

export const COMPAT_HELP = `      --compat seccomp-tools
                      print what seccomp-tools 1.7.1 prints (its tables,
                      names and layout; the few exceptions are listed in
                      README "seccomp-tools")`;

/** True when `--compat seccomp-tools` was given; refuses any other value and `--json`. */
export function compatMode(ctx: CommandContext, cmd: string): boolean {
  const v = stringOpt(ctx, 'compat');
  if (v === undefined) return false;
  if (v !== 'seccomp-tools') throw new UsageError(`${cmd}: --compat expects "seccomp-tools", got "${v}"`);
  for (const o of ['json', 'trace']) {
    if (ctx.values[o] !== undefined) throw new UsageError(`${cmd}: --${o} has no seccomp-tools equivalent; drop it or --compat`);
  }
  const input = stringOpt(ctx, 'input');
  if (input !== undefined && input !== 'raw') throw new UsageError(`${cmd}: with --compat seccomp-tools FILE is raw BPF, as seccomp-tools reads it; --input ${input} needs the default mode`);
  return true;
}

/** The seccomp-tools arch for `--arch` (its names or syswall's spellings of the same five arches), else the host's. */
export function compatArch(ctx: CommandContext, cmd: string): StArch {
  const name = stringOpt(ctx, 'arch');
  const list = ST_ARCHES.join('|');
  if (name === undefined) {
    const a = stArchOf(hostArch());
    if (!a) throw new UsageError(`${cmd}: Could not detect the host architecture; specify one with --arch <${list}>.`);
    return a;
  }
  const a = findStArch(name);
  if (!a) throw new UsageError(`${cmd}: seccomp-tools has no architecture "${name}"`, `with --compat seccomp-tools, --arch is one of ${list} (or x86_64, x86, arm64)`);
  return a;
}

/** Reports an error of compat mode: seccomp-tools' own message verbatim, or syswall's words for a seccomp-tools crash. */
export function reportCompatError(ctx: CommandContext, e: unknown): number {
  if (!(e instanceof SeccompToolsError)) throw e;
  if (e.crash) {
    ctx.stderr.write(`syswall: error: ${e.message}\n`);
    if (e.hint) ctx.stderr.write(`hint: ${e.hint}\n`);
  } else {
    ctx.stderr.write(e.stMessage.endsWith('\n') ? e.stMessage : e.stMessage + '\n');
  }
  return 2;
}

/** seccomp-tools' name for the Nth output file: `out.bpf`, `out_1.bpf`, `out_2.bpf`, ... */
export function stFileOf(file: string, serial: number): string {
  if (serial === 0) return file;
  const ext = extname(file);
  return join(dirname(file), basename(file, ext) + `_${serial}`) + ext;
}

/**
 * How the default mode's output differs from seccomp-tools 1.7.1's (which
 * `--compat seccomp-tools` prints): one row per difference, each with one
 * example line of each mode. README's table and the commands' --help are
 * made of these rows; test/sectools-compat.test.ts runs every example in
 * both modes (each line appears in its own mode's output and not in the
 * other's) and checks README lists the same rows.
 */
export interface StDifference {
  id: string;
  command: 'disasm' | 'asm' | 'emu';
  what: string;
  /** A line of the default mode's output (stdout or the error line). */
  syswall: string;
  /** The line `--compat seccomp-tools` prints in its place (seccomp-tools' output or message). */
  seccompTools: string;
}

export const ST_DIFFERENCES: readonly StDifference[] = [
  { id: 'return-data', command: 'disasm', what: 'return data is shown for every action', syswall: 'return ALLOW(1)', seccompTools: 'return ALLOW' },
  { id: 'len', command: 'disasm', what: '`ld len` is printed as len', syswall: 'A = len', seccompTools: 'A = 64' },
  { id: 'names-x86_64', command: 'disasm', what: "libseccomp's syscall names (x86_64 283)", syswall: 'if (A == timerfd_create) goto 0003', seccompTools: 'if (A == timerfd) goto 0003' },
  { id: 'names-x86', command: 'disasm', what: "libseccomp's syscall names (x86 219)", syswall: 'if (A == madvise) goto 0003', seccompTools: 'if (A == madvise1) goto 0003' },
  { id: 'names-aarch64', command: 'disasm', what: "libseccomp's syscall names (aarch64 80)", syswall: 'if (A == fstat) goto 0003', seccompTools: 'if (A == newfstat) goto 0003' },
  { id: 'x32-names', command: 'disasm', what: 'x32 syscalls named by their real x32 numbers (0x40000208)', syswall: 'if (A == x32_execve) goto 0003', seccompTools: 'if (A == 0x40000208) goto 0003' },
  { id: 'params', command: 'disasm', what: "syswall's parameter names", syswall: 'A = timeout_msecs # poll(ufds, nfds, timeout_msecs)', seccompTools: 'A = timeout # poll(ufds, nfds, timeout)' },
  { id: 'x32-guard', command: 'disasm', what: "contradictory paths dropped: argument names kept after libseccomp's x32 guard", syswall: 'A = flags # openat(dfd, filename, flags, mode)', seccompTools: 'A = args[2]' },
  { id: 'arch-names', command: 'disasm', what: 'arches seccomp-tools lacks are named', syswall: 'if (A != ARCH_ARM) goto 0005', seccompTools: 'if (A != 0x40000028) goto 0005' },
  { id: 'arch-syscalls', command: 'disasm', what: "their syscalls are named from their own table, not --arch's", syswall: 'if (A == arm.read) goto 0005', seccompTools: 'if (A == close) goto 0005' },
  { id: 'invalid', command: 'disasm', what: 'undecodable instructions are listed', syswall: 'invalid: unknown MISC operation 0x8 (only TAX and TXA exist)', seccompTools: 'Line 2 is invalid: MISC operation only supports txa/tax' },
  { id: 'truncated', command: 'disasm', what: 'a truncated file (one instruction and 3 bytes) is refused', syswall: '11 bytes of binary data are neither a policy (text) nor a raw BPF program (8 bytes per instruction)', seccompTools: '0000: return ALLOW' },
  { id: 'jump-past-end', command: 'disasm', what: 'a jump past the end is refused', syswall: 'instruction 0: jump to line 99 is past the end of the program (2 instructions)', seccompTools: '0000: goto 0099' },
  { id: 'empty', command: 'disasm', what: 'an empty file is refused (seccomp-tools crashes on it)', syswall: 'empty input', seccompTools: 'empty program: seccomp-tools 1.7.1 crashes on it (NoMethodError)' },
  { id: 'wrong-endian', command: 'disasm', what: 'a big-endian (s390x) file read with a little-endian --arch is refused', syswall: 'the program looks big-endian, but x86_64 is little-endian', seccompTools: '0000: A = 67108864' },
  { id: 'no-arch', command: 'disasm', what: "without --arch, names come from the arch the program checks (here aarch64, on an x86_64 machine), not this machine's", syswall: 'if (A == ioctl) goto 0017', seccompTools: 'if (A == aarch64.ioctl) goto 0017' },
  { id: 'asm-x32', command: 'asm', what: '`x32_NAME` is the real x32 number (`A = x32_execve`, then `return KILL`, as c_array)', syswall: 'unsigned char bpf[] = {0,0,0,0,8,2,0,64,6,0,0,0,0,0,0,0};', seccompTools: 'unsigned char bpf[] = {0,0,0,0,59,0,0,64,6,0,0,0,0,0,0,0};' },
  { id: 'emu-data', command: 'emu', what: 'the action keeps its data', syswall: 'return TRAP(3) at line 0000', seccompTools: 'return TRAP at line 0000' },
  { id: 'emu-missing-arg', command: 'emu', what: 'an argument not given is 0', syswall: 'return ALLOW at line 0003', seccompTools: 'Undefined Variable' },
  { id: 'emu-negative', command: 'emu', what: 'negative numbers are arguments', syswall: 'return ALLOW at line 0003', seccompTools: 'invalid option: -1' },
];

/** The rows of {@link ST_DIFFERENCES} for one command, as --help text. */
export function differencesHelp(command: StDifference['command']): string {
  return ST_DIFFERENCES.filter((d) => d.command === command)
    .map((d) => `  - ${d.what.replace(/`/g, '')}:\n      syswall        ${d.syswall}\n      seccomp-tools  ${d.seccompTools}`)
    .join('\n');
}
