/**
 * Acceptance corpus for disasm/asm: every opcode the kernel accepts in a
 * seccomp filter, random kernel-valid programs (fast-check), and filters
 * exported by libseccomp at test time for many arches (s390x big-endian,
 * x86_64+x86+x32, programs longer than 255 instructions). disasm then asm must
 * give the same bytes back, in every disasm mode.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ARCHES, type ArchInfo } from '../src/core/arch/arches.js';
import { decodeProgram, encodeProgram, guessEndian } from '../src/core/bpf/codec.js';
import { disassemble, inferArch } from '../src/core/bpf/disasm.js';
import { assemble } from '../src/core/bpf/asm/index.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { PY_PRELUDE, runPythonSeccomp } from './helpers/libseccomp-python.js';

const MODES = [{}, { bpf: false }, { bpf: false, argInfer: false }];

function roundTrip(prog: Instruction[], arch: ArchInfo): void {
  const bytes = encodeProgram(prog, arch.endian);
  for (const mode of MODES) {
    const text = disassemble(prog, { arch, ...mode });
    let back: Uint8Array;
    try {
      back = encodeProgram(assemble(text, { arch }), arch.endian);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- disassembly (${JSON.stringify(mode)}):\n${text}`, { cause: e });
    }
    if (Buffer.compare(Buffer.from(back), Buffer.from(bytes)) !== 0) {
      const again = decodeProgram(back, { endian: arch.endian });
      const diff = prog.findIndex((ins, i) => !again[i] || ins.code !== again[i].code || ins.jt !== again[i].jt || ins.jf !== again[i].jf || ins.k >>> 0 !== again[i].k >>> 0);
      throw new Error(`round trip differs at instruction ${diff} (${JSON.stringify(prog[diff])} -> ${JSON.stringify(again[diff])}) in mode ${JSON.stringify(mode)}\n${text}`);
    }
  }
}

const s = (code: number, k = 0): Instruction => ({ code, jt: 0, jf: 0, k: k >>> 0 });
const j = (code: number, k: number, jt: number, jf: number): Instruction => ({ code, jt, jf, k: k >>> 0 });

/** Every opcode seccomp_check_filter accepts, with canonical encodings. */
export const ALL_OPCODES: Instruction[] = [
  s(0x20, 4), j(0x15, 0xc000003e, 0, 40), s(0x20, 0), j(0x35, 0x40000000, 38, 0), s(0x00, 0xffffffff), s(0x01, 7),
  s(0x80), s(0x81), s(0x02, 0), s(0x03, 15), s(0x60, 0), s(0x61, 15), s(0x20, 16), s(0x20, 60), s(0x20, 8), s(0x20, 12),
  s(0x04, 1), s(0x0c), s(0x14, 2), s(0x1c), s(0x24, 3), s(0x2c), s(0x34, 4), s(0x3c), s(0x44, 0x80000000), s(0x4c),
  s(0x54, 0xff), s(0x5c), s(0x64, 31), s(0x6c), s(0x74, 32), s(0x7c), s(0xa4, 0x5a5a5a5a), s(0xac), s(0x84),
  s(0x07), s(0x87), s(0x20, 0),
  j(0x15, 59, 14, 0), j(0x15, 2, 0, 1), j(0x1d, 0, 1, 2), j(0x25, 0x1000, 2, 3), j(0x2d, 0, 0, 2), j(0x35, 17, 1, 0), j(0x3d, 0, 1, 3),
  j(0x45, 0x10, 0, 2), j(0x4d, 0, 1, 2), s(0x05, 2),
  s(0x06, 0x7fff0000), s(0x06, 0x00050001), s(0x16), s(0x06, 0x80000000), s(0x06, 0), s(0x06, 0x00030000), s(0x06, 0x7ff00000),
  s(0x06, 0x7ffc0000), s(0x06, 0x7fc00000), s(0x06, 0x0003002a),
];

describe('corpus: every kernel-accepted opcode', () => {
  it('covers every seccomp opcode', () => {
    const codes = new Set(ALL_OPCODES.map((i) => i.code));
    for (const c of [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d, 0x20, 0x24, 0x25, 0x2c, 0x2d, 0x34, 0x35, 0x3c, 0x3d, 0x44, 0x45, 0x4c, 0x4d, 0x54, 0x5c, 0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81, 0x84, 0x87, 0xa4, 0xac]) {
      expect(codes.has(c), `opcode 0x${c.toString(16)}`).toBe(true);
    }
  });
  it.each(['x86_64', 'x86', 'aarch64', 'arm', 'riscv64', 'ppc64le', 's390x', 'ppc64', 'mips', 'mipsel64n32', 'loongarch64'] as const)('%s', (a) => {
    roundTrip(ALL_OPCODES, ARCHES[a]);
  });
  it('long unconditional jumps (beyond 255)', () => {
    const prog = [s(0x05, 300), ...Array.from({ length: 300 }, (_, i) => s(0x00, i)), j(0x15, 1, 0, 1), s(0x16), s(0x06, 0x7fff0000)];
    roundTrip(prog, ARCHES.x86_64);
  });
});

