/**
 * The user-notification supervisor: syscalls a filter answers with
 * SECCOMP_RET_USER_NOTIF reach a TypeScript callback, which decides what the
 * kernel does with them.
 *
 * The listener fd is polled from Node's event loop (a uv_poll in the addon),
 * so many notifications (threads, processes) can be in flight at once and a
 * slow async callback never blocks the others. Every notification is answered
 * exactly once: by the callback's decision, or, if the callback throws,
 * returns something that is not a decision or takes longer than `timeoutMs`,
 * by a fail-closed answer (an errno, EPERM by default, or a kill) — never by
 * letting the syscall run. A notification whose caller died meanwhile is
 * dropped silently. A kill is SIGKILL, sent through a pidfd opened before the
 * notification is checked still pending: nothing can catch it, and a
 * recycled pid is never signalled.
 *
 * SECURITY: `{ continue: true }` after looking at pointer arguments is NOT a
 * security boundary: the caller (or another thread) can change that memory
 * after we read it and before the kernel does. Decide on register arguments
 * (numbers, flags, fds) or deny. See docs/supervisor.md.
 */
import { closeSync, readFileSync } from 'node:fs';
import { errnoLabel } from './errors.js';
import { archByToken, ARCHES, X32_SYSCALL_BIT, type ArchInfo } from '../core/arch/arches.js';
import { syscallName } from '../core/arch/syscalls.js';
import { SyswallError } from '../core/errors.js';
import { errnoName, errnoNumber, MAX_ERRNO } from '../core/arch/errno.js';
import { formatSyscall, type SyscallDecodeOptions } from '../core/decode/format.js';
import { ProcessMemory, type StructLayout, type StructValue } from './memory.js';
import {
  notifyAddon, SECCOMP_ADDFD_FLAG_SEND, SECCOMP_ADDFD_FLAG_SETFD, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
  SECCOMP_USER_NOTIF_FLAG_CONTINUE, type NotifyAddon, type RawNotification,
} from './notify-native.js';

/** What to do with a notified syscall. */
export type Decision =
  /** Let the kernel run the syscall as if no filter had stopped it (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
  | { continue: true }
  /** Fail the syscall with this errno (number or name, e.g. `'EPERM'`); it returns -1 and sets errno. */
  | { errno: number | string }
  /** Skip the syscall and make it return this value (0 or positive; a "success"). */
  | { value: number | bigint }
  /**
   * Kill the calling process (every thread) with SIGKILL, which no handler,
   * mask or disposition can survive; the call never runs. (`'SIGSYS'` and
   * `'SIGKILL'` are accepted for compatibility and mean the same: a SIGSYS
   * sent from user space could be caught, so it is never used.)
   */
  | { kill: true | 'SIGSYS' | 'SIGKILL' };

/** A notified syscall, as the callback sees it. */
export interface SyscallEvent {
  /** The kernel's notification cookie. */
  readonly id: bigint;
  /** Thread id of the caller (in this process's pid namespace). */
  readonly pid: number;
  /** Arch of the call (x32 detected by its syscall-number bit); undefined for a token syswall does not know. */
  readonly arch: ArchInfo | undefined;
  /** seccomp_data.arch (AUDIT_ARCH_*). */
  readonly archToken: number;
  /** seccomp_data.nr. */
  readonly nr: number;
  /** Syscall name on `arch`, or `syscall_NR` when unknown. */
  readonly name: string;
  /** The six argument registers, unsigned 64-bit. */
  readonly args: readonly bigint[];
  /** Instruction pointer at the call. */
  readonly ip: bigint;
  /** The C string at `addr` (UTF-8; at most `max` bytes, default 4096), or undefined if unreadable. */
  readString(addr: bigint, max?: number): string | undefined;
  /** A path argument, or undefined if unreadable or too long for the kernel. */
  readPath(addr: bigint): string | undefined;
  /** Up to `len` bytes at `addr`, or undefined if unreadable. */
  readBytes(addr: bigint, len: number): Uint8Array | undefined;
  /** A fixed-size struct at `addr` (see {@link ProcessMemory.readStruct}). */
  readStruct<L extends StructLayout>(addr: bigint, layout: L): StructValue<L> | undefined;
  /** The caller's memory (opened lazily; closed by the supervisor after the decision). */
  readonly memory: ProcessMemory;
  /** strace-like text of the call: `mkdir("/tmp/x", 0755)`. */
  format(options?: SyscallDecodeOptions): string;
  /** Whether the notification is still pending (the caller is alive and waiting): SECCOMP_IOCTL_NOTIF_ID_VALID. */
  isValid(): boolean;
  /**
   * Installs `fd` (one of ours) into the caller's fd table (SECCOMP_IOCTL_NOTIF_ADDFD);
   * returns its number there. With `send`, it also answers the notification with that number.
   */
  addFd(fd: number, options?: { targetFd?: number; cloexec?: boolean; send?: boolean }): number;
}

