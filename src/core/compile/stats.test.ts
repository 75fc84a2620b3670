import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../arch/arches.js';
import * as C from '../bpf/constants.js';
import { jump, loadAbs, ret, stmt, type Instruction } from '../bpf/instruction.js';
import { traceProgram } from '../bpf/interpreter.js';
import { parsePolicyText } from '../formats/parse.js';
import { compilePolicy } from './compile.js';
import { filterStats, formatStats, kernelCacheAllows, programStats, rangeNumbers, worstPathLength } from './stats.js';

const X86_64 = ARCHES.x86_64.token;
const ALLOW = C.SECCOMP_RET_ALLOW;
const EPERM = C.SECCOMP_RET_ERRNO | 1;
const JEQ = C.BPF_JMP | C.BPF_JEQ | C.BPF_K;
const JGT = C.BPF_JMP | C.BPF_JGT | C.BPF_K;
const JGE = C.BPF_JMP | C.BPF_JGE | C.BPF_K;
const JSET = C.BPF_JMP | C.BPF_JSET | C.BPF_K;
const A0 = C.SECCOMP_DATA_ARGS; // args[0] low word on little-endian
const A1 = C.SECCOMP_DATA_ARGS + 8;

interface Case {
  name: string;
  program: Instruction[];
  nr: number;
  /** Path length with all arguments 0. */
  zero: number;
  /** Longest path over argument values. */
  worst: number;
  cacheable: boolean;
  exact?: boolean;
}

// arch check + nr dispatch used by several cases.
const head = [loadAbs(C.SECCOMP_DATA_ARCH), jump(JEQ, X86_64, 1, 0), ret(C.SECCOMP_RET_KILL_THREAD), loadAbs(C.SECCOMP_DATA_NR)];

const CASES: Case[] = [
  { name: 'ret allow', program: [ret(ALLOW)], nr: 0, zero: 1, worst: 1, cacheable: true },
  { name: 'ret log is not an allow', program: [ret(C.SECCOMP_RET_LOG)], nr: 0, zero: 1, worst: 1, cacheable: false },
  { name: 'nr dispatch, allowed', program: [...head, jump(JEQ, 0, 0, 1), ret(ALLOW), ret(EPERM)], nr: 0, zero: 5, worst: 5, cacheable: true },
  { name: 'nr dispatch, denied', program: [...head, jump(JEQ, 0, 0, 1), ret(ALLOW), ret(EPERM)], nr: 1, zero: 5, worst: 5, cacheable: false },
  {
    name: 'argument check: longer path for a0 != 0',
    program: [...head, jump(JEQ, 1, 0, 5), loadAbs(A0), jump(JEQ, 0, 0, 1), ret(ALLOW), loadAbs(A1), jump(JEQ, 5, 0, 1), ret(ALLOW), ret(EPERM)],
    nr: 1, zero: 7, worst: 9, cacheable: false,
  },
  {
    name: 'argument check on another syscall does not matter',
    program: [...head, jump(JEQ, 1, 0, 3), loadAbs(A0), jump(JEQ, 0, 0, 1), ret(ALLOW), ret(ALLOW)],
    nr: 2, zero: 5, worst: 5, cacheable: true,
  },
  {
    // a0 == 5 and then a0 == 6 cannot both hold: the 3-instruction tail after the second test is unreachable.
    name: 'infeasible branch is pruned',
    program: [loadAbs(A0), jump(JEQ, 5, 0, 5), jump(JEQ, 6, 1, 0), ret(EPERM), stmt(C.BPF_LD | C.BPF_IMM, 1), stmt(C.BPF_LD | C.BPF_IMM, 2), ret(ALLOW), ret(ALLOW)],
    nr: 0, zero: 3, worst: 4, cacheable: false,
  },
  {
    name: 'range tests: a0 > 10 then a0 >= 5 always true',
    program: [loadAbs(A0), jump(JGT, 10, 0, 3), jump(JGE, 5, 0, 1), ret(ALLOW), stmt(C.BPF_LD | C.BPF_IMM, 7), ret(EPERM)],
    nr: 0, zero: 3, worst: 4, cacheable: false,
  },
  {
    name: 'masked test via AND and JSET',
    program: [loadAbs(A0), stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, 0xf0), jump(JSET, 0x0f, 0, 1), stmt(C.BPF_LD | C.BPF_IMM, 1), ret(ALLOW)],
    nr: 0, zero: 4, worst: 4, cacheable: false,
  },
  {
    name: 'AND on nr is understood by the kernel cache',
    program: [loadAbs(C.SECCOMP_DATA_NR), stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, 0xff), jump(JEQ, 3, 0, 1), ret(ALLOW), ret(EPERM)],
    nr: 0x103, zero: 4, worst: 4, cacheable: true,
  },
  {
    name: 'ALU other than AND defeats the cache',
    program: [loadAbs(C.SECCOMP_DATA_NR), stmt(C.BPF_ALU | C.BPF_ADD | C.BPF_K, 1), jump(JEQ, 4, 0, 1), ret(ALLOW), ret(EPERM)],
    nr: 3, zero: 4, worst: 4, cacheable: false,
  },
  {
    name: 'JA is followed by the kernel cache',
    program: [loadAbs(C.SECCOMP_DATA_NR), stmt(C.BPF_JMP | C.BPF_JA, 1), ret(EPERM), ret(ALLOW)],
    nr: 9, zero: 3, worst: 3, cacheable: true,
  },
  {
    name: 'compare against X defeats the cache',
    program: [stmt(C.BPF_LDX | C.BPF_IMM, 3), loadAbs(C.SECCOMP_DATA_NR), jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_X, 0, 0, 1), ret(ALLOW), ret(EPERM)],
    nr: 3, zero: 4, worst: 4, cacheable: false,
  },
  {
    name: 'ret A defeats the cache',
    program: [stmt(C.BPF_LD | C.BPF_IMM, ALLOW), stmt(C.BPF_RET | C.BPF_A, 0)],
    nr: 0, zero: 2, worst: 2, cacheable: false,
  },
  {
    name: 'an unused argument load before ret allow defeats the cache',
    program: [loadAbs(A0), ret(ALLOW)],
    nr: 0, zero: 2, worst: 2, cacheable: false,
  },
  {
    name: 'masked compare of the high bits cannot be modelled by ranges: upper bound',
    program: [loadAbs(A0), stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, 0xff), jump(JGT, 0x1000, 0, 1), stmt(C.BPF_LD | C.BPF_IMM, 1), ret(ALLOW)],
    nr: 0, zero: 4, worst: 5, cacheable: false, exact: false,
  },
];

