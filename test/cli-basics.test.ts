import { describe, expect, it } from 'vitest';
import { expectCleanError, runCli } from './helpers/cli.js';

describe('syswall CLI basics', () => {
  it('resolves names and numbers like scmp_sys_resolver', () => {
    expect(runCli(['syscalls', 'openat', '--arch', 'aarch64']).stdout).toBe('56\n');
    expect(runCli(['syscalls', '59', '--arch', 'x86_64']).stdout).toBe('execve\n');
    expect(runCli(['syscalls', '0x3b', '--arch', 'amd64']).stdout).toBe('execve\n');
  });

  it('lists a whole table and prints JSON', () => {
    const r = runCli(['syscalls', '--arch', 'x86_64']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('0\tread');
    const j = JSON.parse(runCli(['syscalls', 'read', 'open', '--arch', 'aarch64', '--json']).stdout);
    expect(j[0]).toMatchObject({ query: 'read', nr: 63 });
    expect(j[1]).toMatchObject({ query: 'open', nr: null });
  });

  it('gives one clear line for bad input', () => {
    expect(expectCleanError(runCli(['syscalls', 'read', '--arch', 'vax']))).toMatch(/unknown architecture "vax"/);
    expect(expectCleanError(runCli(['nosuchcommand']))).toMatch(/unknown command/);
    expect(expectCleanError(runCli(['syscalls', '--bogus']))).toMatch(/bogus/);
    // Exit 2 for an unresolvable operand, as `groups @nope` and every bad input (issue 18).
    const r = runCli(['syscalls', 'opne']);
    expect(r.status).toBe(2);
    expect(runCli(['groups', '@nope']).status).toBe(2);
    expect(runCli(['syscalls', 'frobnicate']).status).toBe(2);
    expect(r.stderr).toMatch(/unknown syscall "opne".*did you mean/);
  });

  it('prints help for every command', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    for (const m of r.stdout.matchAll(/^ {2}(\S+) {2,}/gm)) {
      const h = runCli([m[1], '--help']);
      expect(h.status, m[1]).toBe(0);
      expect(h.stdout, m[1]).toMatch(/^Usage: syswall /);
    }
  });
});
