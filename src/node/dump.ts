/**
 * Extract seccomp filters from programs and processes.
 *
 * The ptrace work runs in the native helper (`syswall-helper dump`), in its
 * own process: {@link dumpCommand} runs a command under it and collects every
 * filter the command (its threads, children and exec'd images) installs with
 * prctl(2) or seccomp(2) -- including user-notification filters
 * (SECCOMP_FILTER_FLAG_NEW_LISTENER) and strict-mode installs.
 * {@link dumpPid} reads the filters a running process holds with
 * PTRACE_SECCOMP_GET_FILTER (needs CAP_SYS_ADMIN).
 *
 * The program reported for an install is the one the kernel installed, read
 * back at the syscall's exit (`source: 'kernel'`); where the kernel refuses
 * that, it comes from the task's memory (`source: 'memory'`, with a warning).
 * Children started with CLONE_UNTRACED are traced anyway (the flag is
 * cleared) or reported. `timeout` is enforced from here too: a command that
 * stops its tracer (SIGSTOP) cannot hold the dump up.
 *
 * The helper reports on a dedicated pipe (fd 3), so the target keeps its own
 * stdin, stdout and stderr.
 */
import { helperPath, requireTrusted } from './native.js';
import { spawn, type StdioOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';
import { archByToken, X32_SYSCALL_BIT, type ArchName, type Endian } from '../core/arch/arches.js';
import { decodeProgram } from '../core/bpf/codec.js';
import type { Instruction } from '../core/bpf/instruction.js';
import { SyswallError, type ErrorKind } from '../core/errors.js';
import { errnoLabel } from './errors.js';

/** A failure of `dump`: helper missing, exec failure, ptrace refused, ... `errno` names the errno where one applies. */
export class DumpError extends SyswallError {
  /** errno name reported by the helper (e.g. `ENOENT`, `EPERM`), if any. */
  readonly errno?: string;
  constructor(code: string, message: string, options: { kind?: ErrorKind; hint?: string; errno?: string; cause?: unknown } = {}) {
    super(code, message, { kind: options.kind ?? 'runtime', hint: options.hint, cause: options.cause });
    if (options.errno) this.errno = options.errno;
  }
}
Object.defineProperty(DumpError.prototype, 'name', { value: 'DumpError', enumerable: false });

/** How a filter reached us: the syscall that installed it, or `ptrace` for PTRACE_SECCOMP_GET_FILTER. */
export type DumpVia = 'prctl' | 'seccomp' | 'ptrace';

/** seccomp(2) filter flags by name (SECCOMP_FILTER_FLAG_*). */
export const SECCOMP_FILTER_FLAGS: Readonly<Record<string, number>> = Object.freeze({
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: 8,
  TSYNC_ESRCH: 16,
  WAIT_KILLABLE_RECV: 32,
});

/** Names of the SECCOMP_FILTER_FLAG_* bits set in `flags` (unknown bits as hex). */
export function filterFlagNames(flags: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const [name, bit] of Object.entries(SECCOMP_FILTER_FLAGS)) {
    if (rest & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push('0x' + rest.toString(16));
  return out;
}

/** One captured filter. */
export interface DumpedFilter {
  /** Process (thread group) id. */
  pid: number;
  /** Thread that installed it (equals `pid` for `--pid` dumps). */
  tid: number;
  via: DumpVia;
  /** SECCOMP_FILTER_FLAG_* bits passed to seccomp(2) (0 for prctl); for `ptrace`, the flags the kernel kept (LOG). */
  flags: number;
  /** `flags` as names. */
  flagNames: string[];
  /** The tracee's arch at install time (libseccomp name), or null for an AUDIT_ARCH token syswall does not know. */
  arch: ArchName | null;
  /** The AUDIT_ARCH_* token the kernel reported. */
  archToken: number;
  /** The decoded program. */
  program: Instruction[];
  /** The raw `struct sock_filter[]` in the tracee's byte order. */
  bytes: Uint8Array;
  /** The listener fd returned by seccomp(2) with NEW_LISTENER. */
  listenerFd?: number;
  /** PTRACE_SECCOMP_GET_FILTER index (0 = the oldest filter), for `ptrace` dumps. */
  index?: number;
  /** Where the program was read: `kernel` (PTRACE_SECCOMP_GET_FILTER) or `memory` (the task's, after the install). */
  source: 'kernel' | 'memory';
  /** Position among all installs of the result (filters and strict-mode installs), from 0. */
  seq: number;
}

/** A strict-mode install (prctl(PR_SET_SECCOMP, 1) or seccomp(SECCOMP_SET_MODE_STRICT)). */
export interface StrictInstall {
  pid: number;
  tid: number;
  /** `ptrace` when a `dumpPid` found the process in strict mode. */
  via: DumpVia;
  arch: ArchName | null;
  archToken: number;
  /** Position among all installs of the result (filters and strict-mode installs), from 0. */
  seq: number;
}

/** Why the dump ended. */
export type DumpEndReason = 'exit' | 'limit' | 'timeout' | 'done';

/** The result of a dump: the filters in install order (or index order for a pid). */
export interface DumpResult {
  filters: DumpedFilter[];
  strict: StrictInstall[];
  /** `exit`: every traced task exited; `limit`/`timeout`: stopped early; `done`: a `--pid` dump finished. */
  reason: DumpEndReason;
  /** The command's exit code, when it exited. */
  exitCode: number | null;
  /** The signal that killed the command, when one did (e.g. `SIGSYS`). */
  signal: string | null;
  /** True when the tracees were detached and left running (`continue`). */
  detached: boolean;
  /** For `dumpPid`: the seccomp mode of the process (0 disabled, 1 strict, 2 filter). */
  mode?: number;
  /** Non-fatal problems the helper reported. */
  warnings: string[];
  /** Children started with CLONE_UNTRACED that could not be traced (their filters are not in the result). */
  untraced: { pid: number; tid: number; child: number }[];
}

/** Options of {@link dumpCommand}. */
export interface DumpCommandOptions {
  /** Stop after this many installs (filters and strict-mode installs). Default: run to completion. */
  limit?: number;
  /** Stop after this many seconds and return what was collected. */
  timeout?: number;
  /** When stopping early (limit or timeout), detach and let the tracees run instead of killing them. */
  continue?: boolean;
  /** stdio of the command (stdin, stdout, stderr); default `inherit`. */
  stdio?: 'inherit' | 'ignore' | 'pipe' | [StdioChoice, StdioChoice, StdioChoice];
  /**
   * File descriptors of this process (>= 3) the command receives under the
   * same numbers, e.g. `[3]` for `bwrap --seccomp 3`. Node marks every fd
   * close-on-exec, so nothing beyond stdio is inherited otherwise.
   */
  passFds?: readonly number[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kills the helper (and, through PTRACE_O_EXITKILL, the tracees). */
  signal?: AbortSignal;
  /** Path of syswall-helper (default: the one built by `npm install`). */
  helper?: string;
}

type StdioChoice = 'inherit' | 'ignore' | 'pipe' | number;

/** Options of {@link dumpPid}. */
export interface DumpPidOptions {
  helper?: string;
  signal?: AbortSignal;
}

const ROOT = PACKAGE_ROOT;

/**
 * Finds the syswall-helper executable: `$SYSWALL_HELPER`, else the one
 * node-gyp built under build/Release. Throws a {@link DumpError} saying how
 * to build it when it is missing.
 */
export function resolveDumpHelper(): string {
  const env = process.env.SYSWALL_HELPER;
  if (env) {
    if (!existsSync(env)) throw new DumpError('HELPER_MISSING', `SYSWALL_HELPER=${env} does not exist`, { kind: 'input' });
    return requireTrusted(env, `SYSWALL_HELPER=${env}`);
  }
  try {
    return helperPath();
  } catch {
    // fall through to the build-error report below
  }
  let why = '';
  try {
    why = readFileSync(join(ROOT, 'build', 'native-build-error.txt'), 'utf8').trim().split('\n').pop() ?? '';
  } catch {
    // no record of a failed build
  }
  throw new DumpError('HELPER_MISSING', `the native helper (syswall-helper) is not built${why ? ` (build failed: ${why})` : ''}`, {
    hint: 'install a C compiler, make and python3 (Debian: apt-get install build-essential python3), then run `npm rebuild syswall`',
  });
}

/** Runs `cmd args` under ptrace and returns every filter it installed. */
export function dumpCommand(cmd: string, args: readonly string[] = [], options: DumpCommandOptions = {}): Promise<DumpResult> {
  if (!cmd) throw new DumpError('NO_COMMAND', 'dump needs a command to run', { kind: 'input' });
  const pass = [...new Set(options.passFds ?? [])].sort((a, b) => a - b);
  for (const fd of pass) {
    if (!Number.isInteger(fd) || fd < 3 || fd > 1023) throw new DumpError('BAD_FD', `cannot pass file descriptor ${fd}: expected a number from 3 to 1023 (0-2 are stdio)`, { kind: 'input' });
  }
  // The helper's report stream goes on the first fd above the passed ones.
  const streamFd = Math.max(3, ...pass.map((fd) => fd + 1));
  const hargs = ['dump', '--out-fd', String(streamFd)];
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new DumpError('BAD_LIMIT', `limit must be a positive integer, got ${options.limit}`, { kind: 'input' });
    hargs.push('--limit', String(options.limit));
  }
  if (options.timeout !== undefined) {
    if (!(options.timeout > 0) || !Number.isFinite(options.timeout)) throw new DumpError('BAD_TIMEOUT', `timeout must be a positive number of seconds, got ${options.timeout}`, { kind: 'input' });
    hargs.push('--timeout', String(options.timeout));
  }
  if (options.continue) hargs.push('--continue');
  hargs.push('--', cmd, ...args);
  const s = options.stdio ?? 'inherit';
  const stdio: (StdioChoice | 'pipe')[] = [...(Array.isArray(s) ? s : [s, s, s])];
  for (let fd = 3; fd < streamFd; fd++) stdio.push(pass.includes(fd) ? fd : 'ignore');
  stdio.push('pipe');
  return runHelper(options.helper !== undefined ? requireTrusted(options.helper, `the helper ${options.helper}`) : resolveDumpHelper(), hargs, {
    stdio, streamFd, cwd: options.cwd, env: options.env, signal: options.signal,
    ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 + TIMEOUT_GRACE_MS } : {}),
  }, cmd);
}

