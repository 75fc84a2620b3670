import type { Command } from '../command.js';
import { flag, UsageError } from '../command.js';
import { lintExitCode } from '../exit.js';
import { formatPolicyLint } from '../../core/analyze/policy-lint.js';
import { lintLoaded } from '../../core/analyze/input.js';
import { archesOf, INPUT_HELP, INPUT_NOTE, INPUT_OPTIONS, loadFile } from '../input.js';
import { println } from '../io.js';

export const command: Command = {
  name: 'lint',
  summary: 'find weaknesses in a filter or policy (arch and x32 checks, deny-list gaps, dangerous allows, ...)',
  usage: `Usage: syswall lint INPUT [--arch A[,B]] [--input KIND] [--json]

Checks a seccomp filter using its exact decision function:
  errors    ARCH_NOT_CHECKED, OTHER_ARCH_ALLOWED, X32_BYPASS (x32 numbers open
            what x86_64 numbers deny), EQUIVALENT_GAP (a deny-list blocks execve
            but not execveat, open but not openat, ...)
  warnings  DENY_LIST, DANGEROUS_ALLOW (ptrace, bpf, io_uring_*, mount, ...),
            CLONE_NAMESPACES, SOCKETCALL_BYPASS, ERRNO_NOT_ENOSYS (EPERM where
            libc needs ENOSYS to fall back), UPPER_HALF_BYPASS (a 32-bit int
            argument whose upper half changes the decision: proven with a
            witness value run through the filter), LOW_WORD_ONLY (64-bit args
            compared as 32-bit), UNREACHABLE
  info      DEAD_BRANCH, conditional dangerous allows
Policies are compiled and get those checks, pointed at the rule's
file:line:col, plus policy-level ones:
  errors    SAME_ARG_OR on an allow rule (runc ORs several conditions on one
            argument index), ERRNO_RET_NOT_ERRNO (errnoRet on a non-errno
            action), NOTIFY_DEFAULT (USER_NOTIF as the default action),
            NOTIFY_ESSENTIAL (USER_NOTIF on write or sendmsg)
  warnings  SAME_ARG_OR, SHADOWED_BY_DEFAULT (a rule equal to the default),
            RULE_SHADOWED (an unconditional rule for the same syscall with
            another action, or a rule that never applies), UNKNOWN_SYSCALL,
            NOTIFY_ESSENTIAL (close, futex, exit), NOTIFY_WITHOUT_LISTENER,
            UPPER_HALF_BYPASS (pointed at the rule, hint: "width": 32),
            VALUE_TWO_IGNORED, MASKED_EQ_NEVER_MATCHES (a MASKED_EQ value with
            bits outside the mask, e.g. value and mask swapped)
  info      RULE_REDUNDANT, SAME_ARG_AND, SYSCALL_ABSENT, upper-half checks
            that fail safe

${INPUT_NOTE}

Exit status: 0 no findings (or info only), 3 errors, 4 warnings (no errors),
2 bad usage or input, 1 failure.

Options:
  -a, --arch A[,B]  arches to check (default: the ones the filter tests)
${INPUT_HELP}
      --json        print JSON ({findings, worst})
  -h, --help        show this help

Examples:
  syswall lint filter.bpf
  syswall lint profile.json --arch x86_64
  syswall lint filter.bpf --json`,
  options: { arch: { type: 'string', short: 'a', multiple: true }, json: { type: 'boolean' }, ...INPUT_OPTIONS },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('lint: expected one INPUT file', 'see `syswall lint --help`');
    const file = ctx.positionals[0];
    const arches = archesOf(ctx);
    const input = loadFile(ctx, file, { arches, recover: true });
    const report = lintLoaded(input, { arches });
    if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify(report, null, 2));
    else if (report.findings.length) println(ctx.stdout, formatPolicyLint(report));
    return lintExitCode(report);
  },
};
