import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES } from '../arch/arches.js';
import { decodeProgram, encodeProgram } from './codec.js';
import { analyzeStates, checkedArches, disassemble, disassembleLines, inferArch, returnLabel, syscallLabel } from './disasm.js';
import { assemble } from './asm/index.js';
import type { Instruction } from './instruction.js';

const FIX = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'seccomp-tools');
const load = (name: string) => decodeProgram(new Uint8Array(readFileSync(join(FIX, name))));
const asm = (src: string, arch = ARCHES.x86_64) => assemble(src, { arch });
const body = (prog: Instruction[], arch = ARCHES.x86_64, extra = {}) => disassembleLines(prog, { arch, ...extra }).map((l) => l.text);

describe('disasm: programs whose listing reads the same as seccomp-tools 1.7.1 recorded for them', () => {
  it.each([
    ['DEF-CON-2020-bdooos.bpf', 'DEF-CON-2020-bdooos.disasm.txt', ARCHES.aarch64],
    ['libseccomp.bpf', 'libseccomp.disasm.txt', ARCHES.x86_64],
    ['asm-example.asm.bpf', 'asm-example.disasm.txt', ARCHES.x86_64],
  ])('%s', (bin, txt, arch) => {
    expect(disassemble(load(bin), { arch })).toBe(readFileSync(join(FIX, txt), 'utf8'));
  });

  it('--no-bpf / --asm-able layout', () => {
    const out = disassemble(load('libseccomp.bpf'), { arch: ARCHES.x86_64, bpf: false });
    expect(out.split('\n')[0]).toBe('0000: A = arch');
    expect(out.endsWith('0010: return KILL\n')).toBe(true);
  });
});