/** Reads the filters process `pid` holds (oldest first), with PTRACE_SECCOMP_GET_FILTER. */
export function dumpPid(pid: number, options: DumpPidOptions = {}): Promise<DumpResult> {
  if (!Number.isInteger(pid) || pid < 1 || pid > 0x7fffffff) throw new DumpError('BAD_PID', `not a process id: ${pid}`, { kind: 'input' });
  if (pid === process.pid) throw new DumpError('BAD_PID', `cannot dump syswall's own process (${pid})`, { kind: 'input' });
  return runHelper(options.helper !== undefined ? requireTrusted(options.helper, `the helper ${options.helper}`) : resolveDumpHelper(), ['dump', '--out-fd', '3', '--pid', String(pid)], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], streamFd: 3, signal: options.signal }, String(pid));
}

interface HelperSpawn {
  stdio: StdioOptions;
  /** The child fd of the report stream. */
  streamFd: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Kill the helper (and so its tracees) when it has not ended this long after it should have. */
  timeoutMs?: number;
}

/** How long after --timeout the helper may take to report by itself before Node kills it. */
const TIMEOUT_GRACE_MS = 1000;

interface HelperRecord {
  type: string;
  [key: string]: unknown;
}

/** Maps a helper error record to a typed error. */
function helperError(rec: HelperRecord, what: string): DumpError {
  const code = String(rec.code ?? 'HELPER_FAILED');
  const errno = typeof rec.errno === 'number' ? errnoLabel(rec.errno) : typeof rec.errno === 'string' ? rec.errno : undefined;
  const message = String(rec.message ?? 'syswall-helper failed');
  switch (code) {
    case 'EXEC_FAILED':
      return new DumpError(code, message, {
        kind: 'input',
        errno,
        hint: errno === 'ENOENT' && !what.includes('/') ? `"${what}" is not on PATH; for a file in this directory say ./${what}` : errno === 'EACCES' ? 'is the file executable?' : undefined,
      });
    case 'NO_SUCH_PROCESS':
      return new DumpError(code, message, { kind: 'input', errno, hint: 'list processes with `syswall status`' });
    case 'GET_FILTER_DENIED':
      return new DumpError(code, message, { errno, hint: getFilterHint() });
    case 'PTRACE_DENIED':
      return new DumpError(code, message, { errno, hint: /^\d+$/.test(what) ? ptraceHint(readStatusOf(what), readSelfStatus(), readYamaScope()) : ptraceHint('', readSelfStatus(), readYamaScope()) });
    case 'NO_KERNEL_SUPPORT':
      return new DumpError(code, message, { errno });
    default:
      return new DumpError(code, message, { errno });
  }
}

