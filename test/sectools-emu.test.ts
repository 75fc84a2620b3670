/** `syswall emu`: seccomp-tools' recorded output byte for byte, trace markers, JSON, argument forms, bad input. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES } from '../src/core/arch/arches.js';
import { assemble } from '../src/core/bpf/asm/index.js';
import { emulate, formatEmu } from '../src/core/bpf/emu.js';
import { expectCleanError, ROOT, runCli } from './helpers/cli.js';

const FIX = join(ROOT, 'test', 'fixtures', 'seccomp-tools');
const LIB = join(FIX, 'libseccomp.bpf');
const SAMPLE = join(ROOT, 'examples', 'sample.bpf');

describe('syswall emu', () => {
  it('matches `seccomp-tools emu libseccomp.bpf -a amd64 write 0x3` byte for byte', () => {
    const r = runCli(['emu', LIB, '-a', 'amd64', 'write', '0x3']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(join(FIX, 'libseccomp.write.emu.txt'), 'utf8'));
  });

  it('-q prints the result line; numbers work as SYSCALL', () => {
    expect(runCli(['emu', LIB, '3', '-q']).stdout).toBe('return ALLOW at line 0009\n');
    expect(runCli(['emu', LIB, '0x2', '-q']).stdout).toBe('return ERRNO(5) at line 0008\n');
    expect(runCli(['emu', LIB, 'x32_write', '-q']).stdout).toBe('return KILL at line 0010\n');
    expect(runCli(['emu', LIB, 'i386.write', '-q']).stdout).toBe('return KILL at line 0010\n');
  });

  it('--trace marks the executed path without colour', () => {
    const lines = runCli(['emu', LIB, 'close', '--trace']).stdout.split('\n');
    const marked = lines.filter((l) => l.startsWith('*')).map((l) => l.slice(1, 5));
    expect(marked).toEqual(['0000', '0001', '0002', '0003', '0004', '0005', '0009']);
  });

  it('negative and 64-bit arguments, decimal and hex; --json has the path and action', () => {
    const r = runCli(['emu', SAMPLE, 'openat', '-100', '0x7ffd00001000', '-1', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.args.slice(0, 3)).toEqual(['0xffffffffffffff9c', '0x7ffd00001000', '0xffffffffffffffff']);
    expect(j.action).toEqual({ value: '0x0005000d', label: 'ERRNO(13)' });
    expect(j.returnLine).toBe(12);
    expect(j.path).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(runCli(['emu', SAMPLE, 'openat', '0', '0', '0', '-q']).stdout).toBe('return ALLOW at line 0013\n');
  });

  it('omits the tail of long listings like seccomp-tools: 6 lines past the return are shown', () => {
    const prog = assemble('A = sys_number\nif (A == 1) goto a\nreturn KILL\n' + 'A = 0\n'.repeat(10) + 'a: return ALLOW', { arch: ARCHES.x86_64 });
    const res = emulate(prog, { nr: 0, arch: ARCHES.x86_64.token }, 'little');
    const text = formatEmu(prog, res, { arch: ARCHES.x86_64 });
    expect(res.returnLine).toBe(2);
    expect(text).toMatch(/ 0007: .*\n\.\.\. \(omitting 6 lines\)\n\nreturn KILL at line 0002\n$/);
  });

  it('big-endian s390x arguments', () => {
    const prog = assemble('A = args[0] >> 32\nif (A == 1) goto y\nreturn KILL\ny: A = args[0]\nif (A == 2) goto z\nreturn KILL\nz: return ALLOW', { arch: ARCHES.s390x });
    expect(emulate(prog, { nr: 0, arch: ARCHES.s390x.token, args: [0x100000002n] }, 'big').label).toBe('ALLOW');
    expect(emulate(prog, { nr: 0, arch: ARCHES.s390x.token, args: [0x200000001n] }, 'big').label).toBe('KILL');
  });

  it.each([
    [['emu', LIB, 'frobnicate'], /unknown syscall 'frobnicate'/],
    [['emu', LIB, 'write', 'zz'], /argument 0: "zz" is not a number/],
    [['emu', LIB, 'write', '0x10000000000000000'], /does not fit in 64 bits/],
    [['emu', LIB], /expected FILE and SYSCALL/],
    [['emu', LIB, 'write', '1', '2', '3', '4', '5', '6', '7'], /at most 6 syscall arguments/],
  ])('bad input %j', (args, re) => {
    expect(expectCleanError(runCli(args as string[]))).toMatch(re);
  });
});
