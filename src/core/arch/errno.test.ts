import { describe, expect, it } from 'vitest';
import { ERRNO_MESSAGES, errnoDisplayName, errnoMessage, errnoName, errnoNumber } from './errno.js';

describe('errno messages', () => {
  it.each([
    [1, 'EPERM', 'Operation not permitted'], [2, 'ENOENT', 'No such file or directory'], [11, 'EAGAIN', 'Resource temporarily unavailable'],
    [13, 'EACCES', 'Permission denied'], [38, 'ENOSYS', 'Function not implemented'], [95, 'EOPNOTSUPP', 'Operation not supported'],
    [512, 'ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  ])('%d is %s', (n, name, message) => {
    expect(errnoDisplayName(n)).toBe(name);
    expect(errnoMessage(n)).toBe(message);
  });

  it('falls back for unknown numbers', () => {
    expect(errnoDisplayName(9999)).toBeUndefined();
    expect(errnoMessage(9999)).toBe('Unknown error 9999');
  });

  it('agrees with the policy table on every name and number', () => {
    for (const e of ERRNO_MESSAGES) {
      if (e.errno >= 512) continue;
      expect(errnoNumber(e.name), e.name).toBe(e.errno);
    }
    for (let n = 1; n <= 133; n++) if (errnoName(n)) expect(errnoMessage(n), String(n)).not.toMatch(/^Unknown/);
  });

  it('agrees with the kernel headers installed on this machine (ENOTSUP is a libc alias)', async () => {
    const { readFileSync } = await import('node:fs');
    const text = ['/usr/include/asm-generic/errno-base.h', '/usr/include/asm-generic/errno.h']
      .map((f) => readFileSync(f, 'utf8')).join('\n');
    const defs = new Map<string, string>();
    for (const m of text.matchAll(/^#define\s+(E\w+)\s+(\w+)/gm)) defs.set(m[1], m[2]);
    const resolve = (v: string): number => (/^\d+$/.test(v) ? Number(v) : resolve(defs.get(v)!));
    const mine = new Map(ERRNO_MESSAGES.map((e) => [e.name, e.errno]));
    let checked = 0;
    for (const [name, value] of defs) {
      expect(mine.get(name), name).toBe(resolve(value));
      checked++;
    }
    expect(checked).toBeGreaterThan(120);
  });
});
