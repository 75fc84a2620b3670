/**
 * Fuzz: seccomp-tools assembly, raw and hex BPF, and what the analysis
 * commands do with any of them (the analysis input door, disassembly,
 * emulation, explain, lint, graph, diff).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHES, type ArchInfo } from '../../src/core/arch/arches.js';
import { assemble } from '../../src/core/bpf/asm/index.js';
import { disassemble } from '../../src/core/bpf/disasm.js';
import type { Instruction } from '../../src/core/bpf/instruction.js';
import { emulate } from '../../src/core/bpf/emu.js';
import { loadInput, type LoadedInput } from '../../src/core/input/load.js';
import { diffInputs, explainInput, graphInput, lintLoaded, mapInput } from '../../src/core/analyze/input.js';
import { cfgToSvg } from '../../src/core/analyze/graph.js';
import { layoutCfg } from '../../src/core/analyze/cfg-layout.js';
import { mapToSvg } from '../../src/core/analyze/map.js';
import { hexText } from '../../src/core/bpf/formats.js';
import { loadProgram } from '../../src/cli/commands/disasm.js';
import { bytesOf, clean, fuzz, watchdog } from './harness.js';
import type { InputKindOption } from '../../src/core/formats/door.js';
import { mutatedBytes, mutatedText, NUMBERS } from './mutate.js';
import { ASSEMBLY, COMMON_WORDS, RAW_PROGRAMS } from './seeds.js';

let stop: () => void;
let dir: string;
beforeAll(() => {
  stop = watchdog('test/fuzz/bpf.test.ts', 300);
  dir = mkdtempSync(join(tmpdir(), 'syswall-fuzz-bpf-'));
});
afterAll(() => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});

const ARCH_LIST: ArchInfo[] = [ARCHES.x86_64, ARCHES.x86, ARCHES.x32, ARCHES.aarch64, ARCHES.s390x, ARCHES.mips];

/** The analysis commands on an input: explain, lint, graph (both views), diff against itself (programs up to a size that keeps cases fast). */
function analyse(input: LoadedInput, arch: ArchInfo): void {
  if (input.program.length > 600) return;
  const arches = input.arches.length ? input.arches : [arch];
  clean(() => explainInput(input, { arches }));
  clean(() => lintLoaded(input, { arches }));
  clean(() => {
    const cfg = graphInput(input);
    return cfgToSvg(cfg, layoutCfg(cfg));
  });
  clean(() => mapToSvg(mapInput(input, { arches })));
  clean(() => diffInputs(input, input, { arches }));
}


const ASM_WORDS = [
  ...COMMON_WORDS, 'A', 'X', 'mem[0]', 'mem[15]', 'mem[16]', 'mem[-1]', 'args[0]', 'args[5]', 'args[6]', 'args_h[1]', 'data[0]', 'data[64]', 'data[3]', 'arch', 'sys_number', 'instruction_pointer', 'len',
  'if', 'else', 'goto', 'next', 'jmp', 'jump', 'return', 'ALLOW', 'KILL', 'ERRNO(1)', 'ERRNO(70000)', 'TRAP', 'TRACE', 'LOG', 'USER_NOTIF', 'KILL_PROCESS', 'ARCH_X86_64', 'ARCH_AARCH64', 'ARCH_FROB',
  '=', '==', '!=', '>=', '>', '<', '<=', '&', '+=', '-=', '*=', '/=', '%=', '|=', '&=', '^=', '<<=', '>>=', '-A', '!(', '(', ')', ':', 'label:', 'goto label', '>> 32', '#', '$',
  ...NUMBERS,
];

