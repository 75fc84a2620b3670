import type { Command } from '../command.js';
import { flag, UsageError } from '../command.js';
import { seccompStatus, type SeccompStatus } from '../../node/status.js';
import { println } from '../io.js';

export const command: Command = {
  name: 'status',
  summary: 'seccomp mode, filter count and no_new_privs of processes',
  usage: `Usage: syswall status [PID ...] [--json] [--sandboxed] [--threads]

Shows, for each process, its seccomp mode (0 disabled, 1 strict, 2 filter),
how many filters it holds (Linux 5.9+; "-" when the kernel does not say) and
whether no_new_privs is set, read from /proc/PID/status (the main thread).
Without a PID, lists every process in /proc; processes that exit meanwhile
are skipped. A PID that does not exist is an error (exit 2).

Options:
  -s, --sandboxed   only processes whose seccomp mode is not 0
  -t, --threads     one row per thread (filters belong to threads; a thread
                    can hold filters its process's main thread does not)
      --json        print a JSON array
  -h, --help        show this help

Examples:
  syswall status                 # every process
  syswall status --sandboxed     # only processes under seccomp
  syswall status 1234 --json
  syswall status 1234 --threads`,
  options: { json: { type: 'boolean' }, sandboxed: { type: 'boolean', short: 's' }, threads: { type: 'boolean', short: 't' } },
  run(ctx) {
    const pids = ctx.positionals.map((p) => {
      if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 0x7fffffff) throw new UsageError(`status: expected a process id, got "${p}"`);
      return Number(p);
    });
    let rows = seccompStatus(pids, { threads: flag(ctx, 'threads') });
    if (flag(ctx, 'sandboxed')) rows = rows.filter((r) => r.mode !== 0);
    if (flag(ctx, 'json')) {
      println(ctx.stdout, JSON.stringify(rows, null, 2));
      return 0;
    }
    for (const line of table(rows, flag(ctx, 'threads'))) println(ctx.stdout, line);
    return 0;
  },
};

/** Renders rows as an aligned table (with a TID column for per-thread rows). */
export function table(rows: readonly SeccompStatus[], threads = false): string[] {
  const cells = rows.map((r) => [
    String(r.pid),
    ...(threads ? [String(r.tid ?? r.pid)] : []),
    r.comm.replace(/[\x00-\x1f\x7f]/g, '?'),
    r.mode === null ? '-' : `${r.mode} ${r.modeName}`,
    r.filters === null ? '-' : String(r.filters),
    r.noNewPrivs ? 'yes' : 'no',
  ]);
  const head = ['PID', ...(threads ? ['TID'] : []), 'COMM', 'MODE', 'FILTERS', 'NNP'];
  const right = new Set(threads ? [0, 1, 4] : [0, 3]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const fmt = (c: string[]) => c.map((x, i) => (right.has(i) ? x.padStart(width[i]) : x.padEnd(width[i]))).join('  ').trimEnd();
  return [fmt(head), ...cells.map(fmt)];
}
