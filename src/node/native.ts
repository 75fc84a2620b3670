/**
 * Loader and typed wrappers for syswall's native code (`native/`): the
 * `syswall-helper` executable and the `syswall_addon.node` Node-API addon,
 * both built by node-gyp at `npm install` into `build/Release`.
 *
 * Only this module touches the addon. When the native build is missing or
 * failed, every entry point throws one {@link SyswallError} (code
 * `NATIVE_MISSING`, kind `runtime`) naming each path it tried, the build
 * failure if one was recorded, and how to fix it.
 */
import { accessSync, constants as fsConstants, existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { SyswallError } from '../core/errors.js';
import { PACKAGE_ROOT } from './package-root.js';
import { fromNativeError } from './errors.js';

/** The raw addon as native/addon_core.c exports it (internal; use the wrappers). */
export interface NativeAddon {
  seccompLoad(program: Uint8Array, flags: number, noNewPrivs?: boolean): number;
  filterFlagsSupported(flags: number): boolean;
  isolationProbe(userns: boolean): { ok: boolean; errno: number; step: string };
  setDumpable(on: boolean): boolean;
  hasCapability(cap: number): boolean;
  socketpair(): [number, number];
  recvFd(socketFd: number): number;
  recvFdAsync(socketFd: number): Promise<number>;
  actionAvail(action: number): boolean;
  notifSizes(): NotifSizes;
  memfdWith(bytes: Uint8Array): number;
  execInPlace(path: string, argv: string[]): never;
  noteStdio(): void;
  [other: string]: unknown;
}

/** Sizes of the user-notification structs, from SECCOMP_GET_NOTIF_SIZES. */
export interface NotifSizes {
  /** sizeof(struct seccomp_notif) */
  notif: number;
  /** sizeof(struct seccomp_notif_resp) */
  resp: number;
  /** sizeof(struct seccomp_data) */
  data: number;
}

const ADDON_FILE = 'syswall_addon.node';
const HELPER_FILE = 'syswall-helper';
const FIX_HINT = 'install a C compiler, make and python3 (Debian: apt-get install build-essential python3), then run `npm rebuild syswall` (in a source checkout: `npm install`)';

export { PACKAGE_ROOT };

/**
 * Directories searched for the native build, in order: `$SYSWALL_NATIVE_DIR`
 * alone when set, else `build/Release` and `build/Debug` under the package root.
 */
export function nativeDirs(): string[] {
  const override = process.env.SYSWALL_NATIVE_DIR;
  if (override !== undefined && override !== '') return [override];
  return [join(PACKAGE_ROOT, 'build', 'Release'), join(PACKAGE_ROOT, 'build', 'Debug')];
}

const trusted = new Map<string, string | undefined>();

/**
 * Why `path` (a native file syswall would load or run as the sandbox's
 * launcher) cannot be trusted, or undefined when it can: it must be absolute,
 * and neither it nor any directory above it (symbolic links resolved) may be
 * replaceable by another user: owned by root or by us, not writable by others
 * (a sticky directory such as /tmp is fine above a directory of ours), and
 * writable by its group only when that group is ours.
 */
export function untrustedReason(path: string): string | undefined {
  if (!isAbsolute(path)) return `"${path}" is not an absolute path (a relative one names whatever the current directory holds)`;
  if (trusted.has(path)) return trusted.get(path);
  if (!existsSync(path)) return undefined; // nothing to run: the caller reports it missing
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  let why: string | undefined;
  try {
    let p = realpathSync(path);
    let child = true;
    for (;;) {
      const st = lstatSync(p);
      const sticky = (st.mode & 0o1000) !== 0;
      if (st.uid !== 0 && st.uid !== uid) {
        why = `${p} belongs to uid ${st.uid}, not to root or to us (uid ${uid})`;
        break;
      }
      if (st.mode & 0o002 && !(sticky && st.isDirectory() && !child)) {
        why = `${p} is writable by every user`;
        break;
      }
      if (st.mode & 0o020 && st.gid !== gid && !(sticky && st.isDirectory() && !child)) {
        why = `${p} is writable by group ${st.gid}`;
        break;
      }
      const up = dirname(p);
      if (up === p) break;
      p = up;
      child = false;
    }
  } catch (e) {
    why = `cannot check ${path}: ${(e as Error).message}`;
  }
  trusted.set(path, why);
  return why;
}

/** Throws `NATIVE_UNTRUSTED` unless {@link untrustedReason} accepts `path`; `what` names where it came from. */
export function requireTrusted(path: string, what: string): string {
  const why = untrustedReason(path);
  if (why) {
    throw new SyswallError('NATIVE_UNTRUSTED', `refusing ${what}: ${why}`, {
      kind: 'input',
      hint: 'point it at an absolute path that only root or you can write (e.g. the build/Release directory of a syswall you built)',
    });
  }
  return path;
}

function buildFailure(dirs: string[]): string | undefined {
  const candidates = new Set<string>([join(PACKAGE_ROOT, 'build', 'native-build-error.txt')]);
  for (const d of dirs) {
    candidates.add(join(d, 'native-build-error.txt'));
    candidates.add(join(dirname(d), 'native-build-error.txt'));
  }
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const last = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop();
    return `the native build failed at install (${file}${last ? `: ${last}` : ''})`;
  }
  return undefined;
}

