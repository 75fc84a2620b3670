import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../arch/arches.js';
import { isKnownSyscall, SYSCALL_NAMES, syscallNumber } from '../arch/syscalls.js';
import { expandGroup, GROUP_NAMES, SYSCALL_GROUPS } from './groups.js';

describe('syscall groups', () => {
  it('has the systemd-style groups, each described', () => {
    for (const g of ['@network-io', '@file-system', '@process', '@mount', '@privileged', '@debug', '@module', '@reboot', '@swap', '@raw-io', '@clock', '@keyring', '@obsolete', '@cpu-emulation', '@system-service', '@aio', '@basic-io', '@chown', '@ipc', '@memlock', '@resources', '@setuid', '@signal', '@sync', '@timer', '@known', '@default', '@pkey', '@sandbox', '@io-event']) {
      expect(GROUP_NAMES, g).toContain(g);
      expect(SYSCALL_GROUPS[g as keyof typeof SYSCALL_GROUPS].description.length).toBeGreaterThan(10);
    }
  });
  it('lists only syscalls of the table (or other groups)', () => {
    for (const g of Object.values(SYSCALL_GROUPS)) {
      for (const m of g.members) {
        if (m.startsWith('@')) expect(GROUP_NAMES, `${g.name} -> ${m}`).toContain(m);
        else expect(isKnownSyscall(m), `${g.name}: ${m}`).toBe(true);
      }
      expect(new Set(g.members).size, g.name).toBe(g.members.length);
    }
  });
  it('expands nested groups', () => {
    const priv = expandGroup('@privileged');
    for (const s of ['chown', 'settimeofday', 'init_module', 'iopl', 'reboot', 'swapon', 'setuid', 'bpf']) expect(priv).toContain(s);
    const svc = expandGroup('@system-service');
    for (const s of ['read', 'openat', 'socket', 'clone', 'futex', 'epoll_wait', 'ioctl', 'setuid']) expect(svc).toContain(s);
    expect(svc).not.toContain('mount');
    expect(svc).not.toContain('reboot');
    expect(expandGroup('@known')).toEqual([...SYSCALL_NAMES].sort());
  });
  it('filters by arch: members an arch lacks are absent', () => {
    const x = expandGroup('@network-io', { arch: ARCHES.x86_64 });
    expect(x).toContain('socket');
    expect(x).not.toContain('socketcall');
    expect(expandGroup('@network-io', { arch: ARCHES.x86 })).toContain('socketcall');
    for (const n of expandGroup('@file-system', { arch: ARCHES.aarch64 })) expect(syscallNumber(ARCHES.aarch64, n)).toBeDefined();
    expect(expandGroup('@file-system', { arch: ARCHES.aarch64 })).not.toContain('open');
  });
  it('supports custom groups and reports cycles and unknown groups', () => {
    expect(expandGroup('@mine', { custom: { '@mine': ['read', '@swap'] } })).toEqual(['read', 'swapoff', 'swapon']);
    expect(() => expandGroup('@a', { custom: { '@a': ['@b'], '@b': ['@a'] } })).toThrow(/@a -> @b -> @a/);
    expect(() => expandGroup('@netwrok-io')).toThrow(/unknown syscall group/);
  });
  it('SyscallName type is generated from the table', () => {
    const src = readFileSync(new URL('./syscall-names.generated.ts', import.meta.url), 'utf8');
    const names = [...src.matchAll(/^ {2}\| "([^"]+)";?$/gm)].map((m) => m[1]);
    expect(names).toEqual([...SYSCALL_NAMES]);
  });
});
