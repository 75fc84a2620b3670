import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALL_WORDS, contains, countIn, intersect, withMaskEq, withMaskNe, withRange, type WordSet } from './wordset.js';

/** Applies random operations; checks membership and counts against brute force over a small window. */
describe('WordSet', () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('range' as const), a: fc.integer({ min: 0, max: 300 }), b: fc.integer({ min: 0, max: 300 }) }),
    fc.record({ k: fc.constant('meq' as const), m: fc.integer({ min: 0, max: 31 }), v: fc.integer({ min: 0, max: 31 }) }),
    fc.record({ k: fc.constant('mne' as const), m: fc.integer({ min: 0, max: 31 }), v: fc.integer({ min: 0, max: 31 }) }),
    fc.record({ k: fc.constant('pt' as const), v: fc.integer({ min: 0, max: 300 }) }),
  );
  it('is exact: membership and counting agree with brute force', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 7 }), (ops) => {
        // Keep everything inside [0, 255] so brute force is cheap.
        let s: WordSet | null = withRange(ALL_WORDS, 0, 255);
        const preds: ((x: number) => boolean)[] = [(x) => x <= 255];
        for (const o of ops) {
          if (!s) break;
          if (o.k === 'range') { s = withRange(s, Math.min(o.a, o.b), Math.max(o.a, o.b)); preds.push((x) => x >= Math.min(o.a, o.b) && x <= Math.max(o.a, o.b)); }
          else if (o.k === 'meq') { s = withMaskEq(s, o.m, o.v); preds.push((x) => (x & o.m) === o.v); }
          else if (o.k === 'mne') { s = withMaskNe(s, o.m, o.v); preds.push((x) => (x & o.m) !== o.v); }
          else { s = withMaskNe(s, 0xffffffff, o.v); preds.push((x) => x !== o.v); }
        }
        const members = [];
        for (let x = 0; x < 512; x++) if (preds.every((p) => p(x))) members.push(x);
        if (!s) {
          expect(members).toEqual([]);
          return;
        }
        for (let x = 0; x < 512; x++) expect(contains(s, x)).toBe(members.includes(x));
        expect(countIn(s)).toBe(members.length);
        expect(countIn(s, 10, 100)).toBe(members.filter((x) => x >= 10 && x <= 100).length);
      }),
      { numRuns: 500 },
    );
  });

  it('counts the full 32-bit space and masks exactly', () => {
    expect(countIn(ALL_WORDS)).toBe(2 ** 32);
    expect(countIn(withMaskEq(ALL_WORDS, 0x40000000, 0x40000000)!)).toBe(2 ** 31);
    expect(countIn(withMaskNe(withMaskEq(ALL_WORDS, 0xff, 0)!, 0xf00, 0)!)).toBe(2 ** 24 - 2 ** 20);
    expect(withMaskEq(ALL_WORDS, 0x3, 0x4)).toBeNull();
    expect(withMaskNe(withMaskEq(ALL_WORDS, 0x3, 0x1)!, 0x1, 0x1)).toBeNull();
    expect(intersect(withRange(ALL_WORDS, 5, 10)!, withRange(ALL_WORDS, 11, 20)!)).toBeNull();
    // A single value is canonical.
    expect(withMaskEq(ALL_WORDS, 0xffffffff, 7)).toEqual({ lo: 7, hi: 7, mask: 0, value: 0, ne: [], excluded: [] });
  });
});
