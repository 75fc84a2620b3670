import { describe, expect, it } from 'vitest';
import { isKnownSyscall } from '../arch/syscalls.js';
import { familiesOf, familyNamed, operationOf, SYSCALL_FAMILIES } from './families.js';
import { expandGroup, GROUP_NAMES } from './groups.js';

describe('syscall families (the one table)', () => {
  it('names only syscalls of the matrix, each family starting with its own name', () => {
    for (const f of SYSCALL_FAMILIES) {
      expect(f.members.some((m) => m.name === f.name), f.name).toBe(true);
      for (const m of f.members) expect(isKnownSyscall(m.name), `${f.name}: ${m.name}`).toBe(true);
    }
  });

  it('agrees with the @groups: a group that names a family names all of it, but for two of systemd\'s choices', () => {
    // systemd puts execveat in @process, not @default, and prlimit64 in @default (it also reads limits).
    const systemd: Record<string, string[]> = { '@default': ['execveat'], '@resources': ['prlimit64'] };
    const missing: string[] = [];
    for (const g of GROUP_NAMES) {
      const members = new Set(expandGroup(g));
      for (const f of SYSCALL_FAMILIES) {
        if (!members.has(f.name)) continue;
        for (const m of f.members) if (!m.conditions && !members.has(m.name) && !(systemd[g] ?? []).includes(m.name)) missing.push(`${g} names ${f.name} but not ${m.name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(expandGroup('@chown').sort()).toEqual(familyNamed('chown')!.members.map((m) => m.name).sort());
  });

  it('operationOf: the *at, 32 and f/l forms; a conditional member for the operation it does', () => {
    expect(operationOf('mkdir').map((m) => m.name)).toEqual(['mkdir', 'mkdirat']);
    expect(operationOf('chown').map((m) => m.name).sort()).toEqual(['chown', 'chown32', 'fchown', 'fchown32', 'fchownat', 'lchown', 'lchown32']);
    expect(operationOf('rmdir')).toEqual([{ name: 'rmdir' }, { name: 'unlinkat', conditions: [{ arg: 2, op: 'MASKED_EQ', mask: 0x200n, value: 0x200n }] }]);
    // unlinkat itself names no single operation: denying it denies it all.
    expect(operationOf('unlinkat')).toEqual([{ name: 'unlinkat' }]);
    expect(operationOf('getpid')).toEqual([{ name: 'getpid' }]);
    expect(familiesOf('mkdirat').map((f) => f.name)).toEqual(['mkdir']);
  });
});
