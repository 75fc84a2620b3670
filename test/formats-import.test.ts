/**
 * The dialect importers on the team's real-world-like fixtures
 * (test/fixtures/formats): decisions checked against a direct first-match
 * reference (minijail, Kafel), against libseccomp compiling the same rules
 * (minijail, Firecracker), and round trips import -> export -> import
 * checked with diffPrograms.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveArch, type ArchInfo } from '../src/core/arch/arches.js';
import { syscallNumber } from '../src/core/arch/syscalls.js';
import { diffPrograms, formatDiff } from '../src/core/analyze/diff.js';
import { seccompDataWords } from '../src/core/bpf/data.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { runWords } from '../src/core/bpf/interpreter.js';
import { compilePolicy } from '../src/core/compile/compile.js';
import { exportDocker, exportOci, exportSyswall } from '../src/core/formats/export.js';
import { exportFirecracker, importFirecracker } from '../src/core/formats/firecracker.js';
import { evalFirstMatch, type FirstMatchEntry } from '../src/core/formats/firstmatch.js';
import { detectInput } from '../src/core/formats/door.js';
const detectImportKind = (text: string) => detectInput(text).kind;
import { importKafel } from '../src/core/formats/kafel.js';
import { importMinijail } from '../src/core/formats/minijail.js';
import { parsePolicyText } from '../src/core/formats/parse.js';
import { exportSpo, importSpo } from '../src/core/formats/spo.js';
import { actionValue } from '../src/core/policy/actions.js';
import type { Action, Policy } from '../src/core/policy/types.js';
import { ROOT } from './helpers/cli.js';
import { compileWithLibseccomp, requireLibseccomp } from './helpers/libseccomp-compile.js';

const DIR = join(ROOT, 'test', 'fixtures', 'formats');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const readFile = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);
const X86_64 = resolveArch('x86_64');
const M64 = 0xffffffffffffffffn;

function compile(p: Policy): Instruction[] {
  return compilePolicy(p, { enosys: 'none' }).instructions;
}

function decide(prog: readonly Instruction[], arch: ArchInfo, nr: number, args: bigint[]): number {
  return runWords(prog, seccompDataWords({ nr, arch: arch.token, args }, arch.endian)) >>> 0;
}

/** Interesting values for one argument: every constant, its neighbours, masks and their complements. */
function valuesAround(consts: bigint[]): bigint[] {
  const out = new Set<bigint>([0n, 1n, M64, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n]);
  for (const c of consts) {
    for (const v of [c, c - 1n, c + 1n, ~c, c | 0xffffffff00000000n, c & 0xffffffffn, c | 0x100000000n]) out.add(v & M64);
  }
  return [...out];
}

/** Deterministic pseudo-random generator for sampling argument tuples. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/** Argument tuples around the constants of a first-match list (each arg varied alone, plus random mixes). */
function argTuples(consts: Map<number, bigint[]>, count = 400): bigint[][] {
  const per = [0, 1, 2, 3, 4, 5].map((i) => valuesAround(consts.get(i) ?? []));
  const out: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  per.forEach((vals, i) => vals.forEach((v) => { const t = [0n, 0n, 0n, 0n, 0n, 0n]; t[i] = v; out.push(t); }));
  const r = rng(12345);
  for (let k = 0; k < count; k++) out.push(per.map((vals) => vals[r() % vals.length]));
  return out;
}

function constsOf(entries: readonly FirstMatchEntry[]): Map<number, bigint[]> {
  const m = new Map<number, bigint[]>();
  for (const e of entries) for (const c of e.when) for (const l of c) {
    const list = m.get(l.arg) ?? [];
    list.push(l.value);
    if (l.mask !== undefined) list.push(l.mask, l.mask | l.value, ~l.mask & M64);
    m.set(l.arg, list);
  }
  return m;
}

/** Checks a compiled program against the first-match reference on inputs around every constant. */
function checkFirstMatch(prog: readonly Instruction[], lists: readonly { syscall: string | number; entries: readonly FirstMatchEntry[] }[], def: Action, arch: ArchInfo): number {
  let checked = 0;
  for (const { syscall, entries } of lists) {
    const nr = typeof syscall === 'number' ? syscall : syscallNumber(arch, syscall)!;
    for (const args of argTuples(constsOf(entries))) {
      const want = actionValue(evalFirstMatch(entries, def, args, arch.bits)) >>> 0;
      const got = decide(prog, arch, nr, args);
      if (got !== want) throw new Error(`${String(syscall)}(${args.map((a) => '0x' + a.toString(16)).join(', ')}): compiled 0x${got.toString(16)}, first-match reference 0x${want.toString(16)}`);
      checked++;
    }
  }
  return checked;
}

