// Seccomp agent throughput: explained denials per second through `syswall
// agent` (a runc container whose profile routes getppid to the agent, the
// agent deciding each call by the policy and writing one line), beside
// `syswall run --explain` on the same loop and policy, and the in-kernel
// references (no filter; the policy's ERRNO in the kernel, in the container).
// A static C loop makes N getppid calls and times itself (clock_gettime), so
// container and process start-up are excluded; best of 3. Needs root, runc,
// busybox-static and a static libc (gcc -static).
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.SYSWALL_BENCH_AGENT_N ?? 100_000);
const RUNC = '/usr/sbin/runc';

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

const POLICY = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };

function parse(out) {
  const [ns, denied] = out.trim().split(' ').map(Number);
  if (!Number.isFinite(ns)) throw new Error(`the loop printed ${JSON.stringify(out)}`);
  return { ns, denied };
}

function bundle(dir, name, bin, seccomp) {
  const b = join(dir, name);
  mkdirSync(join(b, 'rootfs', 'bin'), { recursive: true });
  for (const d of ['tmp', 'proc', 'dev', 'sys']) mkdirSync(join(b, 'rootfs', d));
  copyFileSync(bin, join(b, 'rootfs', 'bin', 'loop'));
  copyFileSync('/bin/busybox', join(b, 'rootfs', 'bin', 'busybox'));
  chmodSync(join(b, 'rootfs', 'bin', 'busybox'), 0o755);
  symlinkSync('busybox', join(b, 'rootfs', 'bin', 'sh'));
  const r = spawnSync(RUNC, ['spec', '--bundle', b], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runc spec: ${r.stderr}`);
  const cfg = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
  cfg.process.terminal = false;
  cfg.process.args = ['/bin/loop', String(N)];
  if (seccomp) cfg.linux.seccomp = seccomp;
  writeFileSync(join(b, 'config.json'), JSON.stringify(cfg));
  return b;
}

let seq = 0;
function runContainer(root, b) {
  const id = `sw-bench-agent-${process.pid}-${++seq}`;
  return new Promise((resolve, reject) => {
    const c = spawnChild(RUNC, ['--root', root, 'run', '--bundle', b, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) => {
      spawnSync(RUNC, ['--root', root, 'delete', '--force', id]);
      if (code !== 0) reject(new Error(`container exited ${code}: ${err}`));
      else resolve(parse(out));
    });
  });
}

export async function run() {
  if (process.getuid?.() !== 0) throw new Error('the agent benchmark runs containers: run it as root');
  const { startAgent } = await import('../dist/node/agent.js');
  const { agentProfile } = await import('../dist/node/agent-profile.js');
  const { parsePolicyText } = await import('../dist/core/formats/parse.js');
  const { explainSession } = await import('../dist/node/explain.js');
  const { spawn } = await import('../dist/node/spawn.js');

  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-agent-'));
  chmodSync(dir, 0o700);
  const root = join(dir, 'runc-state');
  mkdirSync(root);
  let agent;
  try {
    writeFileSync(join(dir, 'loop.c'), LOOP_C);
    const bin = join(dir, 'loop');
    const cc = spawnSync('cc', ['-O2', '-static', '-o', bin, join(dir, 'loop.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cannot build the static loop (install gcc and libc6-dev): ${cc.stderr || cc.error}`);

    const policy = parsePolicyText(JSON.stringify(POLICY), { file: 'bench.json' }).policy;
    const socket = join(dir, 'agent.sock');
    let lines = 0;
    let bytes = 0;
    agent = await startAgent({ socket, logRate: 0, write: (l) => { lines++; bytes += l.length; } });
    const routed = agentProfile(policy, { mode: 'explain', listenerPath: socket, file: 'bench.json' }).object;
    const plainB = bundle(dir, 'plain', bin, undefined);
    const kernelB = bundle(dir, 'kernel', bin, JSON.parse(JSON.stringify(POLICY)));
    const agentB = bundle(dir, 'agent', bin, JSON.parse(JSON.stringify(routed, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))));

    const best = async (f) => {
      let b;
      for (let i = 0; i < 3; i++) {
        const r = await f();
        if (!b || r.ns < b.ns) b = r;
      }
      return b;
    };
    const rows = [];
    rows.push(['container, no filter', await best(() => runContainer(root, plainB))]);
    rows.push(['container, policy in the kernel (runc)', await best(() => runContainer(root, kernelB))]);
    const viaAgent = await best(() => runContainer(root, agentB));
    rows.push(['container, syswall agent explain (line per call)', viaAgent]);
    // syswall run --explain on the host: the same loop and policy.
    const runExplain = await best(async () => {
      const s = explainSession(policy, {}, { write: () => {} });
      const p = spawn(bin, [String(N)], { program: s.filter.instructions, flags: s.filter.flags, onSyscall: s.onSyscall, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.setEncoding('utf8');
      p.stdout.on('data', (d) => (out += d));
      await p.result;
      if (p.supervisor) await (await p.supervisor).done;
      await new Promise((res) => (p.stdout.readableEnded ? res() : p.stdout.on('end', res)));
      return parse(out);
    });
    rows.push(['host, syswall run --explain (line per call)', runExplain]);

    const plain = rows[0][1];
    console.log(`${N} getppid calls per run, denied EPERM by the policy; best of 3 (time measured inside the loop)`);
    console.log('| setup | total ms | calls/s | ns/call | vs no filter | denied |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, r] of rows) {
      console.log(`| ${name} | ${(r.ns / 1e6).toFixed(1)} | ${Math.round(N / (r.ns / 1e9)).toLocaleString('en-US')} | ${Math.round(r.ns / N)} | ${(r.ns / plain.ns).toFixed(1)}x | ${r.denied} |`);
    }
    const a = N / (viaAgent.ns / 1e9);
    const e = N / (runExplain.ns / 1e9);
    console.log(`syswall agent: ${Math.round(a).toLocaleString('en-US')} explained denials per second; run --explain: ${Math.round(e).toLocaleString('en-US')}; agent / run --explain = ${(a / e).toFixed(2)}x (${lines} agent lines, ${bytes} bytes)`);
  } finally {
    if (agent) await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
