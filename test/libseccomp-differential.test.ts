/**
 * Differential tests: syswall's compiler against libseccomp (Debian's
 * python3-seccomp). For every policy libseccomp accepts, both programs must
 * return the same value for every input tried; where libseccomp refuses a
 * policy because two rules conflict, syswall must refuse it too.
 *
 * A mismatch is excused only when an independent oracle says libseccomp's
 * BPF is wrong: libseccomp's own PFC export of the same filter (a rendering
 * of its rule database by another code path), evaluated by a separate
 * evaluator (test/helpers/pfc-eval.ts, which shares no code with syswall's
 * compiler). The BPF is defective where the PFC agrees with syswall and the
 * BPF does not; any other mismatch fails the test.
 */
import { describe, expect, it } from 'vitest';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { compilePolicy } from '../src/core/compile/index.js';
import { CompileError } from '../src/core/errors.js';
import { compileWithLibseccomp, requireLibseccomp, type RefResult } from './helpers/libseccomp-compile.js';
import { runWords as runProgram } from '../src/core/bpf/interpreter.js';
import { inputsFor, randomPolicy } from './helpers/random-policy.js';
import { evalPfc, parsePfc } from './helpers/pfc-eval.js';
import { dockerDefaultAmd64 } from './helpers/docker-default.js';
import type { Policy } from '../src/core/policy/types.js';

const hex = (v: number) => '0x' + (v >>> 0).toString(16);
const INPUTS_PER_POLICY = 150;

/** Compiles random policies with libseccomp until `total` were accepted (or three times as many were tried). */
function referencePolicies(base: number, total: number, optimize: 1 | 2): { seeds: number[]; policies: Policy[]; refs: RefResult[] } {
  const seeds: number[] = [];
  const policies: Policy[] = [];
  const refs: RefResult[] = [];
  while (refs.filter((r) => r.ok).length < total && seeds.length < total * 3) {
    const batch = Array.from({ length: 250 }, (_, i) => base + seeds.length + i);
    const ps = batch.map(randomPolicy);
    seeds.push(...batch);
    policies.push(...ps);
    refs.push(...compileWithLibseccomp(ps, optimize, { pfc: true }));
  }
  return { seeds, policies, refs };
}

/** Compares syswall with libseccomp on random policies; returns what it found. */
function differential(base: number, total: number, optimize: 1 | 2) {
  const { seeds, policies, refs } = referencePolicies(base, total, optimize);
  let accepted = 0;
  let conflicts = 0;
  let inputs = 0;
  const failures: string[] = [];
  const confirmed: string[] = [];
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
    const pfc = parsePfc(ref.pfc!);
    for (const input of inputsFor(p, seeds[i], INPUTS_PER_POLICY)) {
      inputs++;
      const words = seccompDataWords({ nr: input.nr, arch: input.arch, args: input.args }, input.endian);
      const a = runProgram(ours.instructions, words);
      const b = runProgram(ref.program!, words);
      if (a === b) continue;
      const c = evalPfc(pfc, input.arch, input.nr, input.args);
      const where = `seed ${seeds[i]}: arch ${hex(input.arch)} nr ${hex(input.nr)} args [${input.args.map((x) => '0x' + x.toString(16)).join(', ')}]: syswall ${hex(a)}, libseccomp BPF ${hex(b)}, libseccomp PFC ${hex(c)}`;
      if (c === a) confirmed.push(where);
      else failures.push(where);
      break;
    }
  });
  if (failures.length) console.error(failures.slice(0, 20).join('\n'));
  console.log(`differential (OPTIMIZE=${optimize}): ${accepted} accepted policies, ${inputs} inputs compared, ${conflicts} refused by both; ${confirmed.length} policies where libseccomp's BPF contradicts its own PFC (and syswall agrees with the PFC):\n  ${confirmed.join('\n  ')}`);
  return { accepted, inputs, failures, confirmed };
}

describe('compiler vs libseccomp (python3-seccomp)', () => {
  const base = Number(process.env.SYSWALL_DIFF_SEED ?? 20261123);
  const total = Number(process.env.SYSWALL_DIFF_POLICIES ?? 2000);

  for (const [optimize, count, seedBase] of [[1, total, base], [2, Math.ceil(total / 4), base + 1_000_000]] as const) {
    it(`agrees on ${count} random policies at OPTIMIZE=${optimize}, 150 inputs each; every mismatch is a BPF defect that libseccomp's own PFC confirms`, () => {
      requireLibseccomp();
      console.log(`differential: seeds from ${seedBase} (SYSWALL_DIFF_SEED, +1000000 for OPTIMIZE=2), ${count} accepted policies wanted (SYSWALL_DIFF_POLICIES)`);
      const { accepted, inputs, failures, confirmed } = differential(seedBase, count, optimize);
      expect(failures.slice(0, 5)).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(count);
      // Every accepted policy was compared on all of its inputs, up to its first (confirmed) mismatch.
      expect(inputs).toBeGreaterThanOrEqual((accepted - confirmed.length) * INPUTS_PER_POLICY);
      // libseccomp's defective programs must stay rare, or the comparison means little.
      expect(confirmed.length).toBeLessThan(accepted / 10);
    }, 600_000);
  }
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
    expect(checked).toBe(tokens.length * 1024 * vals.length);
  }, 120_000);
});