/**
 * python3-seccomp 2.5.4 takes actions as C ints, so KILL_PROCESS (0x80000000)
 * overflows, and it refuses TRAP data; relabel them to otherwise unused ERRNO values in both programs
 * (a bijection, so decisions compare the same).
 */
function relabel(p: Policy): Policy {
  const m = (a: Action): Action => (a.kind === 'KILL_PROCESS' ? { kind: 'ERRNO', data: 3999 } : a.kind === 'TRAP' && a.data ? { kind: 'ERRNO', data: 3000 + a.data } : a);
  return { ...p, defaultAction: m(p.defaultAction), badArchAction: m(p.badArchAction), rules: p.rules.map((r) => ({ ...r, action: m(r.action) })) };
}

function expectEquivalent(a: Policy, b: Policy): void {
  const r = diffPrograms(compile(a), compile(b));
  if (!r.equivalent) throw new Error('programs differ:\n' + formatDiff(r));
  expect(r.equivalent).toBe(true);
}

describe('minijail import (crosvm-like device policy)', () => {
  const file = join(DIR, 'device.policy');
  const r = importMinijail(read('device.policy'), { file, readFile });

  it('reads @include, @frequency, constants, groups and every filter form', () => {
    expect(r.frequencies).toMatchObject({ read: 5000, write: 3000, epoll_wait: 2000, futex: 800, ioctl: 400 });
    const names = new Set(r.policy.rules.map((x) => x.syscall));
    for (const n of ['brk', 'fcntl', 'mmap', 'ioctl', 'statx', 'newfstatat', 'clone', 'tgkill', 'prlimit64']) expect(names.has(n)).toBe(true);
    expect(r.policy.defaultAction).toEqual({ kind: 'KILL_THREAD' });
    const open = r.policy.rules.find((x) => x.syscall === 'open')!;
    expect(open.action).toEqual({ kind: 'ERRNO', data: 2 });
    expect(r.policy.rules.find((x) => x.syscall === 'sched_setaffinity')!.action.kind).toBe('KILL_PROCESS');
    // `ioctl: a || b || c; return ENOTTY`: ENOTTY for those values, the default (kill) otherwise.
    const ioctl = r.policy.rules.filter((x) => x.syscall === 'ioctl');
    expect(ioctl.map((x) => x.action)).toEqual([{ kind: 'ERRNO', data: 25 }, { kind: 'ERRNO', data: 25 }, { kind: 'ERRNO', data: 25 }]);
    // `clone: arg0 & CLONE_NEWUSER; return EPERM` then `clone: arg0 & CLONE_THREAD`: EPERM wins where both match.
    const clone = r.policy.rules.filter((x) => x.syscall === 'clone');
    expect(clone.some((x) => x.action.kind === 'ALLOW' && x.conditions.some((c) => c.op === 'MASKED_EQ' && c.mask === 0x10010000n && c.value === 0x10000n))).toBe(true);
    expect(detectImportKind(read('device.policy'))).toBe('minijail');
  });

  it('decides as minijail\'s first-match semantics on inputs around every constant', () => {
    const n = checkFirstMatch(compile(r.policy), r.firstMatch!, r.policy.defaultAction, X86_64);
    expect(n).toBeGreaterThan(5000);
  });

  it('frequencies weight the search tree without changing decisions', () => {
    const a = compilePolicy(r.policy, { enosys: 'none' }).instructions;
    const b = compilePolicy(r.policy, { enosys: 'none', frequencies: r.frequencies! }).instructions;
    expect(diffPrograms(a, b).equivalent).toBe(true);
  });

  it('decides as libseccomp compiling the same rules', () => {
    requireLibseccomp();
    const [ref] = compileWithLibseccomp([relabel(r.policy)]);
    expect(ref.error).toBeUndefined();
    const ours = compile(relabel(r.policy));
    for (const { syscall, entries } of r.firstMatch!) {
      const nr = syscallNumber(X86_64, syscall as string)!;
      for (const args of argTuples(constsOf(entries), 150)) {
        expect(decide(ours, X86_64, nr, args), `${String(syscall)} ${args.join(',')}`).toBe(decide(ref.program!, X86_64, nr, args));
      }
    }
  });

  it('round-trips through OCI, Docker and syswall JSON with identical decisions', () => {
    expectEquivalent(r.policy, parsePolicyText(exportOci(r.policy)).policy);
    expectEquivalent(r.policy, parsePolicyText(exportDocker(r.policy), { context: { arch: 'x86_64' } }).policy);
    expectEquivalent(r.policy, parsePolicyText(exportSyswall(r.policy)).policy);
  });

  it('uses 32-bit words on a 32-bit arch', () => {
    const p = importMinijail('@default kill-process\nmmap2: arg2 in ~PROT_EXEC\nread: arg0 != -1\n', { arch: 'x86' });
    const x86 = resolveArch('x86');
    const prog = compile(p.policy);
    checkFirstMatch(prog, p.firstMatch!, p.policy.defaultAction, x86);
    expect(p.policy.rules.find((x) => x.syscall === 'read')!.conditions[0]).toMatchObject({ op: 'NE', value: 0xffffffffn });
  });
});

