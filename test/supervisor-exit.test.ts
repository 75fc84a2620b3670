/**
 * Endings: a child that dies while a notification is pending, a supervisor
 * whose child never makes a notified call, stop() while calls wait, and the
 * supervisor outliving nothing (no hang, no crash, fail closed).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from '../src/node/spawn.js';
import type { SyscallEvent } from '../src/node/supervisor.js';
import { collect, notifyProgram, PY } from './helpers/notify.js';

describe('supervisor: endings', () => {
  it('a child that exits while a notification is pending: no hang, the late answer is dropped', async () => {
    // One thread blocks in a notified mkdir; the main thread exits the process meanwhile.
    const code = `
import os, threading, time
threading.Thread(target=lambda: os.mkdir('/nonexistent-syswall/x'), daemon=True).start()
time.sleep(0.3)
os._exit(3)
`;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let event: SyscallEvent | undefined;
    const p = spawn(PY, ['-c', code], {
      program: notifyProgram(['mkdir']),
      stdio: ['ignore', 'pipe', 'pipe'],
      onSyscall: async (ev) => {
        event = ev;
        await released;
        return { continue: true };
      },
    });
    const result = await p.result;
    expect(result.exitCode).toBe(3);
    const sup = await p.supervisor!;
    const stats = await sup.done;
    expect(event?.name).toBe('mkdir');
    expect(event?.isValid()).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(stats).toMatchObject({ received: 1, continued: 0 });
    expect(stats.gone).toBe(1);
    expect(sup.pending).toBe(0);
  });

  it('a child killed from outside while its call waits: ID_VALID turns false, no hang', async () => {
    let seen!: (ev: SyscallEvent) => void;
    const got = new Promise<SyscallEvent>((r) => (seen = r));
    const p = spawn(PY, ['-c', `import os\nos.mkdir('/nonexistent-syswall/y')`], {
      program: notifyProgram(['mkdir']),
      stdio: 'ignore',
      onSyscall: (ev) => {
        seen(ev);
        return new Promise(() => {}); // never decides
      },
      supervisor: { timeoutMs: 60_000 },
    });
    const ev = await got;
    expect(ev.isValid()).toBe(true);
    p.kill('SIGKILL');
    const result = await p.result;
    expect(result.signal).toBe('SIGKILL');
    const stats = await (await p.supervisor!).done;
    expect(ev.isValid()).toBe(false);
    expect(stats.gone).toBe(1);
  });

  it('ends by itself when the child exits without a notified call', async () => {
    const p = spawn('/bin/true', [], { program: notifyProgram(['mkdir']), stdio: 'ignore', onSyscall: () => ({ continue: true }) });
    expect((await p.result).exitCode).toBe(0);
    expect(await (await p.supervisor!).done).toMatchObject({ received: 0 });
  });

  it('stop() while a call waits: the kernel fails it with ENOSYS, never runs it', async () => {
    const code = `import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.mkdir(b'/tmp/syswall-stop-test', 0o700), ctypes.get_errno())`;
    const ctl: { stop?: () => void } = {};
    const p = spawn(PY, ['-c', code], {
      program: notifyProgram(['mkdir']),
      stdio: ['ignore', 'pipe', 'inherit'],
      onSyscall: () => {
        setTimeout(() => ctl.stop?.(), 10);
        return new Promise(() => {});
      },
    });
    const sup = await p.supervisor!;
    ctl.stop = () => sup.stop();
    const [out] = await Promise.all([collect(p.stdout), p.result]);
    expect(out.trim()).toBe('-1 38');
    await sup.done;
  });
});
