// A syscall-heavy workload under the built-in default profile against no
// filter, with and without SECCOMP_FILTER_FLAG_SPEC_ALLOW, and against the
// reference: Docker's default profile compiled by libseccomp (python3-seccomp,
// binary-tree optimisation as runc enables it for > 32 rules), in one run.
//
// Workload 1: a small C program (compiled now with gcc) making 1M syscalls
// (getppid and 1-byte reads from /dev/zero, alternating); it times its own loop
// with CLOCK_MONOTONIC, so start-up is excluded: ns per syscall.
// Workload 2: `dd if=/dev/zero of=/dev/null bs=1 count=200000` (400k syscalls),
// wall-clock per run including exec.
// Every filtered run goes through `syswall-helper exec` (no Node in between);
// one row adds the guard filter `syswall run` installs before the policy's
// (docs/security.md): the kernel runs both on every syscall.
// Run: npm run bench -- workload
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helperPath, loadProfile, programForHost, toProgramBytes } from '../dist/node/index.js';
import { DOCKER_DEFAULT_CAPS } from '../dist/core/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ITER = Number(process.env.BENCH_ITER ?? 1_000_000);
const DD_COUNT = Number(process.env.BENCH_DD ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SPEC_ALLOW = 4;

const C_SOURCE = `
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  int fd = open("/dev/zero", O_RDONLY);
  char c;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i += 2) {
    syscall(SYS_getppid);
    if (read(fd, &c, 1) != 1) return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.2f\\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
`;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function must(r, what) {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
  return r;
}

/** Docker's default compiled by libseccomp, or undefined (with a message) when python3-seccomp is missing. */
function libseccompDockerDefault() {
  const spec = {
    docker: { profile: join(ROOT, 'data', 'profiles', 'docker-default.json'), arch: 'amd64', caps: [...DOCKER_DEFAULT_CAPS] },
    optimize: 2,
  };
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test', 'helpers', 'libseccomp_export.py')], { input: JSON.stringify(spec), maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.log(`libseccomp reference unavailable (${String(r.stderr).trim() || r.error?.message}); install python3-seccomp`);
    return undefined;
  }
  return new Uint8Array(r.stdout);
}

export async function run() {
  if (process.arch !== 'x64') console.log('note: the libseccomp reference row is built for x86_64 only');
  const dir = mkdtempSync(join(tmpdir(), 'syswall-workload-'));
  writeFileSync(join(dir, 'loop.c'), C_SOURCE);
  const loop = join(dir, 'loop');
  const cc = spawnSync('gcc', ['-O2', '-o', loop, join(dir, 'loop.c')], { encoding: 'utf8' });
  if (cc.error) throw new Error(`gcc is needed for this benchmark (apt-get install build-essential): ${cc.error.message}`);
  must(cc, 'gcc');

  const helper = helperPath();
  const ours = programForHost(loadProfile('default').policy);
  const oursFile = join(dir, 'default.bpf');
  writeFileSync(oursFile, toProgramBytes(ours.program));
  // What `syswall run` loads: the sandbox's guard filter, then the default's program (from the build's precompiled plan).
  const { readPrecompiled, decodePlan } = await import('../dist/cli/commands/run-plan.js');
  const { hostArch } = await import('../dist/node/host.js');
  const pre = readPrecompiled(hostArch());
  if (!pre) throw new Error('dist/cli/run-precompiled/ is missing: run `npm run build`');
  const plan = decodePlan(pre.plan);
  const runFile = join(dir, 'run.bpf');
  writeFileSync(runFile, Buffer.concat([plan.guard, plan.program]));
  const guard = plan.guard.length / 8;
  const filters = [['no filter', undefined, 0], ['syswall default', oursFile, 0], ['syswall default + SPEC_ALLOW', oursFile, SPEC_ALLOW],
    ['syswall run (guard filter + default)', runFile, 0, guard]];
  const ref = process.arch === 'x64' ? libseccompDockerDefault() : undefined;
  if (ref) {
    const refFile = join(dir, 'docker-libseccomp.bpf');
    writeFileSync(refFile, ref);
    filters.push(['Docker default (libseccomp)', refFile, 0], ['Docker default (libseccomp) + SPEC_ALLOW', refFile, SPEC_ALLOW]);
  }
  const argv = (file, flags, cmd, guardCount) => (file ? [helper, ['exec', file, ...(flags ? ['--flags', String(flags)] : []), ...(guardCount ? ['--guard', String(guardCount)] : []), '--', ...cmd]] : [cmd[0], cmd.slice(1)]);

  const loopNs = filters.map(() => []);
  const ddMs = filters.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < filters.length; i++) {
      const [name, file, flags, guardCount] = filters[i];
      const [c1, a1] = argv(file, flags, [loop, String(ITER)], guardCount);
      loopNs[i].push(Number(must(spawnSync(c1, a1, { encoding: 'utf8' }), name).stdout));
      const [c2, a2] = argv(file, flags, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${DD_COUNT}`], guardCount);
      const t0 = performance.now();
      must(spawnSync(c2, a2, { encoding: 'utf8' }), `${name} dd`);
      ddMs[i].push(performance.now() - t0);
    }
  }
  const refIdx = filters.findIndex((f) => f[0] === 'Docker default (libseccomp)');
  console.log(`syswall default: ${ours.program.length} instructions${ref ? `; libseccomp Docker default: ${ref.length / 8} instructions` : ''}`);
  console.log(`${ROUNDS} interleaved rounds; medians; ratios vs no filter${refIdx >= 0 ? ' and vs libseccomp' : ''}`);
  console.log(`${'filter'.padEnd(42)} ${'loop ns/syscall'.padStart(16)} ${'dd ms/run'.padStart(11)}`);
  const base = [median(loopNs[0]), median(ddMs[0])];
  const refv = refIdx >= 0 ? [median(loopNs[refIdx]), median(ddMs[refIdx])] : undefined;
  filters.forEach(([name], i) => {
    const l = median(loopNs[i]);
    const d = median(ddMs[i]);
    const vsRef = refv ? `  (vs libseccomp x${(l / refv[0]).toFixed(2)}, x${(d / refv[1]).toFixed(2)})` : '';
    console.log(`${name.padEnd(42)} ${l.toFixed(1).padStart(9)} x${(l / base[0]).toFixed(2)} ${d.toFixed(1).padStart(7)} x${(d / base[1]).toFixed(2)}${vsRef}`);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
