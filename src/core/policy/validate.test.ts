import { describe, expect, it } from 'vitest';
import { policyProblems, validatePolicy } from './validate.js';
import type { Policy, Rule } from './types.js';

const base: Policy = { defaultAction: { kind: 'ALLOW' }, badArchAction: { kind: 'KILL_THREAD' }, arches: ['x86_64'], rules: [] };
const withRule = (r: Partial<Rule>): Policy => ({ ...base, rules: [{ syscall: 'read', action: { kind: 'KILL_THREAD' }, conditions: [], ...r }] });

describe('validatePolicy', () => {
  it('accepts a valid policy', () => {
    expect(validatePolicy(withRule({ conditions: [{ arg: 5, op: 'MASKED_EQ', mask: 0xffn, value: 1n }, { arg: 0, op: 'EQ', value: 0xffffffffffffffffn }] }))).toBeTruthy();
  });
  const bad: [string, Policy, RegExp][] = [
    ['errno > 4095', { ...base, defaultAction: { kind: 'ERRNO', data: 4096 } }, /default action: ERRNO data 4096 is out of range \(0..4095\)/],
    ['trace data > 65535', withRule({ action: { kind: 'TRACE', data: 65536 } }), /rule 0 \(read\): TRACE data 65536 is out of range/],
    ['data on ALLOW', withRule({ action: { kind: 'ALLOW', data: 3 } }), /ALLOW carries no data/],
    ['arg index > 5', withRule({ conditions: [{ arg: 6, op: 'EQ', value: 1n }] }), /rule 0 \(read\) condition 0 \(arg 6 EQ\): argument index 6 is out of range/],
    ['7 conditions', withRule({ conditions: Array.from({ length: 7 }, (_, i) => ({ arg: i % 6, op: 'EQ' as const, value: 1n })) }), /7 conditions; at most 6/],
    ['value > 2^64-1', withRule({ conditions: [{ arg: 0, op: 'EQ', value: 1n << 64n }] }), /value 18446744073709551616 does not fit in 64 bits/],
    ['value > 2^32-1 at width 32', withRule({ conditions: [{ arg: 0, op: 'EQ', value: 1n << 32n, width: 32 }] }), /does not fit in 32 bits/],
    ['negative value', withRule({ conditions: [{ arg: 0, op: 'EQ', value: -1n }] }), /value -1 does not fit/],
    ['MASKED_EQ without mask', withRule({ conditions: [{ arg: 0, op: 'MASKED_EQ', value: 1n }] }), /MASKED_EQ needs a mask/],
    ['mask on EQ', withRule({ conditions: [{ arg: 0, op: 'EQ', value: 1n, mask: 1n }] }), /a mask is only valid with MASKED_EQ, not EQ/],
    ['unknown op', withRule({ conditions: [{ arg: 0, op: 'LIKE' as never, value: 1n }] }), /unknown operator "LIKE"/],
    ['empty arches', { ...base, arches: [] }, /no arches/],
    ['unknown arch', { ...base, arches: ['vax' as never] }, /unknown arch "vax"/],
    ['duplicate arch', { ...base, arches: ['x86', 'x86'] }, /listed twice/],
    ['unknown syscall', withRule({ syscall: 'opne' }), /unknown syscall "opne" \(did you mean "open"\?\)/],
    ['negative syscall number', withRule({ syscall: -1 }), /not an unsigned 32-bit integer/],
    ['unknown action', withRule({ action: { kind: 'DENY' as never } }), /unknown action kind "DENY"/],
    ['listener metadata', { ...base, listenerMetadata: 'x' }, /listenerMetadata is set without listenerPath/],
  ];
  it.each(bad)('rejects %s', (_name, p, msg) => {
    expect(() => validatePolicy(p)).toThrow(msg);
  });
  it('counts further problems', () => {
    const p: Policy = { ...base, arches: [], defaultAction: { kind: 'ERRNO', data: 9999 } };
    expect(policyProblems(p)).toHaveLength(2);
    expect(() => validatePolicy(p)).toThrow(/and 1 more problem\)/);
  });
  it('names the input location of a rule', () => {
    try {
      validatePolicy(withRule({ syscall: 'bogus', origin: { index: 3, location: { file: 'f.json', line: 9, column: 4, path: '$.syscalls[3].names[0]' } } }));
      throw new Error('no error');
    } catch (e) {
      expect((e as Error).message).toMatch(/^f\.json:9:4: \$\.syscalls\[3\]\.names\[0\]: rule 0 \(bogus, from \$\.syscalls\[3\]\.names\[0\]\): unknown syscall "bogus"/);
    }
  });
});
