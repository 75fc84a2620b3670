// Recording overhead: wall time of a syscall-heavy workload recorded by
// `syswall record`'s recorder (USER_NOTIF + continue for every syscall,
// answered in Node) over the same workload unrecorded, side by side with
// `strace -f -o /dev/null` (ptrace) on the same workload, in one run.
// Each figure is the median of REPS runs, wall time from spawn to exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPS = Number(process.env.SYSWALL_BENCH_RECORD_REPS ?? 5);
const N = Number(process.env.SYSWALL_BENCH_RECORD_N ?? 100_000);

const LOOP_C = `
#include <unistd.h>
#include <stdlib.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  long n = atol(argv[1]);
  for (long i = 0; i < n; i++) syscall(SYS_getppid);
  return 0;
}
`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeSync(cmd, args) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}${r.error ? ': ' + r.error.message : ''}`);
  return ms;
}

export async function run() {
  const { recordCommand, recordAllFilter } = await import('../dist/node/record.js');
  const have = spawnSync('strace', ['-V'], { stdio: 'ignore' });
  if (have.status !== 0) throw new Error('bench record needs strace for the reference: apt-get install strace');
  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-record-'));
  try {
    writeFileSync(join(dir, 'loop.c'), LOOP_C);
    const cc = spawnSync('gcc', ['-O2', '-o', join(dir, 'loop'), join(dir, 'loop.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr ?? cc.error?.message} (install gcc)`);
    recordAllFilter(); // compile once, outside the timings
    const workloads = [
      { name: `getppid x ${N} (C loop)`, cmd: join(dir, 'loop'), args: [String(N)] },
      { name: 'find /usr/lib -name "*.so*" | wc -l', cmd: 'sh', args: ['-c', 'find /usr/lib -name "*.so*" | wc -l'] },
      { name: 'tar cf - /usr/share/doc | cat', cmd: 'sh', args: ['-c', 'tar cf - /usr/share/doc 2>/dev/null | cat > /dev/null'] },
    ];
    console.log(`median of ${REPS} runs, wall ms (spawn to exit)`);
    console.log(['workload', 'syscalls', 'plain', 'recorded', 'strace -f', 'recorded/plain', 'strace/plain', 'recorded/strace'].join('\t'));
    for (const w of workloads) {
      const plain = [];
      const rec = [];
      const st = [];
      let calls = 0;
      for (let i = 0; i < REPS; i++) {
        plain.push(timeSync(w.cmd, w.args));
        const t = performance.now();
        const h = recordCommand(w.cmd, w.args, { stdio: 'ignore' });
        const r = await h.done;
        rec.push(performance.now() - t);
        if (r.result.exitCode !== 0) throw new Error(`recorded ${w.name} exited ${r.result.exitCode}`);
        calls = r.recording.total;
        st.push(timeSync('strace', ['-f', '-o', '/dev/null', w.cmd, ...w.args]));
      }
      const [p, r, s] = [median(plain), median(rec), median(st)];
      console.log([w.name, calls, p.toFixed(1), r.toFixed(1), s.toFixed(1), (r / p).toFixed(2) + 'x', (s / p).toFixed(2) + 'x', (r / s).toFixed(2) + 'x'].join('\t'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
