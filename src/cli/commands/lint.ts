import type { Command } from '../command.js';
import { flag, listOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { formatLint, lintExitCode, lintProgram } from '../../core/analyze/lint.js';
import { rawProgramInput } from '../../core/analyze/input.js';
import { readInput, println } from '../io.js';

export const command: Command = {
  name: 'lint',
  summary: 'find weaknesses in a filter (arch and x32 checks, deny-list gaps, dangerous allows, ...)',
  usage: `Usage: syswall lint INPUT [--arch A[,B]] [--json]

Checks a raw BPF seccomp program, using its exact decision function:
  errors    ARCH_NOT_CHECKED, OTHER_ARCH_ALLOWED, X32_BYPASS (x32 numbers open
            what x86_64 numbers deny), EQUIVALENT_GAP (a deny-list blocks execve
            but not execveat, open but not openat, ...)
  warnings  DENY_LIST, DANGEROUS_ALLOW (ptrace, bpf, io_uring_*, mount, ...),
            CLONE_NAMESPACES, SOCKETCALL_BYPASS, ERRNO_NOT_ENOSYS (EPERM where
            libc needs ENOSYS to fall back), UPPER_HALF_BYPASS (32-bit int args
            compared as 64-bit), LOW_WORD_ONLY (64-bit args compared as 32-bit),
            UNREACHABLE
  info      DEAD_BRANCH, conditional dangerous allows

Exit status: 0 no findings (or info only), 1 warnings, 3 errors, 2 bad input.

Options:
  -a, --arch A[,B]  arches to check (default: the ones the program tests)
      --json        print JSON ({findings, worst})
  -h, --help        show this help

Examples:
  syswall lint filter.bpf
  syswall lint filter.bpf --json`,
  options: { arch: { type: 'string', short: 'a', multiple: true }, json: { type: 'boolean' } },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('lint: expected one INPUT file', 'see `syswall lint --help`');
    const file = ctx.positionals[0];
    const arches = listOpt(ctx, 'arch').map(resolveArch);
    const input = rawProgramInput(readInput(file), { arches, file });
    const report = lintProgram(input.program, { arches: arches.length ? arches : undefined });
    if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify(report, null, 2));
    else if (report.findings.length) println(ctx.stdout, formatLint(report));
    return lintExitCode(report);
  },
};