describe('disasm: pseudo-code rules', () => {
  it('prints decimal for constants compared when A is not a plain data word', () => {
    expect(body(asm('A = args[0]\nA &= 3\nif (A == 1) goto x\nx: return ALLOW'))).toEqual(['A = args[0]', 'A &= 0x3', 'goto 0003', 'return ALLOW']);
    // jt != jf: the compare is kept
    expect(body(asm('A = args[0]\nA &= 3\nif (A == 1) goto x\nreturn KILL\nx: return ALLOW'))[2]).toBe('if (A == 1) goto 0004');
    expect(body(asm('A = 5\nif (A & 16) goto x\nreturn KILL\nx: return ALLOW'))[1]).toBe('if (A & 16) goto 0003');
  });

  it('names syscalls only for JEQ on sys_number, hex for other comparisons and data words', () => {
    const t = body(asm('A = sys_number\nif (A > 0x10) goto k\nif (A == 0x3b) goto k\nif (A == 0x99999) goto k\nA = args[1]\nif (A >= 7) goto k\nreturn ALLOW\nk: return KILL'));
    expect(t[1]).toBe('if (A > 0x10) goto 0007');
    expect(t[2]).toBe('if (A == execve) goto 0007');
    expect(t[3]).toBe('if (A == 0x99999) goto 0007');
    expect(t[5]).toBe('if (A >= 0x7) goto 0007');
  });

  it('ALU operands: hex, shifts decimal, X, NEG', () => {
    expect(body(asm('A += 0\nA <<= 3\nA >>= 32\nA ^= X\nA = -A\nA %= 7\nreturn A'))).toEqual(['A += 0x0', 'A <<= 3', 'A >>= 32', 'A ^= X', 'A = -A', 'A %= 0x7', 'return A']);
  });

  it('jump forms: negated, else, no-op, equal targets', () => {
    const prog: Instruction[] = [
      { code: 0x15, jt: 0, jf: 0, k: 1 }, // no-op
      { code: 0x15, jt: 1, jf: 1, k: 1 }, // goto
      { code: 0x35, jt: 0, jf: 1, k: 1 },
      { code: 0x25, jt: 0, jf: 1, k: 1 },
      { code: 0x45, jt: 0, jf: 1, k: 1 },
      { code: 0x1d, jt: 1, jf: 0, k: 0 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
      { code: 0x06, jt: 0, jf: 0, k: 0 },
    ];
    expect(body(prog)).toEqual(['/* no-op */', 'goto 0003', 'if (A < 1) goto 0004', 'if (A <= 1) goto 0005', 'if (!(A & 1)) goto 0006', 'if (A == X) goto 0007', 'return ALLOW', 'return KILL']);
  });

  it('return labels', () => {
    expect(returnLabel(0x80000000)).toBe('KILL_PROCESS');
    expect(returnLabel(0)).toBe('KILL');
    expect(returnLabel(0x00030000)).toBe('TRAP');
    expect(returnLabel(0x00030005)).toBe('TRAP(5)');
    expect(returnLabel(0x00050000)).toBe('ERRNO(0)');
    expect(returnLabel(0x7ff00001)).toBe('TRACE(1)');
    expect(returnLabel(0x7fc00000)).toBe('USER_NOTIF');
    expect(returnLabel(0x7ffc0000)).toBe('LOG');
    expect(returnLabel(0x12340000)).toBe('0x12340000');
    expect(returnLabel(0x7fff0001)).toBe('ALLOW(1)'); // syswall shows data seccomp-tools drops
  });

  it('loads: len, mem, invalid offsets, instruction pointer halves, big-endian halves', () => {
    const prog: Instruction[] = [
      { code: 0x80, jt: 0, jf: 0, k: 0 }, { code: 0x81, jt: 0, jf: 0, k: 0 }, { code: 0x60, jt: 0, jf: 0, k: 3 },
      { code: 0x20, jt: 0, jf: 0, k: 2 }, { code: 0x20, jt: 0, jf: 0, k: 64 }, { code: 0x20, jt: 0, jf: 0, k: 8 },
      { code: 0x20, jt: 0, jf: 0, k: 12 }, { code: 0x20, jt: 0, jf: 0, k: 16 }, { code: 0x20, jt: 0, jf: 0, k: 60 }, { code: 0x16, jt: 0, jf: 0, k: 0 },
    ];
    expect(body(prog)).toEqual(['A = len', 'X = len', 'A = mem[3]', 'A = INVALID', 'A = INVALID', 'A = instruction_pointer', 'A = instruction_pointer >> 32', 'A = args[0]', 'A = args[5] >> 32', 'return A']);
    expect(body(prog, ARCHES.s390x).slice(5, 9)).toEqual(['A = instruction_pointer >> 32', 'A = instruction_pointer', 'A = args[0] >> 32', 'A = args[5]']);
  });

  it('renders instructions seccomp-tools crashes on as invalid lines', () => {
    const prog: Instruction[] = [
      { code: 0x40, jt: 0, jf: 0, k: 0 }, { code: 0xb1, jt: 0, jf: 0, k: 0 }, { code: 0x02, jt: 0, jf: 0, k: 16 },
      { code: 0xc4, jt: 0, jf: 0, k: 0 }, { code: 0x55, jt: 0, jf: 0, k: 0 }, { code: 0x0f, jt: 0, jf: 0, k: 0 }, { code: 0x06, jt: 0, jf: 0, k: 0 },
    ];
    const lines = disassembleLines(prog, { arch: ARCHES.x86_64 });
    expect(lines.slice(0, 6).every((l) => l.invalid && l.text.startsWith('invalid: '))).toBe(true);
    expect(lines[5].text).toMatch(/MISC/);
  });

  it('rejects out-of-range jumps with the instruction index', () => {
    expect(() => disassemble([{ code: 0x15, jt: 5, jf: 0, k: 0 }, { code: 6, jt: 0, jf: 0, k: 0 }], { arch: ARCHES.x86_64 })).toThrow(/instruction 0: jump to line 6 is past the end/);
    expect(() => disassemble([{ code: 0x05, jt: 0, jf: 0, k: 0xffffffff }], { arch: ARCHES.x86_64 })).toThrow(/past the end/);
  });
});

describe('disasm: per-branch arch inference and argument names', () => {
  const multi = `A = arch
if (A == ARCH_X86_64) goto x64
if (A == ARCH_I386) goto x86
if (A == ARCH_AARCH64) goto a64
return KILL
x64: A = sys_number
if (A == open) goto ok
return KILL
x86: A = sys_number
if (A == i386.open) goto k
return ERRNO(1)
k: A = args[1]
if (A == 0) goto ok
return KILL
a64: A = sys_number
if (A == aarch64.openat) goto ok
return KILL
ok: return ALLOW`;

  it('prefixes names checked under another arch, and uses that arch for argument names', () => {
    const t = body(asm(multi));
    expect(t[6]).toBe('if (A == open) goto 0017');
    expect(t[9]).toBe('if (A == i386.open) goto 0011');
    expect(t[11]).toBe('A = flags # i386.open(filename, flags, mode)');
    expect(t[15]).toBe('if (A == aarch64.openat) goto 0017');
    // With aarch64 as the default arch the prefixes move.
    const t2 = body(asm(multi), ARCHES.aarch64);
    expect(t2[6]).toBe('if (A == amd64.open) goto 0017');
    expect(t2[15]).toBe('if (A == openat) goto 0017');
  });

  it('x32 numbers print as x32_<name> with the real x32 numbers', () => {
    expect(syscallLabel(0x40000208, ARCHES.x86_64, ARCHES.x86_64)).toBe('x32_execve');
    expect(syscallLabel(0x40000001, undefined, ARCHES.x86_64)).toBe('x32_write');
    expect(syscallLabel(0x4000003b, undefined, ARCHES.x86_64)).toBeUndefined();
    expect(syscallLabel(0x40000001, ARCHES.x86_64, ARCHES.aarch64)).toBe('amd64.x32_write');
    expect(syscallLabel(59, ARCHES.x86_64, ARCHES.x32)).toBe('amd64.execve');
  });

  it('keeps argument names on libseccomp filters (the 0xffffffff path is pruned, as in 1.6.2)', () => {
    const src = `A = arch
if (A != ARCH_X86_64) goto kill
A = sys_number
if (A < 0x40000000) goto L
if (A != 0xffffffff) goto kill
L: if (A != mmap) goto allow
A = args[2] >> 32
if (A != 0) goto kill
allow: return ALLOW
kill: return KILL`;
    expect(body(asm(src))[6]).toBe('A = prot >> 32 # mmap(addr, len, prot, flags, fd, pgoff)');
    expect(body(asm(src), ARCHES.x86_64, { argInfer: false })[6]).toBe('A = args[2] >> 32');
  });

  it('no names when paths disagree on the syscall', () => {
    const t = body(asm('A = sys_number\nif (A == read) goto a\nif (A == write) goto a\nreturn KILL\na: A = args[0]\nreturn ALLOW'));
    expect(t[4]).toBe('A = args[0]');
  });

  it('is linear on filters that blow up seccomp-tools 1.7 (2^k path states)', () => {
    const blocks = Array.from({ length: 400 }, (_, i) => `if (A == ${i}) goto 1\nX = ${i}`).join('\n');
    const prog = asm(`A = sys_number\n${blocks}\nreturn ALLOW`);
    const states = analyzeStates(prog);
    expect(states.every((s) => s !== undefined)).toBe(true);
    expect(disassembleLines(prog, { arch: ARCHES.x86_64 })).toHaveLength(802);
  });

  it('infers the default arch from the arch checks', () => {
    const a64 = load('DEF-CON-2020-bdooos.bpf');
    expect(checkedArches(a64)).toEqual([ARCHES.aarch64]);
    expect(inferArch(a64, ARCHES.x86_64)).toBe(ARCHES.aarch64);
    expect(inferArch(asm(multi), ARCHES.x86_64)).toBe(ARCHES.x86_64);
    expect(inferArch(asm('return ALLOW'), ARCHES.aarch64)).toBe(ARCHES.aarch64);
  });
});

describe('disasm -> asm round trip', () => {
  it.each(['DEF-CON-2020-bdooos.bpf', 'libseccomp.bpf', 'asm-example.asm.bpf'])('%s', (name) => {
    const prog = load(name);
    const arch = name.startsWith('DEF') ? ARCHES.aarch64 : ARCHES.x86_64;
    for (const opts of [{}, { bpf: false }, { bpf: false, argInfer: false }]) {
      const text = disassemble(prog, { arch, ...opts });
      expect(encodeProgram(assemble(text, { arch }))).toEqual(encodeProgram(prog));
    }
  });
});
