// Start-up cost of the sandbox's isolation (docs/security.md), in one run:
// running /bin/true under an allow-all filter with syswall-helper without
// namespaces (--isolate none: launcher, init and command, no namespaces), with
// PID and mount namespaces (the default as root), and with a user namespace
// too (the default for an unprivileged user); spawn() with and without a
// listener (the ptrace + pidfd_getfd hand-off). With SYSWALL_BENCH_OLD=DIR (a
// checkout of syswall before the isolation work, built), the same rows of that
// build run beside (its helper exec'd the command in place).
// Run: npm run bench -- isolation
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { helperPath, spawn, toProgramBytes } from '../dist/node/index.js';
import { ret, SECCOMP_RET_ALLOW } from '../dist/core/index.js';

const N = Number(process.env.BENCH_N ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const OLD = process.env.SYSWALL_BENCH_OLD;

async function timeIt(n, fn) {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function must(r, what) {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
}

/** An unprivileged uid/gid to run the helper as (nobody), or undefined when not root. */
function nobody() {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: 65534, gid: 65534 };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-iso-'));
  chmodSync(dir, 0o755);
  const prog = join(dir, 'allow.bpf');
  const program = [ret(SECCOMP_RET_ALLOW)];
  writeFileSync(prog, toProgramBytes(program));
  const helper = helperPath();
  const user = nobody();

  const cases = [
    ['exec /bin/true (no filter)', () => must(spawnSync('/bin/true'), 'true')],
    ['helper --isolate none', () => must(spawnSync(helper, ['exec', '--isolate', 'none', prog, '--', '/bin/true']), 'helper none')],
    ['helper (PID + mount namespaces)', () => must(spawnSync(helper, ['exec', '--isolate', 'require', prog, '--', '/bin/true']), 'helper ns')],
  ];
  if (user) cases.push(['helper as nobody (+ user namespace)', () => must(spawnSync(helper, ['exec', '--isolate', 'require', prog, '--', '/bin/true'], user), 'helper userns')]);
  cases.push(
    ['spawn()', async () => {
      const r = await spawn('/bin/true', [], { program, stdio: 'ignore' }).result;
      if (r.exitCode !== 0) throw new Error('spawn failed');
    }],
    ['spawn({ listener: true }) (hand-off)', async () => {
      const p = spawn('/bin/true', [], { program, stdio: 'ignore', listener: true });
      const fd = await p.listenerFd;
      const { closeSync } = await import('node:fs');
      closeSync(fd);
      const r = await p.result;
      if (r.exitCode !== 0) throw new Error('spawn listener failed');
    }],
  );
  if (OLD) {
    const old = await import(pathToFileURL(join(OLD, 'dist', 'node', 'index.js')).href);
    const oldHelper = join(OLD, 'build', 'Release', 'syswall-helper');
    cases.push(
      ['before: helper (exec in place, no isolation)', () => must(spawnSync(oldHelper, ['exec', prog, '--', '/bin/true']), 'old helper')],
      ['before: spawn()', async () => {
        const r = await old.spawn('/bin/true', [], { program, stdio: 'ignore' }).result;
        if (r.exitCode !== 0) throw new Error('old spawn failed');
      }],
      ['before: spawn({ listener: true }) (sendmsg hand-off)', async () => {
        const p = old.spawn('/bin/true', [], { program, stdio: 'ignore', listener: true });
        const fd = await p.listenerFd;
        const { closeSync } = await import('node:fs');
        closeSync(fd);
        const r = await p.result;
        if (r.exitCode !== 0) throw new Error('old spawn listener failed');
      }],
    );
  }

  const times = new Map(cases.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of cases) times.get(name).push(await timeIt(N, fn));
  }
  const base = median(times.get('exec /bin/true (no filter)'));
  console.log(`${ROUNDS} interleaved rounds of ${N} runs, median of the round means`);
  console.log('| how | ms per run | vs plain exec |');
  console.log('|---|---:|---:|');
  for (const [name] of cases) {
    const ms = median(times.get(name));
    console.log(`| ${name} | ${ms.toFixed(2)} | x${(ms / base).toFixed(2)} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
