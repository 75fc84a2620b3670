/** Evaluating policy conditions on concrete argument values. */
import type { Condition } from './types.js';

/**
 * Evaluates one condition on an argument as a filter for an arch of `bits`
 * would: 32-bit arches (and `width: 32`) compare the low word only; MASKED_EQ
 * is `(arg & mask) == (value & mask)`.
 */
export function conditionHolds(c: Condition, arg: bigint, bits: 32 | 64): boolean {
  const narrow = bits === 32 || c.width === 32;
  const m = narrow ? 0xffffffffn : (1n << 64n) - 1n;
  const a = arg & m;
  const v = c.value & m;
  switch (c.op) {
    case 'EQ': return a === v;
    case 'NE': return a !== v;
    case 'LT': return a < v;
    case 'LE': return a <= v;
    case 'GT': return a > v;
    case 'GE': return a >= v;
    case 'MASKED_EQ': {
      const mask = (c.mask ?? 0n) & m;
      return (a & mask) === (v & mask);
    }
  }
}

