/**
 * Bounded reading of input files: every file syswall reads as input (a
 * policy, a program, assembly, a frequency table, an include; "-" for
 * stdin) is read through {@link readInputFile}, which refuses more than the
 * door's MAX_INPUT_BYTES before reading it all, also from pipes and devices
 * that never end (`/dev/zero`), so an input cannot exhaust memory.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SyswallError } from '../core/errors.js';
import { MAX_INPUT_BYTES } from '../core/defaults.js';

export { MAX_INPUT_BYTES };

/** The error for an input over the limit (the door's code, INPUT_TOO_LARGE). */
export function inputTooLarge(label: string, max = MAX_INPUT_BYTES): SyswallError {
  const mib = max / (1024 * 1024);
  return new SyswallError('INPUT_TOO_LARGE', `${label}: the input is larger than ${Number.isInteger(mib) ? `${mib} MiB` : `${max} bytes`}, the most syswall reads`, {
    kind: 'input',
    hint: 'no policy or filter is this large; is it the right file? (docs/limits.md)',
  });
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Reads a whole file (a path, or a file descriptor such as 0 for stdin) of at
 * most `max` bytes. Node's own errors (ENOENT, EISDIR, ...) are thrown as they
 * are, for the caller to word; over the limit it throws INPUT_TOO_LARGE.
 */
export function readInputFile(path: string | number, label = String(path), max = MAX_INPUT_BYTES): Uint8Array {
  const fd = typeof path === 'number' ? path : openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > max) throw inputTooLarge(label, max);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total));
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(sleeper, 0, 0, 5); // a non-blocking stdin with nothing yet
          continue;
        }
        if (code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > max) throw inputTooLarge(label, max);
      chunks.push(buf.subarray(0, n));
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } finally {
    if (typeof path !== 'number') closeSync(fd);
  }
}
