/**
 * Property test: the loop interpreter, the traced interpreter and every
 * compiled strategy agree on random kernel-valid programs and inputs, in
 * both byte orders.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { runProgram, runWords, traceProgram } from '../src/core/bpf/interpreter.js';
import { compileProgram, type CompiledMode } from '../src/core/bpf/jit.js';
import { Rng, constantPool, randomInput, randomProgram } from './helpers/random-bpf.js';

const MODES: CompiledMode[] = ['blocks', 'switch', 'loop'];

describe('property: all evaluators agree on random valid programs', () => {
  const seedArb = fc.noShrink(fc.integer({ min: 0, max: 0x7fffffff }));
  it.each(['little', 'big'] as const)('%s-endian', (endian) => {
    fc.assert(
      fc.property(seedArb, (seed) => {
        const rng = new Rng(seed);
        const pool = constantPool(rng);
        const program = randomProgram(rng, pool, { allowIp: true, returns: rng.chance(0.5) ? 'any' : 'kernel' });
        const compiled = MODES.map((mode) => compileProgram(program, endian, { mode }));
        for (let i = 0; i < 8; i++) {
          const data = randomInput(rng, pool, { ip: true });
          const words = seccompDataWords(data, endian);
          const expected = runWords(program, words);
          expect(runProgram(program, data, endian)).toBe(expected);
          const t = traceProgram(program, data, endian);
          expect(t.ok && t.action).toBe(expected);
          expect(t.steps).toBe(t.path.length);
          for (const c of compiled) expect(c(words), c.mode).toBe(expected);
        }
      }),
      { numRuns: 400 },
    );
  });
});
