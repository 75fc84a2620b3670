/**
 * Named cases against libseccomp 2.5.4 (Debian's python3-seccomp):
 * - three minimal repros of defects in libseccomp's BPF generator, each
 *   confirmed by libseccomp's own PFC export of the same filter (evaluated by
 *   test/helpers/pfc-eval.ts); syswall decides as the PFC does;
 * - rules on syscall -1 ("tracer skip"), which libseccomp compiles with
 *   SCMP_FLTATR_API_TSKIP: syswall compiles them the same way on every arch;
 * - ERRNO(4095), which libseccomp refuses and syswall accepts (the kernel's
 *   MAX_ERRNO; docs/compiler.md says why).
 */
import { describe, expect, it } from 'vitest';
import { resolveArch } from '../src/core/arch/arches.js';
import { syscallNumber } from '../src/core/arch/syscalls.js';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { runWords } from '../src/core/bpf/interpreter.js';
import { compilePolicy } from '../src/core/compile/index.js';
import type { Action, Policy, Rule } from '../src/core/policy/types.js';
import { compileWithLibseccomp, requireLibseccomp, type RefOptions } from './helpers/libseccomp-compile.js';
import { runPythonSeccomp } from './helpers/libseccomp-python.js';
import { evalPfc, parsePfc } from './helpers/pfc-eval.js';
import { dockerDefaultAmd64 } from './helpers/docker-default.js';
import { programStats } from '../src/core/compile/stats.js';

const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const ERRNO = (e: number) => (0x00050000 | e) >>> 0;

/** What syswall, libseccomp's BPF and libseccomp's PFC return for one input. */
function threeWays(policy: Policy, nr: number, args: bigint[], optimize: 1 | 2 = 1, options: RefOptions = {}) {
  const [ref] = compileWithLibseccomp([policy], optimize, { ...options, pfc: true });
  if (!ref.ok) throw new Error(`libseccomp refused the policy: ${ref.error}`);
  const arch = resolveArch(policy.arches[0]);
  const words = seccompDataWords({ nr, arch: arch.token, args }, arch.endian);
  return {
    syswall: runWords(compilePolicy(policy, { enosys: 'none' }).instructions, words),
    bpf: runWords(ref.program!, words),
    pfc: evalPfc(parsePfc(ref.pfc!), arch.token, nr, args),
  };
}

const rule = (syscall: string | number, action: Action, conditions: Rule['conditions'] = []): Rule => ({ syscall, action, conditions });

describe("libseccomp's BPF defects, confirmed by its own PFC", () => {
  it('stale accumulator after a level of 32-bit comparisons (x86): a sibling compares the word its predecessor loaded', () => {
    requireLibseccomp();
    // read: ALLOW if a1 & 0xc == 0; KILL_THREAD if a1 != 0xb && a4 <= 5. With a1 = 0, a4 = 0xb the
    // BPF tests a1 & 0xc on the accumulator still holding a4 (0xb & 0xc = 8) and returns the default.
    const policy: Policy = {
      defaultAction: { kind: 'KILL_PROCESS' }, badArchAction: { kind: 'KILL_PROCESS' }, arches: ['x86'],
      rules: [
        rule('read', { kind: 'ALLOW' }, [{ arg: 1, op: 'MASKED_EQ', mask: 0xcn, value: 0n }]),
        rule('read', { kind: 'KILL_THREAD' }, [{ arg: 1, op: 'NE', value: 0xbn }, { arg: 4, op: 'LE', value: 5n }]),
      ],
    };
    expect(threeWays(policy, 3, [0n, 0n, 0n, 0n, 0xbn, 0n])).toEqual({ syswall: ALLOW, bpf: KILL_PROCESS, pfc: ALLOW });
  });

  it('stale accumulator across the halves of 64-bit comparisons (x86_64): a0.hi tested on a1.lo', () => {
    requireLibseccomp();
    // ioctl: ALLOW if a0 <= 0x100000000 && a1 >= 5; ERRNO(1) if a0 >= 0xf. With a0 = 0, a1 = 1 the
    // BPF reaches the second rule's `a0.hi > 0` with a1.lo (1) in the accumulator.
    const policy: Policy = {
      defaultAction: { kind: 'KILL_PROCESS' }, badArchAction: { kind: 'KILL_PROCESS' }, arches: ['x86_64'],
      rules: [
        rule('ioctl', { kind: 'ALLOW' }, [{ arg: 0, op: 'LE', value: 0x100000000n }, { arg: 1, op: 'GE', value: 5n }]),
        rule('ioctl', { kind: 'ERRNO', data: 1 }, [{ arg: 0, op: 'GE', value: 0xfn }]),
      ],
    };
    expect(threeWays(policy, 16, [0n, 1n, 0n, 0n, 0n, 0n])).toEqual({ syswall: KILL_PROCESS, bpf: ERRNO(1), pfc: KILL_PROCESS });
  });

  it('missing `ld [nr]` when the first syscall of a section is absent on that arch (arm lacks mmap)', () => {
    requireLibseccomp();
    // The load was attached to mmap's block, which arm does not emit: clone's `jeq 120` compares the arch token.
    const policy: Policy = {
      defaultAction: { kind: 'ALLOW' }, badArchAction: { kind: 'KILL_PROCESS' }, arches: ['arm'],
      rules: [rule('mmap', { kind: 'KILL_PROCESS' }), rule('clone', { kind: 'ERRNO', data: 1 }, [{ arg: 1, op: 'EQ', value: 5n }])],
    };
    expect(threeWays(policy, 120, [0n, 5n, 0n, 0n, 0n, 0n])).toEqual({ syswall: ERRNO(1), bpf: ALLOW, pfc: ERRNO(1) });
  });
});

