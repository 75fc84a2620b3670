import { describe, it, expect } from 'vitest';
import { compilePolicy } from '../src/core/compile/index.js';
import { seccompDataWords } from '../src/core/bpf/data.js';
import { runWords as miniRun } from '../src/core/bpf/interpreter.js';

describe('compile smoke', () => {
  it('compiles a tiny policy', () => {
    const p = compilePolicy({
      defaultAction: { kind: 'ERRNO', data: 1 },
      badArchAction: { kind: 'KILL_THREAD' },
      arches: ['x86_64'],
      rules: [
        { syscall: 'read', action: { kind: 'ALLOW' }, conditions: [] },
        { syscall: 'write', action: { kind: 'ALLOW' }, conditions: [{ arg: 0, op: 'EQ', value: 1n }] },
        { syscall: 'mkdir', action: { kind: 'ERRNO', data: 13 }, conditions: [{ arg: 1, op: 'GT', value: 0o700n }] },
      ],
    }, { enosys: 'none' });
    console.log(p.instructions.length, p.instructions.map((i) => `${i.code.toString(16)} ${i.jt} ${i.jf} ${i.k.toString(16)}`).join('\n'));
    const run = (nr: number, args: bigint[] = []) => miniRun(p.instructions, seccompDataWords({ nr, arch: 0xc000003e, args }));
    expect(run(0)).toBe(0x7fff0000);
    expect(run(1, [1n])).toBe(0x7fff0000);
    expect(run(1, [2n])).toBe(0x50001);
    expect(run(83, [0n, 0o701n])).toBe(0x5000d);
    expect(run(83, [0n, 0o700n])).toBe(0x50001);
    expect(run(0x40000001)).toBe(0);
    expect(run(-1)).toBe(0x50001);
  });
});