/** Counts kept by a supervisor. */
export interface SupervisorStats {
  /** Notifications received. */
  received: number;
  /** Answered with continue. */
  continued: number;
  /** Answered with an errno (by a decision). */
  errno: number;
  /** Answered with a value. */
  value: number;
  /** Callers killed by a decision. */
  killed: number;
  /** Answered fail-closed because the callback threw, timed out or returned no decision. */
  failedClosed: number;
  /** Notifications whose caller was gone before we answered. */
  gone: number;
}

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /** Decides each notified syscall. May be async; may throw (fails closed). */
  onSyscall: (event: SyscallEvent) => Decision | PromiseLike<Decision>;
  /** Longest an async decision may take before failing closed (default 30000 ms). */
  timeoutMs?: number;
  /** How to fail closed: `'errno'` (default; `failErrno`, EPERM by default) or `'kill'`. */
  failAction?: 'errno' | 'kill';
  /** errno used when failing closed with `'errno'` (default EPERM). */
  failErrno?: number;
  /** Told why a notification failed closed (default: one line on stderr). */
  onError?: (error: SupervisorError, event: SyscallEvent | undefined) => void;
  /** Called once when supervision ends (all supervised tasks gone, stop(), or a listener error). */
  onEnd?: (stats: SupervisorStats) => void;
  /** Close the listener fd when supervision ends (default true). */
  closeFd?: boolean;
}

/** A running supervisor. */
export interface Supervisor {
  /** The listener fd. */
  readonly fd: number;
  /** Live counts. */
  readonly stats: Readonly<SupervisorStats>;
  /** Notifications received and not yet answered. */
  readonly pending: number;
  /** Resolves when supervision ends: every task using the filter has exited, or stop() was called. */
  readonly done: Promise<SupervisorStats>;
  /** Process ids (thread-group ids, as this process sees them) killed by a kill decision or a fail-closed kill. */
  readonly killedProcesses: ReadonlySet<number>;
  /**
   * Stops supervising and closes the listener fd. Syscalls still waiting, and
   * any later USER_NOTIF decision of the filter, then fail with ENOSYS (kernel).
   */
  stop(): void;
}

/** Why a notification was answered fail-closed, or why the listener failed. */
export class SupervisorError extends SyswallError {}
Object.defineProperty(SupervisorError.prototype, 'name', { value: 'SupervisorError', enumerable: false });

const EPERM = 1;
const ENOENT = 2;

function defaultOnError(err: SupervisorError): void {
  process.stderr.write(`syswall: supervisor: ${err.message}\n`);
}

function archOf(token: number, nr: number): ArchInfo | undefined {
  const a = archByToken(token);
  if (a && a.name === 'x86_64' && nr >= 0 && (nr & X32_SYSCALL_BIT) !== 0) return ARCHES.x32;
  return a;
}

