/** `--explain` machinery on the real kernel (child processes only). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policy as build } from '../src/core/policy/builder.js';
import { explainSession } from '../src/node/explain.js';
import { spawn } from '../src/node/spawn.js';
import { collect, ROOT } from './helpers/runtime.js';
import { parsePolicyText } from '../src/core/formats/index.js';

describe('explain session', () => {
  it('prints the denied mkdir with its decoded path and mode, returns the policy errno, and summarises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syswall-explain-'));
    const lines: string[] = [];
    const p = build({ default: 'allow', arches: ['x86_64', 'x86', 'x32'] }).errno('EACCES', 'mkdir', 'mkdirat').build();
    const s = explainSession(p, {}, { write: (l) => lines.push(l), jsonPath: join(dir, 'calls.jsonl') });
    const child = spawn('/usr/bin/python3', ['-c', `import os\ntry:\n  os.mkdir(${JSON.stringify(join(dir, 'x'))}, 0o755)\nexcept OSError as e:\n  print(e.errno)`], {
      program: s.filter.instructions, flags: s.filter.flags, onSyscall: s.onSyscall, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [out, , r] = await Promise.all([collect(child.stdout), collect(child.stderr), child.result]);
    s.close();
    expect(r.exitCode).toBe(0);
    expect(out.trim()).toBe('13');
    expect(lines.join('\n')).toMatch(new RegExp(`mkdir(at)?\\((AT_FDCWD, )?"${dir}/x", 0755\\) = -1 EACCES .*ERRNO\\(EACCES\\) by rule 1`));
    expect(s.summary().join('\n')).toMatch(/1 denied call:\n.*mkdir.* ERRNO\(EACCES\)/);
    const rec = JSON.parse(readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim());
    expect(rec).toMatchObject({ action: 'ERRNO(EACCES)', by: 'rule 1' });
  });

  it('a KILL_PROCESS rule still kills (SIGKILL, reported as a seccomp kill) after the line is printed', async () => {
    const lines: string[] = [];
    const p = build({ default: 'allow', arches: ['x86_64', 'x86', 'x32'] }).killProcess('getppid').build();
    const s = explainSession(p, {}, { write: (l) => lines.push(l) });
    const child = spawn('/usr/bin/python3', ['-c', 'import os; os.getppid(); print("survived")'], {
      program: s.filter.instructions, flags: s.filter.flags, onSyscall: s.onSyscall, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [out, , r] = await Promise.all([collect(child.stdout), collect(child.stderr), child.result]);
    expect(out).not.toMatch(/survived/);
    expect(r.signal).toBe('SIGKILL');
    expect(r).toMatchObject({ seccompKilled: true, supervisorKilled: true });
    expect(lines.join('\n')).toMatch(/getppid\(\) = \? killed by seccomp \(KILL_PROCESS by rule 1\)/);
  });

  it('denials by the default action are attributed to it; allowed calls stay in the kernel', async () => {
    const lines: string[] = [];
    const text = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
    const { policy: p } = parsePolicyText(text, { context: { arch: 'x86_64', kernel: [6, 18] } });
    const s = explainSession(p, {}, { write: (l) => lines.push(l) });
    const child = spawn('/bin/sh', ['-c', 'echo ok; reboot -f 2>/dev/null; echo done'], {
      program: s.filter.instructions, flags: s.filter.flags, onSyscall: s.onSyscall, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [out, err, r] = await Promise.all([collect(child.stdout), collect(child.stderr), child.result]);
    expect(r.exitCode, err + lines.join('\n')).toBe(0);
    expect(out).toMatch(/ok\ndone/);
    expect(lines.some((l) => /reboot\(.*EPERM.*by default action/.test(l))).toBe(true);
  });
});
