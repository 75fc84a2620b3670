/**
 * Syscall frequency tables for the compiler's search tree (`compile
 * --frequencies`, `record --counts`): a JSON object `{"read": 1200, ...}` or
 * text lines `NAME COUNT` (`#` comments allowed).
 */
import { isKnownSyscall } from '../arch/syscalls.js';
import { PolicyError } from '../errors.js';

/**
 * Reads a syscall frequency table: a JSON object `{"read": 1200, ...}` or
 * text lines `NAME COUNT` (`#` comments allowed). Unknown names are warnings.
 */
export function parseFrequencies(text: string, file: string, warn: (message: string) => void): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, n: unknown, where: string) => {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new PolicyError('BAD_FREQUENCIES', `${where}: count of "${name}" must be a non-negative number`, { hint: 'expected {"read": 1200, ...} or lines "read 1200"' });
    }
    if (!isKnownSyscall(name)) warn(`${file}: unknown syscall "${name}" in the frequency table is ignored`);
    else out[name] = (out[name] ?? 0) + n;
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (e) {
      throw new PolicyError('BAD_FREQUENCIES', `${file}: not valid JSON: ${(e as Error).message}`, { hint: 'expected {"read": 1200, ...} or lines "read 1200"' });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new PolicyError('BAD_FREQUENCIES', `${file}: expected a JSON object of syscall counts`);
    for (const [k, v] of Object.entries(obj)) put(k, v, file);
    return out;
  }
  trimmed.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const m = /^([A-Za-z_][\w]*)\s+(\d+(?:\.\d+)?)$/.exec(line) ?? /^(\d+(?:\.\d+)?)\s+([A-Za-z_][\w]*)$/.exec(line);
    if (!m) throw new PolicyError('BAD_FREQUENCIES', `${file}:${i + 1}: expected "NAME COUNT", got "${line}"`, { hint: 'expected {"read": 1200, ...} or lines "read 1200"' });
    const [name, count] = /^\d/.test(m[1]) ? [m[2], m[1]] : [m[1], m[2]];
    put(name, Number(count), `${file}:${i + 1}`);
  });
  return out;
}

