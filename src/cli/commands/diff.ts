import type { Command } from '../command.js';
import { flag, listOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { diffPrograms, formatDiff } from '../../core/analyze/diff.js';
import { rawProgramInput } from '../../core/analyze/input.js';
import { readInput, println } from '../io.js';

export const command: Command = {
  name: 'diff',
  summary: 'semantic difference of two filters: where their decisions differ',
  usage: `Usage: syswall diff A B [--arch A[,B]] [--json]

Compares two raw BPF seccomp programs exactly (symbolic evaluation of both,
then intersection of their decision partitions): for every arch and syscall,
the argument ranges where the actions differ. Byte-for-byte different
programs that decide the same (e.g. libseccomp's optimize levels 1 and 2) are
equivalent.

Exit status: 0 equivalent (no output), 1 different, 2 bad input.

Options:
  -a, --arch A[,B]  only compare these arches (also sets the byte order)
      --json        print JSON ({equivalent, entries})
  -h, --help        show this help

Examples:
  syswall diff old.bpf new.bpf
  syswall diff a.bpf b.bpf --json`,
  options: { arch: { type: 'string', short: 'a', multiple: true }, json: { type: 'boolean' } },
  run(ctx) {
    if (ctx.positionals.length !== 2) throw new UsageError('diff: expected two inputs, A and B', 'see `syswall diff --help`');
    const arches = listOpt(ctx, 'arch').map(resolveArch);
    const [fa, fb] = ctx.positionals;
    const a = rawProgramInput(readInput(fa), { arches, file: fa });
    const b = rawProgramInput(readInput(fb), { arches, file: fb });
    const report = diffPrograms(a.program, b.program, { arches: arches.length ? arches : undefined });
    if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify({ equivalent: report.equivalent, entries: report.entries.map(({ regions: _r, ...e }) => e) }, null, 2));
    else if (!report.equivalent) println(ctx.stdout, formatDiff(report));
    return report.equivalent ? 0 : 1;
  },
};