/**
 * What would let PTRACE_SECCOMP_GET_FILTER work, from what this process
 * lacks (its /proc/self/status text): CAP_SYS_ADMIN, or no seccomp filter of
 * its own; a root with both is told the truth, not "run as root".
 */
export function getFilterHint(status = readSelfStatus()): string {
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(status);
  const hasSysAdmin = capEff ? (BigInt('0x' + capEff[1]) & (1n << 21n)) !== 0n : false;
  const seccomp = /^Seccomp:\s*(\d+)/m.exec(status);
  const filtered = seccomp !== null && seccomp[1] !== '0';
  if (!hasSysAdmin) return 'run as root (reading filters back needs CAP_SYS_ADMIN)';
  if (filtered) return `syswall itself runs under seccomp (Seccomp: ${seccomp![1]} in /proc/self/status), and the kernel refuses a filtered tracer; run it outside any sandbox`;
  return 'the kernel refused it although syswall has CAP_SYS_ADMIN and no filter: a security module (LSM) may forbid it';
}

/**
 * What would let a ptrace attach work, from the target's /proc status, this
 * process's, and yama's ptrace_scope (undefined: no yama): the target's
 * other tracer, CAP_SYS_PTRACE, or yama; a root that has all of them is told
 * the truth, not "run as root".
 */
