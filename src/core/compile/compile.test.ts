import { describe, expect, it } from 'vitest';
import { ARCHES, X32_SYSCALL_BIT } from '../arch/arches.js';
import { maxSyscallNumber, syscallNumber, syscallTable } from '../arch/syscalls.js';
import * as C from '../bpf/constants.js';
import { seccompDataWords } from '../bpf/data.js';
import { runWords, traceProgram } from '../bpf/interpreter.js';
import type { Action, Policy } from '../policy/types.js';
import { compilePolicy, type EnosysMode } from './compile.js';

const ALLOW = C.SECCOMP_RET_ALLOW;
const EPERM = (C.SECCOMP_RET_ERRNO | 1) >>> 0;
const ENOSYS = (C.SECCOMP_RET_ERRNO | 38) >>> 0;
const KILL = C.SECCOMP_RET_KILL_PROCESS >>> 0;

function policy(arches: Policy['arches'], defaultAction: Action, names = ['read']): Policy {
  return { defaultAction, badArchAction: { kind: 'KILL_PROCESS' }, arches, rules: names.map((syscall) => ({ syscall, action: { kind: 'ALLOW' }, conditions: [] })) };
}

function decide(p: Policy, enosys: EnosysMode, arch: keyof typeof ARCHES, nr: number): number {
  return runWords(compilePolicy(p, { enosys }).instructions, seccompDataWords({ nr, arch: ARCHES[arch].token, args: [] }, ARCHES[arch].endian));
}

/** Numbers inside an arch's table that no syscall has (holes). */
function holes(arch: keyof typeof ARCHES): number[] {
  const known = new Set(syscallTable(ARCHES[arch]).map((e) => e.nr));
  const top = maxSyscallNumber(ARCHES[arch]);
  const out: number[] = [];
  for (let n = ARCHES[arch].x32 ? X32_SYSCALL_BIT : ARCHES[arch].nrBase; n < top; n++) if (!known.has(n)) out.push(n);
  return out;
}

describe('ENOSYS modes', () => {
  const p = policy(['x86_64'], { kind: 'ERRNO', data: 1 });
  const read = syscallNumber(ARCHES.x86_64, 'read')!;
  const write = syscallNumber(ARCHES.x86_64, 'write')!;
  const top = maxSyscallNumber(ARCHES.x86_64);

  it('unknown: ENOSYS above the table, the default for known syscalls, ENOSYS or the default in holes', () => {
    expect(decide(p, 'unknown', 'x86_64', read)).toBe(ALLOW);
    expect(decide(p, 'unknown', 'x86_64', write)).toBe(EPERM);
    expect(decide(p, 'unknown', 'x86_64', top)).toBe(EPERM);
    for (const nr of [top + 1, top + 100, 0x3fffffff, 0xffffffff]) expect(decide(p, 'unknown', 'x86_64', nr), `nr ${nr}`).toBe(ENOSYS);
    const hs = holes('x86_64');
    expect(hs.length).toBeGreaterThan(50);
    for (const nr of hs) expect([ENOSYS, EPERM], `hole ${nr}`).toContain(decide(p, 'unknown', 'x86_64', nr));
    // x32 numbers in an x86_64-only filter: the bad-arch action, as in libseccomp.
    expect(decide(p, 'unknown', 'x86_64', X32_SYSCALL_BIT | read)).toBe(KILL);
  });

  it('runc: ENOSYS above the highest number the policy names', () => {
    expect(decide(p, 'runc', 'x86_64', read)).toBe(ALLOW);
    expect(decide(p, 'runc', 'x86_64', write)).toBe(ENOSYS);
    expect(decide(policy(['x86_64'], { kind: 'ERRNO', data: 1 }, ['read', 'openat']), 'runc', 'x86_64', write)).toBe(EPERM);
  });

  it('none: the default action everywhere; and no mode changes a default that does not deny', () => {
    for (const nr of [write, top + 1, 0xffffffff]) expect(decide(p, 'none', 'x86_64', nr)).toBe(EPERM);
    for (const def of [{ kind: 'ALLOW' }, { kind: 'LOG' }, { kind: 'ERRNO', data: 38 }] as Action[]) {
      const q = policy(['x86_64'], def, []);
      const expected = runWords(compilePolicy(q, { enosys: 'none' }).instructions, seccompDataWords({ nr: top + 1, arch: ARCHES.x86_64.token, args: [] }));
      for (const mode of ['runc', 'unknown'] as const) expect(decide(q, mode, 'x86_64', top + 1)).toBe(expected);
    }
  });

  it('costs in proportion: three rules on s390x take 8 instructions (libseccomp OPTIMIZE=2: 8) and 11 with ENOSYS above the table', () => {
    const q = policy(['s390x'], { kind: 'KILL_PROCESS' }, ['read', 'write', 'exit_group']);
    expect(compilePolicy(q, { enosys: 'none' }).instructions.length).toBe(8);
    expect(compilePolicy(q, { enosys: 'unknown' }).instructions.length).toBe(11);
  });

  it('shared x86_64/x32 section: each half gets ENOSYS above its own table, -1 too', () => {
    const q = policy(['x86_64', 'x32'], { kind: 'ERRNO', data: 1 });
    expect(decide(q, 'unknown', 'x86_64', maxSyscallNumber(ARCHES.x86_64) + 1)).toBe(ENOSYS);
    expect(decide(q, 'unknown', 'x32', maxSyscallNumber(ARCHES.x32) + 1)).toBe(ENOSYS);
    expect(decide(q, 'unknown', 'x32', syscallNumber(ARCHES.x32, 'read')!)).toBe(ALLOW);
    expect(decide(q, 'unknown', 'x86_64', 0xffffffff)).toBe(ENOSYS);
    expect(decide(q, 'none', 'x86_64', 0xffffffff)).toBe(EPERM);
  });
});

