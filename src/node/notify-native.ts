/**
 * Typed wrappers over the addon's user-notification calls (native/addon_notify.c).
 * Internal: use {@link supervise} from ./supervisor.js.
 */
import { SyswallError } from '../core/errors.js';
import { loadAddon } from './native.js';

/** A notification as the addon delivers it (struct seccomp_notif). */
export interface RawNotification {
  id: bigint;
  /** Thread id of the caller, in the supervisor's pid namespace. */
  pid: number;
  flags: number;
  data: { nr: number; arch: number; ip: bigint; args: bigint[] };
}

/** The addon's notification functions. */
export interface NotifyAddon {
  notifStart(fd: number, onNotif: (n: RawNotification) => void, onEnd: (errno: number) => void): object;
  notifStop(handle: object): void;
  notifRespond(fd: number, id: bigint, val: bigint, error: number, flags: number): number;
  notifIdValid(fd: number, id: bigint): boolean;
  notifAddFd(fd: number, id: bigint, srcfd: number, newfd: number, flags: number, newfdFlags: number): number;
  notifSetFlags(fd: number, flags: number): number;
  /** SIGKILL the caller of pending notification `id` (pidfd, then ID_VALID, then the signal): 0 or an errno (ENOENT: gone). */
  notifKill(fd: number, id: bigint, tid: number): number;
}

/** The addon's notification functions (loaded by ./native.js), or throws NATIVE_MISSING. */
export function notifyAddon(): NotifyAddon {
  const addon = loadAddon() as unknown as Partial<NotifyAddon>;
  if (typeof addon.notifStart !== 'function') {
    throw new SyswallError('NATIVE_MISSING', "syswall's native addon was built without user-notification support", { kind: 'runtime', hint: 'rebuild it: `npm rebuild syswall` (in a source checkout: `npm install`)' });
  }
  return addon as NotifyAddon;
}

/** SECCOMP_USER_NOTIF_FLAG_CONTINUE */
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
/** SECCOMP_ADDFD_FLAG_SETFD */
export const SECCOMP_ADDFD_FLAG_SETFD = 1;
/** SECCOMP_ADDFD_FLAG_SEND */
export const SECCOMP_ADDFD_FLAG_SEND = 2;
/** SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6) */
export const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;
