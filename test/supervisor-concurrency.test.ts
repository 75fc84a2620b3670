/**
 * Many notifications in flight: threads and processes calling notified
 * syscalls at once, answered by slow async callbacks in random order. Each call
 * must be seen exactly once and none may hang. Real kernel, child processes.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from '../src/node/spawn.js';
import { collect, notifyProgram, PY } from './helpers/notify.js';

describe('supervisor: concurrency', () => {
  it('a multi-threaded child: every call is seen once and answered', async () => {
    const THREADS = 8;
    const CALLS = 25;
    const code = `
import os, threading
res = {}
def work(t):
    n = 0
    for i in range(${CALLS}):
        try:
            os.mkdir('/nonexistent-syswall/t%d-%d' % (t, i))
        except OSError as e:
            if e.errno == 13: n += 1
    res[t] = n
ts = [threading.Thread(target=work, args=(t,)) for t in range(${THREADS})]
for t in ts: t.start()
for t in ts: t.join()
print(sum(res.values()))
`;
    const seen = new Map<string, number>();
    const tids = new Set<number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const p = spawn(PY, ['-c', code], {
      program: notifyProgram(['mkdir']),
      stdio: ['ignore', 'pipe', 'pipe'],
      onSyscall: async (ev) => {
        const path = ev.readPath(ev.args[0])!;
        seen.set(path, (seen.get(path) ?? 0) + 1);
        tids.add(ev.pid);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        inFlight--;
        return { errno: 13 };
      },
    });
    const [out, err, result] = await Promise.all([collect(p.stdout), collect(p.stderr), p.result]);
    const stats = await (await p.supervisor!).done;
    expect(err).toBe('');
    expect(result.exitCode).toBe(0);
    expect(out.trim()).toBe(String(THREADS * CALLS));
    expect(seen.size).toBe(THREADS * CALLS);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(tids.size).toBe(THREADS);
    // Slow callbacks did not serialise the threads.
    expect(maxInFlight).toBeGreaterThan(1);
    expect(stats).toMatchObject({ received: THREADS * CALLS, errno: THREADS * CALLS, failedClosed: 0, gone: 0 });
  });

  it('several processes (grandchildren included) share one supervisor', async () => {
    const code = `
import os
pids = []
for k in range(4):
    pid = os.fork()
    if pid == 0:
        for i in range(10):
            try: os.mkdir('/nonexistent-syswall/p%d-%d' % (k, i))
            except OSError: pass
        os._exit(0)
    pids.append(pid)
for p in pids: os.waitpid(p, 0)
print('done')
`;
    const pids = new Set<number>();
    let count = 0;
    const p = spawn(PY, ['-c', code], {
      program: notifyProgram(['mkdir']),
      stdio: ['ignore', 'pipe', 'inherit'],
      onSyscall: (ev) => {
        pids.add(ev.pid);
        count++;
        return { errno: 'ENOENT' };
      },
    });
    const [out, result] = await Promise.all([collect(p.stdout), p.result]);
    await (await p.supervisor!).done;
    expect(out.trim()).toBe('done');
    expect(result.exitCode).toBe(0);
    expect(count).toBe(40);
    expect(pids.size).toBe(4);
    expect(pids.has(p.pid!)).toBe(false);
  });
});
