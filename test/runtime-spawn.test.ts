/**
 * spawn() against the real kernel: every filter loads in the helper child,
 * never in the test runner.
 */
import { existsSync, readFileSync, readlinkSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, SandboxError, toProgramBytes } from '../src/node/index.js';
import { actionAvail } from '../src/node/native.js';
import { hostArch } from '../src/node/host.js';
import { ALLOW_ALL, C, INVALID_PROGRAM, hostNumbers, ruleProgram } from './helpers/bpf.js';
import { collect, compileFixture, tempDir } from './helpers/runtime.js';

const MKDIR = ['mkdir', 'mkdirat'];
const ERRNO = (e: number) => C.SECCOMP_RET_ERRNO | e;

async function run(cmd: string, args: string[], opts: Parameters<typeof spawn>[2]) {
  const p = spawn(cmd, args, opts);
  const [stdout, stderr, result] = await Promise.all([collect(p.stdout), collect(p.stderr), p.result]);
  return { stdout, stderr, ...result };
}

async function sandboxError(p: Promise<unknown>): Promise<SandboxError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SandboxError);
    return e as SandboxError;
  }
  throw new Error('expected a SandboxError');
}

let dir: string;
let strictVictim: string;
let strictQuiet: string;
let trapVictim: string;
beforeAll(() => {
  dir = tempDir();
  strictVictim = compileFixture('strict-victim.c', join(dir, 'strict-victim'), ['-static', '-nostdlib', '-fno-stack-protector']);
  strictQuiet = compileFixture('strict-victim.c', join(dir, 'strict-quiet'), ['-static', '-nostdlib', '-fno-stack-protector', '-DNO_OPEN']);
  trapVictim = compileFixture('trap-victim.c', join(dir, 'trap-victim'));
});

