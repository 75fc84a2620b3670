/**
 * Property: the optimised program and the plain lowering of the same policy
 * decide identically (gVisor secfuzz-style), for random policies over every
 * arch group and inputs around every constant the policy compares. The plain
 * lowering shares only the rule database and the sections with the
 * optimised one: it skips diagram simplification, the search-tree DP, the
 * argument range trees, the accumulator tracking and the bytecode passes.
 */
import { describe, expect, it } from 'vitest';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { runWords } from '../src/core/bpf/interpreter.js';
import { validateProgram } from '../src/core/bpf/validate.js';
import { compilePolicy } from '../src/core/compile/index.js';
import { CompileError } from '../src/core/errors.js';
import { inputsFor, randomPolicy } from './helpers/random-policy.js';

const POLICIES = 500;
const INPUTS = 200;

describe('optimised vs plain lowering', () => {
  it(`agree on ${POLICIES} random policies (${INPUTS} inputs each, ENOSYS modes none and unknown) and both pass the kernel validator`, () => {
    const base = Number(process.env.SYSWALL_PROPERTY_SEED ?? 7_000_000);
    console.log(`property: seeds ${base}..${base + POLICIES - 1} (SYSWALL_PROPERTY_SEED)`);
    let compared = 0;
    let refused = 0;
    let inputs = 0;
    for (let i = 0; i < POLICIES; i++) {
      const seed = base + i;
      const p = randomPolicy(seed);
      for (const enosys of ['none', 'unknown'] as const) {
        let fast, plain;
        try {
          fast = compilePolicy(p, { enosys });
          plain = compilePolicy(p, { enosys, optimize: false });
        } catch (e) {
          // Conflicting rules are refused by both lowerings alike (the rule database is shared).
          if (!(e instanceof CompileError) || e.code !== 'RULE_CONFLICT') throw e;
          refused++;
          continue;
        }
        expect(validateProgram(fast.instructions), `seed ${seed}`).toEqual([]);
        expect(validateProgram(plain.instructions), `seed ${seed}`).toEqual([]);
        for (const input of inputsFor(p, seed, INPUTS)) {
          const w = seccompDataWords({ nr: input.nr, arch: input.arch, args: input.args }, input.endian);
          const a = runWords(fast.instructions, w);
          const b = runWords(plain.instructions, w);
          if (a !== b) throw new Error(`seed ${seed} (enosys ${enosys}): nr ${input.nr} arch 0x${input.arch.toString(16)}: optimised 0x${a.toString(16)}, plain 0x${b.toString(16)}`);
          inputs++;
        }
        compared++;
      }
    }
    console.log(`property: ${compared} (policy, ENOSYS mode) pairs compared on ${inputs} inputs, ${refused} refused as conflicts`);
    expect(compared + refused).toBe(2 * POLICIES);
    expect(inputs).toBe(compared * INPUTS);
    // Conflicts must stay a minority, or the property says little.
    expect(compared).toBeGreaterThan(1.5 * POLICIES);
  }, 300_000);
});
