/**
 * Builds the C test programs of test/fixtures/dump with gcc into a temp dir.
 * A missing compiler fails loudly with what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const FIXTURES = join(ROOT, 'test', 'fixtures', 'dump');

export function requireGcc(): void {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('gcc is needed to build the dump test programs: apt-get install build-essential');
  }
}

/** Compiles test/fixtures/dump/NAME.c to DIR/NAME. */
export function compile(dir: string, name: string, extra: string[] = []): string {
  const out = join(dir, name);
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, join(FIXTURES, `${name}.c`), ...extra], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`gcc failed for ${name}.c: ${r.error?.message ?? r.stderr}`);
  return out;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a program and resolves once it printed `marker` on stdout. */
export function startAndWaitFor(cmd: string, args: string[], marker: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes(marker)) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => reject(new Error(`${cmd} exited early (${code ?? sig}) before printing "${marker}": ${buf}`)));
  });
}

/** The seccomp fields of /proc/PID/status. */
export function procSeccomp(pid: number | 'self'): { mode: number; filters: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    mode: Number(/^Seccomp:\s*(\d+)/m.exec(text)?.[1] ?? NaN),
    filters: Number(/^Seccomp_filters:\s*(\d+)/m.exec(text)?.[1] ?? NaN),
  };
}

/** A pid that cannot exist (pid_max itself). */
export function impossiblePid(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
}
