/** Parsing and formatting of unsigned integers given as decimal or 0x hex. */
import { SyswallError } from '../errors.js';

const INT_RE = /^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i;

/**
 * Parses a non-negative integer (decimal, 0x hex, 0o octal, 0b binary) that
 * must fit in `bits` bits; negative decimal values are accepted and wrapped
 * (two's complement) when `allowNegative` is set. Returns a bigint.
 */
export function parseBigUint(text: string, bits: 32 | 64, what: string, allowNegative = true): bigint {
  const t = text.trim().replace(/_/g, '');
  let neg = false;
  let body = t;
  if (allowNegative && body.startsWith('-')) {
    neg = true;
    body = body.slice(1);
  }
  if (!INT_RE.test(body)) {
    throw new SyswallError('BAD_NUMBER', `${what}: "${text}" is not a number`, { hint: 'use decimal (123) or hex (0x7b)' });
  }
  let v = BigInt(body.toLowerCase().startsWith('0') && body.length > 1 && /^\d+$/.test(body) ? body : body);
  const limit = 1n << BigInt(bits);
  if (neg) {
    if (v > limit / 2n) throw new SyswallError('BAD_NUMBER', `${what}: ${text} is out of range for ${bits} bits`);
    v = (limit - v) % limit;
  }
  if (v >= limit) throw new SyswallError('BAD_NUMBER', `${what}: ${text} does not fit in ${bits} bits`);
  return v;
}

/** Parses a 32-bit unsigned integer as a number. */
export function parseUint(text: string, bits: 32, what: string): number {
  return Number(parseBigUint(text, bits, what));
}
