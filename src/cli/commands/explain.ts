import type { Command } from '../command.js';
import { flag, UsageError } from '../command.js';
import { formatExplain } from '../../core/analyze/explain.js';
import { explainInput } from '../../core/analyze/input.js';
import { archesOf, INPUT_HELP, INPUT_NOTE, INPUT_OPTIONS, loadFile } from '../input.js';
import { println } from '../io.js';

export const command: Command = {
  name: 'explain',
  summary: 'the exact decision of a filter or policy per arch and syscall, with argument conditions',
  usage: `Usage: syswall explain INPUT [--arch A[,B]] [--input KIND] [--json]

Derives, by symbolic evaluation over the whole input space (not by sampling),
what a seccomp filter decides for every arch and syscall: a single action, or
the argument conditions that lead to each action. Syscalls with the same
decision are grouped; numbers no table names are listed as "nr N".

${INPUT_NOTE}

Arches are inferred from the program's arch checks; --arch adds arches to
report on (and sets the byte order of raw input, e.g. for s390x) and limits
the report to them.

Options:
  -a, --arch A[,B]  arches to report on (default: the ones the filter checks)
${INPUT_HELP}
      --json        print JSON
  -h, --help        show this help

Examples:
  syswall explain filter.bpf
  syswall explain docker-default.json --arch x86_64
  syswall explain filter.asm --arch aarch64 --json`,
  options: { arch: { type: 'string', short: 'a', multiple: true }, json: { type: 'boolean' }, ...INPUT_OPTIONS },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('explain: expected one INPUT file', 'see `syswall explain --help`');
    const file = ctx.positionals[0];
    const arches = archesOf(ctx);
    const input = loadFile(ctx, file, { arches });
    const report = explainInput(input, { arches });
    if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify(report, null, 2));
    else println(ctx.stdout, formatExplain(report));
    return 0;
  },
};
