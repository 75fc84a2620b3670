/**
 * What the host allows for keeping the sandboxed command away from syswall's
 * own processes, and this process's non-dumpable state while a sandbox
 * lives (docs/security.md; the program guards are in isolation.ts, which
 * re-exports these). Light on purpose: `syswall run`'s start-up loads it.
 */
import { errnoLabel } from './errors.js';
import { hasCapability, isolationProbe, setDumpable } from './native.js';

const CAP_SYS_ADMIN = 21;

/** What the host allows for the sandbox's isolation. */
export interface IsolationSupport {
  /** The command can run in its own PID and mount namespaces with a fresh /proc. */
  readonly namespaces: boolean;
  /** That needs a user namespace (this process lacks CAP_SYS_ADMIN). */
  readonly userNamespace: boolean;
  /** Why not, when `namespaces` is false: the failing step and errno. */
  readonly reason?: string;
}

const probed = new Map<boolean, IsolationSupport>();

/**
 * Whether syswall-helper can isolate a command started by this process (or,
 * with `asOtherUser`, by a process that lacks CAP_SYS_ADMIN: spawn's `uid`
 * option). Probed once (a child in new namespaces mounts a /proc and exits).
 */
export function isolationSupport(asOtherUser = false): IsolationSupport {
  const userns = asOtherUser || !hasCapability(CAP_SYS_ADMIN);
  const cached = probed.get(userns);
  if (cached) return cached;
  const r = isolationProbe(userns);
  const what = userns ? 'a user namespace with PID and mount namespaces' : 'PID and mount namespaces';
  const support: IsolationSupport = r.ok
    ? { namespaces: true, userNamespace: userns }
    : { namespaces: false, userNamespace: userns, reason: `this host refuses ${what} (${r.step}: ${errnoLabel(r.errno)})` };
  probed.set(userns, support);
  return support;
}

let holders = 0;
let previous = true;
let inspectorSignalTaken = false;

/**
 * Makes this process unreachable from a sandbox it starts:
 * - non-dumpable (nothing of the same user, without CAP_SYS_PTRACE, can
 *   trace it or open its /proc/PID/mem) until the returned release is called
 *   by every holder; then restores what it was;
 * - from the first call on, for the rest of the process's life, SIGUSR1 no
 *   longer starts Node's inspector (an unauthenticated debugger on
 *   127.0.0.1:9229 that runs any code it is sent, reachable from the
 *   sandbox, which shares the network). A listener replaces Node's own
 *   handler; it cannot be removed again without making SIGUSR1 fatal, so it
 *   stays. Use `--inspect` or `inspector.open()` to debug such a process.
 */
export function holdUnreachable(): () => void {
  if (!inspectorSignalTaken) {
    inspectorSignalTaken = true;
    process.on('SIGUSR1', ignoreSignal);
  }
  if (holders++ === 0) previous = setDumpable(false);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && previous) setDumpable(true);
  };
}

function ignoreSignal(): void {
  // SIGUSR1 is not an inspector switch in a process that runs sandboxes.
}