/** The thread-group id of thread `tid` (from /proc), or undefined when it is gone. */
function tgidOf(tid: number): number | undefined {
  try {
    const m = /^Tgid:\s*(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

type Parsed =
  | { kind: 'continue' }
  | { kind: 'errno'; errno: number }
  | { kind: 'value'; value: bigint }
  | { kind: 'kill'; mode: true | 'SIGSYS' | 'SIGKILL' };

function parseDecision(d: unknown): Parsed | string {
  if (typeof d !== 'object' || d === null) return `expected a decision object, got ${d === null ? 'null' : typeof d}`;
  const o = d as Record<string, unknown>;
  const keys = ['continue', 'errno', 'value', 'kill'].filter((k) => o[k] !== undefined);
  if (keys.length !== 1) return `a decision has exactly one of continue, errno, value, kill (got ${keys.length ? keys.join(', ') : JSON.stringify(Object.keys(o))})`;
  switch (keys[0]) {
    case 'continue':
      return o.continue === true ? { kind: 'continue' } : 'continue must be true';
    case 'errno': {
      const e = o.errno;
      const n = typeof e === 'string' ? errnoNumber(e) : typeof e === 'number' ? e : undefined;
      if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_ERRNO) return `errno must be an errno name or a number 1..${MAX_ERRNO}, got ${String(e)}`;
      return { kind: 'errno', errno: n };
    }
    case 'value': {
      const v = o.value;
      if (typeof v === 'bigint') return { kind: 'value', value: v };
      if (typeof v === 'number' && Number.isSafeInteger(v)) return { kind: 'value', value: BigInt(v) };
      return `value must be an integer, got ${String(v)}`;
    }
    default: {
      const k = o.kill;
      if (k === true || k === 'SIGSYS' || k === 'SIGKILL') return { kind: 'kill', mode: k };
      return `kill must be true, 'SIGSYS' or 'SIGKILL', got ${String(k)}`;
    }
  }
}

/**
 * Supervises a seccomp listener fd (from SECCOMP_FILTER_FLAG_NEW_LISTENER):
 * each notified syscall is passed to `onSyscall` and answered with its
 * decision. Ends by itself when every task using the filter has exited.
 */
export function supervise(listenerFd: number, options: SuperviseOptions): Supervisor {
  const addon: NotifyAddon = notifyAddon();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const failAction = options.failAction ?? 'errno';
  const failErrno = options.failErrno ?? EPERM;
  const onError = options.onError ?? defaultOnError;
  const closeFd = options.closeFd ?? true;
  const stats: SupervisorStats = { received: 0, continued: 0, errno: 0, value: 0, killed: 0, failedClosed: 0, gone: 0 };
  let pending = 0;
  let ended = false;
  let resolveDone!: (s: SupervisorStats) => void;
  const done = new Promise<SupervisorStats>((r) => (resolveDone = r));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const killedProcesses = new Set<number>();

  /** SIGKILLs the caller of a pending notification (pidfd first, then ID_VALID, then the signal). */
  const killCaller = (ev: Event): void => {
    const tgid = tgidOf(ev.pid);
    const r = addon.notifKill(listenerFd, ev.id, ev.pid);
    if (r === 0 && tgid !== undefined) killedProcesses.add(tgid);
  };

  // Wake the caller on the CPU we run on (less latency per notification), where the kernel supports it.
  try {
    addon.notifSetFlags(listenerFd, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
  } catch {
    // optional
  }

  const report = (err: SupervisorError, ev: SyscallEvent | undefined) => {
    try {
      onError(err, ev);
    } catch {
      defaultOnError(err);
    }
  };

  /** Sends one answer; false when the caller is gone. Never called after the fd is closed. */
  const send = (id: bigint, val: bigint, error: number, flags: number): boolean => {
    if (ended) return false;
    const r = addon.notifRespond(listenerFd, id, val, error, flags);
    if (r === 0) return true;
    if (r === ENOENT) return false;
    report(new SupervisorError('SUPERVISOR_RESPOND', `answering notification ${id} failed: ${errnoName(r) ?? r}`, { kind: 'runtime' }), undefined);
    return false;
  };

  const apply = (ev: Event, p: Parsed): void => {
    if (ev.answered) return;
    // Memory was read: make sure the notification (and so the pid we read) is still the one we decided on.
    const stale = ev.memOpened() && !ev.isValid();
    ev.markAnswered();
    ev.closeMemory();
    if (stale) {
      stats.gone++;
      return;
    }
    let ok: boolean;
    switch (p.kind) {
      case 'continue':
        ok = send(ev.id, 0n, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
        if (ok) stats.continued++;
        break;
      case 'errno':
        ok = send(ev.id, 0n, -p.errno, 0);
        if (ok) stats.errno++;
        break;
      case 'value':
        ok = send(ev.id, p.value, 0, 0);
        if (ok) stats.value++;
        break;
      case 'kill':
        killCaller(ev);
        // The caller is doomed; answer with an error so nothing runs even if the kill raced.
        send(ev.id, 0n, -failErrno, 0);
        stats.killed++;
        ok = true;
        break;
    }
    if (!ok) stats.gone++;
  };

  const failClosed = (ev: Event, err: SupervisorError): void => {
    if (ev.answered) return;
    stats.failedClosed++;
    report(err, ev);
    if (failAction === 'kill') {
      ev.markAnswered();
      ev.closeMemory();
      killCaller(ev);
      send(ev.id, 0n, -failErrno, 0);
    } else {
      // Do not count the fail-closed answer as a decision.
      const before = stats.errno;
      apply(ev, { kind: 'errno', errno: failErrno });
      stats.errno = before;
    }
  };

  const onNotif = (n: RawNotification): void => {
    stats.received++;
    pending++;
    const ev = new Event(n, addon, listenerFd, () => ended, () => pending--);
    let result: Decision | PromiseLike<Decision>;
    try {
      result = options.onSyscall(ev);
    } catch (e) {
      failClosed(ev, new SupervisorError('SUPERVISOR_CALLBACK_THREW', `onSyscall threw for ${ev.name} (pid ${ev.pid}): ${(e as Error)?.message ?? String(e)}; answered ${failText()}`, { kind: 'runtime', cause: e }));
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<Decision>).then === 'function') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        failClosed(ev, new SupervisorError('SUPERVISOR_TIMEOUT', `onSyscall took longer than ${timeoutMs} ms for ${ev.name} (pid ${ev.pid}); answered ${failText()}`, { kind: 'runtime' }));
      }, timeoutMs);
      timers.add(timer);
      (result as PromiseLike<Decision>).then(
        (d) => {
          clearTimeout(timer);
          timers.delete(timer);
          decide(ev, d);
        },
        (e: unknown) => {
          clearTimeout(timer);
          timers.delete(timer);
          failClosed(ev, new SupervisorError('SUPERVISOR_CALLBACK_THREW', `onSyscall rejected for ${ev.name} (pid ${ev.pid}): ${(e as Error)?.message ?? String(e)}; answered ${failText()}`, { kind: 'runtime', cause: e }));
        },
      );
      return;
    }
    decide(ev, result as Decision);
  };

  const failText = () => (failAction === 'kill' ? 'by killing the caller' : `with ${errnoName(failErrno) ?? failErrno}`);

  const decide = (ev: Event, d: unknown): void => {
    if (ev.answered || ended) return;
    const p = parseDecision(d);
    if (typeof p === 'string') {
      failClosed(ev, new SupervisorError('SUPERVISOR_BAD_DECISION', `onSyscall returned no valid decision for ${ev.name} (pid ${ev.pid}): ${p}; answered ${failText()}`, { kind: 'runtime' }));
      return;
    }
    apply(ev, p);
  };

  let handle: object | undefined;
  const finish = (errno: number): void => {
    if (ended) return;
    ended = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (handle) {
      try {
        addon.notifStop(handle);
      } catch {
        // already stopped
      }
    }
    if (closeFd) {
      try {
        closeSync(listenerFd);
      } catch {
        // already closed
      }
    }
    stats.gone += pending;
    pending = 0;
    if (errno !== 0) {
      report(new SupervisorError('SUPERVISOR_LISTENER', `the listener fd failed: ${errnoName(errno) ?? errno}`, { kind: 'runtime' }), undefined);
    }
    try {
      options.onEnd?.(stats);
    } finally {
      resolveDone(stats);
    }
  };

  try {
    handle = addon.notifStart(listenerFd, onNotif, finish);
  } catch (e) {
    throw new SupervisorError('SUPERVISOR_START', `cannot watch listener fd ${listenerFd}: ${(e as Error).message}`, { kind: 'runtime', cause: e });
  }

  return {
    fd: listenerFd,
    stats,
    get pending() {
      return pending;
    },
    done,
    killedProcesses,
    stop: () => finish(0),
  };
}