describe('syscall -1 (tracer skip)', () => {
  const TSKIP = 0xffffffff;
  const groups = [['x86_64'], ['x86_64', 'x86', 'x32'], ['x32'], ['aarch64', 'arm'], ['s390x'], ['mipsel']] as const;

  it('compiles like libseccomp with API_TSKIP on every arch, with and without argument conditions (opt 1 and 2)', () => {
    requireLibseccomp();
    let checked = 0;
    const confirmed = new Set<string>();
    for (const arches of groups) {
      const policy: Policy = {
        defaultAction: { kind: 'ERRNO', data: 1 }, badArchAction: { kind: 'KILL_PROCESS' }, arches,
        rules: [
          rule(TSKIP, { kind: 'ALLOW' }, [{ arg: 0, op: 'EQ', value: 7n }]),
          rule(TSKIP, { kind: 'ERRNO', data: 5 }, [{ arg: 0, op: 'NE', value: 7n }]),
          rule('read', { kind: 'ALLOW' }),
        ],
      };
      for (const optimize of [1, 2] as const) {
        const [ref] = compileWithLibseccomp([policy], optimize, { tskip: true, pfc: true });
        expect(ref.ok, ref.error).toBe(true);
        const pfc = parsePfc(ref.pfc!);
        const ours = compilePolicy(policy, { enosys: 'none' }).instructions;
        for (const name of arches) {
          const arch = resolveArch(name);
          for (const nr of [TSKIP, syscallNumber(arch, 'read')!, (syscallNumber(arch, 'read')! + 1) >>> 0, 0x40000000, 0xfffffffe]) {
            for (const a0 of [7n, 8n, 0x100000007n]) {
              const args = [a0, 0n, 0n, 0n, 0n, 0n];
              const w = seccompDataWords({ nr, arch: arch.token, args }, arch.endian);
              const [mine, bpf] = [runWords(ours, w), runWords(ref.program!, w)];
              const what = `${arches.join('+')} opt ${optimize} ${name} nr 0x${nr.toString(16)} a0 0x${a0.toString(16)}`;
              if (mine !== bpf) {
                // Only an independent oracle may excuse a mismatch: libseccomp's own PFC.
                expect(evalPfc(pfc, arch.token, nr, args), `${what}: syswall 0x${mine.toString(16)}, libseccomp BPF 0x${bpf.toString(16)}`).toBe(mine);
                confirmed.add(`${arches.join('+')} ${name} nr 0x${nr.toString(16)} a0 0x${a0.toString(16)}`);
              }
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBe(2 * 5 * 3 * groups.reduce((n, g) => n + g.length, 0));
    // libseccomp merges the x86_64 and x32 sections and tests x32's copy of the -1 rule first, so -1
    // on x86_64 is compared on 32 bits; its PFC (and syswall) use the x86_64 rule. Nothing else differs
    // (the input is the same for both arch names: they share the token).
    expect([...confirmed]).toEqual(['x86_64+x86+x32 x86_64 nr 0xffffffff a0 0x100000007', 'x86_64+x86+x32 x32 nr 0xffffffff a0 0x100000007']);
  });

  it('a rule on -1 decides -1, not the default (it was silently dropped before)', () => {
    const policy: Policy = { defaultAction: { kind: 'KILL_PROCESS' }, badArchAction: { kind: 'KILL_PROCESS' }, arches: ['x86_64'], rules: [rule(TSKIP, { kind: 'ERRNO', data: 7 })] };
    for (const enosys of ['none', 'unknown'] as const) {
      const w = seccompDataWords({ nr: TSKIP, arch: resolveArch('x86_64').token, args: [] });
      expect(runWords(compilePolicy(policy, { enosys }).instructions, w)).toBe(ERRNO(7));
    }
  });
});

describe('ERRNO(4095)', () => {
  it('libseccomp refuses ERRNO(4095) (and accepts 4094); syswall compiles it to SECCOMP_RET_ERRNO | 4095', () => {
    requireLibseccomp();
    const r = runPythonSeccomp<Record<string, string>>(String.raw`
import json, seccomp
out = {}
for e in (4094, 4095):
    for where in ('rule', 'default'):
        try:
            f = seccomp.SyscallFilter(seccomp.ALLOW if where == 'rule' else seccomp.ERRNO(e))
            if where == 'rule':
                f.add_rule(seccomp.ERRNO(e), 'read')
            out['%s %d' % (where, e)] = 'ok'
        except Exception as ex:
            out['%s %d' % (where, e)] = 'refused'
print(json.dumps(out))
`);
    expect(r).toEqual({ 'rule 4094': 'ok', 'default 4094': 'ok', 'rule 4095': 'refused', 'default 4095': 'refused' });
    const policy: Policy = { defaultAction: { kind: 'ERRNO', data: 4095 }, badArchAction: { kind: 'KILL_PROCESS' }, arches: ['x86_64'], rules: [rule('read', { kind: 'ERRNO', data: 4095 }, [{ arg: 0, op: 'EQ', value: 3n }]), rule('write', { kind: 'ALLOW' })] };
    const prog = compilePolicy(policy, { enosys: 'none' }).instructions;
    const x86_64 = resolveArch('x86_64').token;
    expect(runWords(prog, seccompDataWords({ nr: 0, arch: x86_64, args: [3n] }))).toBe(ERRNO(4095));
    expect(runWords(prog, seccompDataWords({ nr: 2, arch: x86_64, args: [] }))).toBe(ERRNO(4095));
    expect(runWords(prog, seccompDataWords({ nr: 1, arch: x86_64, args: [] }))).toBe(ALLOW);
  });
});

describe('range bound', () => {
  it("depends only on the decision function: syswall --enosys none and libseccomp OPTIMIZE=1 and 2 of Docker's default get the same bound, and run at least it", () => {
    requireLibseccomp();
    const { policy } = dockerDefaultAmd64();
    const ours = programStats(compilePolicy(policy, { enosys: 'none' }).instructions, policy.arches);
    for (const optimize of [1, 2] as const) {
      const [ref] = compileWithLibseccomp([policy], optimize);
      const theirs = programStats(ref.program!, policy.arches);
      for (const [i, a] of ours.arches.entries()) {
        expect(a.bound, a.arch).toBeDefined();
        expect(theirs.arches[i].bound, `${a.arch} opt ${optimize}`).toEqual(a.bound);
        expect(theirs.arches[i].rangeStats.zero.mean).toBeGreaterThanOrEqual(a.bound!.mean);
        expect(theirs.arches[i].rangeStats.worst.max).toBeGreaterThanOrEqual(a.bound!.max);
      }
    }
  });
});