/** The error thrown when the native build is unavailable (exported for the CLI). */
export function nativeMissingError(what: string, tried: string[]): SyswallError {
  if (process.platform !== 'linux') {
    return new SyswallError('NATIVE_MISSING', `syswall's runtime needs Linux (seccomp); this is ${process.platform}`, { kind: 'runtime' });
  }
  const failure = buildFailure(nativeDirs());
  const why = failure ? `; ${failure}` : '';
  return new SyswallError('NATIVE_MISSING', `syswall's native runtime is not built: ${what} not found (tried ${tried.join(', ')})${why}`, { kind: 'runtime', hint: FIX_HINT });
}

/**
 * `$SYSWALL_NATIVE_DIR`, when set, must be absolute and not replaceable by
 * others, and so must the files in it. (The default, the package's own build
 * directory, is as trusted as the code that is running.)
 */
function checkOverride(): void {
  const dir = process.env.SYSWALL_NATIVE_DIR;
  if (dir === undefined || dir === '') return;
  requireTrusted(dir, `SYSWALL_NATIVE_DIR=${dir}`);
  for (const f of [ADDON_FILE, HELPER_FILE]) requireTrusted(join(dir, f), `SYSWALL_NATIVE_DIR=${dir}`);
}

let addonCache: NativeAddon | undefined;
let helperCache: string | undefined;

/** Loads the addon (cached), or throws the `NATIVE_MISSING` error. */
export function loadAddon(): NativeAddon {
  if (addonCache && !process.env.SYSWALL_NATIVE_DIR) return addonCache;
  checkOverride();
  const tried = nativeDirs().map((d) => join(d, ADDON_FILE));
  const found = tried.find((p) => existsSync(p));
  if (!found || process.platform !== 'linux') throw nativeMissingError(ADDON_FILE, tried);
  try {
    addonCache = createRequire(import.meta.url)(found) as NativeAddon;
  } catch (e) {
    throw new SyswallError('NATIVE_MISSING', `syswall's native addon ${found} cannot be loaded: ${(e as Error).message.split('\n')[0]}`, { kind: 'runtime', hint: FIX_HINT, cause: e });
  }
  return addonCache;
}

/** The path of the `syswall-helper` executable (cached), or throws the `NATIVE_MISSING` error. */
export function helperPath(): string {
  if (helperCache && !process.env.SYSWALL_NATIVE_DIR) return helperCache;
  checkOverride();
  const tried = nativeDirs().map((d) => join(d, HELPER_FILE));
  const found = tried.find((p) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found || process.platform !== 'linux') throw nativeMissingError(HELPER_FILE, tried);
  helperCache = found;
  return found;
}

