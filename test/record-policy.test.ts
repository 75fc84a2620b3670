/** Pure tests of src/core/policy/recording.ts: recordings -> minimal policies, compression, merging. */
import { describe, expect, it } from 'vitest';
import { ARCHES, syscallNumber } from '../src/core/arch/index.js';
import { compressValues, countsFromComment, mergePolicies, Recording, recordingToPolicy } from '../src/core/policy/recording.js';
import { exportDocker, exportOci, exportSyswall, parsePolicyText } from '../src/core/formats/index.js';
import { compilePolicy } from '../src/core/compile/index.js';
import { runProgram } from '../src/core/bpf/index.js';

const X64 = ARCHES.x86_64;
const X86 = ARCHES.x86;
const X32 = ARCHES.x32;
const nr = (a: typeof X64, n: string) => syscallNumber(a, n)!;

function sample(): Recording {
  const r = new Recording();
  r.add(X64, X64.token, nr(X64, 'execve'), [0n, 0n, 0n, 0n, 0n, 0n]);
  for (let i = 0; i < 5; i++) r.add(X64, X64.token, nr(X64, 'read'), [0n, 0n, 0n, 0n, 0n, 0n]);
  r.add(X64, X64.token, nr(X64, 'socket'), [2n, 1n | 0o2000000n, 0n, 0n, 0n, 0n]);
  r.add(X64, X64.token, nr(X64, 'socket'), [2n, 2n | 0o4000n, 0n, 0n, 0n, 0n]);
  r.add(X64, X64.token, nr(X64, 'ioctl'), [1n, 0xffffffff80045430n, 0n, 0n, 0n, 0n]); // sign-extended request
  for (const prot of [0n, 1n, 2n, 3n]) r.add(X64, X64.token, nr(X64, 'mmap'), [0n, 4096n, prot, 0n, 0n, 0n]);
  r.add(X86, X86.token, nr(X86, 'getpid'), []);
  r.add(X64, X64.token, 1000, []); // not in the table
  return r;
}

function decide(p: ReturnType<typeof recordingToPolicy>, arch: typeof X64, name: string | number, args: bigint[] = []): number {
  const prog = compilePolicy(p);
  return runProgram(prog.instructions, { arch: arch.token, nr: typeof name === 'number' ? name : nr(arch, name), args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6) }) >>> 0;
}

describe('Recording', () => {
  it('counts per arch and name, keeps unknown numbers apart', () => {
    const r = sample();
    expect(r.total).toBe(15);
    expect(r.arches()).toEqual(['x86_64', 'x86']);
    expect(r.counts().read).toBe(5);
    expect(r.counts().getpid).toBe(1);
    expect(r.unknown()).toEqual([{ arch: 'x86_64', nr: 1000, count: 1 }]);
    expect(r.distinct).toBe(7);
  });

  it('merges recordings (counts add, argument tuples union)', () => {
    const a = sample();
    const b = new Recording();
    b.add(X64, X64.token, nr(X64, 'socket'), [10n, 1n, 0n, 0n, 0n, 0n]);
    b.add(X32, X32.token, nr(X32, 'read'), []);
    a.merge(b);
    expect(a.counts().read).toBe(6);
    expect(a.arches()).toEqual(['x86_64', 'x86', 'x32']);
    expect(a.syscalls.get(`x86_64:${nr(X64, 'socket')}`)!.tuples.size).toBe(3);
  });
});

describe('compressValues', () => {
  it('merges values differing in single bits into masked cubes, exactly', () => {
    expect(compressValues([0n, 1n, 2n, 3n])).toEqual([{ value: 0n, dc: 3n }]);
    expect(compressValues([1n, 3n, 5n])).toHaveLength(2);
    expect(compressValues([7n])).toEqual([{ value: 7n, dc: 0n }]);
    // exactness: the cubes cover exactly the input set
    const vals = [0n, 1n, 3n, 5n, 7n, 8n, 12n];
    const cubes = compressValues(vals);
    for (let v = 0n; v < 16n; v++) expect(cubes.some((c) => (v & ~c.dc) === c.value)).toBe(vals.includes(v));
  });
});

