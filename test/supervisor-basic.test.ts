/**
 * The user-notification supervisor against the real kernel: a hand-built
 * filter sends chosen syscalls to a TypeScript callback; the child runs under
 * syswall-helper (never in the test runner).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from '../src/node/spawn.js';
import type { SyscallEvent, SupervisorError } from '../src/node/supervisor.js';
import { syscallNumber } from '../src/core/arch/syscalls.js';
import { hostArch } from '../src/node/host.js';
import { collect, notifyProgram, PY } from './helpers/notify.js';

const dir = mkdtempSync(join(tmpdir(), 'syswall-sup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(code: string, names: string[], onSyscall: Parameters<typeof spawn>[2] extends infer O ? O extends { onSyscall?: infer F } ? F : never : never, extra: Record<string, unknown> = {}) {
  const p = spawn(PY, ['-c', code], { program: notifyProgram(names), onSyscall, stdio: ['ignore', 'pipe', 'pipe'], ...extra });
  const [out, err, result] = await Promise.all([collect(p.stdout), collect(p.stderr), p.result]);
  const sup = await p.supervisor!;
  const stats = await sup.done;
  return { out, err, result, stats };
}

describe('supervisor: decisions', () => {
  it('shows mkdir with its decoded path and mode; an errno decision fails it', async () => {
    const target = join(dir, 'denied');
    const seen: { name: string; path?: string; mode: bigint; text: string; arch?: string }[] = [];
    const r = await run(`import os\ntry:\n  os.mkdir(${JSON.stringify(target)}, 0o755)\nexcept OSError as e:\n  print(e.errno)`, ['mkdir'], (ev: SyscallEvent) => {
      seen.push({ name: ev.name, path: ev.readPath(ev.args[0]), mode: ev.args[1], text: ev.format(), arch: ev.arch?.name });
      return { errno: 'EACCES' };
    });
    expect(seen).toEqual([{ name: 'mkdir', path: target, mode: 0o755n, text: `mkdir(${JSON.stringify(target)}, 0755)`, arch: 'x86_64' }]);
    expect(r.out.trim()).toBe('13');
    expect(existsSync(target)).toBe(false);
    expect(r.stats).toMatchObject({ received: 1, errno: 1, failedClosed: 0 });
  });

  it('continue lets the kernel run the call', async () => {
    const target = join(dir, 'allowed');
    const r = await run(`import os\nos.mkdir(${JSON.stringify(target)}, 0o700)\nprint('ok')`, ['mkdir'], () => ({ continue: true }));
    expect(r.out.trim()).toBe('ok');
    expect(existsSync(target)).toBe(true);
    expect(r.stats).toMatchObject({ received: 1, continued: 1 });
  });

  it('value makes the call return that value without running it', async () => {
    const target = join(dir, 'faked');
    const r = await run(`import os\nos.mkdir(${JSON.stringify(target)})\nprint('ok', os.getppid())`, ['mkdir', 'getppid'], (ev) => (ev.name === 'getppid' ? { value: 4242 } : { value: 0 }));
    expect(r.out.trim()).toBe('ok 4242');
    expect(existsSync(target)).toBe(false);
    expect(r.stats).toMatchObject({ received: 2, value: 2 });
  });

  it('kill ends the process with SIGKILL (nothing can catch it), reported as a seccomp kill by the supervisor', async () => {
    const target = join(dir, 'killed');
    const r = await run(`import os\nprint('before', flush=True)\nos.mkdir(${JSON.stringify(target)})\nprint('after')`, ['mkdir'], () => ({ kill: true }));
    expect(r.out).toBe('before\n');
    expect(r.result.signal).toBe('SIGKILL');
    expect(r.result.seccompKilled).toBe(true);
    expect(r.result.supervisorKilled).toBe(true);
    expect(existsSync(target)).toBe(false);
    expect(r.stats.killed).toBe(1);
  });

  it("kill is SIGKILL even when the process handles SIGSYS (it could survive a SIGSYS)", async () => {
    const code = `import os, signal\nsignal.signal(signal.SIGSYS, lambda *a: None)\nos.mkdir(${JSON.stringify(join(dir, 'k2'))})\nprint('survived')`;
    const r = await run(code, ['mkdir'], () => ({ kill: true }));
    expect(r.out).toBe('');
    expect(r.result.signal).toBe('SIGKILL');
  });

  it('async callbacks work and are awaited', async () => {
    const r = await run(`import os\nprint(os.getppid())`, ['getppid'], async () => {
      await new Promise((res) => setTimeout(res, 50));
      return { value: 7 };
    });
    expect(r.out.trim()).toBe('7');
  });

  it('decodes openat flags and socket arguments from a real process', async () => {
    const texts: string[] = [];
    const code = `import socket\ntry:\n  open('/etc/hostname').close()\nexcept OSError as e: print(e.errno)\ntry:\n  socket.socket(socket.AF_INET, socket.SOCK_STREAM)\nexcept OSError as e: print(e.errno)\ntry:\n  socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\nexcept OSError as e: print(e.errno)`;
    const r = await run(code, ['openat', 'socket'], (ev) => {
      const text = ev.format();
      if (ev.name === 'socket' || text.includes('/etc/hostname')) {
        texts.push(text);
        return { errno: 'EPERM' };
      }
      return { continue: true };
    });
    expect(texts).toEqual([
      'openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC)',
      'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP)',
      'socket(AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP)',
    ]);
    expect(r.out.trim().split('\n')).toEqual(['1', '1', '1']);
  });

  it('reads structs from the caller', async () => {
    // clock_nanosleep's request is a struct timespec { tv_sec; tv_nsec }.
    let ts: unknown;
    const code = `import ctypes\nclass TS(ctypes.Structure): _fields_ = [('s', ctypes.c_long), ('ns', ctypes.c_long)]\nctypes.CDLL(None).nanosleep(ctypes.byref(TS(1, 250000000)), None)`;
    // glibc's nanosleep is clock_nanosleep(CLOCK_REALTIME, 0, req, rem).
    await run(code, ['clock_nanosleep'], (ev) => {
      ts = ev.readStruct(ev.args[2], [['sec', 'long'], ['nsec', 'long']] as const);
      return { value: 0 };
    });
    expect(ts).toEqual({ sec: 1n, nsec: 250_000_000n });
  });
});

describe('supervisor: failing closed', () => {
  it('a callback that throws denies with EPERM and says why', async () => {
    const errors: SupervisorError[] = [];
    const target = join(dir, 'throw');
    const r = await run(`import os\ntry:\n  os.mkdir(${JSON.stringify(target)})\nexcept OSError as e: print(e.errno)`, ['mkdir'], () => {
      throw new Error('boom');
    }, { supervisor: { onError: (e: SupervisorError) => errors.push(e) } });
    expect(r.out.trim()).toBe('1');
    expect(existsSync(target)).toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['SUPERVISOR_CALLBACK_THREW']);
    expect(errors[0].message).toMatch(/onSyscall threw for mkdir \(pid \d+\): boom; answered with EPERM/);
    expect(r.stats).toMatchObject({ failedClosed: 1, continued: 0 });
  });

  it('a rejected promise, a bad decision and a timeout all fail closed', async () => {
    const errors: string[] = [];
    let n = 0;
    // syscall(2) sets errno (glibc's getppid wrapper does not).
    const code = `import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nfor i in range(4):\n  ctypes.set_errno(0)\n  print(libc.syscall(${syscallNumber(hostArch(), 'getppid')}), ctypes.get_errno(), flush=True)`;
    const r = await run(code, ['getppid'], ((): any => {
      n++;
      if (n === 1) return Promise.reject(new Error('nope'));
      if (n === 2) return { allow: true };
      if (n === 3) return new Promise(() => {});
      return { continue: true };
    }), { supervisor: { timeoutMs: 300, onError: (e: SupervisorError) => errors.push(e.code) } });
    expect(errors).toEqual(['SUPERVISOR_CALLBACK_THREW', 'SUPERVISOR_BAD_DECISION', 'SUPERVISOR_TIMEOUT']);
    const lines = r.out.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['-1 1', '-1 1', '-1 1']);
    expect(lines[3]).toMatch(/^[1-9]\d* 0$/);
    expect(r.stats).toMatchObject({ failedClosed: 3, continued: 1 });
  });

  it("failAction 'kill' kills the caller instead", async () => {
    const r = await run(`import os\nos.mkdir(${JSON.stringify(join(dir, 'fk'))})\nprint('after')`, ['mkdir'], () => {
      throw new Error('x');
    }, { supervisor: { failAction: 'kill', onError: () => {} } });
    expect(r.out).toBe('');
    expect(r.result.signal).toBe('SIGKILL');
    expect(r.result.supervisorKilled).toBe(true);
  });
});
