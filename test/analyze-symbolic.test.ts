import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { analyzeProgram, lookupDecision } from '../src/core/symbolic/symbolic.js';
import { evalBpf } from './helpers/bpf-eval.js';

const CONSTS = [0, 1, 2, 3, 4, 0x10, 0x1ff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xc000003e, 0x40000003];
const RETS = [0x7fff0000, 0x00050001, 0x80000000, 0x00000000, 0x00030000];
const WORDS = [0, 1, 4, 5, 6, 7];

/** Random kernel-valid program: loads, ALU, scratch memory, forward jumps, rets. */
const programArb = fc.integer({ min: 1, max: 1 << 30 }).chain((seed) => fc.constant(randomProgram(seed)));

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s >>> 13;
    return (s >>> 0) / 2 ** 32;
  };
}

function randomProgram(seed: number): Instruction[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const len = 3 + Math.floor(r() * 30);
  const prog: Instruction[] = [];
  const written = new Set<number>();
  for (let pc = 0; pc < len - 1; pc++) {
    const left = len - 1 - pc; // instructions after this one
    const roll = r();
    const k = r() < 0.8 ? pick(CONSTS) : Math.floor(r() * 2 ** 32) >>> 0;
    if (roll < 0.25) prog.push({ code: 0x20, jt: 0, jf: 0, k: pick(WORDS) * 4 });
    else if (roll < 0.55) {
      const op = pick([0x10, 0x20, 0x30, 0x40]);
      const src = r() < 0.15 ? 8 : 0;
      prog.push({ code: 0x05 | op | src, jt: Math.floor(r() * Math.min(left, 6)), jf: Math.floor(r() * Math.min(left, 6)), k });
    } else if (roll < 0.7) {
      const op = pick([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0xa0, 0x50, 0x70]);
      const src = r() < 0.2 ? 8 : 0;
      let kk = k;
      if ((op === 0x60 || op === 0x70) && !src) kk = Math.floor(r() * 32);
      if (op === 0x30 && !src && kk === 0) kk = 3;
      prog.push({ code: 0x04 | op | (op === 0x80 ? 0 : src), jt: 0, jf: 0, k: op === 0x80 ? 0 : kk });
    } else if (roll < 0.75) prog.push({ code: pick([0x07, 0x87]), jt: 0, jf: 0, k: 0 });
    else if (roll < 0.8) prog.push({ code: 0x01, jt: 0, jf: 0, k }); // ldx imm
    else if (roll < 0.85) { const slot = Math.floor(r() * 3); written.add(slot); prog.push({ code: pick([0x02, 0x03]), jt: 0, jf: 0, k: slot }); }
    else if (roll < 0.9 && written.size) { prog.push({ code: 0x60, jt: 0, jf: 0, k: [...written][0] }); }
    else if (roll < 0.93) prog.push({ code: 0x05, jt: 0, jf: 0, k: Math.floor(r() * Math.min(left, 4)) });
    else prog.push({ code: 0x06, jt: 0, jf: 0, k: pick(RETS) });
  }
  prog.push(r() < 0.9 ? { code: 0x06, jt: 0, jf: 0, k: pick(RETS) } : { code: 0x16, jt: 0, jf: 0, k: 0 });
  return prog;
}

function randomWords(r: () => number): Uint32Array {
  const w = new Uint32Array(16);
  for (let i = 0; i < 16; i++) {
    const roll = r();
    const c = CONSTS[Math.floor(r() * CONSTS.length)];
    w[i] = roll < 0.5 ? c : roll < 0.7 ? c + 1 : roll < 0.8 ? c - 1 : Math.floor(r() * 2 ** 32);
  }
  return w;
}

/** Validity the analysis requires (memory reads after writes on every path); skip others. */
function analysable(prog: Instruction[]) {
  try {
    return analyzeProgram(prog);
  } catch (e) {
    if ((e as any).code === 'BPF_UNINIT_MEM') return undefined;
    throw e;
  }
}

describe('symbolic evaluation agrees with concrete evaluation', () => {
  it('random programs, random inputs: exactly one region matches, with the interpreter\'s value', () => {
    fc.assert(
      fc.property(programArb, fc.integer(), (prog, seed) => {
        const an = analysable(prog);
        if (!an) return;
        const r = rng(seed);
        for (let i = 0; i < 60; i++) {
          const w = randomWords(r);
          const expected = evalBpf(prog, w);
          const got = lookupDecision(an, w);
          expect(got.matches, JSON.stringify({ prog, w: [...w] })).toBe(1);
          expect(got.value >>> 0).toBe(expected >>> 0);
        }
      }),
      { numRuns: 600 },
    );
  });
});

import { diffPrograms } from '../src/core/analyze/diff.js';
import { findArch } from '../src/core/arch/arches.js';
import { normalizeAction } from '../src/core/bpf/actions.js';
import { regionContains, segmentFor, archDecisionFor } from '../src/core/symbolic/symbolic.js';
import { explainProgram, formatExplain } from '../src/core/analyze/explain.js';

