/**
 * Shared by the attack suite (test/attack/): compiling the attack programs,
 * the unprivileged user they also run as, and the unconfined controls.
 *
 * SAFETY: the attack programs really attack (they inject syscalls and
 * overwrite code). Controls run inside a throwaway PID namespace
 * (`unshare --pid --fork --mount-proc` with test/attack/reaper.c as its pid
 * 1) and name their target explicitly, so nothing else on the machine is in
 * reach; see test/attack/targets.h.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, runCli, type CliResult } from './cli.js';
import { HELPER } from './runtime.js';

export const ATTACK_DIR = join(ROOT, 'test', 'attack');

/** Who the attacks run as: root, and an unprivileged user the suite creates. */
export interface Runner {
  name: string;
  uid: number;
  gid: number;
}

export const ROOT_RUNNER: Runner = { name: 'root', uid: 0, gid: 0 };
const ATTACK_USER = 'syswall-attack';

/**
 * The unprivileged user `syswall-attack`, created if missing. Idempotent and
 * safe when several clones run the suite at once (useradd's lock contention
 * is retried; "already exists" is fine).
 */
export function attackUser(): Runner {
  for (let attempt = 0; attempt < 50; attempt++) {
    const id = spawnSync('id', ['-u', ATTACK_USER], { encoding: 'utf8' });
    if (id.status === 0) {
      const gid = spawnSync('id', ['-g', ATTACK_USER], { encoding: 'utf8' });
      const who = { name: ATTACK_USER, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
      assertCheckoutReachable(who);
      return who;
    }
    const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ATTACK_USER], { encoding: 'utf8' });
    if (add.error) throw new Error(`the attack suite needs useradd to create an unprivileged user: ${add.error.message} (apt-get install passwd)`);
    // 0 created, 9 exists (another clone won the race), 10 /etc/passwd locked (retry).
    if (add.status !== 0 && add.status !== 9 && add.status !== 10) throw new Error(`useradd ${ATTACK_USER} failed (${add.status}): ${add.stderr}`);
    if (add.status === 10) spawnSync('sleep', ['0.1']);
  }
  throw new Error(`could not create the user ${ATTACK_USER}`);
}

/**
 * Fails loudly when `who` cannot run this checkout's CLI and helper: a
 * directory above it is not searchable by other users (`mktemp -d` makes
 * 0700 directories), and every attack as that user would fail to start.
 */
function assertCheckoutReachable(who: Runner): void {
  const r = spawnSync('sh', ['-c', 'test -r "$1" && test -x "$2"', 'sh', CLI, HELPER], { uid: who.uid, gid: who.gid });
  if (r.status !== 0) {
    throw new Error(`user ${who.name} cannot reach ${CLI} and ${HELPER}: a directory above the checkout is not searchable by other users (chmod o+x it, or clone elsewhere)`);
  }
}

/** A temp directory every runner can read and the given runner can write. */
export function sharedDir(prefix: string, owner?: Runner): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (owner && owner.uid !== 0) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

/** Compiles test/attack/NAME.c into dir/NAME (gcc; fails loudly without it). */
export function compileAttack(name: string, dir: string, extra: string[] = []): string {
  const out = join(dir, name);
  const r = spawnSync('gcc', ['-D_GNU_SOURCE', '-O1', '-Wall', '-Werror', '-pthread', '-o', out, join(ATTACK_DIR, `${name}.c`), ...extra], { encoding: 'utf8' });
  if (r.error) throw new Error(`the attack suite needs gcc: ${r.error.message} (apt-get install build-essential)`);
  if (r.status !== 0) throw new Error(`gcc ${name}.c failed:\n${r.stderr}`);
  return out;
}

/** Runs the syswall CLI as `who`. */
export function runAs(who: Runner, args: string[], options: SpawnSyncOptions & { input?: string } = {}): CliResult {
  return runCli(args, { timeout: 60_000, ...options, ...(who.uid !== 0 ? { uid: who.uid, gid: who.gid } : {}) });
}

let running = 0;
const waiting: (() => void)[] = [];

/**
 * Runs the syswall CLI as `who` without blocking the test process (so that
 * several attacks run at once; at most six at a time).
 */
export async function runAsAsync(who: Runner, args: string[]): Promise<CliResult> {
  if (running >= 6) await new Promise<void>((res) => waiting.push(res));
  running++;
  try {
    return await new Promise<CliResult>((res, rej) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(who.uid !== 0 ? { uid: who.uid, gid: who.gid } : {}) });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.once('error', rej);
      child.once('close', (status, signal) => {
        clearTimeout(timer);
        res({ status, signal, stdout, stderr });
      });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Runs `cmd` unconfined (no filter at all) as `who`, as the first child of
 * the reaper in a throwaway PID namespace; for an unprivileged runner in a
 * user namespace mapping it to itself. Returns the exit status and output.
 */
export function control(who: Runner, reaper: string, cmd: string[]): CliResult {
  const ns = who.uid === 0 ? ['--pid', '--fork', '--mount-proc'] : ['--map-current-user', '--pid', '--fork', '--mount-proc'];
  const r = spawnSync('unshare', [...ns, reaper, ...cmd], { encoding: 'utf8', timeout: 60_000, ...(who.uid !== 0 ? { uid: who.uid, gid: who.gid } : {}) });
  if (r.error) throw new Error(`the attack suite needs unshare (util-linux): ${r.error.message}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
