import { describe, expect, it } from 'vitest';
import { ARCHES } from './arches.js';
import { syscallParams, syscallSignature } from './signatures.js';
import { formatSyscall } from '../decode/format.js';

describe('the one syscall signature table', () => {
  it('clone follows each arch register order (kernel/fork.c CONFIG_CLONE_BACKWARDS*)', () => {
    expect(syscallParams(ARCHES.x86_64, 'clone')).toEqual(['flags', 'child_stack', 'parent_tid', 'child_tidptr', 'tls']);
    expect(syscallParams(ARCHES.loongarch64, 'clone')).toEqual(['flags', 'child_stack', 'parent_tid', 'child_tidptr', 'tls']);
    expect(syscallParams(ARCHES.aarch64, 'clone')).toEqual(['flags', 'child_stack', 'parent_tid', 'tls', 'child_tidptr']);
    expect(syscallParams(ARCHES.x86, 'clone')).toEqual(['flags', 'child_stack', 'parent_tid', 'tls', 'child_tidptr']);
    expect(syscallParams(ARCHES.s390x, 'clone')).toEqual(['child_stack', 'flags', 'parent_tid', 'child_tidptr', 'tls']);
  });

  it('the disassembler names and the decoder kinds come from the same entry', () => {
    for (const arch of [ARCHES.x86_64, ARCHES.x86, ARCHES.loongarch64, ARCHES.s390x]) {
      for (const name of ['clone', 'mmap', 'openat', 'preadv', 'socket']) {
        const sig = syscallSignature(arch, name)!;
        expect(syscallParams(arch, name)).toEqual(sig.map((a) => a.name));
      }
    }
  });

  it('32-bit mmap is old_mmap (one struct pointer) on x86, arm, s390, m68k; mmap2 keeps six arguments', () => {
    expect(syscallParams(ARCHES.x86, 'mmap')).toEqual(['arg']);
    expect(syscallParams(ARCHES.x86_64, 'mmap')).toHaveLength(6);
    expect(syscallParams(ARCHES.x86, 'mmap2')).toHaveLength(6);
    expect(formatSyscall('mmap', [0x7000n], undefined, { arch: 'x86' })).toBe('mmap(0x7000)');
  });

  it('the decoder prints clone by name whatever the register order', () => {
    const flags = 0x11n; // SIGCHLD... no tid flags
    expect(formatSyscall('clone', [flags, 0x1000n, 0n, 0n, 0n], undefined, { arch: 'loongarch64' })).toBe(formatSyscall('clone', [flags, 0x1000n, 0n, 0n, 0n], undefined, { arch: 'x86_64' }));
    expect(formatSyscall('clone', [0x1000n, flags, 0n, 0n, 0n], undefined, { arch: 's390x' })).toBe(formatSyscall('clone', [flags, 0x1000n, 0n, 0n, 0n], undefined, { arch: 'x86_64' }));
  });
});
