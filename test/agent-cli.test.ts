/** `syswall agent` and `compile --for-agent` on the command line: bad usage is one line and exit 2; the agent stops cleanly. */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, expectCleanError, ROOT, runCli } from './helpers/cli.js';
import { until } from './helpers/containers.js';

const dir = mkdtempSync(join(tmpdir(), 'syswall-agent-cli-'));
chmodSync(dir, 0o700);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DOCKER = join(ROOT, 'data', 'profiles', 'docker-default.json');

describe('syswall agent: usage', () => {
  it('--help says what it does; missing or bad options are one line and exit 2', () => {
    const h = runCli(['agent', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/Usage: syswall agent --socket PATH \[--log FILE\] \[--record DIR\] \[--json\]/);
    expect(expectCleanError(runCli(['agent']))).toBe('syswall: error: agent: --socket PATH is required');
    expect(expectCleanError(runCli(['agent', '--socket', join(dir, 'a.sock'), '--socket-mode', '666']))).toMatch(/--socket-mode 666 lets every user connect/);
    expect(expectCleanError(runCli(['agent', '--socket', join(dir, 'a.sock'), '--socket-mode', 'rw']))).toMatch(/must be an octal mode/);
    expect(expectCleanError(runCli(['agent', '--socket', join(dir, 'a.sock'), '--log-rate', 'fast']))).toMatch(/--log-rate must be a non-negative number/);
    expect(expectCleanError(runCli(['agent', '--socket', join(dir, 'a.sock'), 'extra']))).toMatch(/unexpected operand "extra"/);
  });

  it('an unusable socket path or record directory is one line, exit 2, and nothing is touched', () => {
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    expect(expectCleanError(runCli(['agent', '--socket', join(open, 'a.sock')]))).toMatch(/the socket's directory .* is writable by other users/);
    writeFileSync(join(dir, 'file.sock'), 'x');
    expect(expectCleanError(runCli(['agent', '--socket', join(dir, 'file.sock')]))).toMatch(/exists and is not a socket; not removing it/);
    expect(readFileSync(join(dir, 'file.sock'), 'utf8')).toBe('x');
    expect(expectCleanError(runCli(['agent', '--socket', join(dir, 'b.sock'), '--record', open]))).toMatch(/the record directory .* is writable by other users/);
    expect(existsSync(join(dir, 'b.sock'))).toBe(false);
  });

  it('runs until SIGTERM, then exits 0 and removes its socket; JSON lines go to --log', async () => {
    const sock = join(dir, 'run.sock');
    const log = join(dir, 'agent.log');
    const child = spawn(process.execPath, [CLI, 'agent', '--socket', sock, '--json', '--log', log], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const exit = new Promise((r) => child.on('exit', r));
    try {
      await until(() => err.includes('listening on'), 20_000, 'the agent to say it listens');
      expect(err).toContain(`syswall agent: listening on ${sock}; lines go to ${log}`);
      expect(existsSync(sock)).toBe(true);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      // Whatever failed above, no agent is left behind.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(existsSync(sock)).toBe(false);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(['listening', 'stopped']);
  });
});

describe('compile --for-agent: usage', () => {
  it('needs --listener-path and OCI output; agent options need --for-agent', () => {
    expect(expectCleanError(runCli(['compile', DOCKER, '--for-agent', 'explain']))).toMatch(/--for-agent needs --listener-path PATH/);
    expect(expectCleanError(runCli(['compile', DOCKER, '--for-agent', 'explain', '--listener-path', '/run/a.sock', '--format', 'raw']))).toMatch(/--for-agent writes an OCI profile, not raw/);
    expect(expectCleanError(runCli(['compile', DOCKER, '--listener-path', '/run/a.sock']))).toMatch(/--listener-path needs --for-agent explain\|record/);
    expect(expectCleanError(runCli(['compile', DOCKER, '--for-agent', 'watch', '--listener-path', '/run/a.sock']))).toMatch(/unknown --for-agent mode "watch"/);
    expect(expectCleanError(runCli(['compile', DOCKER, '--for-agent', 'explain', '--listener-path', 'rel.sock']))).toMatch(/--listener-path must be an absolute path/);
    expect(expectCleanError(runCli(['compile', DOCKER, '--for-agent', 'explain', '--listener-path', '/run/a.sock', '--stats']))).toMatch(/--stats cannot be combined with --for-agent/);
  });

  it('writes the OCI object to stdout or -o, with the policy in listenerMetadata', () => {
    const r = runCli(['compile', DOCKER, '--for-agent', 'explain', '--listener-path', '/run/syswall/agent.sock', '--listener-metadata', 'web tier']);
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], listenerPath: '/run/syswall/agent.sock' });
    expect(o.listenerMetadata).toMatch(/^syswall-agent\/1 /);
    expect(o.syscalls.map((s: { action: string }) => s.action)).toEqual(['SCMP_ACT_ALLOW', 'SCMP_ACT_NOTIFY']);
    expect(o.syscalls[1].names).toEqual(expect.arrayContaining(['mount', 'clone', 'kexec_load']));
    expect(o.syscalls[0].names).not.toContain('mount');
  });
});
