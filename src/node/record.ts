/**
 * Recording what a command does, with the kernel's user notifications: the
 * command runs under a "record-all" filter that answers every syscall, on
 * every arch this machine can run, with SECCOMP_RET_USER_NOTIF; the
 * supervisor notes (arch, nr) and a few argument values, and answers each
 * call with SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the call runs as if no
 * filter were there. Children and threads inherit the filter, so they are
 * recorded too. We only observe, so the usual TOCTOU caveat of continue does
 * not matter here.
 *
 * The launcher: syswall-helper installs the filter, then makes sendmsg (the
 * listener fd to us), close, close, execve. The sendmsg must not be notified:
 * nobody holds the listener yet, so it would wait forever. The filter allows
 * exactly `sendmsg(5, *, MSG_NOSIGNAL)` (fd 5 is the socket spawn() hands the
 * helper) without notifying; every other call is notified. Notifications
 * from the helper's pid before its execve are answered and not recorded;
 * the execve is the first recorded call.
 */
import type { ArchInfo } from '../core/arch/arches.js';
import { isPermissive } from '../core/bpf/actions.js';
import { SECCOMP_RET_USER_NOTIF } from '../core/bpf/constants.js';
import { compilePolicy, type CompiledFilter } from '../core/compile/compile.js';
import type { Policy, Rule } from '../core/policy/types.js';
import { Recording, runnableArches } from '../core/policy/recording.js';
import { hostArch } from './host.js';
import { spawn, type RunResult, type StdioEntry } from './spawn.js';
import { withLauncherBypass } from './explain.js';
import type { SupervisorStats } from './supervisor.js';

/** The fd spawn() gives the helper for passing the listener back (`--listener-sock 5`). */
const LISTENER_SOCK_FD = 5n;
const MSG_NOSIGNAL = 0x4000n;
/** `sendmsg(5, *, MSG_NOSIGNAL)`: the helper passing the listener fd back. */
const LAUNCHER_SENDMSG: Rule = {
  syscall: 'sendmsg',
  action: { kind: 'ALLOW' },
  conditions: [
    { arg: 0, op: 'EQ', value: LISTENER_SOCK_FD },
    { arg: 2, op: 'EQ', value: MSG_NOSIGNAL },
  ],
};

/** Live counters of a recording, for progress lines. */
export interface RecordProgress {
  /** Milliseconds since the command started. */
  elapsedMs: number;
  /** Syscalls recorded so far. */
  total: number;
  /** Distinct (arch, syscall) pairs so far. */
  distinct: number;
}

/** Options of {@link record}. */
export interface RecordOptions {
  stdio?: StdioEntry | [StdioEntry, StdioEntry, StdioEntry];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Arches to record (default: every arch this machine can run, e.g. x86_64, x86 and x32). */
  arches?: readonly ArchInfo[];
  /** Add observations to this recording (default a new one). */
  recording?: Recording;
}

/** What {@link record} returns. */
export interface RecordResult {
  readonly recording: Recording;
  /** How the command ended. */
  readonly result: RunResult;
  /** The supervisor's counts (notifications received, answered, callers gone). */
  readonly stats: SupervisorStats;
  /** Calls made by the launcher before the command's execve (answered, not recorded). */
  readonly launcherCalls: number;
}

/** A running recording. */
export interface RecordHandle {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  /** Live counters (cheap to read; poll them for a progress line). */
  progress(): RecordProgress;
  /** Resolves when the command and every descendant that kept the filter have exited. */
  readonly done: Promise<RecordResult>;
  kill(signal?: NodeJS.Signals | number): boolean;
}

let cachedFilter: { key: string; filter: CompiledFilter } | undefined;

/**
 * The record-all filter: USER_NOTIF for every syscall on `arches`, except
 * the helper's sendmsg of the listener (see the module comment). Unknown
 * arches get the bad-arch action (KILL_THREAD): a filter must decide them,
 * and this host cannot make such calls.
 */
export function recordAllFilter(arches: readonly ArchInfo[] = runnableArches(hostArch())): CompiledFilter {
  const key = arches.map((a) => a.name).join(',');
  if (cachedFilter?.key === key) return cachedFilter.filter;
  const policy: Policy = {
    defaultAction: { kind: 'USER_NOTIF' },
    badArchAction: { kind: 'KILL_THREAD' },
    arches: arches.map((a) => a.name),
    rules: [LAUNCHER_SENDMSG],
  };
  const filter = compilePolicy(policy, { enosys: 'none' });
  cachedFilter = { key, filter };
  return filter;
}

