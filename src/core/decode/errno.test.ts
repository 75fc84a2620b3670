import { describe, expect, it } from 'vitest';
import { ERRNOS, errnoMessage, errnoName, errnoNumber } from './errno.js';

describe('errno table', () => {
  it.each([
    [1, 'EPERM'], [2, 'ENOENT'], [11, 'EAGAIN'], [13, 'EACCES'], [22, 'EINVAL'], [35, 'EDEADLK'], [38, 'ENOSYS'],
    [95, 'EOPNOTSUPP'], [110, 'ETIMEDOUT'], [133, 'EHWPOISON'], [524, 'ENOTSUPP'],
  ])('%d is %s', (n, name) => {
    expect(errnoName(n)).toBe(name);
    expect(errnoNumber(name)).toBe(n);
  });

  it('resolves aliases and lower case', () => {
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    expect(errnoNumber('enotsup')).toBe(95);
    expect(errnoNumber('EDEADLOCK')).toBe(35);
    expect(errnoNumber('ENOPE')).toBeUndefined();
  });

  it('has messages', () => {
    expect(errnoMessage(1)).toBe('Operation not permitted');
    expect(errnoMessage(9999)).toBe('Unknown error 9999');
  });

  it('agrees with the kernel headers installed on this machine (ENOTSUP is a libc alias)', async () => {
    const { readFileSync } = await import('node:fs');
    const text = ['/usr/include/asm-generic/errno-base.h', '/usr/include/asm-generic/errno.h']
      .map((f) => readFileSync(f, 'utf8')).join('\n');
    const defs = new Map<string, string>();
    for (const m of text.matchAll(/^#define\s+(E\w+)\s+(\w+)/gm)) defs.set(m[1], m[2]);
    const resolve = (v: string): number => (/^\d+$/.test(v) ? Number(v) : resolve(defs.get(v)!));
    let checked = 0;
    for (const [name, value] of defs) {
      expect(errnoNumber(name), name).toBe(resolve(value));
      checked++;
    }
    expect(checked).toBeGreaterThan(120);
    for (const e of ERRNOS) if (e.errno < 512 && e.name !== 'ENOTSUP') expect(defs.has(e.name), e.name).toBe(true);
  });
});