describe('frequency table', () => {
  it('puts frequent syscalls nearer the root: their paths shorten, and decisions do not change', () => {
    const names = ['read', 'write', 'openat', 'close', 'mmap', 'futex', 'clone', 'execve', 'getpid', 'brk', 'exit_group', 'rt_sigaction', 'ioctl', 'poll', 'lseek', 'getuid'];
    const p = policy(['x86_64'], { kind: 'ERRNO', data: 1 }, names);
    const plain = compilePolicy(p, { enosys: 'none' }).instructions;
    const weighted = compilePolicy(p, { enosys: 'none', frequencies: { getuid: 1e6, poll: 1e6 } }).instructions;
    const steps = (prog: typeof plain, nr: number) => traceProgram(prog, seccompDataWords({ nr, arch: ARCHES.x86_64.token, args: [] })).steps;
    for (const name of ['getuid', 'poll']) {
      const nr = syscallNumber(ARCHES.x86_64, name)!;
      expect(steps(weighted, nr), name).toBeLessThan(steps(plain, nr));
    }
    for (let nr = 0; nr < 480; nr++) {
      const w = seccompDataWords({ nr, arch: ARCHES.x86_64.token, args: [] });
      expect(runWords(weighted, w)).toBe(runWords(plain, w));
    }
  });
});

describe('build statistics', () => {
  it('report every stage in order, with counts that add up', () => {
    const f = compilePolicy(policy(['x86_64', 'x86', 'x32'], { kind: 'ERRNO', data: 1 }, ['read', 'write', 'socket', 'personality']));
    const stages = f.stats.build.stages;
    expect(stages.map((s) => s.name)).toEqual(['resolve', 'decide', 'sections', 'codegen', 'passes', 'assemble']);
    for (const s of stages) expect(s.ms).toBeGreaterThanOrEqual(0);
    const by = Object.fromEntries(stages.map((s) => [s.name, s.counts]));
    expect(by.resolve.rules).toBe(4);
    expect(by.sections.sections).toBe(2); // x86_64 and x32 share one
    expect(by.passes.instructions).toBeLessThanOrEqual(by.codegen.instructions);
    expect(by.assemble.instructions).toBe(f.instructions.length);
    expect(f.stats.decisions).toBe(by.decide.decisions);
    expect(f.stats.length).toBe(f.instructions.length);
  });

  it('the program depends only on the policy and the options (compiled twice: the same bytes)', () => {
    const p = policy(['x86_64', 'x86', 'x32'], { kind: 'ERRNO', data: 1 }, ['read', 'write', 'openat', 'clone', 'futex']);
    expect(compilePolicy(p).instructions).toEqual(compilePolicy(p).instructions);
  });
});
