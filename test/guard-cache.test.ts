/**
 * The sandbox's guards must not cost the kernel's action cache
 * (kernel/seccomp.c, seccomp_is_const_allow, emulated by kernelCacheAllows in
 * src/core/compile/stats.ts and checked there against the kernel's rules):
 * a syscall that the policy's own program allows without looking at
 * arguments stays cached with the guard filter installed before it and the
 * socketcall guard in front of it, as `syswall run` loads them. A guard that
 * reset A and X with `ld #0; ldx #0` on every path (as the first version
 * did) made every syscall run both filters in full: about 30 ns per syscall
 * on this machine (docs/benchmarks.md, workload).
 */
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../src/core/arch/arches.js';
import { syscallTable } from '../src/core/arch/syscalls.js';
import * as C from '../src/core/bpf/constants.js';
import { decodeProgram } from '../src/core/bpf/codec.js';
import { jump, loadAbs, readsInitialRegisters, ret, stmt, type Instruction } from '../src/core/bpf/instruction.js';
import { kernelCacheAllows } from '../src/core/compile/stats.js';
import { decodePlan, readPrecompiled } from '../src/cli/commands/run-plan.js';
import { loadProfile, programForHost } from '../src/node/policy-source.js';
import { sandboxGuard, withGuard, withSocketcallGuard } from '../src/node/isolation.js';

const host = ARCHES.x86_64;
const TOKEN = host.token;
const LD_IMM = C.BPF_LD | C.BPF_IMM;
const LDX_IMM = C.BPF_LDX | C.BPF_IMM;

describe('readsInitialRegisters', () => {
  const JEQ = C.BPF_JMP | C.BPF_JEQ | C.BPF_K;
  const cases: [string, Instruction[], { a: boolean; x: boolean }][] = [
    ['a load first', [loadAbs(C.SECCOMP_DATA_NR), ret(C.SECCOMP_RET_ALLOW)], { a: false, x: false }],
    ['ret A first', [stmt(C.BPF_RET | C.BPF_A, 0)], { a: true, x: false }],
    ['a compare before any load', [jump(JEQ, 0, 0, 0), ret(C.SECCOMP_RET_ALLOW)], { a: true, x: false }],
    ['txa first', [stmt(C.BPF_MISC | C.BPF_TXA, 0), ret(C.SECCOMP_RET_ALLOW)], { a: false, x: true }],
    ['tax after a load writes X', [loadAbs(0), stmt(C.BPF_MISC | C.BPF_TAX, 0), jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_X, 0, 0, 0), ret(0)], { a: false, x: false }],
    // A is loaded on one branch only: the other path reaches the compare with A unwritten.
    ['a load on one path only', [loadAbs(0), jump(JEQ, 1, 0, 1), stmt(C.BPF_LDX | C.BPF_IMM, 5), stmt(C.BPF_MISC | C.BPF_TXA, 0), ret(0)], { a: false, x: true }],
    ['unreachable code is not read', [loadAbs(0), stmt(C.BPF_JMP | C.BPF_JA, 1), stmt(C.BPF_MISC | C.BPF_TXA, 0), ret(0)], { a: false, x: false }],
    ['alu with X', [loadAbs(0), stmt(C.BPF_ALU | C.BPF_ADD | C.BPF_X, 0), ret(0)], { a: false, x: true }],
    ['store of A before a load', [stmt(C.BPF_ST, 0), ret(0)], { a: true, x: false }],
  ];
  for (const [name, program, want] of cases) it(name, () => expect(readsInitialRegisters(program)).toEqual(want));

  it('a guarded program that reads its initial A still gets A = 0 (the guard loaded A)', () => {
    const p = withGuard([stmt(C.BPF_RET | C.BPF_A, 0)], [{ syscall: 'kill', tests: [{ arg: 0, op: 'eq', value: 0 }], ret: C.SECCOMP_RET_ERRNO | 1 }], [host]);
    expect(p.slice(-2)).toEqual([stmt(LD_IMM, 0), stmt(C.BPF_RET | C.BPF_A, 0)]);
  });
});

describe('the kernel action cache under syswall run\'s filters', () => {
  // The built-in default as run loads it: the guard filter, then the program with the socketcall guard.
  const pre = readPrecompiled(host);
  const plan = pre && decodePlan(pre.plan);
  const bare = programForHost(loadProfile('default', { arch: host }).policy, { host }).program as Instruction[];
  const numbers = syscallTable(host).map((s) => s.nr);
  const cached = (program: readonly Instruction[]) => numbers.filter((nr) => kernelCacheAllows(program, TOKEN, nr));

  it('the precompiled plan exists for x86_64', () => expect(plan).toBeDefined());

  it('every syscall the bare policy program lets the kernel cache stays cached behind both guards', () => {
    const guard = decodeProgram(plan!.guard, { endian: host.endian });
    const program = decodeProgram(plan!.program, { endian: host.endian });
    const inBare = cached(bare);
    expect(inBare.length).toBeGreaterThan(200);
    // Both filters must allow a syscall for the kernel to cache it.
    const both = numbers.filter((nr) => kernelCacheAllows(guard, TOKEN, nr) && kernelCacheAllows(program, TOKEN, nr));
    expect(both).toEqual(inBare.filter((nr) => kernelCacheAllows(guard, TOKEN, nr)));
    // The guard leaves out only the calls it checks (ioctl, kill).
    expect(numbers.filter((nr) => !kernelCacheAllows(guard, TOKEN, nr)).sort((a, b) => a - b)).toEqual([16, 62]);
    expect(guard).toEqual(sandboxGuard([host, ARCHES.x86, ARCHES.x32]));
  });

  it('control: the same guards with A and X reset on every path leave nothing cached', () => {
    // The first version: ld #0; ldx #0 where the checks hand over to the program (every jump to the program lands on them).
    const resetting = (p: Instruction[], programLength: number) => {
      const at = p.length - programLength;
      return [...p.slice(0, at), stmt(LD_IMM, 0), stmt(LDX_IMM, 0), ...p.slice(at)];
    };
    const guard = sandboxGuard([host]);
    expect(cached(guard).length).toBeGreaterThan(200);
    expect(cached(resetting(guard, 1))).toEqual([]);
    const program = withSocketcallGuard(bare, C.SECCOMP_RET_ERRNO | 1, [host, ARCHES.x86]);
    expect(cached(program)).toEqual(cached(bare));
    expect(cached(resetting(program, bare.length))).toEqual([]);
  });
});