export function ptraceHint(target: string, self: string, yamaScope: string | undefined): string {
  const tracer = /^TracerPid:\s*(\d+)/m.exec(target);
  if (tracer && tracer[1] !== '0') return `the process is already traced by process ${tracer[1]} (TracerPid in its /proc status), and a process has one tracer at a time`;
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(self);
  const hasPtrace = capEff ? (BigInt('0x' + capEff[1]) & (1n << 19n)) !== 0n : false;
  const yama = yamaScope?.trim();
  if (yama === '3') return 'yama forbids every attach (/proc/sys/kernel/yama/ptrace_scope is 3, until reboot)';
  if (!hasPtrace) return `run as root (attaching to another user's process needs CAP_SYS_PTRACE)${yama !== undefined && yama !== '0' ? `, or lower /proc/sys/kernel/yama/ptrace_scope (now ${yama})` : ''}`;
  if (yama === '2') return 'yama allows only CAP_SYS_PTRACE holders to attach (ptrace_scope 2), and the kernel still refused: a security module (LSM) or a user namespace syswall does not own may protect the process';
  return `the kernel refused although syswall has CAP_SYS_PTRACE${yama === undefined ? ' and there is no yama' : ''}: a security module (LSM) or a user namespace syswall does not own may protect the process`;
}

function readSelfStatus(): string {
  return readStatusOf('self');
}

function readStatusOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

/** yama's ptrace_scope, or undefined where there is no yama. */
function readYamaScope(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8');
  } catch {
    return undefined;
  }
}

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 31: 'SIGSYS',
};

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Arch of a record: the token, plus x32 when an x86_64 token comes with an x32 syscall number. */
function archOf(token: number, nr: unknown): { arch: ArchName | null; endian: Endian } {
  const info = archByToken(token >>> 0);
  const host: Endian = endianness() === 'BE' ? 'big' : 'little';
  if (!info) return { arch: null, endian: host };
  if (info.name === 'x86_64' && typeof nr === 'number' && nr & X32_SYSCALL_BIT) return { arch: 'x32', endian: 'little' };
  return { arch: info.name, endian: info.endian };
}

