import type { Command } from '../command.js';
import { flag, stringOpt } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { isKnownSyscall, suggestSyscall, syscallName, syscallNumber, syscallTable, SYSCALL_TABLE_VERSION } from '../../core/arch/syscalls.js';
import { parseUint } from '../../core/util/numbers.js';
import { hostArch } from '../../node/host.js';
import { println } from '../io.js';
import { EXIT_USAGE } from '../exit.js';

export const command: Command = {
  name: 'syscalls',
  summary: 'resolve syscall names and numbers per arch, or list a whole table',
  usage: `Usage: syswall syscalls [NAME|NR ...] [--arch ARCH] [--json]

Resolves syscall names to numbers and numbers to names, like scmp_sys_resolver.
With no operand, lists the arch's whole table (number and name per line).
Numbers are as seen in seccomp_data.nr: x32 numbers include 0x40000000 and
MIPS numbers their ABI base. A syscall an arch lacks is reported as absent.

Exit status: 0 when every operand resolves; 2 (bad input, as for every
command) when one does not: an unknown name, a name the arch lacks, a number
no syscall has; the others are still printed (with --json each result says
which); 1 a failure.

Options:
  -a, --arch ARCH   architecture (default: this machine's), e.g. x86_64, aarch64, i386
      --json        print JSON
  -h, --help        show this help

Examples:
  syswall syscalls openat --arch aarch64      # 56
  syswall syscalls 59                         # execve
  syswall syscalls --arch x32 --json`,
  options: { arch: { type: 'string', short: 'a' }, json: { type: 'boolean' } },
  run(ctx) {
    const archName = stringOpt(ctx, 'arch');
    const arch = archName ? resolveArch(archName) : hostArch();
    const json = flag(ctx, 'json');
    if (ctx.positionals.length === 0) {
      const table = syscallTable(arch);
      if (json) println(ctx.stdout, JSON.stringify({ arch: arch.name, tableVersion: SYSCALL_TABLE_VERSION, syscalls: table }, null, 2));
      else for (const { name, nr } of table) println(ctx.stdout, `${nr}\t${name}`);
      return 0;
    }
    let status = 0;
    const results: { query: string; arch: string; name: string | null; nr: number | null; error?: string }[] = [];
    for (const q of ctx.positionals) {
      if (/^(0x[0-9a-f]+|\d+)$/i.test(q)) {
        const nr = parseUint(q, 32, 'syscall number');
        const name = syscallName(arch, nr) ?? null;
        const error = name === null ? `no syscall number ${q} on ${arch.name}` : undefined;
        results.push({ query: q, arch: arch.name, name, nr, ...(error ? { error } : {}) });
      } else {
        const nr = syscallNumber(arch, q) ?? null;
        let error: string | undefined;
        if (nr === null) {
          const hint = suggestSyscall(q);
          error = isKnownSyscall(q) ? `syscall "${q}" does not exist on ${arch.name}` : `unknown syscall "${q}"${hint ? ` (${hint})` : ''}`;
        }
        results.push({ query: q, arch: arch.name, name: nr === null ? null : q, nr, ...(error ? { error } : {}) });
      }
    }
    if (json) {
      println(ctx.stdout, JSON.stringify(results, null, 2));
    }
    for (const r of results) {
      if (r.error) {
        status = EXIT_USAGE; // an unknown name or number is bad input
        if (!json) println(ctx.stderr, `syswall: error: ${r.error}`);
      } else if (!json) {
        println(ctx.stdout, /^(0x[0-9a-f]+|\d+)$/i.test(r.query) ? String(r.name) : String(r.nr));
      }
    }
    return status;
  },
};