describe('stats: path lengths and the kernel cache rule', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const words = new Uint32Array(16);
      words[0] = c.nr;
      words[1] = X86_64;
      expect(traceProgram(c.program, words).steps).toBe(c.zero);
      const w = worstPathLength(c.program, X86_64, c.nr);
      expect(w.length).toBe(c.worst);
      expect(w.exact).toBe(c.exact ?? true);
      expect(kernelCacheAllows(c.program, X86_64, c.nr)).toBe(c.cacheable);
    });
  }

  it('counts per arch, x32 numbers carry bit 30 and are never cacheable', () => {
    const program = [...head, jump(JEQ, 0, 0, 1), ret(ALLOW), jump(JEQ, 0x40000000, 0, 1), ret(ALLOW), ret(EPERM)];
    expect(rangeNumbers(ARCHES.x32, [0, 2])).toEqual([0x40000000, 0x40000001, 0x40000002]);
    expect(rangeNumbers(ARCHES.mips, [0, 1])).toEqual([4000, 4001]);
    const s = programStats(program, ['x86_64', 'x32', 'x86'], { nrRange: [0, 9] });
    const [x64, x32, x86] = s.arches;
    expect(x64.rangeStats.count).toBe(10);
    expect(x64.rangeStats.cacheable).toBe(1);
    expect(x32.rangeStats.cacheable).toBe(0);
    expect(x86.rangeStats.cacheable).toBe(0); // kill for another arch
    expect(x64.rangeStats.zero).toEqual({ mean: (5 + 9 * 6) / 10, max: 6, maxNr: 1 });
    expect(x32.rangeStats.zero.max).toBe(6);
    expect(x86.rangeStats.zero).toEqual({ mean: 3, max: 3, maxNr: 0 });
    expect(s.exact).toBe(true);
    expect(formatStats(s)).toMatch(/x32 +nr 0\.\.9 +10 .* 0 \(never\)/);
  });
});

describe('stats of a compiled Docker default profile', () => {
  const text = readFileSync(new URL('../../../data/profiles/docker-default.json', import.meta.url), 'utf8');
  const { policy } = parsePolicyText(text, { context: { arch: 'x86_64', kernel: '6.8' } });
  const filter = compilePolicy(policy);
  const stats = filterStats(filter);

  it('reports x86_64, x86 and x32 separately with both syscall sets', () => {
    expect(stats.length).toBe(filter.instructions.length);
    expect(stats.compileMs).toBeGreaterThan(0);
    expect(stats.arches.map((a) => a.arch)).toEqual(['x86_64', 'x86', 'x32']);
    for (const a of stats.arches) {
      expect(a.rangeStats.count).toBe(471);
      expect(a.rangeStats.worst.max).toBeGreaterThanOrEqual(a.rangeStats.zero.max);
      expect(a.rangeStats.worst.mean).toBeGreaterThanOrEqual(a.rangeStats.zero.mean);
      expect(a.rangeStats.argDependent).toBeGreaterThan(0); // clone, socket, personality
    }
    expect(stats.arches[0].rangeStats.cacheable).toBeGreaterThan(250);
    expect(stats.arches[1].rangeStats.cacheable).toBeGreaterThan(250);
    expect(stats.arches[2].rangeStats.cacheable).toBe(0);
    expect(stats.exact).toBe(true);
  });

  it('cacheable matches the rule: ALLOW reached reading only nr and arch (compiled code uses only cache-friendly instructions)', () => {
    for (const arch of filter.arches) {
      if (arch.x32) continue;
      for (const nr of rangeNumbers(arch)) {
        const words = new Uint32Array(16);
        words[0] = nr;
        words[1] = arch.token;
        const t = traceProgram(filter.instructions, words);
        const expected = t.ok && t.action === ALLOW && (t.readMask & ~3) === 0;
        expect(kernelCacheAllows(filter.instructions, arch.token, nr), `${arch.name} nr ${nr}`).toBe(expected);
      }
    }
  });

  it('the worst case bounds every concrete run', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    const interesting = [0, 1, 0x26, 0x28, 0x7e020000, 0xffffffff, 0x20008, 8];
    for (const nr of [41, 56, 135, 0, 59]) {
      const w = worstPathLength(filter.instructions, X86_64, nr);
      let seen = 0;
      for (let i = 0; i < 300; i++) {
        const words = new Uint32Array(16);
        words[0] = nr;
        words[1] = X86_64;
        for (let j = 2; j < 16; j++) words[j] = rnd() % 3 === 0 ? interesting[rnd() % interesting.length] : rnd();
        const steps = traceProgram(filter.instructions, words).steps;
        expect(steps).toBeLessThanOrEqual(w.length);
        seen = Math.max(seen, steps);
      }
      expect(seen, `nr ${nr}: the worst case is reached by some input`).toBe(w.length);
    }
  });
});
