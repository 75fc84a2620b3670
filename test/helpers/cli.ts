/** Runs the built CLI (dist/bin/syswall.cjs, the package's bin: the bundle of dist/cli) in a child process. `npm test` builds first. */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'bin', 'syswall.cjs');

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

export interface CliAsyncOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Uint8Array;
  /** A file descriptor (e.g. of /dev/full) to use as the child's stdout. */
  stdoutFd?: number;
  /** Close our end of the child's stdout (or stderr) pipe before it writes: its next write gets EPIPE. */
  closeStdout?: boolean;
  closeStderr?: boolean;
  timeoutMs?: number;
}

/** Runs the built CLI without blocking the test process (so several can run at once). */
export function runCliAsync(args: string[], options: CliAsyncOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: [options.input !== undefined ? 'pipe' : 'ignore', options.stdoutFd ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (child.stdout) {
      if (options.closeStdout) child.stdout.destroy();
      else child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    }
    if (options.closeStderr) child.stderr!.destroy();
    else child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    if (options.input !== undefined) child.stdin!.end(options.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
