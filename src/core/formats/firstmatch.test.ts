import { describe, expect, it } from 'vitest';
import { evalLit, firstMatchToRules, type Lit } from './firstmatch.js';
import { conditionHolds } from '../policy/evaluate.js';

describe('first-match literals use the IR evaluator', () => {
  it('MASKED_EQ means (arg & mask) == (value & mask), as libseccomp compiles it', () => {
    const l: Lit = { arg: 0, op: 'MASKED_EQ', mask: 0xffn, value: 0x1ffn };
    for (const a of [0xffn, 0x1ffn, 0x2ffn, 0xfen, 0n]) {
      expect(evalLit(l, [a], 64)).toBe(conditionHolds({ arg: 0, op: 'MASKED_EQ', mask: 0xffn, value: 0x1ffn }, a, 64));
    }
    expect(evalLit(l, [0x3ffn], 64)).toBe(true);
    expect(evalLit({ ...l, op: 'MASKED_NE' }, [0x3ffn], 64)).toBe(false);
  });
});

describe('first-match lists convert to IR rules that decide the same', () => {
  it('with masked literals whose value has bits outside the mask', () => {
    const entries = [
      { when: [[{ arg: 0, op: 'MASKED_EQ', mask: 0xffn, value: 0x1ffn } as Lit]], action: { kind: 'ALLOW' as const } },
      { when: [[{ arg: 1, op: 'MASKED_NE', mask: 0xf0n, value: 0x1f0n } as Lit]], action: { kind: 'ERRNO' as const, data: 13 } },
    ];
    const def = { kind: 'ERRNO' as const, data: 1 };
    const rules = firstMatchToRules('read', entries, def, 64);
    for (const a0 of [0xffn, 0x1ffn, 0x7n]) {
      for (const a1 of [0xf0n, 0x0n, 0x1f0n]) {
        const args = [a0, a1];
        let want = def as { kind: string; data?: number };
        for (const e of entries) if (e.when.some((c) => c.every((l) => evalLit(l, args, 64)))) { want = e.action; break; }
        const hit = rules.find((r) => r.conditions.every((c) => conditionHolds(c, args[c.arg] ?? 0n, 64)));
        expect(hit?.action ?? def, `a0=${a0} a1=${a1}`).toEqual(want);
      }
    }
  });
});
