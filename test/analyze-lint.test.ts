/** lint finds planted weaknesses in hand-written programs, and stays quiet on clean ones. */
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../src/core/arch/arches.js';
import { syscallNumber } from '../src/core/arch/syscalls.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { lintProgram } from '../src/core/analyze/lint.js';
import { lintExitCode } from '../src/cli/exit.js';
import { actionName } from '../src/core/bpf/actions.js';
import { runProgram } from '../src/core/bpf/interpreter.js';
import { ALLOW, ERRNO, I386, KILL, X86_64, and, archCheck, jeq, jgt, ld, nrList, ret } from './helpers/bpf-build.js';

const nr = (name: string, arch = ARCHES.x86_64) => syscallNumber(arch, name)!;
const codes = (prog: Instruction[], arches = [ARCHES.x86_64]) => lintProgram(prog, { arches }).findings.map((f) => `${f.severity}:${f.code}`);

/** An allow-list with an ERRNO(ENOSYS)... default and an x32 guard: the clean baseline. */
const clean = [...archCheck(X86_64, true), ...nrList([[nr('read'), ALLOW], [nr('write'), ALLOW], [nr('exit_group'), ALLOW]], ERRNO(38))];

describe('lint on hand-written weak programs', () => {
  it('a clean allow-list has no findings', () => {
    expect(codes(clean)).toEqual([]);
    expect(lintExitCode(lintProgram(clean))).toBe(0);
  });

  it('ARCH_NOT_CHECKED, DENY_LIST and EQUIVALENT_GAP (execve vs execveat)', () => {
    const prog = [ld(0), ...nrList([[nr('execve'), KILL]], ALLOW)];
    const c = codes(prog);
    expect(c).toContain('error:ARCH_NOT_CHECKED');
    expect(c).toContain('warning:DENY_LIST');
    expect(c).toContain('error:EQUIVALENT_GAP');
    const gap = lintProgram(prog, { arches: [ARCHES.x86_64] }).findings.find((f) => f.code === 'EQUIVALENT_GAP')!;
    expect(gap.message).toMatch(/execve is restricted but execveat does the same/);
    expect(gap.location).toMatchObject({ arch: 'x86_64', syscall: 'execve' });
    expect(lintExitCode(lintProgram(prog, { arches: [ARCHES.x86_64] }))).toBe(3);
  });

  it('OTHER_ARCH_ALLOWED when unknown arches fall through to ALLOW', () => {
    const prog = [ld(4), jeq(X86_64, 1, 0), ret(ALLOW), ld(0), jeq(0x40000000, 0, 0), ...nrList([[nr('read'), ALLOW]], ERRNO(38))];
    expect(codes(prog)).toContain('error:OTHER_ARCH_ALLOWED');
  });

  it('X32_BYPASS when an x86_64 deny-list does not guard x32 numbers', () => {
    const prog = [...archCheck(X86_64, false), ...nrList([[nr('execve'), KILL], [nr('execveat'), KILL]], ALLOW)];
    const f = lintProgram(prog).findings.find((x) => x.code === 'X32_BYPASS')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/execve/);
    // With the guard the x32 view is all KILL: no bypass.
    const guarded = [...archCheck(X86_64, true), ...nrList([[nr('execve'), KILL], [nr('execveat'), KILL]], ALLOW)];
    expect(codes(guarded)).not.toContain('error:X32_BYPASS');
  });

  it('EQUIVALENT_GAP in the open family', () => {
    const prog = [...archCheck(X86_64, true), ...nrList([[nr('open'), ERRNO(1)], [nr('openat'), ERRNO(1)]], ALLOW)];
    const f = lintProgram(prog).findings.find((x) => x.code === 'EQUIVALENT_GAP')!;
    expect(f.message).toBe('open, openat are restricted but openat2, creat do the same and are allowed');
  });

  it('DANGEROUS_ALLOW, CLONE_NAMESPACES and unrestricted personality', () => {
    const prog = [...archCheck(X86_64, true), ...nrList([[nr('bpf'), ALLOW], [nr('ptrace'), ALLOW], [nr('unshare'), ALLOW], [nr('clone'), ALLOW], [nr('personality'), ALLOW]], ERRNO(38))];
    const r = lintProgram(prog);
    const msgs = r.findings.map((f) => f.message);
    expect(msgs).toEqual(expect.arrayContaining(['bpf is allowed', 'ptrace is allowed', 'unshare is allowed', 'personality is allowed with any persona']));
    expect(r.findings.find((f) => f.code === 'CLONE_NAMESPACES')!.message).toMatch(/0x10000000/);
    expect(lintExitCode(r)).toBe(4);
  });

  it('ERRNO_NOT_ENOSYS for clone3 and faccessat2 denied with EPERM', () => {
    const prog = [...archCheck(X86_64, true), ...nrList([[nr('clone3'), ERRNO(1)], [nr('read'), ALLOW]], ERRNO(1))];
    const f = lintProgram(prog).findings.filter((x) => x.code === 'ERRNO_NOT_ENOSYS').map((x) => x.location.syscall);
    expect(f).toEqual(expect.arrayContaining(['clone3', 'faccessat2', 'openat2', 'close_range', 'statx']));
  });

  it('LOW_WORD_ONLY: a 64-bit argument compared in its low word only', () => {
    // mmap: allow when args[1].lo <= 0x1000 (length), upper half ignored.
    const prog = [...archCheck(X86_64, true), jeq(nr('mmap'), 0, 3), ld(16 + 8), jgt(0x1000, 1, 0), ret(ALLOW), ret(ERRNO(1)), ret(ERRNO(38))];
    const f = lintProgram(prog).findings.find((x) => x.code === 'LOW_WORD_ONLY')!;
    expect(f.message).toBe('mmap: the decision depends on the low 32 bits of args[1] only; on x86_64 the argument is 64-bit');
  });

  it('UPPER_HALF_BYPASS: a 32-bit int argument denied only when its upper half is 0', () => {
    // socket: deny AF_VSOCK (40) when args[0] == 40 as a full 64-bit value.
    const prog = [...archCheck(X86_64, true), jeq(nr('socket'), 0, 5), ld(20), jeq(0, 0, 2), ld(16), jeq(40, 1, 0), ret(ALLOW), ret(ERRNO(1)), ret(ERRNO(38))];
    const f = lintProgram(prog).findings.find((x) => x.code === 'UPPER_HALF_BYPASS')!;
    expect(f.location.syscall).toBe('socket');
    expect(f.severity).toBe('warning');
    // The witness is real: the interpreter allows it, and denies the value the kernel sees.
    const value = BigInt(f.witness!.value);
    expect(value >> 32n).not.toBe(0n);
    const run = (a0: bigint) => actionName(runProgram(prog, { nr: nr('socket'), arch: X86_64, args: [a0, 0n, 0n, 0n, 0n, 0n] }));
    expect(run(value)).toBe('ALLOW');
    expect(run(value & 0xffffffffn)).toBe('ERRNO(1)');
    expect(f.message).toContain(`args[0] = ${f.witness!.value} gets ALLOW, while the kernel sees 0x28, which gets ERRNO(1)`);
    // A MASKED_EQ-style low-word check (`and 0xffffffff` is a no-op, compare the low word only) is fine for an int.
    const fixed = [...archCheck(X86_64, true), jeq(nr('socket'), 0, 3), ld(16), jeq(40, 1, 0), ret(ALLOW), ret(ERRNO(1)), ret(ERRNO(38))];
    expect(codes(fixed).filter((c) => c.includes('UPPER_HALF') || c.includes('LOW_WORD'))).toEqual([]);
  });

  it('UPPER_HALF_BYPASS is proven, not matched: a program that reads the upper half but decides the same either way gets none', () => {
    // socket: if the upper half is 0, deny args[0].lo == 40; otherwise also deny args[0].lo == 40. A pattern sees
    // "deny only with the upper half 0, allow with it non-0" regions; no argument value actually changes the decision.
    const prog = [
      ...archCheck(X86_64, true), jeq(nr('socket'), 0, 8), ld(20), jeq(0, 0, 2), ld(16), jeq(40, 3, 2),
      ld(16), jeq(40, 1, 0), ret(ALLOW), ret(ERRNO(1)), ret(ERRNO(38)),
    ];
    const run = (a0: bigint) => actionName(runProgram(prog, { nr: nr('socket'), arch: X86_64, args: [a0, 0n, 0n, 0n, 0n, 0n] }));
    expect([run(40n), run(0x100000028n), run(7n), run(0x500000007n)]).toEqual(['ERRNO(1)', 'ERRNO(1)', 'ALLOW', 'ALLOW']);
    expect(codes(prog).filter((c) => c.includes('UPPER_HALF'))).toEqual([]);
  });

  it('SOCKETCALL_BYPASS on x86', () => {
    const x86 = ARCHES.x86;
    const prog = [...archCheck(I386), jeq(nr('socket', x86), 0, 3), ld(16), jeq(40, 0, 1), ret(ERRNO(1)), ld(0), ...nrList([[nr('socket', x86), ALLOW], [nr('socketcall', x86), ALLOW]], ERRNO(38))];
    expect(codes(prog, [x86])).toContain('warning:SOCKETCALL_BYPASS');
  });

  it('UNREACHABLE code and DEAD_BRANCH', () => {
    const prog = [...clean.slice(0, -1), ret(ERRNO(38)), ld(16), ret(ALLOW)];
    expect(codes(prog)).toContain('warning:UNREACHABLE');
    const dead = [...archCheck(X86_64, true), and(0), jeq(0, 1, 0), ret(ALLOW), ret(ERRNO(38))];
    expect(codes(dead)).toContain('info:DEAD_BRANCH');
  });
});