describe('Kafel import (nsjail-like policy)', () => {
  const r = importKafel(read('sandbox.kafel'), { file: 'sandbox.kafel' });

  it('reads POLICY, USE, DEFAULT, #define, SYSCALL[nr] and expressions', () => {
    expect(r.policy.defaultAction).toEqual({ kind: 'ERRNO', data: 1 });
    expect(r.policy.rules.some((x) => x.syscall === 'getppid' && x.action.kind === 'TRAP' && x.action.data === 5)).toBe(true);
    expect(r.policy.rules.some((x) => x.syscall === 'getpid' && x.action.kind === 'LOG')).toBe(true); // SYSCALL[39] first
    expect(detectImportKind(read('sandbox.kafel'))).toBe('kafel');
  });

  it('keeps first-match order across rules and actions', () => {
    const n = checkFirstMatch(compile(r.policy), r.firstMatch!, r.policy.defaultAction, X86_64);
    expect(n).toBeGreaterThan(3000);
  });

  it('decides as libseccomp compiling the translated rules', () => {
    requireLibseccomp();
    const [ref] = compileWithLibseccomp([relabel(r.policy)]);
    expect(ref.error).toBeUndefined();
    const ours = compile(relabel(r.policy));
    for (const { syscall, entries } of r.firstMatch!) {
      const nr = typeof syscall === 'number' ? syscall : syscallNumber(X86_64, syscall)!;
      for (const args of argTuples(constsOf(entries), 100)) expect(decide(ours, X86_64, nr, args)).toBe(decide(ref.program!, X86_64, nr, args));
    }
  });

  it('round-trips through syswall JSON (OCI has no TRAP value for TRAP(5))', () => {
    expectEquivalent(r.policy, parsePolicyText(exportSyswall(r.policy)).policy);
    expect(() => exportOci(r.policy)).toThrow(/TRAP/);
  });
});

/** Firecracker's own translation to libseccomp, written independently of the importer (dword eq -> masked_eq 0xffffffff). */
function firecrackerRef(text: string, thread: string): Policy {
  const t = JSON.parse(text)[thread];
  const act = (a: unknown): Action => (typeof a === 'string'
    ? ({ allow: { kind: 'ALLOW' }, trap: { kind: 'TRAP', data: 0 }, kill_process: { kind: 'KILL_PROCESS' }, kill_thread: { kind: 'KILL_THREAD' }, log: { kind: 'LOG' } } as Record<string, Action>)[a]
    : 'errno' in (a as object) ? { kind: 'ERRNO', data: (a as { errno: number }).errno } : { kind: 'TRACE', data: (a as { trace: number }).trace });
  const ops: Record<string, 'EQ' | 'NE' | 'LT' | 'LE' | 'GT' | 'GE'> = { eq: 'EQ', ne: 'NE', lt: 'LT', le: 'LE', gt: 'GT', ge: 'GE' };
  return {
    defaultAction: act(t.default_action), badArchAction: { kind: 'KILL_PROCESS' }, arches: ['x86_64'],
    rules: t.filter.map((f: { syscall: string; args?: { index: number; type: string; op: string | { masked_eq: number }; val: number }[] }) => ({
      syscall: f.syscall, action: act(t.filter_action),
      conditions: (f.args ?? []).map((a) => (typeof a.op === 'object' ? { arg: a.index, op: 'MASKED_EQ', mask: BigInt(a.op.masked_eq), value: BigInt(a.val) }
        : a.type === 'dword' && a.op === 'eq' ? { arg: a.index, op: 'MASKED_EQ', mask: 0xffffffffn, value: BigInt(a.val) }
        : { arg: a.index, op: ops[a.op], value: a.val > Number.MAX_SAFE_INTEGER ? 18446744073709551000n : BigInt(a.val) })),
    })),
  };
}

