import { describe, expect, it } from 'vitest';
import { ARCHES } from '../arch/arches.js';
import * as C from '../bpf/constants.js';
import { jump, loadAbs, ret, type Instruction } from '../bpf/instruction.js';
import { compilePolicy } from './compile.js';
import { decisionFunction, rangeBound } from './bound.js';
import { programStats } from './stats.js';

const X86_64 = ARCHES.x86_64;
const JGE = C.BPF_JMP | C.BPF_JGE | C.BPF_K;
const JEQ = C.BPF_JMP | C.BPF_JEQ | C.BPF_K;
const ALLOW = C.SECCOMP_RET_ALLOW;
const EPERM = C.SECCOMP_RET_ERRNO | 1;
const head: Instruction[] = [loadAbs(C.SECCOMP_DATA_ARCH), jump(JEQ, X86_64.token, 1, 0), ret(C.SECCOMP_RET_KILL_PROCESS), loadAbs(C.SECCOMP_DATA_NR)];
const entropy = (...counts: number[]) => {
  const total = counts.reduce((a, b) => a + b, 0);
  return -counts.reduce((h, c) => h + (c / total) * Math.log2(c / total), 0);
};

describe('range bound', () => {
  it('two ranges: 4 fixed instructions plus their entropy; max 4 + 1', () => {
    // allow 0..9, deny the rest
    const prog = [...head, jump(JGE, 10, 1, 0), ret(ALLOW), ret(EPERM)];
    const b = rangeBound(decisionFunction(prog, [X86_64]), X86_64.token, 0, 470);
    expect(b.ranges).toBe(2);
    expect(b.argRanges).toBe(0);
    expect(b.mean).toBeCloseTo(4 + entropy(10, 461), 9);
    expect(b.max).toBe(5);
  });

  it('one decision: no nr load or comparison needed (3)', () => {
    const prog = [...head, ret(ALLOW)];
    const b = rangeBound(decisionFunction(prog, [X86_64]), X86_64.token, 0, 470);
    expect(b).toEqual({ ranges: 1, argRanges: 0, mean: 3, max: 3 });
  });

  it('argument-dependent ranges add two per number, and adjacent ones count once', () => {
    // nr 5 and 6 depend on a0 (a0 == 0 allowed), everything else denied
    const a0: Instruction[] = [loadAbs(C.SECCOMP_DATA_ARGS), jump(JEQ, 0, 0, 1), ret(ALLOW), ret(EPERM)];
    const prog = [...head, jump(JGE, 5, 1, 0), ret(EPERM), jump(JGE, 7, 0, 1), ret(EPERM), ...a0];
    const b = rangeBound(decisionFunction(prog, [X86_64]), X86_64.token, 0, 470);
    expect(b.ranges).toBe(3);
    expect(b.argRanges).toBe(1);
    expect(b.mean).toBeCloseTo(4 + entropy(5, 2, 464) + 2 * (2 / 471), 9);
    // Kraft: 2^h >= (m - k) + 2^2 k = 2 + 4
    expect(b.max).toBe(4 + 3);
  });

  it('syswall\'s program for a ten-syscall allow-list runs at least the bound', () => {
    const policy = {
      defaultAction: { kind: 'ERRNO', data: 1 } as const,
      badArchAction: { kind: 'KILL_PROCESS' } as const,
      arches: ['x86_64'] as const,
      rules: ['read', 'write', 'close', 'openat', 'mmap', 'brk', 'exit_group', 'futex', 'clone', 'execve'].map((syscall) => ({ syscall, action: { kind: 'ALLOW' } as const, conditions: [] })),
    };
    const st = programStats(compilePolicy({ ...policy, arches: ['x86_64'] }, { enosys: 'none' }).instructions, ['x86_64']).arches[0];
    expect(st.bound).toBeDefined();
    expect(st.rangeStats.zero.mean).toBeGreaterThanOrEqual(st.bound!.mean - 1e-9);
  });
});