/** The event object handed to callbacks. */
class Event implements SyscallEvent {
  readonly id: bigint;
  readonly pid: number;
  readonly arch: ArchInfo | undefined;
  readonly archToken: number;
  readonly nr: number;
  readonly name: string;
  readonly args: readonly bigint[];
  readonly ip: bigint;
  private done = false;
  private mem: ProcessMemory | undefined;
  private readonly addon: NotifyAddon;
  private readonly fd: number;
  private readonly ended: () => boolean;
  private readonly onAnswered: () => void;

  constructor(n: RawNotification, addon: NotifyAddon, fd: number, ended: () => boolean, onAnswered: () => void) {
    this.onAnswered = onAnswered;
    this.id = n.id;
    this.pid = n.pid;
    this.archToken = n.data.arch >>> 0;
    this.nr = n.data.nr;
    this.arch = archOf(this.archToken, n.data.nr);
    this.name = (this.arch && syscallName(this.arch, n.data.nr)) ?? `syscall_${n.data.nr}`;
    this.args = n.data.args;
    this.ip = n.data.ip;
    this.addon = addon;
    this.fd = fd;
    this.ended = ended;
  }

  /** True once the notification was answered (by a decision, fail-closed, or addFd with send). */
  get answered(): boolean {
    return this.done;
  }

