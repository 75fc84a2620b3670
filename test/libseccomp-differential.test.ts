/**
 * Differential tests: syswall's compiler against libseccomp (Debian's
 * python3-seccomp). For every policy libseccomp accepts, both programs must
 * return the same value for every input we try; where libseccomp refuses a
 * policy because two rules conflict, syswall must refuse it too.
 */
import { describe, expect, it } from 'vitest';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { compilePolicy } from '../src/core/compile/index.js';
import { CompileError } from '../src/core/errors.js';
import { compileWithLibseccomp, requireLibseccomp } from './helpers/libseccomp-compile.js';
import { runWords as runProgram } from '../src/core/bpf/interpreter.js';
import { inputsFor, randomPolicy } from './helpers/random-policy.js';
import { pathOf, referenceDefects } from './helpers/reference-defects.js';

describe('compiler vs libseccomp (python3-seccomp)', () => {
  it('agrees on 2,000 random policies, 150 inputs each', () => {
    requireLibseccomp();
    const base = Number(process.env.SYSWALL_DIFF_SEED ?? 20261123);
    const total = Number(process.env.SYSWALL_DIFF_POLICIES ?? 2000);
    const seeds = Array.from({ length: total }, (_, i) => base + i);
    const policies = seeds.map(randomPolicy);
    const refs = compileWithLibseccomp(policies);
    let accepted = 0;
    let conflicts = 0;
    const failures: string[] = [];
    const refDefects: string[] = [];
    policies.forEach((p, i) => {
      const ref = refs[i];
      let ours;
      try {
        ours = compilePolicy(p, { enosys: 'none' });
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        if (ref.ok) failures.push(`seed ${seeds[i]}: libseccomp accepts but syswall refuses: ${e.message}`);
        else conflicts++;
        return;
      }
      if (!ref.ok) {
        if (/errno = -17\)/.test(ref.error ?? '')) failures.push(`seed ${seeds[i]}: libseccomp refuses a conflict (${ref.error}) but syswall compiled it`);
        return;
      }
      accepted++;
      for (const input of inputsFor(p, seeds[i], 150)) {
        const words = seccompDataWords({ nr: input.nr, arch: input.arch, args: input.args }, input.endian);
        const a = runProgram(ours.instructions, words);
        const b = runProgram(ref.program!, words);
        if (a !== b) {
          const defects = referenceDefects(ref.program!, pathOf(ref.program!, words));
          if (defects.length) {
            refDefects.push(`seed ${seeds[i]}: ${defects.join(', ')}`);
            break;
          }
          failures.push(`seed ${seeds[i]}: arch 0x${input.arch.toString(16)} nr ${input.nr} args [${input.args.map((x) => '0x' + x.toString(16)).join(', ')}]: syswall 0x${a.toString(16)} libseccomp 0x${b.toString(16)}`);
          break;
        }
      }
    });
    if (failures.length) console.error(failures.slice(0, 20).join('\n'));
    expect(failures.slice(0, 5)).toEqual([]);
    expect(accepted).toBeGreaterThan(total / 2);
    console.log(`differential: ${accepted} accepted policies compared, ${conflicts} refused by both, ${refDefects.length} where libseccomp's own program is defective:\n  ${refDefects.join('\n  ')}`);
    // libseccomp's defective programs must stay rare, or the comparison means little.
    expect(refDefects.length).toBeLessThan(accepted / 50);
  }, 600_000);
});
