/**
 * The analysis on filters compiled by libseccomp (python3-seccomp): explain
 * rows, opt-1 vs opt-2 equivalence, a planted difference, and agreement with
 * concrete evaluation on many real inputs.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { ARCHES } from '../src/core/arch/arches.js';
import { syscallTable } from '../src/core/arch/syscalls.js';
import { seccompDataWords } from '../src/core/bpf/data.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { analyzeProgram, lookupDecision } from '../src/core/symbolic/symbolic.js';
import { explainProgram, formatExplain } from '../src/core/analyze/explain.js';
import { diffPrograms, formatDiff } from '../src/core/analyze/diff.js';
import { lintProgram } from '../src/core/analyze/lint.js';
import { DOCKER_PROFILE, libseccompProgram } from './helpers/libseccomp.js';
import { evalBpf } from './helpers/bpf-eval.js';

const docker = (optimize: 1 | 2, rules: any[] = []) => libseccompProgram({ docker: { profile: DOCKER_PROFILE, arch: 'amd64' }, optimize, rules });

let d1: Instruction[];
let d2: Instruction[];
beforeAll(() => {
  d1 = docker(1);
  d2 = docker(2);
});

function row(text: string, arch: string, prefix: string): string | undefined {
  const sect = text.split(/\n(?=\S)/).find((s) => s.startsWith(arch + ':'));
  return sect?.split('\n').find((l) => l.trimStart().startsWith(prefix));
}

describe('explain on libseccomp filters', () => {
  it('small filter: exact rows with argument conditions', () => {
    const prog = libseccompProgram({
      arches: ['x86_64'], default: 'ERRNO(1)',
      rules: [
        { action: 'ALLOW', syscall: 'read' }, { action: 'ALLOW', syscall: 'write' }, { action: 'KILL', syscall: 'ptrace' },
        { action: 'ALLOW', syscall: 'mkdir', args: [{ arg: 1, op: 'LE', a: 0x1ff }] },
        { action: 'ERRNO(13)', syscall: 'openat', args: [{ arg: 2, op: 'MASKED_EQ', a: 3, b: 1 }] },
        { action: 'ALLOW', syscall: 'openat', args: [{ arg: 2, op: 'MASKED_EQ', a: 3, b: 0 }] },
      ],
    });
    const text = formatExplain(explainProgram(prog));
    expect(text).toContain('  ALLOW: read, write\n');
    expect(text).toContain('  KILL: ptrace\n');
    expect(text).toContain('  mkdir: ALLOW when args[1] <= 0x1ff, else ERRNO(1)\n');
    expect(row(text, 'x86_64', 'openat:')).toBe('  openat: ALLOW when args[2] & 0x3 == 0x0, ERRNO(1) when args[2] & 0x3 != 0x1 && args[2] & 0x3 != 0x0, else ERRNO(13)');
    expect(row(text, 'x86_64', '<other syscalls>')).toBe('  <other syscalls>: ERRNO(1)');
    expect(row(text, 'x32', '<other syscalls>')).toBe('  <other syscalls>: KILL');
    expect(text.trimEnd().split('\n').pop()).toBe('other arches: KILL');
  });

  it('Docker default (x86_64+x86+x32): specific rows', () => {
    const text = formatExplain(explainProgram(d2));
    for (const arch of ['x86_64', 'x86', 'x32']) {
      expect(row(text, arch, 'personality:')).toBe('  personality: ALLOW when args[0] == 0x0 || args[0] == 0x8 || args[0] == 0x20000 || args[0] == 0x20008 || args[0] == 0xffffffff, else ERRNO(1)');
      expect(row(text, arch, 'clone:')).toBe('  clone: ERRNO(1) when args[0] & 0x7e020000 != 0x0, else ALLOW');
      expect(row(text, arch, 'socket:')).toBe('  socket: ERRNO(1) when args[0] == 0x26 || args[0] == 0x28, else ALLOW');
      expect(row(text, arch, 'ERRNO(38):')).toBe('  ERRNO(38): clone3');
      expect(row(text, arch, '<other syscalls>')).toBe('  <other syscalls>: ERRNO(1)');
    }
    const report = explainProgram(d2);
    const x64 = report.arches.find((a) => a.arch === 'x86_64')!;
    const allow = x64.rows.find((r) => r.decision.text === 'ALLOW')!;
    expect(allow.syscalls).toEqual(expect.arrayContaining(['read', 'write', 'openat', 'execve', 'ptrace']));
    expect(allow.syscalls).not.toContain('mount');
    const errno = x64.rows.find((r) => r.decision.text === 'ERRNO(1)' && !r.other);
    expect(errno).toBeUndefined(); // ERRNO(1) is the catch-all
    expect(x64.rows.find((r) => r.other)!.syscalls).toEqual(expect.arrayContaining(['mount', 'bpf', 'io_uring_setup']));
  });

  it('gives the same table for opt-1 and opt-2 compilations of the same rules', () => {
    expect(formatExplain(explainProgram(d1))).toBe(formatExplain(explainProgram(d2)));
  });
});

describe('diff on libseccomp filters', () => {
  it('opt-1 and opt-2 compilations of Docker default are equivalent', () => {
    const r = diffPrograms(d1, d2);
    expect(formatDiff(r)).toBe('');
    expect(r.equivalent).toBe(true);
  });

  it('finds a planted one-syscall difference with the right argument range', () => {
    const planted = docker(2, [{ action: 'ALLOW', syscall: 'syslog', args: [{ arg: 0, op: 'GE', a: 0x10 }] }]);
    const r = diffPrograms(d1, planted);
    expect(r.equivalent).toBe(false);
    expect(formatDiff(r).split('\n')).toEqual([
      'syslog (x86_64 nr 103): A=ERRNO(1), B=ALLOW when args[0] >= 0x10',
      'syslog (x32 nr 0x40000067): A=ERRNO(1), B=ALLOW when args[0] >= 0x10',
      'syslog (x86 nr 103): A=ERRNO(1), B=ALLOW when args[0] >= 0x10',
    ]);
  });

  it('finds an unconditional change and a change for other arches', () => {
    const a = libseccompProgram({ arches: ['x86_64'], default: 'ERRNO(1)', rules: [{ action: 'ALLOW', syscall: 'read' }] });
    const b = libseccompProgram({ arches: ['x86_64'], default: 'ERRNO(1)', badarch: 'ERRNO(22)', rules: [{ action: 'ALLOW', syscall: 'read' }, { action: 'ALLOW', syscall: 'getpid' }] });
    const lines = formatDiff(diffPrograms(a, b)).split('\n');
    expect(lines).toContain('getpid (x86_64 nr 39): A=ERRNO(1), B=ALLOW');
    expect(lines).toContain('nr 0-0xffffffff (other arches): A=KILL, B=ERRNO(22)');
    expect(lines.some((l) => /^read, write, open, \.\.\. \d+ more \(x32 nr 0x40000000-0xfffffffe\): A=KILL, B=ERRNO\(22\)$/.test(l))).toBe(true);
    expect(lines).toHaveLength(3);
  });
});

describe('analysis agrees with concrete evaluation on libseccomp filters', () => {
  it('Docker default, every syscall of three arches, assorted arguments', () => {
    for (const prog of [d1, d2]) {
      const an = analyzeProgram(prog);
      const args = [0n, 1n, 8n, 0x26n, 0x27n, 0x20000n, 0x7e020000n, 0xffffffffn, 0x100000000n, 0x1_0000_0026n, (1n << 64n) - 1n];
      for (const arch of [ARCHES.x86_64, ARCHES.x86, ARCHES.x32, ARCHES.aarch64]) {
        for (const { nr } of syscallTable(arch)) {
          for (const a0 of args) {
            const w = seccompDataWords({ nr, arch: arch.token, args: [a0, a0 >> 3n, 0n, 0n, 0n, 0n] });
            const got = lookupDecision(an, w);
            expect(got.matches).toBe(1);
            expect(got.value >>> 0).toBe(evalBpf(prog, w) >>> 0);
          }
        }
      }
    }
  });
});

describe('lint on libseccomp filters', () => {
  it('Docker default has no error-level finding', () => {
    const r = lintProgram(d2);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // ... but it does see the known, documented gaps.
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain('SOCKETCALL_BYPASS');
    expect(codes).toContain('DANGEROUS_ALLOW');
    expect(lintProgram(d1).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

});