describe('spawn: results pass through', () => {
  it('runs a command under an allow-all filter, with stdio, exit code, env and cwd', async () => {
    const r = await run('sh', ['-c', 'echo "$FOO $(pwd)"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; exit 3'], {
      program: ALLOW_ALL, env: { ...process.env, FOO: 'bar' }, cwd: dir,
    });
    expect(r.exitCode).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.seccompKilled).toBe(false);
    expect(r.stdout).toContain(`bar ${dir}`);
    expect(r.stdout).toMatch(/Seccomp:\s+2/);
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(r.command).toBe(`sh -c 'echo "$FOO $(pwd)"; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; exit 3'`);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('feeds stdin; the command is pid 2 of its own PID namespace, commandPid is its pid here', async () => {
    const p = spawn('sh', ['-c', 'cat; echo $$; sleep 0.2'], { program: ALLOW_ALL });
    p.stdin!.end('hello\n');
    const cpid = await p.commandPid;
    expect(cpid).not.toBe(p.pid);
    expect(readFileSync(`/proc/${cpid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+2$/m);
    const [out, r] = await Promise.all([collect(p.stdout), p.result]);
    expect(out).toBe('hello\n2\n');
    expect(r.exitCode).toBe(0);
    expect(r.pid).toBe(cpid);
    expect(p.isolation).toMatchObject({ namespaces: true });
    await expect(p.started).resolves.toBeUndefined();
  });

  it('reports a signal death as signal, and kill() works', async () => {
    const r = await run('sh', ['-c', 'kill -TERM $$'], { program: ALLOW_ALL });
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGTERM', seccompKilled: false });
    const p = spawn('sleep', ['30'], { program: ALLOW_ALL });
    await p.started;
    p.kill('SIGKILL');
    expect(await p.result).toMatchObject({ signal: 'SIGKILL' });
  });

  it('aborts through an AbortSignal', async () => {
    const ac = new AbortController();
    const p = spawn('sleep', ['30'], { program: ALLOW_ALL, signal: ac.signal });
    await p.started;
    ac.abort();
    expect(await p.result).toMatchObject({ signal: 'SIGTERM' });
  });

  it('accepts raw bytes as well as instructions', async () => {
    const r = await run('true', [], { program: toProgramBytes(ruleProgram([])) });
    expect(r.exitCode).toBe(0);
  });
});

describe('spawn: filter actions behave as the kernel documents', () => {
  it('ERRNO: a deny rule on mkdir makes `sh -c mkdir` fail with the chosen errno (EACCES)', async () => {
    const target = join(dir, 'denied');
    const r = await run('sh', ['-c', `mkdir ${target}`], { program: ruleProgram([{ names: MKDIR, action: ERRNO(13) }]) });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Permission denied');
    expect(existsSync(target)).toBe(false);
  });

  it('ERRNO data is the errno the syscall returns (EROFS)', async () => {
    const r = await run('sh', ['-c', `mkdir ${join(dir, 'rofs')}`], { program: ruleProgram([{ names: MKDIR, action: ERRNO(30) }]) });
    expect(r.stderr).toContain('Read-only file system');
  });

  it('KILL_PROCESS: the child dies of SIGSYS and seccompKilled is true', async () => {
    const target = join(dir, 'killed');
    const r = await run('mkdir', [target], { program: ruleProgram([{ names: MKDIR, action: C.SECCOMP_RET_KILL_PROCESS }]) });
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGSYS', seccompKilled: true });
    expect(existsSync(target)).toBe(false);
  });

  it('KILL_THREAD in a single-threaded child: SIGSYS too', async () => {
    const r = await run('mkdir', [join(dir, 'killed-thread')], { program: ruleProgram([{ names: MKDIR, action: C.SECCOMP_RET_KILL_THREAD }]) });
    expect(r).toMatchObject({ signal: 'SIGSYS', seccompKilled: true });
  });

  it('TRAP: SIGSYS with si_code SYS_SECCOMP, si_syscall, si_arch and si_errno = RET_DATA; the syscall is skipped', async () => {
    const [getppid] = hostNumbers(['getppid']);
    const program = ruleProgram([{ names: ['getppid'], action: C.SECCOMP_RET_TRAP | 42 }]);
    const handled = await run(trapVictim, ['handle'], { program });
    expect(handled.exitCode).toBe(0);
    expect(handled.stdout).toBe(`signo=31 code=1 syscall=${getppid} arch=0x${hostArch().token.toString(16)} errno=42\nreturned\n`);
    const unhandled = await run(trapVictim, [], { program });
    expect(unhandled).toMatchObject({ signal: 'SIGSYS', seccompKilled: true });
    expect(unhandled.stdout).not.toContain('returned');
  });

  it('LOG: the syscall is allowed (and logged by the kernel when "log" is in actions_logged)', async () => {
    expect(actionAvail(C.SECCOMP_RET_LOG)).toBe(true);
    const target = join(dir, 'logged');
    const r = await run('mkdir', [target], { program: ruleProgram([{ names: MKDIR, action: C.SECCOMP_RET_LOG }]) });
    expect(r.exitCode).toBe(0);
    expect(existsSync(target)).toBe(true);
  });

  it('grandchildren are filtered too', async () => {
    const target = join(dir, 'grandchild');
    const program = ruleProgram([{ names: MKDIR, action: ERRNO(1) }]);
    const r = await run('sh', ['-c', `sh -c 'mkdir ${target}; echo rc=$?; grep -E "^Seccomp" /proc/self/status'`], { program });
    // Two filters: syswall's guard (docs/security.md), then the program.
    expect(r.stdout).toMatch(/rc=1\nSeccomp:\s+2\nSeccomp_filters:\s+2\n/);
    expect(r.stderr).toContain('Operation not permitted');
    expect(existsSync(target)).toBe(false);
  });
});

describe('spawn: fails closed', () => {
  it('a missing command is a SandboxError "cannot exec", not exit 127', async () => {
    const p = spawn('syswall-no-such-command', ['x'], { program: ALLOW_ALL });
    const e = await sandboxError(p.result);
    expect(e).toMatchObject({ code: 'EXEC_FAILED', stage: 'exec', errno: 'ENOENT', kind: 'runtime' });
    expect(e.message).toBe('cannot exec syswall-no-such-command: No such file or directory');
    await expect(p.started).rejects.toBe(e);
  });

  it('a non-executable file is "cannot exec ...: Permission denied"', async () => {
    const f = join(dir, 'not-exec.sh');
    writeFileSync(f, '#!/bin/sh\ntrue\n', { mode: 0o644 });
    const e = await sandboxError(spawn(f, [], { program: ALLOW_ALL }).result);
    expect(e).toMatchObject({ code: 'EXEC_FAILED', errno: 'EACCES' });
    expect(e.message).toBe(`cannot exec ${f}: Permission denied`);
  });

  it('a filter that denies execve stops the command before it starts', async () => {
    const e = await sandboxError(spawn('true', [], { program: ruleProgram([{ names: ['execve', 'execveat'], action: ERRNO(1) }]) }).result);
    expect(e).toMatchObject({ code: 'EXEC_FAILED', errno: 'EPERM' });
    expect(e.message).toBe('cannot exec true: Operation not permitted');
  });

  it('a program the kernel rejects is a typed error and the command never runs', async () => {
    const marker = join(dir, 'marker-invalid');
    const p = spawn('sh', ['-c', `touch ${marker}`], { program: INVALID_PROGRAM });
    const e = await sandboxError(p.result);
    expect(e).toMatchObject({ code: 'FILTER_FAILED', stage: 'seccomp', errno: 'EINVAL' });
    expect(e.message).toMatch(/^the kernel rejected the filter/);
    expect(existsSync(marker)).toBe(false);
  });

  it('garbage bytes are rejected before anything runs', async () => {
    expect(() => spawn('true', [], { program: new Uint8Array(12) })).toThrow(/expected 1\.\.4096 instructions/);
    const marker = join(dir, 'marker-garbage');
    const garbage = new Uint8Array(64).map((_, i) => (i * 97 + 13) & 0xff);
    const e = await sandboxError(spawn('sh', ['-c', `touch ${marker}`], { program: garbage }).result);
    expect(e.code).toBe('FILTER_FAILED');
    expect(existsSync(marker)).toBe(false);
  });

  it('no_new_privs off without CAP_SYS_ADMIN fails with a clear EACCES error', async () => {
    const marker = join(dir, 'marker-nnp');
    const p = spawn('sh', ['-c', `touch ${marker}`], { program: ALLOW_ALL, noNewPrivs: false, uid: 65534, gid: 65534 });
    const e = await sandboxError(p.result);
    expect(e).toMatchObject({ code: 'FILTER_FAILED', errno: 'EACCES' });
    expect(e.message).toBe('installing a filter without no_new_privs (--no-nnp) needs CAP_SYS_ADMIN: Permission denied');
    expect(e.hint).toMatch(/CAP_SYS_ADMIN/);
    expect(existsSync(marker)).toBe(false);
  });

  it('no_new_privs off works with CAP_SYS_ADMIN (root, as in CI)', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (CI runs as root)');
    const r = await run('grep', ['NoNewPrivs', '/proc/self/status'], { program: ALLOW_ALL, noNewPrivs: false });
    expect(r.stdout).toMatch(/NoNewPrivs:\s+0/);
  });

  it('a missing working directory is a SandboxError naming it', async () => {
    const e = await sandboxError(spawn('true', [], { program: ALLOW_ALL, cwd: join(dir, 'no-such-dir') }).result);
    expect(e).toMatchObject({ code: 'SANDBOX_SETUP_FAILED', stage: 'helper', errno: 'ENOENT' });
    expect(e.message).toBe(`cannot start true: working directory ${join(dir, 'no-such-dir')} does not exist`);
  });

  it('bad options are TypeErrors naming the option', () => {
    expect(() => spawn('true', [], {})).toThrow(/options\.program is required/);
    expect(() => spawn('', [], { program: ALLOW_ALL })).toThrow(TypeError);
    expect(() => spawn('true', [], { strict: true, program: ALLOW_ALL })).toThrow(/options\.strict cannot be combined/);
    expect(() => spawn('true', [], { program: ALLOW_ALL, flags: -1 })).toThrow(/options\.flags/);
  });
});

describe('spawn: strict mode', () => {
  it('--strict kills a child that calls open after start (write works first)', async () => {
    const r = await run(strictVictim, [], { strict: true });
    expect(r.stdout).toBe('started\n');
    expect(r).toMatchObject({ signal: 'SIGSYS', seccompKilled: true });
  });

  it('a strict-mode program that only reads, writes and exits runs to the end', async () => {
    const r = await run(strictQuiet, [], { strict: true });
    expect(r.stdout).toBe('started\nsurvived\n');
    expect(r).toMatchObject({ exitCode: 0, signal: null });
  });

  it('the same programs run normally without strict mode', async () => {
    expect((await run(strictVictim, [], { program: ALLOW_ALL })).stdout).toBe('started\nsurvived\n');
  });

  it('an ordinary dynamically linked command dies in the loader under strict mode', async () => {
    expect(await run('true', [], { strict: true })).toMatchObject({ signal: 'SIGSYS' });
  });
});

describe('spawn: user-notification listener', () => {
  it('passes the listener fd back; closing it makes notified syscalls fail with ENOSYS', async () => {
    const target = join(dir, 'notified');
    const program = ruleProgram([{ names: MKDIR, action: C.SECCOMP_RET_USER_NOTIF }]);
    const p = spawn('sh', ['-c', `mkdir ${target}; echo rc=$?`], { program, listener: true });
    const fd = await p.listenerFd!;
    expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe('anon_inode:seccomp notify');
    closeSync(fd);
    const [out, err, r] = await Promise.all([collect(p.stdout), collect(p.stderr), p.result]);
    expect(out).toBe('rc=1\n');
    expect(err).toContain('Function not implemented');
    expect(r.exitCode).toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  it('the listener promise rejects with the sandbox failure when the filter is refused', async () => {
    const p = spawn('true', [], { program: INVALID_PROGRAM, listener: true });
    const e = await sandboxError(p.listenerFd!);
    expect(e.code).toBe('FILTER_FAILED');
  });
});

describe('spawn: clean-up', () => {
  it('kills sandboxed children when the parent Node process exits', async () => {
    const { spawnSync } = await import('node:child_process');
    const { pathToFileURL } = await import('node:url');
    const { ROOT } = await import('./helpers/runtime.js');
    const entry = pathToFileURL(join(ROOT, 'dist', 'node', 'index.js')).href;
    const script = `import { spawn } from ${JSON.stringify(entry)};
      const p = spawn('sleep', ['300'], { program: new Uint8Array([${toProgramBytes(ALLOW_ALL).join(', ')}]), stdio: 'ignore' });
      await p.started; console.log(p.pid); process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // SIGKILL was sent before the parent exited; wait for the orphan to be reaped.
    const alive = () => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^\d+ \(.*\) Z/.test(stat);
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 200 && alive(); i++) await new Promise((res) => setTimeout(res, 10));
    expect(alive()).toBe(false);
  });
});
