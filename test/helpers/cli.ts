/** Runs the built CLI (dist/cli/main.js) in a child process. `npm test` builds first. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: SpawnSyncOptions & { input?: string | Uint8Array } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 120_000, ...options });
  return { status: r.status, signal: r.signal, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Asserts the CLI's bad-input contract: one line (plus optional hint), given exit code, no stack trace. */
export function expectCleanError(r: CliResult, exit = 2): string {
  const lines = r.stderr.trim().split('\n');
  if (r.status !== exit) throw new Error(`expected exit ${exit}, got ${r.status}: ${r.stderr}`);
  if (!lines[0].startsWith('syswall: ')) throw new Error(`expected "syswall: ..." error line, got: ${r.stderr}`);
  if (lines.length > 2 || (lines.length === 2 && !lines[1].startsWith('hint: '))) throw new Error(`expected one line (+hint), got: ${r.stderr}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`stack trace printed: ${r.stderr}`);
  return lines[0];
}
