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
import { dockerDefaultAmd64 } from './helpers/docker-default.js';

describe('compiler vs libseccomp (python3-seccomp)', () => {
  it('agrees on 2,000 random policies, 150 inputs each', () => {
    requireLibseccomp();
    const base = Number(process.env.SYSWALL_DIFF_SEED ?? 20261123);
    const total = Number(process.env.SYSWALL_DIFF_POLICIES ?? 2000);
    // Generate until `total` policies were accepted by libseccomp and compared.
    const seeds: number[] = [];
    const policies: ReturnType<typeof randomPolicy>[] = [];
    const refs: ReturnType<typeof compileWithLibseccomp> = [];
    while (refs.filter((r) => r.ok).length < total && seeds.length < total * 3) {
      const batch = Array.from({ length: 250 }, (_, i) => base + seeds.length + i);
      const ps = batch.map(randomPolicy);
      seeds.push(...batch);
      policies.push(...ps);
      refs.push(...compileWithLibseccomp(ps));
    }
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
    expect(accepted).toBeGreaterThanOrEqual(total);
    console.log(`differential: ${accepted} accepted policies compared, ${conflicts} refused by both, ${refDefects.length} where libseccomp's own program is defective:\n  ${refDefects.join('\n  ')}`);
    // libseccomp's defective programs must stay rare, or the comparison means little.
    expect(refDefects.length).toBeLessThan(accepted / 10);
  }, 600_000);
});

describe("Docker's default profile vs libseccomp", () => {
  it('decides identically for x86_64, x86 and x32 over nr 0..1023 and arguments around every constant (opt 1 and 2)', () => {
    requireLibseccomp();
    const { policy } = dockerDefaultAmd64();
    const ours = compilePolicy(policy, { enosys: 'none' }).instructions;
    const [ref1, ref2] = [compileWithLibseccomp([policy], 1)[0], compileWithLibseccomp([policy], 2)[0]];
    expect(ref1.ok && ref2.ok, `${ref1.error ?? ''} ${ref2.error ?? ''}`).toBe(true);
    // Argument values on both sides of every constant the profile compares.
    const values = new Set<bigint>([0n, 1n, 0xffffffffn, 0x100000000n, (1n << 64n) - 1n]);
    for (const r of policy.rules) for (const c of r.conditions) for (const v of [c.value, c.mask ?? 0n]) for (const d of [-1n, 0n, 1n]) values.add((v + d) & ((1n << 64n) - 1n));
    const vals = [...values];
    let checked = 0;
    const tokens: [number, number][] = [[0xc000003e, 0], [0x40000003, 0], [0xc000003e, 0x40000000], [0xc00000b7, 0]];
    for (const [arch, base] of tokens) {
      for (let n = 0; n < 1024; n++) {
        const nr = (base + n) >>> 0;
        for (let a = 0; a < vals.length; a++) {
          const args = [vals[a], vals[(a * 7 + 1) % vals.length], vals[(a * 13 + 2) % vals.length], 0n, 0n, 0n];
          const w = seccompDataWords({ nr, arch, args });
          const mine = runProgram(ours, w);
          for (const ref of [ref1, ref2]) {
            const theirs = runProgram(ref.program!, w);
            if (mine !== theirs) throw new Error(`arch 0x${arch.toString(16)} nr ${nr} args ${args.map((x) => '0x' + x.toString(16))}: syswall 0x${mine.toString(16)}, libseccomp 0x${theirs.toString(16)}`);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(4 * 1024 * 10);
  }, 120_000);
});
