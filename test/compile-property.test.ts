/**
 * Property: the optimised program and a plain, unoptimised lowering of the
 * same policy decide identically (gVisor secfuzz-style), for random policies
 * over every arch group and inputs around every constant the policy compares.
 */
import { describe, expect, it } from 'vitest';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { runWords } from '../src/core/bpf/interpreter.js';
import { validateProgram } from '../src/core/bpf/validate.js';
import { compilePolicy } from '../src/core/compile/index.js';
import { CompileError } from '../src/core/errors.js';
import { inputsFor, randomPolicy } from './helpers/random-policy.js';

describe('optimised vs plain lowering', () => {
  it('agree on 500 random policies (200 inputs each) and both pass the kernel validator', () => {
    let compared = 0;
    for (let i = 0; i < 500; i++) {
      const seed = 7_000_000 + i;
      const p = randomPolicy(seed);
      for (const enosys of ['none', 'unknown'] as const) {
        let fast, plain;
        try {
          fast = compilePolicy(p, { enosys });
          plain = compilePolicy(p, { enosys, optimize: false });
        } catch (e) {
          if (e instanceof CompileError) continue;
          throw e;
        }
        expect(validateProgram(fast.instructions), `seed ${seed}`).toEqual([]);
        expect(validateProgram(plain.instructions), `seed ${seed}`).toEqual([]);
        for (const input of inputsFor(p, seed, 200)) {
          const w = seccompDataWords({ nr: input.nr, arch: input.arch, args: input.args }, input.endian);
          const a = runWords(fast.instructions, w);
          const b = runWords(plain.instructions, w);
          if (a !== b) throw new Error(`seed ${seed} (enosys ${enosys}): nr ${input.nr} arch 0x${input.arch.toString(16)}: optimised 0x${a.toString(16)}, plain 0x${b.toString(16)}`);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(700);
  }, 300_000);
});