describe('Firecracker import and export', () => {
  const text = read('firecracker.json');

  it('imports one thread; several threads need --thread', () => {
    expect(() => importFirecracker(text)).toThrow(/3 thread filters \(vmm, api, vcpu\)/);
    const r = importFirecracker(text, { thread: 'vmm', file: 'firecracker.json' });
    expect(r.policy.defaultAction).toEqual({ kind: 'TRAP', data: 0 });
    const futex = r.policy.rules.find((x) => x.syscall === 'futex')!;
    expect(futex.conditions[0]).toEqual({ arg: 1, op: 'EQ', value: 128n, width: 32 });
    expect(futex.origin?.comment).toBe('wait and wake');
    expect(r.policy.rules.find((x) => x.syscall === 'lseek')!.conditions[0].value).toBe(18446744073709551000n);
    expect(detectImportKind(text)).toBe('firecracker');
  });

  for (const thread of ['vmm', 'api', 'vcpu']) {
    it(`thread ${thread} decides as libseccomp compiling Firecracker's rules`, () => {
      requireLibseccomp();
      const ours = compile(relabel(importFirecracker(text, { thread }).policy));
      const refPolicy = relabel(firecrackerRef(text, thread));
      const [ref] = compileWithLibseccomp([refPolicy]);
      expect(ref.error).toBeUndefined();
      let n = 0;
      const bySyscall = new Map<string, bigint[][]>();
      for (const rule of refPolicy.rules) {
        const consts = new Map<number, bigint[]>();
        for (const c of rule.conditions) consts.set(c.arg, [...(consts.get(c.arg) ?? []), c.value, ...(c.mask !== undefined ? [c.mask] : [])]);
        bySyscall.set(rule.syscall as string, [...(bySyscall.get(rule.syscall as string) ?? []), ...argTuples(consts, 100)]);
      }
      for (const [name, tuples] of bySyscall) {
        const nr = syscallNumber(X86_64, name)!;
        for (const args of tuples) { expect(decide(ours, X86_64, nr, args), `${name} ${args.join(',')}`).toBe(decide(ref.program!, X86_64, nr, args)); n++; }
      }
      for (const nr of [0, 1, 2, 9, 16, 59, 231, 435, 0x40000000, 0xffffffff]) expect(decide(ours, X86_64, nr, [])).toBe(decide(ref.program!, X86_64, nr, []));
      expect(n).toBeGreaterThan(100);
    });

    it(`thread ${thread} round-trips import -> export -> import`, () => {
      const a = importFirecracker(text, { thread }).policy;
      const out = exportFirecracker(a, { thread });
      expect(out.warnings).toEqual([]);
      expectEquivalent(a, importFirecracker(out.text).policy);
    });
  }

  it('refuses to export several rule actions unless lossy, and says what was dropped', () => {
    const k = importKafel(read('sandbox.kafel')).policy;
    expect(() => exportFirecracker(k)).toThrow(/one filter_action per thread/);
    const r = exportFirecracker(k, { lossy: true });
    expect(r.warnings.join('\n')).toMatch(/one filter_action per thread/);
  });
});

describe('SPO SeccompProfile import and export', () => {
  const file = join(DIR, 'nginx-profile.yaml');
  const resolveBase = (name: string) => {
    const p = join(DIR, name + '.yaml');
    return existsSync(p) ? { text: readFileSync(p, 'utf8'), file: p } : undefined;
  };
  const r = importSpo(read('nginx-profile.yaml'), { file, resolveBase });

  it('reads v1 with a v1beta1 base profile, adding the base syscalls', () => {
    expect(r.name).toBe('nginx');
    const names = new Set(r.policy.rules.map((x) => x.syscall));
    for (const n of ['accept4', 'socket', 'clone3', 'execve', 'capset']) expect(names.has(n)).toBe(true);
    expect(r.warnings.some((w) => w.code === 'SPO_BASE_MERGED')).toBe(true);
    expect(detectImportKind(read('nginx-profile.yaml'))).toBe('spo');
  });

  for (const version of ['v1', 'v1beta1'] as const) {
    it(`round-trips through ${version} with identical decisions`, () => {
      const out = exportSpo(r.policy, { name: 'nginx', version });
      expect(out.text).toContain(`security-profiles-operator.x-k8s.io/${version}`);
      expectEquivalent(r.policy, importSpo(out.text).policy);
    });
  }

  it('warns for what SPO cannot express: defaultErrnoRet and values >= 2^63', () => {
    const p: Policy = { defaultAction: { kind: 'ERRNO', data: 38 }, badArchAction: { kind: 'KILL_THREAD' }, arches: ['x86_64'], rules: [
      { syscall: 'read', action: { kind: 'ALLOW' }, conditions: [] },
      { syscall: 'lseek', action: { kind: 'ALLOW' }, conditions: [{ arg: 1, op: 'EQ', value: 0xffffffffffffff9cn }] },
    ] };
    expect(() => exportSpo(p)).toThrow(/no defaultErrnoRet/);
    const out = exportSpo(p, { lossy: true });
    expect(out.warnings.join('\n')).toMatch(/defaultErrnoRet/);
    expect(out.warnings.join('\n')).toMatch(/int64/);
    expect(out.text).not.toContain('lseek');
  });
});