describe('fuzz: assembly', () => {
  it('text mutations of every statement form, assembled for several arches, disassembled', () => {
    fuzz(
      'asm',
      fc.tuple(mutatedText({ seeds: ASSEMBLY, dictionary: ASM_WORDS, nesting: [['(', ')'], ['!(', ')'], ['if (', ') goto next\n']] }), fc.constantFrom(...ARCH_LIST)),
      ([text, arch]) => {
        const r = clean(() => assemble(text, { arch, file: 'fuzz.asm' }));
        if (r.ok) {
          const program = r.value as Instruction[];
          clean(() => disassemble(program, { arch, endian: arch.endian }));
        }
      },
    );
  });

  it('generated statements (one per line, any combination)', () => {
    const line = fc.oneof(
      fc.tuple(fc.constantFrom('A', 'X', 'mem[0]', 'mem[15]'), fc.constantFrom('=', '+=', '-=', '&=', '|=', '<<=', '>>=', '/=', '%='), fc.constantFrom('A', 'X', 'args[0]', 'args_h[2]', 'sys_number', 'arch', 'mem[3]', 'data[4]', 'len', 'instruction_pointer', ...NUMBERS)).map((t) => t.join(' ')),
      fc.tuple(fc.constantFrom('A', 'X'), fc.constantFrom('==', '!=', '>', '>=', '<', '<=', '&'), fc.constantFrom('A', 'X', 'read', 'execve', ...NUMBERS), fc.constantFrom('next', 'l1', 'l2', '0', '1', '255', '256')).map(([a, op, b, t]) => `if (${a} ${op} ${b}) goto ${t}`),
      fc.constantFrom('return ALLOW', 'return KILL', 'return ERRNO(1)', 'return A', 'l1: return LOG', 'l2: A = 1', 'goto l1', 'goto next'),
    );
    fuzz(
      'asm-gen',
      fc.tuple(fc.array(line, { minLength: 0, maxLength: 30 }), fc.constantFrom(...ARCH_LIST)),
      ([lines, arch]) => {
        clean(() => assemble(lines.join('\n'), { arch, file: 'gen.asm' }));
      },
    );
  });
});

describe('fuzz: raw and hex BPF', () => {
  const data = fc.record({
    nr: fc.oneof(fc.nat({ max: 600 }), fc.nat()),
    arch: fc.constantFrom(...ARCH_LIST.map((a) => a.token), 0, 0xffffffff),
    ip: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    args: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 6, maxLength: 6 }),
  });

  it('byte mutations of real programs, read as the CLI reads files (raw or hex), disassembled, emulated', () => {
    let n = 0;
    fuzz(
      'raw',
      fc.tuple(mutatedBytes(RAW_PROGRAMS), fc.boolean(), fc.constantFrom(undefined, ...ARCH_LIST.map((a) => a.name)), data),
      ([bytes, asHex, archName, d]) => {
        const file = join(dir, `p${n++ % 8}.bpf`);
        writeFileSync(file, asHex ? hexText(bytes) : bytes);
        const r = clean(() => loadProgram(file, archName));
        if (!r.ok) return;
        const { program, arch, endian } = r.value as ReturnType<typeof loadProgram>;
        clean(() => disassemble(program, { arch, endian }));
        clean(() => emulate(program, { nr: d.nr, arch: d.arch, ip: d.ip, args: d.args }, endian));
      },
    );
  });

  it('any bytes through the analysis input door (kind detected or forced)', () => {
    fuzz(
      'analysis-input',
      fc.tuple(
        fc.oneof(fc.uint8Array({ maxLength: 256 }), mutatedBytes(RAW_PROGRAMS), mutatedText({ seeds: ASSEMBLY, dictionary: ASM_WORDS }).map(bytesOf)),
        fc.constantFrom<InputKindOption | undefined>(undefined, 'raw', 'hex', 'asm', 'policy', 'program', 'oci', 'minijail'),
        fc.constantFrom(...ARCH_LIST),
      ),
      ([bytes, kind, arch]) => {
        clean(() => loadInput(bytes, { file: 'in', ...(kind ? { kind } : {}), context: { arch: arch.name, kernel: '6.1' } }));
      },
    );
  });

  // The analyses cost milliseconds per program (symbolic evaluation): fewer cases.
  it('explain, lint, graph and diff on mutated programs and assembly', () => {
    fuzz(
      'analysis',
      fc.tuple(
        fc.oneof(fc.uint8Array({ maxLength: 256 }), mutatedBytes(RAW_PROGRAMS), mutatedText({ seeds: ASSEMBLY, dictionary: ASM_WORDS }).map(bytesOf)),
        fc.constantFrom<InputKindOption | undefined>(undefined, 'raw', 'hex', 'asm', 'policy', 'program', 'oci', 'minijail'),
        fc.constantFrom(...ARCH_LIST),
      ),
      ([bytes, kind, arch]) => {
        const r = clean(() => loadInput(bytes, { file: 'in', ...(kind ? { kind } : {}), context: { arch: arch.name, kernel: '6.1' } }));
        if (r.ok) analyse(r.value as LoadedInput, arch);
      },
    );
  });
});
