/**
 * `--compat seccomp-tools` for disasm, asm, emu and dump: the shared
 * option, arch resolution and error reporting. In compat mode a command's
 * standard output is exactly what seccomp-tools 1.7.1 prints; where
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
                      print exactly what seccomp-tools 1.7.1 prints (its
                      tables, names and layout; see README "seccomp-tools")`;

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
