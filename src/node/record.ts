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
 * The launcher (native/helper_exec.c) makes no syscall between installing
 * the filter and the command's execve: the listener is taken out of it with
 * pidfd_getfd(2) while it is stopped. So the filter has no exemption, and the
 * execve is the first recorded call.
 */
import type { ArchInfo } from '../core/arch/arches.js';
import { compilePolicy, type CompiledFilter } from '../core/compile/compile.js';
import type { Policy } from '../core/policy/types.js';
import { Recording, runnableArches } from '../core/policy/recording.js';
import { hostArch } from './host.js';
import { spawn, type RunResult, type StdioEntry } from './spawn.js';
import { routedFilter } from './explain.js';
import type { SupervisorStats } from './supervisor.js';

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
 * The record-all filter: USER_NOTIF for every syscall on `arches`. Unknown
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
    rules: [],
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
  const t0 = performance.now();
  const p = spawn(command, args, {
    program: filter.instructions,
    flags: filter.flags,
    ...(options.stdio !== undefined ? { stdio: options.stdio } : { stdio: 'inherit' }),
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onSyscall(ev) {
      rec.add(ev.arch, ev.archToken, ev.nr, ev.args);
      return CONTINUE;
    },
    supervisor: { timeoutMs: 600_000 },
  });
  const done = (async (): Promise<RecordResult> => {
    const result = await p.result;
    const sup = await p.supervisor!;
    const stats = await sup.done;
    return { recording: rec, result, stats: { ...stats } };
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
  const compiled = routedFilter(policy);
  const denials: ProfileDenial[] = [];
  const p = spawn(command, args, {
    program: compiled.instructions,
    flags: compiled.flags,
    stdio: options.stdio ?? 'inherit',
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onSyscall(ev) {
      denials.push({ pid: ev.pid, arch: ev.arch?.name ?? `0x${ev.archToken.toString(16)}`, name: ev.name, text: ev.format() });
      return CONTINUE;
    },
  });
  const result = await p.result;
  if (p.supervisor) await (await p.supervisor).done;
  return { denials, result };
}
