/**
 * Typed wrappers over the addon's agent socket calls (native/addon_agent.c).
 * Internal: use {@link startAgent} from ./agent.js.
 */
import { SyswallError } from '../core/errors.js';
import { fromNativeError } from './errors.js';
import { loadAddon } from './native.js';

/** An accepted connection and who is on the other end (SO_PEERCRED; -1 when unknown). */
export interface AcceptedPeer {
  fd: number;
  pid: number;
  uid: number;
  gid: number;
}

/** One recvmsg: the bytes, the fds that came with them, and whether the kernel dropped fds that did not fit. */
export interface Received {
  data: Buffer;
  fds: number[];
  ctrunc: boolean;
}

interface AgentAddon {
  agentListen(path: string, mode: number, backlog: number): number;
  agentAccept(fd: number): AcceptedPeer | null;
  agentRecv(fd: number, maxBytes: number): Received | null;
  agentWatch(fd: number, onEvent: (statusOrEvents: number) => void): object;
  agentUnwatch(handle: object): void;
}

function addon(): AgentAddon {
  const a = loadAddon() as unknown as Partial<AgentAddon>;
  if (typeof a.agentListen !== 'function') {
    throw new SyswallError('NATIVE_MISSING', "syswall's native addon was built without the seccomp agent's socket calls", {
      kind: 'runtime',
      hint: 'rebuild it: `npm rebuild syswall` (in a source checkout: `npm install`)',
    });
  }
  return a as AgentAddon;
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNativeError(e);
  }
}

/** A listening AF_UNIX stream socket at `path` with file mode `mode` (never wider than 0600 before that). */
export function unixListen(path: string, mode: number, backlog = 128): number {
  const a = addon();
  return call(() => a.agentListen(path, mode, backlog));
}

/** Accepts one pending connection (non-blocking); null when none is pending. */
export function acceptPeer(listenFd: number): AcceptedPeer | null {
  const a = addon();
  return call(() => a.agentAccept(listenFd));
}

/** One non-blocking recvmsg with SCM_RIGHTS fds; null when nothing is there yet; empty data is end of stream. */
export function receive(fd: number, maxBytes: number): Received | null {
  const a = addon();
  return call(() => a.agentRecv(fd, maxBytes));
}

/** Calls `onEvent` whenever `fd` is readable or hung up (level-triggered) until the returned stop function is called. */
export function watchFd(fd: number, onEvent: (statusOrEvents: number) => void): () => void {
  const a = addon();
  const h = call(() => a.agentWatch(fd, onEvent));
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    a.agentUnwatch(h);
  };
}