  markAnswered(): void {
    if (this.done) return;
    this.done = true;
    this.onAnswered();
  }

  get memory(): ProcessMemory {
    // After opening /proc/PID/mem, check the notification is still pending: then the pid was not reused.
    this.mem ??= new ProcessMemory(this.pid, this.arch ?? ARCHES.x86_64, () => this.isValid());
    return this.mem;
  }

  memOpened(): boolean {
    return this.mem?.opened ?? false;
  }

  closeMemory(): void {
    this.mem?.close();
  }

  readString(addr: bigint, max?: number): string | undefined {
    return this.memory.readString(addr, max);
  }

  readPath(addr: bigint): string | undefined {
    return this.memory.readPath(addr);
  }

  readBytes(addr: bigint, len: number): Uint8Array | undefined {
    return this.memory.readBytes(addr, len);
  }

  readStruct<L extends StructLayout>(addr: bigint, layout: L): StructValue<L> | undefined {
    return this.memory.readStruct(addr, layout);
  }

  format(options: SyscallDecodeOptions = {}): string {
    return formatSyscall(this.name, this.args, this.memory, { arch: this.arch, ...options });
  }

  isValid(): boolean {
    if (this.answered || this.ended()) return false;
    try {
      return this.addon.notifIdValid(this.fd, this.id);
    } catch {
      return false;
    }
  }

  addFd(fd: number, options: { targetFd?: number; cloexec?: boolean; send?: boolean } = {}): number {
    if (this.answered || this.ended()) {
      throw new SupervisorError('SUPERVISOR_ANSWERED', `notification ${this.id} was already answered`, { kind: 'runtime' });
    }
    let flags = 0;
    if (options.targetFd !== undefined) flags |= SECCOMP_ADDFD_FLAG_SETFD;
    if (options.send) flags |= SECCOMP_ADDFD_FLAG_SEND;
    const O_CLOEXEC = 0o2000000;
    try {
      const r = this.addon.notifAddFd(this.fd, this.id, fd, options.targetFd ?? 0, flags, options.cloexec ? O_CLOEXEC : 0);
      if (options.send) this.markAnswered();
      return r;
    } catch (e) {
      const errno = (e as { errno?: unknown }).errno;
      const code = typeof errno === 'number' ? errnoLabel(errno) : 'EIO';
      throw new SupervisorError('SUPERVISOR_ADDFD', `cannot add fd ${fd} to pid ${this.pid}: ${code}`, { kind: 'runtime', cause: e });
    }
  }
}
