import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error - plain JS generator script, no types
import { generate, OUT_PATH, parseSyscallsCsv, CSV_PATH } from '../../../scripts/gen-syscalls.mjs';
import { ARCHES, ARCH_NAMES, findArch, resolveArch, archesByToken } from './arches.js';
import { syscallName, syscallNumber, syscallTable, maxSyscallNumber, requireSyscallNumber } from './syscalls.js';

describe('generated syscall table', () => {
  it('is up to date with data/syscalls.csv', () => {
    expect(readFileSync(OUT_PATH, 'utf8')).toBe(generate());
  });

  it('agrees with syscalls.csv for every arch, name and number', () => {
    const table = parseSyscallsCsv(readFileSync(CSV_PATH, 'utf8'));
    const text = readFileSync(CSV_PATH, 'utf8').split('\n');
    const cols = text[0].split(',');
    let checked = 0;
    for (const line of text.slice(1)) {
      if (!line.trim()) continue;
      const f = line.split(',');
      for (const arch of Object.values(ARCHES)) {
        const raw = f[cols.indexOf(arch.table)];
        const got = syscallNumber(arch, f[0]);
        if (raw === 'PNR') {
          expect(got, `${f[0]} on ${arch.name}`).toBeUndefined();
        } else {
          let want = Number(raw) + arch.nrBase;
          if (arch.x32) want = (want | 0x40000000) >>> 0;
          expect(got, `${f[0]} on ${arch.name}`).toBe(want);
          checked++;
        }
      }
    }
    expect(table.rows.length).toBeGreaterThan(500);
    expect(checked).toBeGreaterThan(6000);
  });

  it.each([
    ['aarch64', 'openat', 56],
    ['x86_64', 'execve', 59],
    ['x32', 'execve', 0x40000208],
    ['x86', 'socketcall', 102],
    ['mips', 'read', 4003],
    ['mips64', 'read', 5000],
    ['mips64n32', 'read', 6000],
    ['s390x', 'openat', 288],
  ])('%s: %s is %i', (arch, name, nr) => {
    expect(syscallNumber(resolveArch(arch), name)).toBe(nr);
    expect(syscallName(resolveArch(arch), nr)).toBeDefined();
  });

  it('reports absent syscalls as undefined and errors clearly', () => {
    expect(syscallNumber(ARCHES.aarch64, 'open')).toBeUndefined();
    expect(() => requireSyscallNumber(ARCHES.aarch64, 'open')).toThrow(/does not exist on aarch64/);
    expect(() => requireSyscallNumber(ARCHES.aarch64, 'opne')).toThrow(/unknown syscall "opne"/);
  });

  it('lists tables sorted by number', () => {
    const t = syscallTable(ARCHES.x86_64);
    expect(t[0]).toEqual({ name: 'read', nr: 0 });
    for (let i = 1; i < t.length; i++) expect(t[i].nr).toBeGreaterThanOrEqual(t[i - 1].nr);
    expect(maxSyscallNumber(ARCHES.x86_64)).toBeGreaterThan(400);
  });
});

describe('arches', () => {
  it('has all 23 libseccomp arches with aliases', () => {
    expect(ARCH_NAMES).toHaveLength(23);
    expect(findArch('amd64')).toBe(ARCHES.x86_64);
    expect(findArch('i386')).toBe(ARCHES.x86);
    expect(findArch('arm64')).toBe(ARCHES.aarch64);
    expect(findArch('SCMP_ARCH_X86_64')).toBe(ARCHES.x86_64);
    expect(() => resolveArch('vax')).toThrow(/unknown architecture "vax"/);
  });

  it.each([
    ['x86', 0x40000003], ['x86_64', 0xc000003e], ['x32', 0xc000003e], ['arm', 0x40000028], ['aarch64', 0xc00000b7],
    ['loongarch64', 0xc0000102], ['m68k', 0x4], ['mips', 0x8], ['mipsel', 0x40000008], ['mips64', 0x80000008],
    ['mipsel64', 0xc0000008], ['mips64n32', 0xa0000008], ['mipsel64n32', 0xe0000008], ['parisc', 0xf], ['parisc64', 0x8000000f],
    ['ppc', 0x14], ['ppc64', 0x80000015], ['ppc64le', 0xc0000015], ['riscv64', 0xc00000f3], ['s390', 0x16], ['s390x', 0x80000016],
    ['sh', 0x4000002a], ['sheb', 0x2a],
  ])('%s has AUDIT_ARCH %i', (name, token) => {
    expect(resolveArch(name).token).toBe(token);
  });

  it('x86_64 and x32 share a token', () => {
    expect(archesByToken(0xc000003e).map((a) => a.name).sort()).toEqual(['x32', 'x86_64']);
  });
});
