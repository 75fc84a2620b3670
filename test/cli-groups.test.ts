import { describe, expect, it } from 'vitest';
import { expectCleanError, runCli } from './helpers/cli.js';

describe('syswall groups', () => {
  it('lists groups with counts and descriptions', () => {
    const r = runCli(['groups']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^@aio\s+10\s+Asynchronous I\/O/m);
    expect(r.stdout).toMatch(/^@system-service\s+\d+\s+/m);
  });
  it('prints members, with numbers for an arch, and JSON', () => {
    const r = runCli(['groups', '@swap']);
    expect(r.stdout).toBe('swapoff\nswapon\n');
    expect(runCli(['groups', 'swap', '--arch', 'x86_64']).stdout).toBe('167\tswapon\n168\tswapoff\n');
    const j = JSON.parse(runCli(['groups', 'reboot', '--arch', 'arm64', '--json']).stdout);
    expect(j.name).toBe('@reboot');
    expect(j.members).toEqual([{ name: 'kexec_file_load', nr: 294 }, { name: 'kexec_load', nr: 104 }, { name: 'reboot', nr: 142 }].sort((a, b) => a.nr - b.nr));
    const all = JSON.parse(runCli(['groups', '--json']).stdout);
    expect(all.find((g: { name: string }) => g.name === '@mount').count).toBeGreaterThan(10);
  });
  it('gives one clear line for bad input', () => {
    expect(expectCleanError(runCli(['groups', '@nope']))).toMatch(/unknown syscall group "@nope"/);
    expect(expectCleanError(runCli(['groups', '--arch', 'vax']))).toMatch(/unknown architecture "vax"/);
    expect(expectCleanError(runCli(['groups', '--bogus']))).toMatch(/bogus/);
  });
});
