/**
 * `syswall agent` with a real runc (issue 15 acceptance): containers built
 * from a busybox-static rootfs, profiles written by `syswall compile
 * --for-agent`, the agent as its own process speaking the listenerPath
 * protocol with runc.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, ROOT } from './helpers/cli.js';
import { AgentProcess, RuncLab } from './helpers/containers.js';
import { formatAgentEvent, type AgentEvent } from '../src/node/agent.js';

let lab: RuncLab;
let agent: AgentProcess;
let sock: string;
let recordDir: string;

/** Docker's default profile, resolved for this x86_64 host as OCI JSON, with mkdir and mkdirat denied EACCES. */
function dockerDenyingMkdir(): object {
  const r = runCli(['compile', join(ROOT, 'data', 'profiles', 'docker-default.json'), '--format', 'oci']);
  if (r.status !== 0) throw new Error(r.stderr);
  const p = JSON.parse(r.stdout);
  for (const s of p.syscalls) s.names = s.names.filter((n: string) => n !== 'mkdir' && n !== 'mkdirat');
  p.syscalls = p.syscalls.filter((s: { names: string[] }) => s.names.length > 0);
  p.syscalls.push({ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 });
  return p;
}

/** The routed profile `syswall compile --for-agent MODE` writes for `policy`. */
function forAgent(name: string, policy: object | string, mode: 'explain' | 'record', extra: string[] = []): object {
  const file = join(lab.dir, `${name}.json`);
  if (typeof policy === 'string') writeFileSync(file, readFileSync(policy));
  else writeFileSync(file, JSON.stringify(policy));
  const out = join(lab.dir, `${name}.${mode}.json`);
  const r = runCli(['compile', file, '--for-agent', mode, '--listener-path', sock, '-o', out, ...extra]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(readFileSync(out, 'utf8'));
}

const POD = { 'io.kubernetes.pod.name': 'web-7d9f', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.container.name': 'nginx' };

beforeAll(async () => {
  lab = new RuncLab('syswall-agent-runc-');
  sock = join(lab.dir, 'agent.sock');
  recordDir = join(lab.dir, 'recorded');
  agent = await new AgentProcess(sock, ['--record', recordDir]).ready();
});

afterAll(async () => {
  await agent?.stop();
  lab?.cleanup();
});

describe('syswall agent with runc: explain', () => {
  it('a denied mkdir gets the policy\'s errno, and the agent logs it with the container id, pod, process, call and rule', async () => {
    const seccomp = forAgent('docker-deny-mkdir', dockerDenyingMkdir(), 'explain', ['--listener-metadata', 'docker-default minus mkdir']);
    const id = lab.id('explain');
    const b = lab.bundle(id, { args: ['sh', '-c', 'mkdir /tmp/denied; echo "mkdir=$?"; [ -d /tmp/denied ] && echo exists || echo absent'], seccomp, annotations: POD });
    const r = await lab.run(b, id);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('mkdir=1');
    expect(r.stdout).toContain('absent');
    expect(r.stderr).toMatch(/mkdir: can't create directory '\/tmp\/denied': Permission denied/);
    expect(existsSync(join(b, 'rootfs', 'tmp', 'denied'))).toBe(false);

    const [denied] = await agent.waitFor('denied', id);
    expect(denied).toMatchObject({
      container: { id, pod: 'web-7d9f', namespace: 'shop', container: 'nginx', label: 'docker-default minus mkdir' },
      comm: 'mkdir', syscall: 'mkdir', action: 'ERRNO(EACCES)', outcome: '= -1 EACCES (Permission denied)',
    });
    expect(denied.text).toBe('mkdir("/tmp/denied", 0777)');
    expect(denied.by).toMatch(/^rule \d+ \(\$\.syscalls\[\d+\]\.names\[0\]\)$/);
    // The same wording as a text line.
    const line = formatAgentEvent({ event: 'denied', container: denied.container, comm: denied.comm, call: denied as unknown as Extract<AgentEvent, { event: 'denied' }>['call'] });
    expect(line).toMatch(new RegExp(`^syswall agent: \\[${id} pod shop/web-7d9f container nginx \\("docker-default minus mkdir"\\)\\] \\[pid \\d+ mkdir\\] mkdir\\("/tmp/denied", 0777\\) = -1 EACCES \\(Permission denied\\) \\(ERRNO\\(EACCES\\) by rule \\d+ \\(\\$\\.syscalls\\[\\d+\\]\\.names\\[0\\]\\)\\)$`));
    const [exited] = await agent.waitFor('exited', id);
    expect(exited).toMatchObject({ mode: 'explain', denied: 1, summary: [{ syscall: 'mkdir', action: 'ERRNO(EACCES)', count: 1 }] });
    expect(agent.events('attached', id)[0]).toMatchObject({ mode: 'explain', runtime: 'runc', policy: 'docker-deny-mkdir.json', peer: { uid: 0, comm: 'runc' } });
  });

  it('three containers at once: each denial is answered and logged under its own container', async () => {
    const seccomp = forAgent('docker-deny-mkdir-3', dockerDenyingMkdir(), 'explain');
    const shared = join(lab.dir, 'three');
    mkdirSync(shared);
    const ids = [lab.id('three-a'), lab.id('three-b'), lab.id('three-c')];
    const runs = ids.map((id) => {
      // Each waits until all three are attached, so their lifetimes overlap.
      const script = `mkdir /tmp/${id}-0; while [ ! -e /shared/go ]; do sleep 0.05; done; for i in 1 2 3; do mkdir /tmp/${id}-$i; done; echo finished`;
      return lab.run(lab.bundle(id, { args: ['sh', '-c', script], seccomp, shared }), id);
    });
    for (const id of ids) await agent.waitFor('denied', id);
    expect(ids.every((id) => agent.events('exited', id).length === 0)).toBe(true);
    writeFileSync(join(shared, 'go'), '');
    const results = await Promise.all(runs);
    for (const [i, r] of results.entries()) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('finished');
      expect(r.stderr.match(/Permission denied/g)).toHaveLength(4);
      const denied = await agent.waitFor('denied', ids[i], 4);
      expect(denied.map((d) => d.text)).toEqual([0, 1, 2, 3].map((n) => `mkdir("/tmp/${ids[i]}-${n}", 0777)`));
    }
  });

  it('a profile whose listenerMetadata is not syswall\'s is refused: its routed calls fail with ENOSYS, nothing is allowed', async () => {
    const id = lab.id('foreign');
    const seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: sock, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
    const b = lab.bundle(id, { args: ['sh', '-c', 'mkdir /tmp/foreign; echo "mkdir=$?"'], seccomp });
    const r = await lab.run(b, id);
    expect(r.stdout).toContain('mkdir=1');
    expect(r.stderr).toMatch(/Function not implemented/);
    expect(existsSync(join(b, 'rootfs', 'tmp', 'foreign'))).toBe(false);
    const [refused] = await agent.waitFor('refused', id);
    expect(refused.reason).toMatch(/has no listenerMetadata/);
  });
});

describe('syswall agent with runc: record', () => {
  it('records a container, merges a second run of the same id, and the recorded profile replays with no denial', async () => {
    const workload = ['sh', '-c', 'mkdir -p /tmp/r1; ls /tmp; uname -s; echo done'];
    const seccomp = forAgent('docker-record', join(ROOT, 'data', 'profiles', 'docker-default.json'), 'record');
    const id = lab.id('record');
    const first = await lab.run(lab.bundle(`${id}-1`, { args: workload, seccomp, annotations: POD }), id);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('done');
    const [rec1] = await agent.waitFor('recorded', id);
    expect(rec1).toMatchObject({ file: join(recordDir, `${id}.json`), merged: false, final: true });
    expect(rec1.calls).toBeGreaterThan(20);
    const second = await lab.run(lab.bundle(`${id}-2`, { args: workload, seccomp }), id);
    expect(second.code, second.stderr).toBe(0);
    const recs = await agent.waitFor('recorded', id, 2);
    expect(recs[1]).toMatchObject({ merged: true });
    const recorded = readFileSync(join(recordDir, `${id}.json`), 'utf8');
    for (const name of ['execve', 'mkdir', 'uname', 'getdents64', 'write']) expect(recorded).toContain(`"${name}"`);

    // Replay: the recorded profile, explained, lets the same workload run with no denial.
    const replay = forAgent('replay', join(recordDir, `${id}.json`), 'explain');
    const rid = lab.id('replay');
    const r = await lab.run(lab.bundle(rid, { args: workload, seccomp: replay }), rid);
    expect(r.code, `${r.stderr.slice(0, 600)}\ndenied: ${JSON.stringify(agent.events('denied', rid))}`).toBe(0);
    expect(r.stdout).toContain('done');
    const [exited] = await agent.waitFor('exited', rid);
    expect(exited).toMatchObject({ mode: 'explain', denied: 0 });

    // Control: the recorded profile is no allow-all; what the recording never did (rmdir) is denied and named.
    const cid = lab.id('replay-control');
    const c = await lab.run(lab.bundle(cid, { args: ['sh', '-c', 'mkdir -p /tmp/r1; rmdir /tmp/r1; echo "rmdir=$?"'], seccomp: replay }), cid);
    expect(c.stdout).toContain('rmdir=1');
    const [d] = await agent.waitFor('denied', cid);
    expect(d).toMatchObject({ syscall: 'rmdir', action: 'ERRNO(EPERM)', by: 'default action' });
  });

  it('record mode cannot be asked of an agent without --record: refused, fail closed', async () => {
    const other = new AgentProcess(join(lab.dir, 'norecord.sock'));
    await other.ready();
    try {
      const file = join(lab.dir, 'allow-all.json');
      writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] }));
      const out = join(lab.dir, 'norecord.json');
      expect(runCli(['compile', file, '--for-agent', 'record', '--listener-path', other.socket, '-o', out]).status).toBe(0);
      const id = lab.id('norecord');
      // runc's own init cannot go on when every routed call fails: the container never runs its command.
      const run = lab.run(lab.bundle(id, { args: ['sh', '-c', 'echo ran'], seccomp: JSON.parse(readFileSync(out, 'utf8')) }), id, 60_000);
      const [refused] = await other.waitFor('refused', id);
      expect(refused.reason).toMatch(/record mode, but the agent runs without --record/);
      // runc's init gets ENOSYS for every call it makes now and never reaches the command; end it.
      await new Promise((r) => setTimeout(r, 300));
      try {
        process.kill(refused.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      const r = await run;
      expect(r.stdout).not.toContain('ran');
    } finally {
      await other.stop();
    }
  });
});