describe('recordingToPolicy', () => {
  it('allows exactly what was seen, on the arches seen, default EPERM', () => {
    const p = recordingToPolicy(sample(), { command: 'demo' });
    expect(p.arches).toEqual(['x86_64', 'x86']);
    expect(p.defaultAction).toEqual({ kind: 'ERRNO', data: 1 });
    expect(p.rules.every((r) => r.conditions.length === 0)).toBe(true);
    const ALLOW = 0x7fff0000;
    expect(decide(p, X64, 'read')).toBe(ALLOW);
    expect(decide(p, X86, 'getpid')).toBe(ALLOW);
    expect(decide(p, X64, 'mkdir')).toBe(0x00050001); // ERRNO(EPERM)
    expect(decide(p, X64, 1000)).toBe(0x00050000 | 38); // unknown number: ENOSYS
    expect(decide(p, X32, 'read')).toBe(0); // x32 not recorded: bad arch -> KILL_THREAD
  });

  it('with args: value sets as compact conditions (socket domain/type masking, 32-bit ioctl, prot cubes)', () => {
    const p = recordingToPolicy(sample(), { args: true });
    const ALLOW = 0x7fff0000;
    const EPERM = 0x00050001;
    expect(decide(p, X64, 'socket', [2n, 1n])).toBe(ALLOW);
    expect(decide(p, X64, 'socket', [2n, 1n | 0o4000n | 0o2000000n])).toBe(ALLOW);
    expect(decide(p, X64, 'socket', [2n, 2n])).toBe(ALLOW);
    expect(decide(p, X64, 'socket', [10n, 1n])).toBe(EPERM);
    expect(decide(p, X64, 'socket', [1n, 1n])).toBe(EPERM);
    expect(decide(p, X64, 'socket', [2n, 3n])).toBe(EPERM);
    expect(decide(p, X64, 'ioctl', [1n, 0x80045430n])).toBe(ALLOW);
    expect(decide(p, X64, 'ioctl', [1n, 0xffffffff80045430n])).toBe(ALLOW);
    expect(decide(p, X64, 'ioctl', [1n, 0x5401n])).toBe(EPERM);
    for (const prot of [0n, 1n, 2n, 3n]) expect(decide(p, X64, 'mmap', [0n, 0n, prot])).toBe(ALLOW);
    expect(decide(p, X64, 'mmap', [0n, 0n, 4n])).toBe(EPERM);
    const mmapRules = p.rules.filter((r) => r.syscall === 'mmap');
    expect(mmapRules).toHaveLength(1);
    expect(mmapRules[0].conditions[0]).toMatchObject({ op: 'MASKED_EQ', mask: 0xfffffffcn, value: 0n, width: 32 });
  });

  it('keeps the counts in the comment, through every export and back (syswall)', () => {
    const p = recordingToPolicy(sample(), { args: true, command: 'demo' });
    const text = exportSyswall(p);
    const back = parsePolicyText(text).policy;
    expect(countsFromComment(back.comment)).toMatchObject({ read: 5, execve: 1, getpid: 1 });
    expect(back.comment).toContain('x86_64:1000');
    expect(() => parsePolicyText(exportOci(p))).not.toThrow();
    expect(() => parsePolicyText(exportDocker(p), { context: { arch: 'x86_64' } })).not.toThrow();
  });

  it('honours another default action', () => {
    const p = recordingToPolicy(sample(), { defaultAction: { kind: 'KILL_PROCESS' } });
    expect(p.defaultAction).toEqual({ kind: 'KILL_PROCESS' });
  });

  it('refuses an empty recording', () => {
    expect(() => recordingToPolicy(new Recording())).toThrow(/nothing was recorded/);
  });
});

describe('mergePolicies', () => {
  it('unions arches and ALLOW rules; an unconditional allow wins over conditional ones; counts add', () => {
    const a = recordingToPolicy(sample(), { args: true });
    const r2 = new Recording();
    r2.add(X64, X64.token, nr(X64, 'socket'), [10n, 1n, 0n, 0n, 0n, 0n]);
    r2.add(X64, X64.token, nr(X64, 'mkdir'), []);
    r2.add(X32, X32.token, nr(X32, 'read'), []);
    const b = recordingToPolicy(r2, { args: true });
    const c = recordingToPolicy(r2, { args: false });
    const ab = mergePolicies([a, b]);
    expect(ab.arches).toEqual(['x86_64', 'x86', 'x32']);
    const ALLOW = 0x7fff0000;
    expect(decide(ab, X64, 'socket', [10n, 1n])).toBe(ALLOW);
    expect(decide(ab, X64, 'socket', [2n, 1n])).toBe(ALLOW);
    expect(decide(ab, X64, 'socket', [1n, 1n])).toBe(0x00050001);
    expect(decide(ab, X64, 'mkdir')).toBe(ALLOW);
    expect(countsFromComment(ab.comment)).toMatchObject({ read: 6, mkdir: 1 });
    const ac = mergePolicies([a, c]);
    expect(ac.rules.filter((r) => r.syscall === 'socket')).toEqual([expect.objectContaining({ conditions: [] })]);
  });

  it('merges an existing profile (non-allow rules kept only for syscalls nobody allows)', () => {
    const other = parsePolicyText(JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['uname'], action: 'SCMP_ACT_ALLOW' },
        { names: ['read', 'ptrace'], action: 'SCMP_ACT_KILL_PROCESS' },
      ],
    })).policy;
    const m = mergePolicies([recordingToPolicy(sample()), other]);
    const byName = (n: string) => m.rules.filter((r) => r.syscall === n).map((r) => r.action.kind);
    expect(byName('uname')).toEqual(['ALLOW']);
    expect(byName('read')).toEqual(['ALLOW']);
    expect(byName('ptrace')).toEqual(['KILL_PROCESS']);
  });
});
