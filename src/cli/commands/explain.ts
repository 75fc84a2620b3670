import type { Command } from '../command.js';
import { flag, listOpt } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { explainProgram, formatExplain } from '../../core/analyze/explain.js';
import { rawProgramInput } from '../../core/analyze/input.js';
import { readInput, println } from '../io.js';
import { UsageError } from '../command.js';

export const command: Command = {
  name: 'explain',
  summary: 'the exact decision of a filter per arch and syscall, with argument conditions',
  usage: `Usage: syswall explain INPUT [--arch A[,B]] [--json]

Derives, by symbolic evaluation over the whole input space (not by sampling),
what a raw BPF seccomp program decides for every arch and syscall: a single
action, or the argument conditions that lead to each action. Syscalls with the
same decision are grouped; numbers no table names are listed as "nr N".

INPUT is a raw program (struct sock_filter[], e.g. from \`syswall compile\`,
libseccomp's seccomp_export_bpf or \`syswall dump\`); "-" reads stdin. Arches are
inferred from the program's arch checks; --arch adds arches to report on (and
sets the byte order, e.g. for s390x) and limits the report to them.

Options:
  -a, --arch A[,B]  arches to report on (default: the ones the program checks)
      --json        print JSON
  -h, --help        show this help

Examples:
  syswall explain filter.bpf
  syswall explain filter.bpf --arch x86_64 --json`,
  options: { arch: { type: 'string', short: 'a', multiple: true }, json: { type: 'boolean' } },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('explain: expected one INPUT file', 'see `syswall explain --help`');
    const file = ctx.positionals[0];
    const arches = listOpt(ctx, 'arch').map(resolveArch);
    const input = rawProgramInput(readInput(file), { arches, file });
    const report = explainProgram(input.program, { arches: arches.length ? arches : undefined });
    if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify(report, null, 2));
    else println(ctx.stdout, formatExplain(report));
    return 0;
  },
};