/**
 * Runs `command args...` and records every syscall it and its descendants
 * make, from its execve on. Throws synchronously for bad arguments; `done`
 * rejects with a {@link SandboxError} when the command cannot be started
 * (not found, not executable).
 *
 * @example
 * const h = recordCommand('sh', ['-c', 'ls / | head -3'], { stdio: 'inherit' });
 * const { recording } = await h.done;
 * const policy = recordingToPolicy(recording, { args: true });
 */
export function recordCommand(command: string, args: readonly string[] = [], options: RecordOptions = {}): RecordHandle {
  const filter = recordAllFilter(options.arches);
  const rec = options.recording ?? new Recording();
  const startTotal = rec.total;
  const startDistinct = rec.distinct;
  let rootPid = -1;
  let execSeen = false;
  let launcherCalls = 0;
  const t0 = performance.now();
  const p = spawn(command, args, {
    program: filter.instructions,
    flags: filter.flags,
    ...(options.stdio !== undefined ? { stdio: options.stdio } : { stdio: 'inherit' }),
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onSyscall(ev) {
      if (!execSeen && ev.pid === rootPid) {
        if (ev.name !== 'execve' && ev.name !== 'execveat') {
          launcherCalls++;
          return CONTINUE;
        }
        execSeen = true;
      }
      rec.add(ev.arch, ev.archToken, ev.nr, ev.args);
      return CONTINUE;
    },
    supervisor: { timeoutMs: 600_000 },
  });
  rootPid = p.pid ?? -1;
  const done = (async (): Promise<RecordResult> => {
    const result = await p.result;
    const sup = await p.supervisor!;
    const stats = await sup.done;
    return { recording: rec, result, stats: { ...stats }, launcherCalls };
  })();
  done.catch(() => {});
  return {
    pid: p.pid,
    stdout: p.stdout,
    stderr: p.stderr,
    progress: () => ({ elapsedMs: performance.now() - t0, total: rec.total - startTotal, distinct: rec.distinct - startDistinct }),
    done,
    kill: (sig) => p.kill(sig),
  };
}

const CONTINUE = Object.freeze({ continue: true as const });

/** A call the profile would not have allowed, seen by {@link checkProfile}. */
export interface ProfileDenial {
  pid: number;
  arch: string;
  name: string;
  text: string;
}

/**
 * Runs a command under `policy` compiled with every non-allowing decision
 * routed to us instead (as `syswall run --explain` does), lets each such call
 * run, and lists them: an empty `denials` means the profile let the whole run
 * happen. Use it to prove a recorded profile.
 */
export async function checkProfile(policy: Policy, command: string, args: readonly string[] = [], options: Omit<RecordOptions, 'arches' | 'recording'> = {}): Promise<{ denials: ProfileDenial[]; result: RunResult }> {
  // The helper's sendmsg of the listener must not be notified (nobody holds the listener yet):
  // an exact in-kernel pass, independent of how the policy's own sendmsg rules merge.
  const routed = compilePolicy(policy, {
    mapAction: (v) => (isPermissive(v) ? v : SECCOMP_RET_USER_NOTIF),
  });
  const compiled = { ...routed, instructions: withLauncherBypass(routed.instructions, hostArch()) };
  const denials: ProfileDenial[] = [];
  let rootPid = -1;
  let execSeen = false;
  const p = spawn(command, args, {
    program: compiled.instructions,
    flags: compiled.flags,
    stdio: options.stdio ?? 'inherit',
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onSyscall(ev) {
      if (!execSeen && ev.pid === rootPid) {
        // The launcher's close calls before its execve are not the command's.
        if (ev.name !== 'execve' && ev.name !== 'execveat') return CONTINUE;
        execSeen = true;
      }
      denials.push({ pid: ev.pid, arch: ev.arch?.name ?? `0x${ev.archToken.toString(16)}`, name: ev.name, text: ev.format() });
      return CONTINUE;
    },
  });
  rootPid = p.pid ?? -1;
  const result = await p.result;
  if (p.supervisor) await (await p.supervisor).done;
  return { denials, result };
}
