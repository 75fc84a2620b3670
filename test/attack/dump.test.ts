/**
 * Attacks on `syswall dump` (issue 12, item 7): a traced command that changes
 * its program after installing it, that hides a child from ptrace with
 * CLONE_UNTRACED, and that stops its tracer to defeat --timeout. Each attack
 * is shown working against the unprotected way (reading memory, a plain
 * ptrace follower, the helper's own timer), then failing against syswall.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackUser, compileAttack, ROOT_RUNNER, runAs, sharedDir, type Runner } from '../helpers/attack.js';
import { HELPER } from '../helpers/runtime.js';

let racing = '';
let untraced = '';
let attacker: Runner;

beforeAll(() => {
  attacker = attackUser();
  const dir = sharedDir('syswall-dump-attack-');
  racing = compileAttack('racing_install', dir);
  untraced = compileAttack('untraced_child', dir);
});

interface DumpJson {
  filters: { pid: number; source: string; program: { code: number; k: number }[] }[];
  warnings: string[];
}

/**
 * Dumps `racing_install N` as `who` into raw files (the JSON of 100
 * 4,000-instruction programs would be large) and pairs, per child, the errno
 * its getppid got (what the kernel installed) with the errno in the listing.
 */
function raceDump(who: Runner, n: number): { pairs: [number, number, number | undefined][]; stderr: string; status: number | null } {
  const out = join(sharedDir('syswall-dump-attack-', who), 'out');
  const r = runAs(who, ['dump', '--format', 'raw', '-o', out, '--', racing, String(n)]);
  const dumped = new Map<number, number>();
  for (const m of r.stdout.matchAll(/^(\S+\.bpf): filter \d+: pid (\d+),/gm)) {
    const bytes = readFileSync(m[1]);
    dumped.set(Number(m[2]), bytes.readUInt32LE(2 * 8 + 4) & 0xffff); // instruction 2: ret ERRNO(k)
  }
  const pairs: [number, number, number | undefined][] = [];
  for (const m of r.stderr.matchAll(/child (\d+) installed ERRNO\((\d+)\)/g)) pairs.push([Number(m[1]), Number(m[2]), dumped.get(Number(m[1]))]);
  return { pairs, stderr: r.stderr, status: r.status };
}

describe('dump reports the filter the kernel installed, not memory the target changed afterwards', () => {
  const N = 100;
  it('control: read from memory (an unprivileged dump cannot read filters back), the listing often differs from what was installed', () => {
    const { pairs, stderr, status } = raceDump(attacker, N);
    expect(status, stderr).toBe(0);
    expect(pairs).toHaveLength(N);
    expect(stderr).toMatch(/listings are from the tasks' memory/);
    const differ = pairs.filter(([, e, d]) => e !== d).length;
    expect(differ, `the race should show in ${N} installs (about 1 in 10 here)`).toBeGreaterThan(0);
  });

  it('as root: every listing is read back from the kernel and matches what was installed', () => {
    const { pairs, stderr, status } = raceDump(ROOT_RUNNER, N);
    expect(status, stderr).toBe(0);
    expect(pairs).toHaveLength(N);
    expect(stderr).not.toMatch(/listings are from the tasks' memory/);
    for (const [pid, e, d] of pairs) expect(d, `child ${pid}`).toBe(e);
  });
});

describe('a child started with CLONE_UNTRACED', () => {
  it('control: a plain ptrace follower (strace -f) never sees its seccomp(2)', () => {
    const out = join(sharedDir('syswall-dump-attack-'), 'strace.txt');
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=seccomp', '-o', out, untraced], { encoding: 'utf8' });
    if (r.error) throw new Error(`strace is needed for this test: ${r.error.message} (apt-get install strace)`);
    expect(spawnSync('cat', [out], { encoding: 'utf8' }).stdout).not.toMatch(/seccomp\(/);
  });

  it('syswall dump catches it: the flag is cleared and its filter captured', () => {
    const r = runAs(ROOT_RUNNER, ['dump', '--json', '--', 'sh', '-c', `${untraced} >&2`]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as DumpJson;
    const child = Number(/child (\d+) done/.exec(r.stderr)![1]);
    expect(doc.filters.map((f) => f.pid)).toEqual([child]);
  });
});

describe('--timeout holds even when the command stops its tracer (SIGSTOP)', () => {
  it('control: the helper alone is stopped and never reports', () => {
    const r = spawnSync(HELPER, ['dump', '--timeout', '1', '--', 'sh', '-c', 'kill -STOP $PPID; exec sleep 30'], { encoding: 'utf8', timeout: 4000, killSignal: 'SIGKILL' });
    expect(r.signal).toBe('SIGKILL'); // still stopped when spawnSync gave up after 4 s
  });

  it('syswall dump ends at the timeout, kills the command and says why', () => {
    const nap = `${30 + Math.floor(Math.random() * 1000) / 1000}`; // a sleep we can find
    const t0 = Date.now();
    const r = runAs(ROOT_RUNNER, ['dump', '--timeout', '1', '--', 'sh', '-c', `kill -STOP $PPID; exec sleep ${nap}`]);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/the helper did not stop at the timeout/);
    expect(r.stderr).toMatch(/timed out/);
    const alive = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`sleep\0${nap}`);
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
