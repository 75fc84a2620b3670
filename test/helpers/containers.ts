/**
 * Real containers for the agent tests: runc (Debian's runc 1.1.5 at
 * /usr/sbin/runc, installed by .ci/run) running a busybox-static rootfs the
 * test builds in a mkdtemp directory, with its own `runc --root` state
 * directory and unique container ids. {@link RuncLab.cleanup} kills and
 * deletes every container it started and removes the directory, whatever
 * the test did; call it in afterAll/afterEach.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './cli.js';

export const RUNC = '/usr/sbin/runc';
export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'mkdir', 'rmdir', 'ls', 'cat', 'echo', 'sleep', 'touch', 'test', '[', 'true', 'false', 'uname', 'rm', 'id'];

/** Throws, saying what to install, when runc or busybox-static is missing. */
export function requireRunc(): void {
  if (!existsSync(RUNC)) throw new Error(`${RUNC} is missing: apt-get install runc (the agent tests run real containers)`);
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static (the containers' rootfs)`);
  const r = spawnSync(RUNC, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`runc --version failed: ${r.stderr || r.error}`);
}

export interface BundleOptions {
  args: string[];
  /** linux.seccomp (omitted: no filter). */
  seccomp?: unknown;
  annotations?: Record<string, string>;
  /** A host directory bind-mounted read-write at /shared. */
  shared?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One test file's containers: a directory, a runc state root, ids, and clean-up. */
export class RuncLab {
  readonly dir: string;
  readonly root: string;
  private readonly ids = new Set<string>();
  private readonly children = new Set<ChildProcess>();
  private n = 0;

  constructor(prefix = 'syswall-runc-') {
    requireRunc();
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(this.dir, 0o700);
    this.root = join(this.dir, 'runc-state');
    mkdirSync(this.root);
  }

  /** A unique container id. */
  id(tag: string): string {
    return `sw-${tag}-${process.pid}-${++this.n}`;
  }

  /** A bundle directory with its own busybox rootfs and config.json. */
  bundle(name: string, o: BundleOptions): string {
    const b = join(this.dir, 'bundles', name);
    const rootfs = join(b, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    for (const d of ['tmp', 'proc', 'dev', 'sys', 'shared']) mkdirSync(join(rootfs, d), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
    chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
    for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
    const r = spawnSync(RUNC, ['spec', '--bundle', b], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`runc spec failed: ${r.stderr}`);
    const cfg = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
    cfg.process.terminal = false;
    cfg.process.args = o.args;
    cfg.root.readonly = false;
    if (o.annotations) cfg.annotations = o.annotations;
    if (o.seccomp !== undefined) cfg.linux.seccomp = o.seccomp;
    if (o.shared) cfg.mounts.push({ destination: '/shared', type: 'bind', source: o.shared, options: ['rbind', 'rw'] });
    writeFileSync(join(b, 'config.json'), JSON.stringify(cfg, null, 1));
    return b;
  }

  /** Runs a container to its end (`runc run`, foreground); kills it after `timeoutMs`. */
  run(bundle: string, id: string, timeoutMs = 30_000): Promise<RunResult> {
    this.ids.add(id);
    const child = spawn(RUNC, ['--root', this.root, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(id);
        child.kill('SIGKILL');
        reject(new Error(`container ${id} did not finish within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        this.delete(id);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /** The host pid of a running container's process (`runc state`). */
  pid(id: string): number {
    const r = spawnSync(RUNC, ['--root', this.root, 'state', id], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`runc state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout).pid;
  }

  kill(id: string): void {
    spawnSync(RUNC, ['--root', this.root, 'kill', id, 'KILL'], { encoding: 'utf8' });
  }

  delete(id: string): void {
    spawnSync(RUNC, ['--root', this.root, 'delete', '--force', id], { encoding: 'utf8' });
  }

  /** Kills and deletes every container of this lab and removes its directory. */
  cleanup(): void {
    for (const id of this.ids) this.kill(id);
    for (const c of this.children) c.kill('SIGKILL');
    for (const id of this.ids) this.delete(id);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits until `pred()` holds (polling every 20 ms), or throws after `ms`. */
export async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A JSON line of `syswall agent --json`. */
export type AgentLine = Record<string, any> & { event: string };

/** `syswall agent` in a child process, its JSON lines collected as they come. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly lines: AgentLine[] = [];
  readonly other: string[] = [];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `extra`: more options; `json: false` for text lines (then {@link lines} stays empty). */
  constructor(readonly socket: string, extra: string[] = [], json = true) {
    this.child = spawn(process.execPath, [CLI, 'agent', '--socket', socket, ...(json ? ['--json'] : []), ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.other.push(line);
        }
      }
    });
    this.exit = new Promise((res) => this.child.on('exit', (code, signal) => res({ code, signal })));
  }

  /** Resolves when the agent listens; throws with its output if it exits first. */
  async ready(ms = 20_000): Promise<this> {
    let exited = false;
    void this.exit.then(() => (exited = true));
    try {
      await until(() => exited || this.lines.some((l) => l.event === 'listening'), ms, 'the agent to listen');
      if (!this.lines.some((l) => l.event === 'listening')) throw new Error(`the agent exited: ${this.other.join('\n')}`);
    } catch (e) {
      this.child.kill('SIGKILL');
      throw e;
    }
    return this;
  }

  events(event: string, id?: string): AgentLine[] {
    return this.lines.filter((l) => l.event === event && (id === undefined || l.container?.id === id));
  }

  async waitFor(event: string, id: string | undefined, count = 1, ms = 30_000): Promise<AgentLine[]> {
    await until(() => this.events(event, id).length >= count, ms, `${count} "${event}" line(s)${id ? ` for ${id}` : ''}; got: ${JSON.stringify(this.lines).slice(-2000)} ${this.other.join('\n')}`);
    return this.events(event, id);
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(t);
  }
}
