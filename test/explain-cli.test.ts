/** `syswall run --explain` end to end (issue 5 acceptance), real kernel. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'syswall-explain-cli-'));
const profile = join(dir, 'deny-mkdir.json');
writeFileSync(profile, JSON.stringify({
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  syscalls: [
    { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 10, op: 'SCMP_CMP_EQ' }] },
    { names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' },
  ],
}));

describe('syswall run --explain', () => {
  it('names the denied mkdir with its decoded path and mode; mkdir still prints its own error', () => {
    const target = join(dir, 'x');
    const r = runCli(['run', '--explain', '--profile', profile, '--', 'mkdir', '-m', '0755', target]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`syswall: \\[pid \\d+\\] mkdir\\("${target}", 0755\\) = -1 EACCES \\(Permission denied\\) \\(ERRNO\\(EACCES\\) by rule 1`));
    expect(r.stderr).toMatch(/mkdir: cannot create directory .*Permission denied/);
    expect(r.stderr).toMatch(/syswall: explain: 1 denied call:\nsyswall: +1 +mkdir ERRNO\(EACCES\)/);
  });

  it('decodes openat flags and socket domain/type symbolically, and writes JSON lines', () => {
    const json = join(dir, 'calls.jsonl');
    const py = 'import socket\ntry:\n  socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\nexcept OSError as e:\n  print("denied", e.errno)';
    const r = runCli(['run', '--explain', '--explain-json', json, '--profile', profile, '--', '/usr/bin/python3', '-c', py]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/denied 1/);
    expect(r.stderr).toMatch(/socket\(AF_INET6, SOCK_STREAM(\|SOCK_CLOEXEC)?, IPPROTO_(IP|TCP)\) = -1 EPERM/);
    const rec = JSON.parse(readFileSync(json, 'utf8').trim().split('\n')[0]);
    expect(rec).toMatchObject({ syscall: 'socket', action: 'ERRNO(EPERM)' });
  });

  it('a KILL_PROCESS rule still kills after the line is printed, and the exit status is a seccomp kill\'s (159)', () => {
    const r = runCli(['run', '--explain', '--profile', profile, '--', '/usr/bin/python3', '-c', 'import os; os.getppid(); print("survived")']);
    expect(r.status).toBe(159);
    expect(r.stdout).not.toMatch(/survived/);
    expect(r.stderr).toMatch(/getppid\(\) = \? killed by seccomp \(KILL_PROCESS by rule \d+ \(\$\.syscalls\[2\]/);
    expect(r.stderr).toMatch(/^syswall: killed by seccomp: the policy kills on the call named above \(applied by --explain with SIGKILL\)$/m);
  });

  it('a multi-threaded child making concurrent denied calls: each reported once, nothing hangs', () => {
    const py = [
      'import os, threading',
      'def work(i):',
      '    for j in range(20):',
      '        try: os.mkdir(f"/tmp/syswall-explain-{i}-{j}")',
      '        except OSError: pass',
      'ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]',
      '[t.start() for t in ts]; [t.join() for t in ts]; print("done")',
    ].join('\n');
    const r = runCli(['run', '--explain', '--profile', profile, '--', '/usr/bin/python3', '-c', py]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/done/);
    const lines = r.stderr.split('\n').filter((l) => /\] mkdir\(/.test(l));
    expect(lines).toHaveLength(160);
    expect(new Set(lines.map((l) => /"(.*?)"/.exec(l)![1])).size).toBe(160);
    expect(r.stderr).toMatch(/160 denied calls/);
  });

  it('refuses --explain with a compiled program or --strict, in one line', () => {
    const r = runCli(['run', '--explain', '--strict', '--', 'true']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^syswall: error: run: --explain cannot be combined with --strict/);
  });

  it('works with profiles that deny sendmsg (the launcher passes the listener with it)', () => {
    const p = join(dir, 'no-sendmsg.json');
    writeFileSync(p, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [{ names: ['sendmsg', 'mkdir'], action: 'SCMP_ACT_ERRNO' }] }));
    const r = runCli(['run', '--explain', '--profile', p, '--', 'mkdir', join(dir, 'y')], { timeout: 30_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/mkdir\(".*y", 0777\) = -1 EPERM/);
  });

  it('a recorded profile runs its command with zero denials under --explain; one extra syscall is denied', () => {
    const out = join(dir, 'rec.json');
    const cmd = ['sh', '-c', 'ls / | sort | head -3'];
    const rec = runCli(['record', '-o', out, '--', ...cmd]);
    expect(rec.status, rec.stderr).toBe(0);
    const r = runCli(['run', '--explain', '--profile', out, '--', ...cmd], { timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/syswall: explain: no syscall was denied/);
    const extra = runCli(['run', '--explain', '--profile', out, '--', 'sh', '-c', `ls / | sort | head -3; mkdir ${join(dir, 'z')}`], { timeout: 30_000 });
    expect(extra.status).not.toBe(0);
    // The extra mkdir needs what the recording never saw (sh forks for it), and it is denied and named.
    expect(extra.stderr).toMatch(/\] \w+\(.*= -1 EPERM .*by default action/);
  });
});
