import type { Command } from '../command.js';
import { flag, UsageError } from '../command.js';
import { formatDiff } from '../../core/analyze/diff.js';
import { diffInputs } from '../../core/analyze/input.js';
import { archesOf, INPUT_HELP, INPUT_NOTE, INPUT_OPTIONS, loadFile } from '../input.js';
import { println } from '../io.js';
import { EXIT_DIFFERENT, EXIT_OK } from '../exit.js';

export const command: Command = {
  name: 'diff',
  summary: 'semantic difference of two filters or policies: where their decisions differ',
  usage: `Usage: syswall diff A B [--arch A[,B]] [--input KIND] [--json]

Compares two seccomp filters exactly (symbolic evaluation of both, then
intersection of their decision partitions): for every arch and syscall, the
argument ranges where the actions differ. A and B may be of different kinds
(e.g. A a Docker profile, B the raw filter libseccomp made of it).
Byte-for-byte different programs that decide the same (e.g. libseccomp's
optimize levels 1 and 2, or syswall's and libseccomp's compilation of one
policy) are equivalent.

${INPUT_NOTE}
--input, --name and --thread apply to both A and B (--name and --thread to
whichever of them is an SPO or a Firecracker file).

Exit status: 0 equivalent (no output), 3 different, 2 bad usage or input,
1 failure.

Options:
  -a, --arch A[,B]  only compare these arches (also sets the byte order)
${INPUT_HELP}
      --json        print JSON ({equivalent, entries})
  -h, --help        show this help

Examples:
  syswall diff old.bpf new.bpf
  syswall diff docker-default.json runc-filter.bpf --arch x86_64
  syswall diff a.bpf b.bpf --json`,
  options: { arch: { type: 'string', short: 'a', multiple: true }, json: { type: 'boolean' }, ...INPUT_OPTIONS },
  run(ctx) {
    if (ctx.positionals.length !== 2) throw new UsageError('diff: expected two inputs, A and B', 'see `syswall diff --help`');
    const arches = archesOf(ctx);
    const [fa, fb] = ctx.positionals;
    const a = loadFile(ctx, fa, { arches, sharedSelectors: true });
    const b = loadFile(ctx, fb, { arches, sharedSelectors: true });
    const report = diffInputs(a, b, { arches });
    if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify({ equivalent: report.equivalent, entries: report.entries.map(({ regions: _r, ...e }) => e) }, null, 2));
    else if (!report.equivalent) println(ctx.stdout, formatDiff(report));
    return report.equivalent ? EXIT_OK : EXIT_DIFFERENT;
  },
};
