/** Helpers for the real-kernel runtime tests (filters load only in child processes). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ROOT } from './cli.js';

export { ROOT };
export const HELPER = join(ROOT, 'build', 'Release', 'syswall-helper');

/** A fresh temporary directory. */
export function tempDir(prefix = 'syswall-rt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Compiles a C fixture from test/fixtures with gcc; fails loudly if gcc is missing. */
export function compileFixture(source: string, out: string, flags: string[] = []): string {
  const r = spawnSync('gcc', ['-O1', '-o', out, join(ROOT, 'test', 'fixtures', source), ...flags], { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc is needed to build test fixtures: ${r.error.message} (install build-essential)`);
  if (r.status !== 0) throw new Error(`gcc failed for ${source}: ${r.stderr}`);
  return out;
}

/** Collects a stream to a string (resolves on end). */
export function collect(stream: Readable | null): Promise<string> {
  if (!stream) return Promise.resolve('');
  return new Promise((res, rej) => {
    let s = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (s += d));
    stream.on('end', () => res(s));
    stream.on('error', rej);
  });
}