describe('diff is exact', () => {
  it('random program pairs: inputs differ exactly where a region is reported', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), fc.integer({ min: 1, max: 1 << 30 }), fc.integer(), (s1, s2, seed) => {
        const a = randomProgram(s1);
        // B: A with some return values changed (so they often agree), or an unrelated program.
        const r0 = rng(s2);
        const b = r0() < 0.7 ? a.map((ins) => ((ins.code & 7) === 6 && ins.code === 6 && r0() < 0.3 ? { ...ins, k: RETS[Math.floor(r0() * RETS.length)] } : ins)) : randomProgram(s2);
        if (!analysable(a) || !analysable(b)) return;
        const report = diffPrograms(a, b);
        const tokens = new Set([...analysable(a)!.archTokens, ...analysable(b)!.archTokens]);
        if (report.entries.length === 0) expect(report.equivalent).toBe(true);
        const r = rng(seed);
        // Re-analyse with common tokens to locate inputs in the reported regions.
        for (let i = 0; i < 40; i++) {
          const w = randomWords(r);
          const va = normalizeAction(evalBpf(a, w));
          const vb = normalizeAction(evalBpf(b, w));
          const inDiff = report.entries.some((e) => w[0] >= e.nrLo && w[0] <= e.nrHi && e.regions.some((reg) => regionContains({ ...reg, value: undefined as any, pc: 0 }, w)) && archMatches(e.arch, w[1], tokens));
          if (va !== vb) expect(inDiff, JSON.stringify({ a, b, w: [...w] })).toBe(true);
          // Soundness: inside a reported region (between constant actions) the programs really differ.
          const constOnly = report.entries.every((e) => e.changes.every((c) => !c.a.startsWith('ret ') && !c.b.startsWith('ret ')));
          if (inDiff && constOnly) expect(va, JSON.stringify({ a, b, w: [...w] })).not.toBe(vb);
        }
        // Identity: a program never differs from itself.
        expect(diffPrograms(a, a).equivalent).toBe(true);
      }),
      { numRuns: 250 },
    );
  });
});

/** Whether a diff entry's arch name covers an arch word (names come from present.viewsOf). */
function archMatches(name: string, arch: number, tokens: Set<number>): boolean {
  if (name === 'other arches') return !tokens.has(arch >>> 0);
  if (name.startsWith('arch 0x')) return parseInt(name.slice(5), 16) === arch >>> 0;
  return findArch(name)!.token === arch >>> 0;
}

describe('hostile and unusual programs', () => {
  it('a 2^k-path ladder (if A == c then X = c) stays small and exact', () => {
    const prog: Instruction[] = [{ code: 0x20, jt: 0, jf: 0, k: 16 }];
    for (let i = 0; i < 24; i++) prog.push({ code: 0x15, jt: 0, jf: 1, k: i }, { code: 0x01, jt: 0, jf: 0, k: i });
    prog.push({ code: 0x87, jt: 0, jf: 0, k: 0 }, { code: 0x15, jt: 0, jf: 1, k: 7 }, { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 }, { code: 0x06, jt: 0, jf: 0, k: 0 });
    const an = analyzeProgram(prog);
    expect(an.dag.size).toBeLessThan(2000);
    const r = rng(5);
    for (let i = 0; i < 200; i++) {
      const w = randomWords(r);
      if (i % 3 === 0) w[4] = Math.floor(r() * 30);
      expect(lookupDecision(an, w).value >>> 0).toBe(evalBpf(prog, w) >>> 0);
    }
  });

  it('explains ret A and arithmetic on the syscall number exactly', () => {
    // nr - 10 < 5 (i.e. nr in [10, 14]) -> ERRNO(nr & 0xff); else ALLOW.  Uses sub, ret A.
    const prog: Instruction[] = [
      { code: 0x20, jt: 0, jf: 0, k: 4 }, { code: 0x15, jt: 1, jf: 0, k: 0xc000003e }, { code: 0x06, jt: 0, jf: 0, k: 0 },
      { code: 0x20, jt: 0, jf: 0, k: 0 }, { code: 0x14, jt: 0, jf: 0, k: 10 }, { code: 0x35, jt: 3, jf: 0, k: 5 },
      { code: 0x20, jt: 0, jf: 0, k: 0 }, { code: 0x44, jt: 0, jf: 0, k: 0x50000 }, { code: 0x16, jt: 0, jf: 0, k: 0 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
    ];
    const text = formatExplain(explainProgram(prog));
    expect(text).toContain('ret nr | 0x50000: mprotect, munmap, brk, rt_sigaction, rt_sigprocmask');
    const an = analyzeProgram(prog);
    const seg = segmentFor(archDecisionFor(an, 0xc000003e), 12);
    expect(seg.lo).toBe(10);
    expect(seg.hi).toBe(14);
  });
});
