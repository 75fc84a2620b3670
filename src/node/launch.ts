/**
 * Runs a command under a seccomp filter. Node starts `syswall-helper exec`
 * with child_process (so stdio, env, cwd and signals are Node's), hands it the
 * compiled program on fd 3, and learns through a close-on-exec report pipe on
 * fd 4 the command's pid and whether the exec happened. The helper starts the
 * command in its own PID and mount namespaces where the host allows it,
 * relays signals to it and exits as it did (docs/security.md). It fails
 * closed: if anything goes wrong before exec, the command never runs, and the
 * handle's promises reject with a {@link SandboxError}.
 *
 * This module takes compiled programs (`Instruction[]` or raw bytes);
 * {@link toProgramBytes} is the single place where a program source becomes
 * bytes. `spawn()` (spawn.ts, the public entry) adds policies, compiled by
 * the policy layer; `syswall run` calls {@link launch} directly so that its
 * start-up does not load the compiler (the supervisor, too, is loaded only
 * for `onSyscall`).
 */
import { spawn as nodeSpawn, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';
import { closeSync, existsSync } from 'node:fs';
import type { Readable, Stream, Writable } from 'node:stream';
import { SyswallError } from '../core/errors.js';
import { encodeProgram } from '../core/bpf/codec.js';
import { BPF_MAXINSNS, SECCOMP_FILTER_FLAG_NEW_LISTENER } from '../core/bpf/constants.js';
import type { Instruction } from '../core/bpf/instruction.js';
import { decodeProgram } from '../core/bpf/codec.js';
import { SandboxError } from './errors.js';
import { guardedProgram, helperExecArgs, helperFailureError, parseHelperReport, quoteCommand, type HelperReport } from './helper-exec.js';
import { hostArch } from './host.js';
import { holdUnreachable, isolationSupport, type IsolationSupport } from './isolation-support.js';
import { helperPath, recvFdAsync, socketpair } from './native.js';
import type { Supervisor, SuperviseOptions } from './supervisor.js';
import type { PolicyInput } from './policy-source.js';

/** A compiled seccomp program: instructions, or raw `struct sock_filter[]` bytes in this machine's byte order. */
export type ProgramSource = readonly Instruction[] | Uint8Array;

/** One entry of stdio for fds 0, 1 and 2, as child_process takes it. */
export type StdioEntry = StdioPipe | StdioNull | 'inherit' | number | Stream;

/** Options of {@link spawn}. */
export interface SpawnOptions {
  /** The filter to install (compiled). One of `program`, `policy` or `strict` is required. */
  program?: ProgramSource;
  /**
   * The filter as a policy: a builder, a parsed profile, a Policy, a
   * CompiledFilter (or a compiled program). Policies are compiled for this
   * host's arch (and the compat arches the policy names); their flags and
   * noNewPrivs apply unless `flags`/`noNewPrivs` say otherwise.
   */
  policy?: PolicyInput;
  /**
   * Strict mode: only read, write, exit and rt_sigreturn from the first
   * instruction of the new program on (a strict-mode-equivalent filter; see
   * native/helper_exec.c). Only purpose-built static programs survive it.
   */
  strict?: boolean;
  /** SECCOMP_FILTER_FLAG_* bits (LOG, SPEC_ALLOW, ...). NEW_LISTENER is set by `listener`. */
  flags?: number;
  /** Set no_new_privs before loading (default true). false needs CAP_SYS_ADMIN. */
  noNewPrivs?: boolean;
  /** Create a user-notification listener and deliver its fd in `listenerFd`. */
  listener?: boolean;
  /** stdio of fds 0-2: one value for all three, or a three-element array (default 'pipe'). */
  stdio?: StdioEntry | [StdioEntry, StdioEntry, StdioEntry];
  /** Environment of the command (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the command. */
  cwd?: string;
  /** Aborting kills the command with `killSignal`. */
  signal?: AbortSignal;
  /** Signal used by `signal` aborts (default 'SIGTERM'). */
  killSignal?: NodeJS.Signals | number;
  /** Kill the command with SIGKILL when this Node process exits (default true). */
  cleanup?: boolean;
  /** Run as this user id (child_process `uid`). */
  uid?: number;
  /** Run as this group id (child_process `gid`). */
  gid?: number;
  /**
   * Supervise user notifications: every syscall the program answers with
   * SECCOMP_RET_USER_NOTIF reaches this callback, which decides (see
   * docs/supervisor.md). Implies `listener`; the supervisor owns the listener fd.
   */
  onSyscall?: SuperviseOptions['onSyscall'];
  /** More supervisor options (timeoutMs, failAction, failErrno, onError, onEnd). */
  supervisor?: Omit<SuperviseOptions, 'onSyscall'>;
  /**
   * `'auto'` (default): the command runs in its own PID and mount namespaces
   * where the host allows them; where it does not, programs that allow
   * ptrace or process_vm_* are refused and the command runs in ours
   * (`isolation` on the handle says which). `'required'`: refuse to run
   * without the namespaces. See docs/security.md.
   */
  isolation?: 'auto' | 'required';
}

/**
 * How a sandboxed command ended. The same shape for success and failure:
 * `exitCode` is set when it exited, `signal` when a signal killed it.
 */
export interface RunResult {
  /** The command line, for messages. */
  command: string;
  /** The command's pid as this process sees it (the launcher's, if the command never started). */
  pid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /**
   * The command died of a seccomp kill: SIGSYS from the kernel (a KILL action
   * or an unhandled TRAP), or SIGKILL from the supervisor applying a kill
   * decision (`supervisorKilled`).
   */
  seccompKilled: boolean;
  /** The supervisor killed the command for a `{ kill }` decision (SIGKILL: a handler cannot survive it). */
  supervisorKilled: boolean;
  /** Wall-clock time from spawn to exit, in milliseconds. */
  durationMs: number;
}

/** A running sandboxed command. */
export interface SandboxedProcess {
  /**
   * Process id of the sandbox's launcher (syswall-helper): signals sent to it
   * (`kill()`) are relayed to the command, and it exits as the command did.
   */
  readonly pid: number | undefined;
  /** The command's own pid as this process sees it (the command itself sees 2 in its PID namespace). */
  readonly commandPid: Promise<number>;
  /** How the command is kept away from this process (docs/security.md). */
  readonly isolation: IsolationSupport;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Resolves once the filter is installed and the command was exec'd; rejects with a {@link SandboxError}. */
  readonly started: Promise<void>;
  /** With `listener: true`: the user-notification listener fd (the caller owns and closes it). */
  readonly listenerFd?: Promise<number>;
  /** Resolves when the command exits (whatever its exit code); rejects with a {@link SandboxError} if it never started. */
  readonly result: Promise<RunResult>;
  /** With `onSyscall`: the running supervisor (its `done` resolves when every supervised task has exited). */
  readonly supervisor?: Promise<Supervisor>;
  /** Sends a signal (default SIGTERM). */
  kill(signal?: NodeJS.Signals | number): boolean;
}

/**
 * Turns a program source into the raw bytes the helper reads. Throws a
 * `PROGRAM_INVALID` error (kind input) for empty or oversized programs.
 */
export function toProgramBytes(program: ProgramSource): Uint8Array {
  const bytes = program instanceof Uint8Array ? program : encodeProgram(program, hostArch().endian);
  const count = bytes.length / 8;
  if (bytes.length === 0 || !Number.isInteger(count) || count > BPF_MAXINSNS) {
    throw new SyswallError('PROGRAM_INVALID', `program has ${bytes.length} bytes: expected 1..${BPF_MAXINSNS} instructions of 8 bytes each`, { kind: 'input' });
  }
  return bytes;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForCleanup(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) {
        try {
          c.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }
}

function needGuards(guards: LaunchGuards | undefined): LaunchGuards {
  if (!guards) throw new TypeError('launch: a program needs the guards of src/node/isolation.ts (pass them, or call spawn())');
  return guards;
}

function validate(command: unknown, args: unknown, o: SpawnOptions): void {
  if (typeof command !== 'string' || command === '') throw new TypeError(`spawn: command must be a non-empty string, got ${JSON.stringify(command)}`);
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw new TypeError(`spawn: args must be an array of strings, got ${JSON.stringify(args)}`);
  if (o.strict) {
    if (o.program !== undefined || o.flags || o.listener || o.onSyscall) throw new TypeError('spawn: options.strict cannot be combined with program, flags or listener');
  } else if (o.program === undefined) {
    throw new TypeError('spawn: options.program is required (compiled instructions or raw bytes), or set options.strict');
  } else if (!(o.program instanceof Uint8Array) && !Array.isArray(o.program)) {
    throw new TypeError('spawn: options.program must be an Instruction[] or a Uint8Array of raw struct sock_filter[]');
  }
  if (o.flags !== undefined && (!Number.isInteger(o.flags) || o.flags < 0 || o.flags > 0xffffffff)) throw new TypeError(`spawn: options.flags must be an unsigned integer, got ${String(o.flags)}`);
}

/**
 * What {@link launch} takes from src/node/isolation.ts: the guard filter
 * installed before every program (its bytes: the same for every program on
 * a host, so `syswall run` keeps them in its plan), and the program analysis
 * needed on two paths only, the prefix of a supervised program and the check
 * of a program run without namespaces. spawn() passes isolation.ts's own;
 * `syswall run` loads that module only for those two paths, so its start-up
 * does without.
 */
export interface LaunchGuards {
  sandboxGuard(): Uint8Array;
  withListenerGuard(program: readonly Instruction[]): Instruction[];
  reachingSyscalls(program: readonly Instruction[]): string[];
}

/**
 * spawn() (spawn.ts) for a compiled program or strict mode. `guards` is
 * required for every program (strict mode has none).
 */
export function launch(command: string, args: readonly string[] = [], options: SpawnOptions = {}, guards?: LaunchGuards): SandboxedProcess {
  if (options.policy !== undefined) throw new TypeError('launch: options.policy needs spawn() (syswall/node), which compiles it');
  validate(command, args, options);
  const helper = helperPath();
  const supervised = options.listener === true || options.onSyscall !== undefined;
  const commandLine = quoteCommand(command, args);

  // The program (with a listener, behind the prefix that refuses a second one), after the guard filter (docs/security.md).
  let bytes: Uint8Array | undefined;
  let instructions: readonly Instruction[] | undefined;
  let guardCount = 0;
  if (!options.strict) {
    const src = options.program as ProgramSource;
    instructions = src instanceof Uint8Array ? decodeProgram(toProgramBytes(src), { endian: hostArch().endian }) : src;
    if (supervised) instructions = needGuards(guards).withListenerGuard(instructions);
    ({ bytes, guardCount } = guardedProgram(needGuards(guards).sandboxGuard(), toProgramBytes(instructions)));
  }

  // Isolation: namespaces where the host allows them; otherwise refuse programs that reach other processes.
  const isolation = isolationSupport(options.uid !== undefined && options.uid !== 0);
  if (!isolation.namespaces) {
    if (options.isolation === 'required') {
      throw new SandboxError('ISOLATION_UNAVAILABLE', 'isolation', commandLine, `cannot isolate ${commandLine}: ${isolation.reason}`, undefined, { hint: 'see docs/security.md ("Where isolation is impossible")' });
    }
    const reaching = instructions ? needGuards(guards).reachingSyscalls(instructions) : [];
    if (reaching.length > 0) {
      throw new SandboxError('ISOLATION_UNAVAILABLE', 'isolation', commandLine,
        `the filter allows ${reaching.join(', ')}, and without a PID namespace (${isolation.reason}) the command could use ${reaching.length > 1 ? 'them' : 'it'} on this user's other processes`,
        undefined, { hint: `deny ${reaching.join(', ')} (e.g. --deny ${reaching.join(',')}), or run where user namespaces are allowed` });
    }
  }

  const helperArgs = helperExecArgs({
    ...(options.strict ? { strict: true } : { programFd: 3, guardCount }),
    isolate: isolation.namespaces ? 'require' : 'none',
    ...(options.noNewPrivs === false ? { noNewPrivs: false } : {}),
    // The listener option asks for NEW_LISTENER (the helper then passes the fd back).
    flags: ((options.flags ?? 0) & ~SECCOMP_FILTER_FLAG_NEW_LISTENER) >>> 0,
  });
  helperArgs.push('--report-fd', '4', '--parent-pid', String(process.pid));

  let sock: [number, number] | undefined;
  if (supervised) {
    sock = socketpair();
    helperArgs.push('--listener-sock', '5');
  }
  helperArgs.push('--', command, ...args);

  const s = options.stdio ?? 'pipe';
  const base: StdioEntry[] = Array.isArray(s) ? [...s] : [s, s, s];
  const stdio: StdioEntry[] = [...base, options.strict ? 'ignore' : 'pipe', 'pipe'];
  if (sock) stdio.push(sock[1]);

  // Nothing of the same user may trace this process while the sandbox lives (nor start its inspector).
  const release = holdUnreachable();
  const start = performance.now();
  let child: ChildProcess;
  try {
    child = nodeSpawn(helper, helperArgs, {
      stdio: stdio as any,
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.killSignal !== undefined ? { killSignal: options.killSignal } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
  } catch (e) {
    release();
    if (sock) closeSync(sock[0]);
    throw e;
  } finally {
    if (sock) closeSync(sock[1]);
  }
  if (options.cleanup !== false) trackForCleanup(child);

  // The program goes in on fd 3; an early helper failure closes it (EPIPE): the report says why.
  if (bytes) {
    const progStream = child.stdio[3] as Writable;
    progStream.on('error', () => {});
    progStream.end(bytes);
  }

  // The report pipe: the command's pid, failures; EOF once the command was exec'd (fd 4 is close-on-exec).
  const reportStream = child.stdio[4] as Readable;
  const report = new Promise<HelperReport>((res) => {
    let text = '';
    reportStream.setEncoding('utf8');
    reportStream.on('data', (d: string) => (text += d));
    reportStream.on('error', () => res(parseHelperReport(text)));
    reportStream.on('close', () => res(parseHelperReport(text)));
  });

  const spawnError = new Promise<SandboxError>((res) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return;
      const message = options.cwd !== undefined && !existsSync(options.cwd)
        ? `cannot start ${commandLine}: working directory ${options.cwd} does not exist`
        : `cannot start the sandbox helper ${helper}: ${e.message}`;
      res(new SandboxError('SANDBOX_SETUP_FAILED', 'helper', commandLine, message, e.code, { cause: e }));
    });
  });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; end: number }>((res) => {
    child.once('exit', (code, signal) => {
      release();
      res({ code, signal, end: performance.now() });
    });
  });

  const started: Promise<void> = Promise.race([
    spawnError.then((e) => {
      throw e;
    }),
    report.then((r) => {
      if (r.fail) throw helperFailureError(r.fail, commandLine);
    }),
  ]);
  const commandPid: Promise<number> = started.then(async () => (await report).pid ?? child.pid ?? -1);

  // User-notification supervision (src/node/supervisor.ts).
  let listenerFd: Promise<number> | undefined;
  if (sock) {
    const parentEnd = sock[0];
    listenerFd = recvFdAsync(parentEnd)
      .finally(() => closeSync(parentEnd))
      .catch(async (e) => {
        await started; // a sandbox failure explains a missing listener better than EPIPE
        throw e;
      });
    listenerFd.catch(() => {});
  }
  let supervisor: Promise<Supervisor> | undefined;
  if (listenerFd && options.onSyscall) {
    const supOptions: SuperviseOptions = { ...options.supervisor, onSyscall: options.onSyscall };
    supervisor = listenerFd.then(async (fd) => (await import('./supervisor.js')).supervise(fd, supOptions));
    supervisor.catch(() => {});
  }

  const result: Promise<RunResult> = Promise.race([
    spawnError.then((e): never => {
      throw e;
    }),
    Promise.all([started, exited, report]).then(async ([, ex, rep]) => {
      const pid = rep.pid ?? child.pid ?? -1;
      let supervisorKilled = false;
      if (supervisor && ex.signal === 'SIGKILL') {
        const sup = await supervisor.catch(() => undefined);
        supervisorKilled = sup?.killedProcesses.has(pid) ?? false;
      }
      return {
        command: commandLine,
        pid,
        exitCode: ex.code,
        signal: ex.signal,
        seccompKilled: ex.signal === 'SIGSYS' || supervisorKilled,
        supervisorKilled,
        durationMs: ex.end - start,
      };
    }),
  ]);
  started.catch(() => {});
  commandPid.catch(() => {});
  result.catch(() => {});

  return {
    pid: child.pid,
    commandPid,
    isolation,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    started,
    result,
    ...(listenerFd ? { listenerFd } : {}),
    ...(supervisor ? { supervisor } : {}),
    kill: (sig?: NodeJS.Signals | number) => child.kill(sig),
  };
}
