/**
 * Typed wrappers over the addon's user-notification calls (native/addon_notify.c).
 * Internal: use {@link supervise} from ./supervisor.js.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyswallError } from '../core/errors.js';

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
}

let cached: NotifyAddon | undefined;

/** Loads the addon's notification functions or throws NATIVE_MISSING. */
export function notifyAddon(): NotifyAddon {
  if (cached) return cached;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tried = [join(root, 'build', 'Release', 'syswall_addon.node'), join(root, 'build', 'Debug', 'syswall_addon.node')];
  const found = tried.find((p) => existsSync(p));
  if (!found) {
    throw new SyswallError('NATIVE_MISSING', `syswall's native addon is not built (tried ${tried.join(', ')})`, { kind: 'runtime', hint: 'run `npm install` (needs a C compiler, make and python3)' });
  }
  const addon = createRequire(import.meta.url)(found) as Partial<NotifyAddon>;
  if (typeof addon.notifStart !== 'function') {
    throw new SyswallError('NATIVE_MISSING', `syswall's native addon ${found} has no user-notification support; rebuild it`, { kind: 'runtime', hint: 'run `npm rebuild syswall`' });
  }
  cached = addon as NotifyAddon;
  return cached;
}

/** SECCOMP_USER_NOTIF_FLAG_CONTINUE */
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
/** SECCOMP_ADDFD_FLAG_SETFD */
export const SECCOMP_ADDFD_FLAG_SETFD = 1;
/** SECCOMP_ADDFD_FLAG_SEND */
export const SECCOMP_ADDFD_FLAG_SEND = 2;
/** SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6) */
export const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;
