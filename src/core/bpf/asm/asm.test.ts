import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES } from '../../arch/arches.js';
import { encodeProgram } from '../codec.js';
import { assemble } from './index.js';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'seccomp-tools');
const a = (src: string, arch = ARCHES.x86_64) => assemble(src, { arch, file: 't.asm' }).map((i) => [i.code, i.jt, i.jf, i.k >>> 0]);
const fails = (src: string, re: RegExp, arch = ARCHES.x86_64) => expect(() => assemble(src, { arch, file: 't.asm' })).toThrow(re);

describe('asm: seccomp-tools README example (byte for byte)', () => {
  it('asm-example.asm', () => {
    const src = readFileSync(join(FIX, 'asm-example.asm'), 'utf8');
    expect(Buffer.from(encodeProgram(assemble(src, { arch: ARCHES.x86_64 })))).toEqual(readFileSync(join(FIX, 'asm-example.asm.bpf')));
  });
});

describe('asm: statements', () => {
  it('loads, stores, misc', () => {
    expect(a('A = X\nX = A\nA = 4294967295\nX = -1\nA = mem[15]\nX = mem[0]\nmem[3] = A\nmem[4] = X\nA = len\nX = len')).toEqual([
      [0x87, 0, 0, 0], [0x07, 0, 0, 0], [0x00, 0, 0, 0xffffffff], [0x01, 0, 0, 0xffffffff], [0x60, 0, 0, 15], [0x61, 0, 0, 0],
      [0x02, 0, 0, 3], [0x03, 0, 0, 4], [0x80, 0, 0, 0], [0x81, 0, 0, 0],
    ]);
  });

  it('seccomp_data fields, both word orders', () => {
    const src = 'A = sys_number\nA = arch\nA = data[8]\nA = args[1]\nA = args[1] >> 32\nA = args_h[1]\nA = instruction_pointer\nA = instruction_pointer >> 32';
    expect(a(src).map((x) => x[3])).toEqual([0, 4, 8, 24, 28, 28, 8, 12]);
    expect(a(src, ARCHES.s390x).map((x) => x[3])).toEqual([0, 4, 8, 28, 24, 24, 12, 8]);
  });

  it('ALU with K and X, NEG; constants in parentheses, names and ARCH_* constants', () => {
    expect(a('A += 1\nA -= X\nA *= (2)\nA /= 3\nA |= 4\nA &= 5\nA <<= 6\nA >>= 7\nA ^= 8\nA %= 9\nA = -A\nA = ((execve))\nA = ARCH_AARCH64\nA = arch_x86_64')).toEqual([
      [0x04, 0, 0, 1], [0x1c, 0, 0, 0], [0x24, 0, 0, 2], [0x34, 0, 0, 3], [0x44, 0, 0, 4], [0x54, 0, 0, 5], [0x64, 0, 0, 6], [0x74, 0, 0, 7],
      [0xa4, 0, 0, 8], [0x94, 0, 0, 9], [0x84, 0, 0, 0], [0x00, 0, 0, 59], [0x00, 0, 0, 0xc00000b7], [0x00, 0, 0, 0xc000003e],
    ]);
  });

  it('returns', () => {
    expect(a('return A\nreturn ALLOW\nreturn KILL\nreturn KILL_THREAD\nreturn KILL_PROCESS\nreturn TRAP(0xabcd)\nreturn ERRNO(1)\nreturn USER_NOTIF\nreturn LOG\nreturn TRACE(3)\nreturn 0x1234').map((x) => x[3] + x[0] * 0)).toEqual([
      0, 0x7fff0000, 0, 0, 0x80000000, 0x0003abcd, 0x00050001, 0x7fc00000, 0x7ffc0000, 0x7ff00003, 0x1234,
    ]);
    expect(a('return A')[0][0]).toBe(0x16);
  });

  it('jumps: goto/jmp/jump, next, numeric labels, relative numbers, ternary, negation, else on later lines', () => {
    const src = `if (A == 1) goto next else goto l1
JMP 0
0002: jump 0004
l1: A > 2 ? a : b
0004: if (!(A >= 3))
  # a comment
  goto a
else
  goto b
a: if (!(!(A & X))) goto 1 else goto b
b: if (A <= 4) goto end
A = 1
end: return ALLOW`;
    expect(a(src)).toEqual([
      [0x15, 0, 2, 1], [0x05, 0, 0, 0], [0x05, 0, 0, 1], [0x25, 1, 2, 2], [0x35, 1, 0, 3], [0x4d, 1, 0, 0], [0x25, 0, 1, 4], [0x00, 0, 0, 1], [0x06, 0, 0, 0x7fff0000],
    ]);
  });

  it('equal targets become JA; JA has no 255 limit', () => {
    expect(a('if (A == 1) goto x else goto x\nA = 0\nx: return A')).toEqual([[0x05, 0, 0, 1], [0, 0, 0, 0], [0x16, 0, 0, 0]]);
    const far = 'goto end\n' + 'A = 0\n'.repeat(300) + 'end: return A';
    expect(a(far)[0]).toEqual([0x05, 0, 0, 300]);
  });

  it('syscall names: plain, x32_, <arch>., case-sensitive keywords vs actions', () => {
    expect(a('A = open\nA = x32_execve\nA = i386.open\nA = aarch64.openat\nA = amd64.x32_write').map((x) => x[3])).toEqual([2, 0x40000208, 5, 56, 0x40000001]);
    expect(a('a = SYS_NUMBER\nIF (a == READ) GOTO X\nX: RETURN ALLOW'.replace('READ', '0'))).toHaveLength(3);
    fails('return allow', /unknown token "allow"/);
  });

  it('accepts disasm output with columns, header and argument names; a comment never changes a valid line', () => {
    const src = ` line  CODE  JT   JF      K
=================================
 0000: 0x20 0x00 0x00 0x00000000  A = sys_number
 0001: 0x15 0x00 0x02 0x00000009  if (A != mmap) goto 0004
 0002: 0x20 0x00 0x00 0x00000024  A = prot >> 32 # mmap(addr, len, prot, flags, fd, pgoff)
 0003: 0x20 0x00 0x00 0x00000010  A = addr # mmap(addr, len, prot, flags, fd, pgoff)
 0004: 0x06 0x00 0x00 0x7fff0000  return ALLOW
`;
    expect(a(src)).toEqual([[0x20, 0, 0, 0], [0x15, 0, 2, 9], [0x20, 0, 0, 0x24], [0x20, 0, 0, 0x10], [0x06, 0, 0, 0x7fff0000]]);
    // `len` is a keyword and `write` a syscall: the comment does not turn them into arguments.
    expect(a('A = len # mmap(addr, len, prot, flags, fd, pgoff)\nA = write # note(write)\nreturn A')).toEqual([[0x80, 0, 0, 0], [0x00, 0, 0, 1], [0x16, 0, 0, 0]]);
  });

  it('an empty source is refused', () => {
    fails('# nothing\n\n', /t\.asm: empty program/);
  });
});