/** Random kernel-valid, canonically encoded programs. */
const arbProgram = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => {
    const left = n - 1 - i; // instructions after this one
    const k32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 4, 59, 0x40000000, 0xc000003e, 0x40000003, 0xc00000b7, 0x80000016, 0xffffffff));
    const stmts = fc.oneof(
      k32.map((k) => s(0x00, k)), k32.map((k) => s(0x01, k)),
      fc.integer({ min: 0, max: 15 }).map((k) => s(0x20, k * 4)),
      fc.constantFrom(0x80, 0x81, 0x84, 0x07, 0x87, 0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0xac).map((c) => s(c)),
      fc.tuple(fc.constantFrom(0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0xa4), k32).map(([c, k]) => s(c, k)),
      fc.tuple(fc.constantFrom(0x02, 0x03, 0x60, 0x61), fc.integer({ min: 0, max: 15 })).map(([c, k]) => s(c, k)),
    );
    const rets = fc.oneof(k32.map((k) => s(0x06, k)), fc.constant(s(0x16)));
    if (left === 0) return rets;
    const ja = fc.integer({ min: 0, max: left - 1 }).map((k) => s(0x05, k));
    if (left < 2) return fc.oneof(stmts, ja, rets);
    const jumps = fc.oneof(
      ja,
      fc.tuple(fc.constantFrom(0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d), k32, fc.integer({ min: 0, max: Math.min(255, left - 1) }), fc.integer({ min: 0, max: Math.min(255, left - 1) }))
        .filter(([, , jt, jf]) => jt !== jf)
        .map(([c, k, jt, jf]) => j(c, c & 0x08 ? 0 : k, jt, jf)),
    );
    return fc.oneof(stmts, jumps, rets);
  })),
);

describe('corpus: random kernel-valid programs (fast-check)', () => {
  it.each(['x86_64', 's390x', 'aarch64'] as const)('%s', (a) => {
    fc.assert(fc.property(arbProgram, (prog) => { roundTrip(prog, ARCHES[a]); }), { numRuns: 300 });
  });
});

interface Exported { [name: string]: string }

const LIBSECCOMP = runPythonSeccomp<Exported>(PY_PRELUDE + String.raw`
out = {}
def rules(f, arch, many=False):
    for s in ['read','write','close','exit_group']:
        f.add_rule(ALLOW, s)
    f.add_rule(ALLOW, 'mmap', Arg(2, MASKED_EQ, 4, 4))
    f.add_rule(ERRNO(13), 'openat', Arg(2, EQ, 0x41))
    f.add_rule(ALLOW, 'ioctl', Arg(1, GT, 0x5400), Arg(0, LE, 2))
    f.add_rule(TRAP, 'kill', Arg(1, NE, 9))
    f.add_rule(LOG, 'fcntl', Arg(1, GE, 3), Arg(0, LT, 0x100000000))
    f.add_rule(KILL_PROCESS, 'ptrace')
    f.add_rule(TRACE(7), 'uname')
    f.add_rule(NOTIFY, 'getpid')
    if many:
        for nr in range(0, 450):
            try: name = resolve_syscall(arch, nr).decode()
            except Exception: continue
            if name in ('read','write','close','exit_group','mmap','openat','ioctl','kill','fcntl','ptrace','uname','getpid'): continue
            try: f.add_rule(ALLOW, name, Arg(0, EQ, nr))
            except Exception: pass
    return f
for name, arches, many in [
    ('x86_64', [Arch.X86_64], False), ('x86', [Arch.X86], False), ('x32', [Arch.X32], False), ('aarch64', [Arch.AARCH64], False),
    ('arm', [Arch.ARM], False), ('riscv64', [Arch.RISCV64], False), ('ppc64le', [Arch.PPC64LE], False), ('ppc64', [Arch.PPC64], False),
    ('s390x', [Arch.S390X], False), ('s390x+s390', [Arch.S390X, Arch.S390], False), ('mips', [Arch.MIPS], False),
    ('mipsel64', [Arch.MIPSEL64], False), ('x86_64+x86+x32', [Arch.X86_64, Arch.X86, Arch.X32], False),
    ('aarch64+arm', [Arch.AARCH64, Arch.ARM], False),
    ('x86_64-long', [Arch.X86_64], True), ('s390x-long', [Arch.S390X], True), ('x86_64+x86+x32-long', [Arch.X86_64, Arch.X86, Arch.X32], True)]:
    out[name] = export(rules(new_filter(arches, ERRNO(1)), arches[0], many))
print(json.dumps(out))
`);

describe('corpus: filters exported by libseccomp (python3-seccomp, at test time)', () => {
  for (const [name, b64] of Object.entries(LIBSECCOMP)) {
    it(name, () => {
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      const endian = guessEndian(bytes)!;
      const first = name.split(/[+-]/)[0];
      expect(endian).toBe(ARCHES[first as keyof typeof ARCHES].endian);
      const prog = decodeProgram(bytes, { endian });
      const arch = inferArch(prog, ARCHES.x86_64, endian);
      expect(arch.token).toBe(ARCHES[first as keyof typeof ARCHES].token);
      if (name.endsWith('-long')) expect(prog.length).toBeGreaterThan(1000);
      roundTrip(prog, arch);
      const text = disassemble(prog, { arch });
      // Argument names survive libseccomp's layout (seccomp-tools 1.7 loses them on x86_64).
      expect(text).toMatch(/ # (\w+\.)?(x32_)?openat\(dfd, filename, flags, mode\)/);
      if (name.includes('+')) expect(text).toMatch(/if \(A == \w+\.\w+\) goto/);
    });
  }
});
