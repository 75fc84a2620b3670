// Supervisor throughput: a child makes N getppid calls that the filter sends
// to USER_NOTIF, each answered with an errno by a TypeScript callback.
// Reference points in the same run: the same loop with no filter, and with
// an in-kernel SECCOMP_RET_ERRNO for getppid (what the supervisor replaces).
// The child times its own loop (clock_gettime), so start-up is excluded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.SYSWALL_BENCH_NOTIFY_N ?? 100_000);

const LOOP_C = `
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  long n = atol(argv[1]), denied = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) if (syscall(SYS_getppid) < 0 && errno == EPERM) denied++;
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%ld %ld\\n", (long)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec)), denied);
  return 0;
}
`;

function program(C, I, arch, nr, action) {
  return [
    I.stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, 4),
    I.jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, arch.token, 0, 3),
    I.loadAbs(0),
    I.jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, nr, 1, 0),
    I.ret(C.SECCOMP_RET_ALLOW),
    I.ret(action),
  ];
}

function parse(out) {
  const [ns, denied] = out.trim().split(' ').map(Number);
  return { ns, denied };
}

async function runUnder(spawn, bin, prog, onSyscall) {
  const p = spawn(bin, [String(N)], { program: prog, stdio: ['ignore', 'pipe', 'inherit'], ...(onSyscall ? { onSyscall } : {}) });
  let out = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d) => (out += d));
  const r = await p.result;
  if (p.supervisor) await (await p.supervisor).done;
  await new Promise((res) => (p.stdout.readableEnded ? res() : p.stdout.on('end', res)));
  if (r.exitCode !== 0) throw new Error(`loop exited ${r.exitCode ?? r.signal}`);
  return parse(out);
}

export async function run() {
  const { spawn } = await import('../dist/node/spawn.js');
  const C = await import('../dist/core/bpf/constants.js');
  const I = await import('../dist/core/bpf/instruction.js');
  const { syscallNumber } = await import('../dist/core/arch/syscalls.js');
  const { hostArch } = await import('../dist/node/host.js');
  const arch = hostArch();
  const nr = syscallNumber(arch, 'getppid');

  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-notify-'));
  try {
    writeFileSync(join(dir, 'loop.c'), LOOP_C);
    const bin = join(dir, 'loop');
    const cc = spawnSync('cc', ['-O2', '-o', bin, join(dir, 'loop.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cannot compile the benchmark loop (install gcc): ${cc.stderr || cc.error}`);

    const rows = [];
    const best = async (f) => {
      let b;
      for (let i = 0; i < 3; i++) {
        const r = await f();
        if (!b || r.ns < b.ns) b = r;
      }
      return b;
    };
    const plain = await best(async () => parse(spawnSync(bin, [String(N)], { encoding: 'utf8' }).stdout));
    rows.push(['no filter', plain]);
    const kernel = await best(() => runUnder(spawn, bin, program(C, I, arch, nr, C.SECCOMP_RET_ERRNO | 1)));
    rows.push(['in-kernel SECCOMP_RET_ERRNO', kernel]);
    const sup = await best(() => runUnder(spawn, bin, program(C, I, arch, nr, C.SECCOMP_RET_USER_NOTIF), () => ({ errno: 1 })));
    rows.push(['USER_NOTIF -> TypeScript callback -> errno', sup]);
    const supAsync = await best(() => runUnder(spawn, bin, program(C, I, arch, nr, C.SECCOMP_RET_USER_NOTIF), async () => ({ errno: 1 })));
    rows.push(['USER_NOTIF -> async callback -> errno', supAsync]);
    // What `syswall run --explain` does: the policy (deny getppid with EPERM) compiled twice,
    // every denial routed to the supervisor, decided by the original program, one line per call.
    const { explainSession } = await import('../dist/node/explain.js');
    const { policy } = await import('../dist/core/policy/builder.js');
    const explainPolicy = policy({ default: 'allow', arches: ['x86_64', 'x86', 'x32'] }).errno('EPERM', 'getppid').build();
    const plainExplain = await best(() => {
      const s = explainSession(explainPolicy);
      return runUnder(spawn, bin, s.original.instructions);
    });
    rows.push(['same policy without --explain (in-kernel)', plainExplain]);
    let sink = 0;
    const explained = await best(async () => {
      const s = explainSession(explainPolicy, {}, { write: (line) => (sink += line.length) });
      return runUnder(spawn, bin, s.filter.instructions, s.onSyscall);
    });
    rows.push(['--explain (decode + line per call)', explained]);

    console.log(`${N} getppid calls per run, best of 3 (time measured inside the child)`);
    console.log('| setup | total ms | calls/s | ns/call | vs no filter | denied |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, r] of rows) {
      const perSec = Math.round(N / (r.ns / 1e9));
      console.log(`| ${name} | ${(r.ns / 1e6).toFixed(1)} | ${perSec.toLocaleString('en-US')} | ${Math.round(r.ns / N)} | ${(r.ns / plain.ns).toFixed(1)}x | ${r.denied} |`);
    }
    const perSec = N / (sup.ns / 1e9);
    console.log(`supervised notifications per second: ${Math.round(perSec).toLocaleString('en-US')} (target >= 50,000: ${perSec >= 50_000 ? 'met' : 'NOT met'})`);
    const exSec = N / (explained.ns / 1e9);
    console.log(`--explain: ${Math.round(exSec).toLocaleString('en-US')} denied calls explained per second, ${(explained.ns / plainExplain.ns).toFixed(1)}x the same run without --explain (${sink} bytes of lines)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