describe('asm: errors name file:line:col', () => {
  it.each([
    ['A = 1\nA = foo', /^t\.asm:2:5: unknown token "foo"/],
    ['A = 1\n  bogus', /^t\.asm:2:3: unknown token "bogus"/],
    ['A = 0xABCZ', /t\.asm:1:5: unknown token "0xABCZ"/],
    ['goto nowhere\nreturn A', /^t\.asm:1:6: Cannot find label 'nowhere'/],
    ['x: A = 1\nx: return A', /^t\.asm:2:1: duplicate label 'x'/],
    ['x: A = 1\ngoto x\nreturn A', /^t\.asm:2:6: Does not support backward jumping to 'x'/],
    ['if (A == 1) goto far\n' + 'A = 0\n'.repeat(256) + 'far: return A', /^t\.asm:1:18: Does not support jumping farther than 255, got: 256/],
    ['A = mem[16]', /index of mem\[\] must between 0 and 15, got 16/],
    ['A = data[3]', /index of data\[\] must be a multiple of 4 and less than 64, got 3/],
    ['A = args[6]', /index of args\[\] must between 0 and 5, got 6/],
    ['A = args[0] >> 31', /operator after an argument can only be '>> 32'/],
    ['next: return A', /'next' is a reserved label/],
    ['A = +A', /t\.asm:1:5: do you mean A = -A\?/],
    ['A -= A', /t\.asm:1:6: unexpected "A", expected one of: /],
    ['X = sys_number', /t\.asm:1:5: unexpected "sys_number", .*only A can load seccomp_data fields/],
    ['X += 1', /t\.asm:1:3: unexpected "\+", expected /],
    ['A = 1 + 2', /t\.asm:1:7: unexpected "\+", expected one of: end of input, /],
    ['if (A == 1) goto', /t\.asm:1:13: "goto" needs a jump target/],
    ['return ERRNO(0x10000)', /t\.asm:1:14: the data of ERRNO\(...\) is 16 bits \(0..65535\), got 65536/],
    ['lonely:', /label 'lonely' is not followed by a statement/],
    ['goto next\n', /jump target 'next' is past the end/],
  ])('%j', (src, re) => fails(src, re));

  it("unknown syscall for the arch: syscall 'open' doesn't exist on aarch64", () => {
    fails('A = sys_number\nif (A == open) goto x\nx: return ALLOW', /^t\.asm:2:10: syscall 'open' doesn't exist on aarch64/, ARCHES.aarch64);
    fails('A = aarch64.open', /syscall 'open' doesn't exist on aarch64/);
    fails('A = sys_number\nif (A == opne) goto x\nx: return ALLOW', /unknown token "opne"/);
  });

  it('refuses invalid lines of a disassembly', () => {
    fails(' 0000: 0x40 0x00 0x00 0x00000000  invalid: LD|IND loads packet data', /cannot assemble an "invalid:" line/);
  });
});