/** Turns the helper's JSON lines into a {@link DumpResult}; throws on an error record. */
export function parseHelperStream(text: string, what = ''): DumpResult {
  const result: DumpResult = { filters: [], strict: [], reason: 'exit', exitCode: null, signal: null, detached: false, warnings: [], untraced: [] };
  let ended = false;
  let seq = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: HelperRecord;
    try {
      rec = JSON.parse(line) as HelperRecord;
    } catch (e) {
      throw new DumpError('HELPER_PROTOCOL', `syswall-helper wrote a line that is not JSON: ${line.slice(0, 80)}`, { cause: e });
    }
    switch (rec.type) {
      case 'filter': {
        const token = Number(rec.arch) >>> 0;
        const { arch, endian } = archOf(token, rec.nr);
        const bytes = hexToBytes(String(rec.program));
        const flags = Number(rec.flags ?? 0);
        const f: DumpedFilter = {
          pid: Number(rec.pid),
          tid: Number(rec.tid),
          via: rec.via as DumpVia,
          flags,
          flagNames: filterFlagNames(flags),
          arch,
          archToken: token,
          program: decodeProgram(bytes, { endian }),
          bytes,
          source: rec.source === 'memory' ? 'memory' : 'kernel',
          seq: seq++,
        };
        if (flags & SECCOMP_FILTER_FLAGS.NEW_LISTENER && typeof rec.ret === 'number') f.listenerFd = rec.ret;
        if (typeof rec.index === 'number') f.index = rec.index;
        result.filters.push(f);
        break;
      }
      case 'strict': {
        const token = Number(rec.arch) >>> 0;
        result.strict.push({ pid: Number(rec.pid), tid: Number(rec.tid), via: rec.via as DumpVia, arch: archOf(token, rec.nr).arch, archToken: token, seq: seq++ });
        break;
      }
      case 'mode':
        result.mode = Number(rec.mode);
        if (result.mode === 1) result.strict.push({ pid: Number(rec.pid), tid: Number(rec.pid), via: 'ptrace', arch: null, archToken: 0, seq: seq++ });
        break;
      case 'warning':
        result.warnings.push(String(rec.message));
        break;
      case 'untraced':
        result.untraced.push({ pid: Number(rec.pid), tid: Number(rec.tid), child: Number(rec.child) });
        result.warnings.push(`task ${Number(rec.tid)} started ${Number(rec.child)} with CLONE_UNTRACED and it could not be traced: filters it installs are not in this dump`);
        break;
      case 'error':
        throw helperError(rec, what);
      case 'end':
        ended = true;
        result.reason = rec.reason as DumpEndReason;
        result.exitCode = typeof rec.exitCode === 'number' ? rec.exitCode : null;
        result.signal = typeof rec.signal === 'number' ? (SIGNAL_NAMES[rec.signal] ?? `signal ${rec.signal}`) : null;
        result.detached = rec.detached === true;
        break;
      default:
        break;
    }
  }
  if (!ended) throw new DumpError('HELPER_PROTOCOL', 'syswall-helper ended without a result');
  return result;
}

function runHelper(helper: string, args: string[], sp: HelperSpawn, what: string): Promise<DumpResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(helper, args, { stdio: sp.stdio, cwd: sp.cwd, env: sp.env, signal: sp.signal });
    } catch (e) {
      reject(new DumpError('HELPER_FAILED', `cannot start syswall-helper: ${(e as Error).message}`, { cause: e }));
      return;
    }
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    const stream = child.stdio[sp.streamFd] as NodeJS.ReadableStream | null;
    stream?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => errChunks.push(c));
    let streamDone = !stream;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let failed = false;
    // The helper enforces --timeout itself, unless the command stopped it (SIGSTOP to its tracer): then we do.
    let forced = false;
    const timer = sp.timeoutMs !== undefined ? setTimeout(() => {
      forced = true;
      child.kill('SIGKILL'); // PTRACE_O_EXITKILL takes the tracees with it
    }, sp.timeoutMs) : undefined;
    const finish = () => {
      if (failed || !streamDone || !exit) return;
      if (timer) clearTimeout(timer);
      let text = Buffer.concat(chunks).toString('utf8');
      if (forced && !text.includes('"type":"end"')) {
        const lines = text.split('\n').filter((l) => l.trim() && l.trim().endsWith('}')); // drop a half-written last line
        lines.push(JSON.stringify({ type: 'warning', message: 'the helper did not stop at the timeout (the command may have stopped its tracer): syswall killed it and the traced processes' }));
        lines.push(JSON.stringify({ type: 'end', reason: 'timeout', exitCode: null, signal: null, detached: false }));
        text = lines.join('\n') + '\n';
      }
      try {
        if (exit.code === 2 && !text.trim()) {
          const msg = Buffer.concat(errChunks).toString('utf8').trim().split('\n')[0] || 'bad usage';
          throw new DumpError('HELPER_USAGE', `syswall-helper refused its arguments: ${msg.replace(/^syswall-helper: /, '')}`);
        }
        if (exit.signal && !text.includes('"type":"end"') && !text.includes('"type":"error"')) {
          throw new DumpError('HELPER_KILLED', `syswall-helper was killed by ${exit.signal}`);
        }
        resolve(parseHelperStream(text, what));
      } catch (e) {
        reject(e);
      }
    };
    stream?.on('end', () => {
      streamDone = true;
      finish();
    });
    stream?.on('error', () => {
      streamDone = true;
      finish();
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      failed = true;
      if (timer) clearTimeout(timer);
      if (e.name === 'AbortError') reject(new DumpError('ABORTED', 'dump aborted', { cause: e }));
      else reject(new DumpError('HELPER_FAILED', `cannot start syswall-helper (${helper}): ${e.message}`, { cause: e }));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      finish();
    });
  });
}