function call<T>(fn: () => T, hint?: string): T {
  try {
    return fn();
  } catch (e) {
    throw fromNativeError(e, hint);
  }
}

/**
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, program) on the calling process,
 * after prctl(PR_SET_NO_NEW_PRIVS) unless `noNewPrivs` is false. IRREVERSIBLE.
 * Returns the listener fd with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0.
 * Throws {@link NativeError} with the errno name as `code`.
 */
export function seccompLoad(program: Uint8Array, flags: number, noNewPrivs = true): number {
  const addon = loadAddon();
  return call(() => addon.seccompLoad(program, flags >>> 0, noNewPrivs),
    noNewPrivs ? undefined : 'a filter without no_new_privs needs CAP_SYS_ADMIN');
}

/** A memfd holding `bytes` at offset 0, inherited across execve (not close-on-exec); the caller closes it. */
export function memfdWith(bytes: Uint8Array): number {
  const addon = loadAddon();
  return call(() => addon.memfdWith(bytes));
}

/**
 * Remembers how fds 0-2 are (their file status flags) before Node's streams
 * change them, for {@link execInPlace}; the `syswall` binary calls it first
 * thing for `run`. False when the native addon is missing.
 */
export function noteStdio(): boolean {
  try {
    loadAddon().noteStdio();
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces this Node process with `path` (execve, with process.env; signal
 * dispositions and the mask reset to the defaults). Returns only by
 * throwing {@link NativeError} (Node's own state intact).
 */
export function execInPlace(path: string, argv: readonly string[]): never {
  const addon = loadAddon();
  return call(() => addon.execInPlace(path, [...argv]));
}

/** A connected AF_UNIX stream socket pair, both ends close-on-exec. */
export function socketpair(): [number, number] {
  const addon = loadAddon();
  return call(() => addon.socketpair());
}

/** Receives one fd sent with SCM_RIGHTS on `socketFd` (blocking). */
export function recvFd(socketFd: number): number {
  const addon = loadAddon();
  return call(() => addon.recvFd(socketFd));
}

/** Receives one fd sent with SCM_RIGHTS on `socketFd`, waiting on the libuv thread pool. */
export async function recvFdAsync(socketFd: number): Promise<number> {
  const addon = loadAddon();
  try {
    return await addon.recvFdAsync(socketFd);
  } catch (e) {
    throw fromNativeError(e);
  }
}

/** Whether the kernel takes these SECCOMP_FILTER_FLAG_* bits (probed; nothing is installed). */
export function filterFlagsSupported(flags: number): boolean {
  const addon = loadAddon();
  return call(() => addon.filterFlagsSupported(flags >>> 0));
}

/** prctl(PR_SET_DUMPABLE) on this process; returns the previous value. */
export function setDumpable(on: boolean): boolean {
  const addon = loadAddon();
  return call(() => addon.setDumpable(on));
}

/** Whether this process has capability `cap` (a CAP_* number) in its effective set. */
export function hasCapability(cap: number): boolean {
  const addon = loadAddon();
  return call(() => addon.hasCapability(cap));
}

/** Can a child of this process get new PID and mount namespaces (with a user namespace when `userns`) and a fresh /proc? */
export function isolationProbe(userns: boolean): { ok: boolean; errno: number; step: string } {
  const addon = loadAddon();
  return call(() => addon.isolationProbe(userns));
}

/** Whether the kernel supports a SECCOMP_RET_* action (SECCOMP_GET_ACTION_AVAIL). */
export function actionAvail(action: number): boolean {
  const addon = loadAddon();
  return call(() => addon.actionAvail(action >>> 0));
}

/** The kernel's user-notification struct sizes (SECCOMP_GET_NOTIF_SIZES). */
export function notifSizes(): NotifSizes {
  const addon = loadAddon();
  return call(() => addon.notifSizes());
}
