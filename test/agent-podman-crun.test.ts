/**
 * The same explain test through Podman and through crun.
 *
 * Podman (Debian's 4.3) runs a container from a busybox rootfs the test
 * imports, with its own storage in the test's directory, `--runtime runc`
 * and `--cgroup-manager cgroupfs`, and `--ulimit nofile=1024:1024 --ulimit
 * nproc=1024:1024`: root here lacks CAP_SYS_RESOURCE, so Podman's default
 * limits (above the host's hard limits) would fail. Its default runtime,
 * crun, cannot run here as the host mounts cgroup v1 beside a cgroup2 tree
 * with a controller (crun: "cgroups in hybrid mode not supported").
 *
 * crun (Debian's 1.8.1) runs in a private mount namespace where that cgroup2
 * tree is unmounted (so crun sees cgroup v1 only), with
 * `--cgroup-manager=disabled`; the host's mounts are not touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { AgentProcess, RuncLab, until } from './helpers/containers.js';

let lab: RuncLab;
let agent: AgentProcess;
let sock: string;
let logFile: string;

const DENY_MKDIR = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };

function routedFile(name: string, runtime: 'runc' | 'crun'): string {
  const file = join(lab.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(DENY_MKDIR));
  const out = join(lab.dir, `${name}.routed.json`);
  const r = runCli(['compile', file, '--for-agent', 'explain', '--agent-runtime', runtime, '--listener-path', sock, '-o', out]);
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  lab = new RuncLab('syswall-agent-pm-');
  sock = join(lab.dir, 'agent.sock');
  logFile = join(lab.dir, 'agent.log');
  // Text lines into a log file this time (the other suites read JSON lines).
  agent = new AgentProcess(sock, ['--log', logFile], false);
  await until(() => existsSync(sock), 20_000, 'the agent socket');
});
afterAll(async () => {
  await agent?.stop();
  lab?.cleanup();
});

const logLines = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n') : []);

describe('through Podman', () => {
  it('podman run --security-opt seccomp=<routed profile>: the denied mkdir is answered by the policy and logged with the pod name', async () => {
    if (!existsSync('/usr/bin/podman')) throw new Error('/usr/bin/podman is missing: apt-get install podman');
    const store = join(lab.dir, 'podman');
    const pm = ['--root', join(store, 'root'), '--runroot', join(store, 'runroot'), '--tmpdir', join(store, 'tmp'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
    const b = lab.bundle('podman-rootfs', { args: ['true'] });
    const tar = join(lab.dir, 'rootfs.tar');
    expect(spawnSync('tar', ['-C', join(b, 'rootfs'), '-cf', tar, '.']).status).toBe(0);
    const image = `localhost/syswall-busybox:${process.pid}`;
    const imp = await run('podman', [...pm, 'import', tar, image]);
    expect(imp.code, imp.stderr).toBe(0);
    const name = `sw-podman-${process.pid}`;
    try {
      const r = await run('podman', [...pm, 'run', '--rm', '--name', name, '--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
        '--security-opt', `seccomp=${routedFile('podman', 'runc')}`, '--annotation', 'io.kubernetes.pod.name=podman-pod',
        image, 'sh', '-c', 'mkdir /tmp/pm; echo "mkdir=$?"']);
      expect(r.stdout, r.stderr).toContain('mkdir=1');
      expect(r.stderr).toMatch(/can't create directory '\/tmp\/pm': Permission denied/);
      await until(() => logLines().some((l) => / exited: 1 denied call/.test(l)), 20_000, 'the podman container in the log');
      expect(logLines().find((l) => l.includes('mkdir("/tmp/pm", 0777)'))).toMatch(/^\S+ syswall agent: \[[0-9a-f]{64} pod podman-pod\] \[pid \d+ mkdir\] mkdir\("\/tmp\/pm", 0777\) = -1 EACCES \(Permission denied\) \(ERRNO\(EACCES\) by rule 1 \(\$\.syscalls\[0\]\.names\[0\]\)\)$/);
    } finally {
      await run('podman', [...pm, 'rm', '-f', name]).catch(() => undefined);
      await run('podman', [...pm, 'rmi', '-f', image]).catch(() => undefined);
      spawnSync('umount', ['-R', join(store, 'root', 'overlay')]);
    }
  });
});

describe('through crun', () => {
  it('crun accepts the routed profile and hands the listener over; the denied mkdir is explained (crun model: no ENOSYS stub)', async () => {
    if (!existsSync('/usr/bin/crun')) throw new Error('/usr/bin/crun is missing: apt-get install crun');
    const id = lab.id('crun');
    const b = lab.bundle(id, { args: ['sh', '-c', 'mkdir /tmp/crun; echo "mkdir=$?"'], seccomp: JSON.parse(readFileSync(routedFile('crun', 'crun'), 'utf8')), annotations: { 'io.kubernetes.cri.sandbox-name': 'crun-pod', 'io.kubernetes.cri.sandbox-namespace': 'ns' } });
    // crun keeps its config's cgroups settings out of the way with --cgroup-manager=disabled.
    const cfg = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
    delete cfg.linux.resources;
    writeFileSync(join(b, 'config.json'), JSON.stringify(cfg));
    const crunRoot = join(lab.dir, 'crun-state');
    const script = `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled --root ${crunRoot} run --bundle ${b} ${id}`;
    try {
      const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], 60_000);
      expect(r.stdout, r.stderr).toContain('mkdir=1');
      expect(r.stderr).toMatch(/Permission denied/);
      await until(() => logLines().some((l) => l.includes(`container ${id} pod ns/crun-pod exited: 1 denied call`)), 20_000, 'the crun container in the log');
      expect(logLines().find((l) => l.includes(`container ${id} pod ns/crun-pod attached`))).toMatch(/attached: explain by crun\.json \(crun model\), pid \d+, from crun pid \d+ uid 0$/);
      expect(logLines().find((l) => l.includes('mkdir("/tmp/crun", 0777)'))).toMatch(/= -1 EACCES \(Permission denied\) \(ERRNO\(EACCES\) by rule 1/);
    } finally {
      spawnSync('crun', ['--root', crunRoot, 'delete', '--force', id]);
    }
  });
});
