/**
 * The agent's failure modes with a real runc: the agent killed while its
 * container runs (routed calls then fail with ENOSYS; the denied mkdir stays
 * denied), and bad peers on its socket (garbage, no fd, the wrong kind of
 * fd, a hang-up, silence), each one log line and a closed connection while
 * a container in flight is still served.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { AgentProcess, RuncLab, until } from './helpers/containers.js';
import { PYTHON } from './helpers/libseccomp-python.js';
import { startAgent, type AgentEvent } from '../src/node/agent.js';

let lab: RuncLab;

/** Deny-list policy: everything allowed but mkdir/mkdirat (EACCES), so only they are routed. */
const DENY_MKDIR = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };

function routed(name: string, socket: string): object {
  const file = join(lab.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(DENY_MKDIR));
  const out = join(lab.dir, `${name}.routed.json`);
  const r = runCli(['compile', file, '--for-agent', 'explain', '--listener-path', socket, '-o', out]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(readFileSync(out, 'utf8'));
}

/** A container that makes one denied mkdir, signals /shared/ready, waits for /shared/go, then tries again. */
const TWO_STEP = [
  'sh', '-c',
  'mkdir /tmp/first; echo "first=$?"; touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.05; done; ' +
  'mkdir /tmp/second; echo "second=$?"; echo alive > /tmp/alive; cat /tmp/alive',
];

beforeAll(() => {
  lab = new RuncLab('syswall-agent-fail-');
});
afterAll(() => lab?.cleanup());

describe('the agent killed mid-run', () => {
  it('routed calls fail with ENOSYS once the agent is gone; the denied mkdir is still denied; allowed calls go on', async () => {
    const sock = join(lab.dir, 'kill.sock');
    const agent = await new AgentProcess(sock).ready();
    const shared = join(lab.dir, 'kill-shared');
    mkdirSync(shared);
    const id = lab.id('killed');
    const b = lab.bundle(id, { args: TWO_STEP, seccomp: routed('kill', sock), shared });
    const run = lab.run(b, id);
    try {
      await agent.waitFor('denied', id);
      await until(() => existsSync(join(shared, 'ready')), 10_000, 'the container to reach its wait');
      agent.child.kill('SIGKILL');
      const gone = await agent.exit;
      expect(gone.signal).toBe('SIGKILL');
      writeFileSync(join(shared, 'go'), '');
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('first=1');
      expect(r.stdout).toContain('second=1');
      expect(r.stderr).toMatch(/can't create directory '\/tmp\/first': Permission denied/);
      expect(r.stderr).toMatch(/can't create directory '\/tmp\/second': Function not implemented/);
      expect(r.stdout).toContain('alive');
      expect(existsSync(join(b, 'rootfs', 'tmp', 'first'))).toBe(false);
      expect(existsSync(join(b, 'rootfs', 'tmp', 'second'))).toBe(false);
      expect(existsSync(join(b, 'rootfs', 'tmp', 'alive'))).toBe(true);
    } finally {
      await agent.stop();
    }
  });

  it('control: without the filter the same mkdir succeeds (the attack is real)', async () => {
    const shared = join(lab.dir, 'control-shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'go'), '');
    const id = lab.id('control');
    const b = lab.bundle(id, { args: TWO_STEP, shared });
    const r = await lab.run(b, id);
    expect(r.stdout).toContain('first=0');
    expect(r.stdout).toContain('second=0');
    expect(existsSync(join(b, 'rootfs', 'tmp', 'second'))).toBe(true);
  });
});

/** Runs the bad-peer client: each case connects, misbehaves, and reports whether the agent closed the connection. */
function badPeers(socket: string): Record<string, string> {
  const py = String.raw`
import socket, os, json, sys, time
path = sys.argv[1]
state = {"ociVersion": "1.0.2", "fds": ["seccompFd"], "pid": 1, "metadata": "", "state": {"ociVersion": "1.0.2", "id": "bad-peer", "status": "creating", "pid": 1, "bundle": "/nonexistent"}}
out = {}
def closed_by_agent(s, timeout=5.0):
    s.settimeout(timeout)
    try:
        while True:
            d = s.recv(100)
            if not d: return "closed"
    except socket.timeout:
        return "still open"
    except ConnectionResetError:
        return "closed"
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(path); return s
s = conn(); s.sendall(b'{"ociVersion": nope}'); out["garbage-json"] = closed_by_agent(s); s.close()
s = conn(); s.sendall(b'hello, agent\n'); out["not-json"] = closed_by_agent(s); s.close()
s = conn(); s.sendall(json.dumps(state).encode()); out["no-fd"] = closed_by_agent(s); s.close()
r, w = os.pipe()
s = conn(); socket.send_fds(s, [json.dumps(state).encode()], [r]); out["pipe-fd"] = closed_by_agent(s); s.close()
f = os.open("/dev/null", os.O_RDONLY)
s = conn(); socket.send_fds(s, [json.dumps(state).encode()], [f]); out["file-fd"] = closed_by_agent(s); s.close()
s = conn(); s.sendall(b'{"ociVersion": "1.0.2", "fds": ['); s.close(); out["hang-up"] = "sent"
s = conn(); out["silence"] = closed_by_agent(s, 10.0); s.close()
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', py, socket], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`bad-peer client failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

describe('bad peers', () => {
  it('each costs one line and its connection; a container in flight is still served, and the agent lives on', async () => {
    const sock = join(lab.dir, 'peers.sock');
    const agent = await new AgentProcess(sock, ['--peer-timeout', '1']).ready();
    const shared = join(lab.dir, 'peers-shared');
    mkdirSync(shared);
    const id = lab.id('peers');
    const run = lab.run(lab.bundle(id, { args: TWO_STEP, seccomp: routed('peers', sock), shared }), id);
    try {
      await agent.waitFor('denied', id);
      const res = badPeers(sock);
      expect(res).toEqual({ 'garbage-json': 'closed', 'not-json': 'closed', 'no-fd': 'closed', 'pipe-fd': 'closed', 'file-fd': 'closed', 'hang-up': 'sent', silence: 'closed' });
      const bad = await agent.waitFor('bad-peer', undefined, 7);
      const reasons = bad.map((l) => l.reason as string);
      expect(reasons[0]).toMatch(/^garbage JSON: /);
      expect(reasons[1]).toMatch(/^garbage instead of a container process state: expected a JSON object, got "h" at byte 0$/);
      expect(reasons[2]).toMatch(/^no fd came with the message$/);
      expect(reasons[3]).toMatch(/^the seccompFd sent is not a seccomp listener \(it is "pipe:\[\d+\]"\)$/);
      expect(reasons[4]).toMatch(/^the seccompFd sent is not a seccomp listener \(it is \/dev\/null\)$/);
      expect(reasons[5]).toMatch(/^hung up after \d+ bytes, before its JSON object ended$/);
      expect(reasons[6]).toMatch(/^sent no complete message within 1000 ms$/);
      expect(bad.slice(2, 5).every((l) => l.container === 'bad-peer')).toBe(true);
      expect(bad.every((l) => l.peer.uid === 0)).toBe(true);
      // The container attached before the bad peers is still explained.
      writeFileSync(join(shared, 'go'), '');
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/'\/tmp\/second': Permission denied/);
      const denied = await agent.waitFor('denied', id, 2);
      expect(denied[1].text).toBe('mkdir("/tmp/second", 0777)');
      expect(agent.child.exitCode).toBe(null);
      expect(agent.events('error')).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it('a peer of another uid is turned away by its credentials (SO_PEERCRED) before it may send anything', async () => {
    const events: AgentEvent[] = [];
    const a = await startAgent({ socket: join(lab.dir, 'uid.sock'), allowedUids: [4242], write: () => {}, onEvent: (e) => events.push(e) });
    try {
      const py = 'import socket,sys\ns=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);s.settimeout(5)\nprint("closed" if s.recv(10)==b"" else "open")';
      const r = await new Promise<string>((res) => {
        const c = spawn(PYTHON, ['-c', py, a.socket], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d));
        c.on('close', () => res(out.trim()));
      });
      expect(r).toBe('closed');
      expect(events.find((e) => e.event === 'bad-peer')).toMatchObject({ reason: 'uid 0 may not hand over listeners (allowed: 4242)' });
    } finally {
      await a.close();
    }
  });
});
