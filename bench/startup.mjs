// Start-up cost of running a command under a seccomp filter, in one run:
// plain exec of /bin/true (the floor), `syswall-helper exec PROG.bpf -- /bin/true`,
// Node `spawn()` from syswall/node, `syswall run -- /bin/true` (Node start-up,
// loading and compiling the default profile), and Debian's bubblewrap
// (`bwrap --dev-bind / / --seccomp FD /bin/true`) with the same allow-all program.
// The first three go through child_process.spawnSync from the same Node
// process, so the driver's own overhead is shared; spawn() is timed from the
// call to its result promise. Run: npm run bench -- startup
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, helperPath, toProgramBytes } from '../dist/node/index.js';
import { ret, SECCOMP_RET_ALLOW } from '../dist/core/index.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
const N = Number(process.env.BENCH_N ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

/** Mean ms per call of `fn` over n calls (after a short warm-up). */
async function timeIt(n, fn) {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function must(r, what) {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-'));
  const prog = join(dir, 'allow.bpf');
  const program = [ret(SECCOMP_RET_ALLOW)];
  writeFileSync(prog, toProgramBytes(program));
  const helper = helperPath();

  const cases = [
    ['exec /bin/true (no filter)', () => must(spawnSync('/bin/true'), 'true')],
    ['syswall-helper exec', () => must(spawnSync(helper, ['exec', prog, '--', '/bin/true']), 'helper')],
    ['spawn() (syswall/node)', async () => {
      const r = await spawn('/bin/true', [], { program, stdio: 'ignore' }).result;
      if (r.exitCode !== 0) throw new Error('spawn: /bin/true failed');
    }],
    ['syswall run (default profile)', () => must(spawnSync(process.execPath, [CLI, 'run', '--', '/bin/true']), 'syswall run')],
  ];
  if (spawnSync('bwrap', ['--version']).error) {
    console.log('bwrap not found: install bubblewrap (apt-get install bubblewrap) for the reference row');
  } else {
    cases.push(['bwrap --seccomp', () => {
      const fd = openSync(prog, 'r');
      try {
        must(spawnSync('bwrap', ['--dev-bind', '/', '/', '--seccomp', '3', '/bin/true'], { stdio: ['ignore', 'ignore', 'pipe', fd] }), 'bwrap');
      } finally {
        closeSync(fd);
      }
    }]);
  }
  // Interleaved rounds, median of the per-round means: robust to machine noise.
  const samples = cases.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < cases.length; i++) samples[i].push(await timeIt(N, cases[i][1]));
  }
  const rows = cases.map(([name], i) => [name, median(samples[i])]);
  const base = rows[0][1];
  const bw = rows.find((r) => r[0].startsWith('bwrap'))?.[1];
  console.log(`${ROUNDS} interleaved rounds of ${N} runs each; median ms per run; ratios vs plain exec${bw ? ' and vs bwrap' : ''}`);
  for (const [name, ms] of rows) {
    console.log(`${name.padEnd(30)} ${ms.toFixed(3).padStart(8)} ms  x${(ms / base).toFixed(2)}${bw ? `  (vs bwrap x${(ms / bw).toFixed(2)})` : ''}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
