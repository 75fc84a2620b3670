/**
 * The cache of compiled programs (`syswall run`'s start-up): one file per
 * key under the user's cache directory, `$XDG_CACHE_HOME/syswall` (an
 * absolute XDG_CACHE_HOME) or `~/.cache/syswall`. The caller derives the key
 * from everything that decides the stored value (see
 * src/cli/commands/run-plan.ts); this module keeps the files safe.
 *
 * The threat: a program loaded from the cache becomes the sandbox's filter,
 * so a file another user could plant or change would be a way around it (root
 * running `syswall run` with HOME pointing into another user's directory is
 * the classic case). So, and otherwise the cache is not used at all:
 * - the directory is private: a real directory (not a symlink), owned by
 *   this process's effective uid, with no permission bits for group or
 *   others (created 0700); each directory above it is owned by root or by
 *   this uid and is not writable by group or others unless sticky (as /tmp);
 * - an entry is read through O_NOFOLLOW and checked on its open descriptor:
 *   a regular file owned by this uid, with no group or other permission bits
 *   (written 0600), of bounded size;
 * - an entry holds a SHA-256 of its own content, and the content names the
 *   key's digest: a truncated, corrupt or mismatched entry (a stale file
 *   renamed, a key collision in the name) is ignored and recompiled, never
 *   trusted;
 * - entries are written to an O_EXCL temporary file inside the private
 *   directory and renamed into place, so a reader sees a whole entry or none.
 *
 * Off unless asked for (`syswall run --cache`, `SYSWALL_CACHE=1`): the
 * sandboxed command usually runs as the same user, so it can write this
 * directory and plant an entry that passes every check above (a checksum
 * without a secret is no signature), which a later run would load as its
 * filter. Use it only where the commands you run cannot write the cache
 * (another user, or a policy that denies writing it); docs/security.md.
 * `SYSWALL_NO_CACHE=1` (and `--no-cache`) turns off the precompiled default
 * too. The cache
 * is an optimisation: every failure (unsafe directory, unreadable or corrupt
 * entry, full disk) falls back to compiling, with the reason in
 * {@link ProgramCache.notes} for `--verbose`.
 */
import { closeSync, constants as fsConstants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { nodeCrypto as crypto } from './lazy-crypto.js';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse as parsePath } from 'node:path';

/** Largest entry read (bytes): a 4,096-instruction program and its messages fit many times over. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

/** Entries not written for this long are removed when a new one is written. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** At most this many entries are kept (the least recently written go first). */
const MAX_ENTRIES = 256;

const ENTRY_SUFFIX = '.entry';
const MAGIC = 'syswall-cache-1';

/** The environment variable that turns the cache on (any value but "" and "0"). */
export const CACHE_ENV = 'SYSWALL_CACHE';

/** Whether `env` asks for the cache. */
export function cacheEnabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[CACHE_ENV];
  return v !== undefined && v !== '' && v !== '0';
}

/** The environment variable that turns the cache off (any value but "" and "0"). */
export const NO_CACHE_ENV = 'SYSWALL_NO_CACHE';

/** Whether `env` turns the cache off. */
export function cacheDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[NO_CACHE_ENV];
  return v !== undefined && v !== '' && v !== '0';
}

/** The cache directory for `env`: `$XDG_CACHE_HOME/syswall` (absolute only, as the XDG spec says), else `$HOME/.cache/syswall`. */
export function cacheDirOf(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'syswall');
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
  return join(home, '.cache', 'syswall');
}

/** SHA-256 of `text` (UTF-8) or bytes, as hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return crypto().createHash('sha256').update(data).digest('hex');
}

function euid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : -1;
}

/** Why `st` (of a directory above the cache) is unsafe, or undefined. */
function unsafeAncestor(path: string, uid: number): string | undefined {
  const st = lstatSync(path);
  if (!st.isDirectory()) return `${path} is not a directory`;
  if (st.uid !== 0 && st.uid !== uid) return `${path} belongs to uid ${st.uid}, not to root or uid ${uid}`;
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return `${path} is writable by ${st.mode & 0o002 ? 'others' : 'its group'}`;
  return undefined;
}

/** Why the cache directory itself is unsafe, or undefined. */
function unsafeDir(path: string, uid: number): string | undefined {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!st.isDirectory()) return `${path} is not a directory`;
  if (st.uid !== uid) return `${path} belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if ((st.mode & 0o077) !== 0) return `${path} has permissions ${(st.mode & 0o777).toString(8)}, expected 700 (chmod 700 ${path})`;
  return undefined;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A cache opened for one process (see the module comment). */
export class ProgramCache {
  /** The directory, once found safe; undefined when the cache is not usable. */
  readonly dir: string | undefined;
  /** Why the cache or an entry was not used or written (for `--verbose`). */
  readonly notes: string[] = [];
  /** Entries refused for their owner, permissions or content: signs of tampering, worth a warning. */
  readonly alerts: string[] = [];
  private readonly uid: number;

  /** Opens (creating if needed) the cache directory `dir` (default: {@link cacheDirOf}). */
  constructor(dir: string = cacheDirOf()) {
    this.uid = euid();
    this.dir = this.open(dir);
  }

  private open(dir: string): string | undefined {
    if (this.uid < 0) {
      this.notes.push('no compile cache on this platform (no effective uid)');
      return undefined;
    }
    try {
      // Every directory above the cache that exists, as the kernel resolves it, is checked
      // before anything is created in it (root with HOME in another user's directory
      // creates nothing there).
      let existing = dirname(dir);
      while (!exists(existing)) existing = dirname(existing);
      const real = realpathSync(existing);
      const root = parsePath(real).root;
      let at = root;
      for (const p of [root, ...real.slice(root.length).split('/').filter(Boolean).map((part) => (at = join(at, part)))]) {
        const why = unsafeAncestor(p, this.uid);
        if (why) {
          this.notes.push(`compile cache not used: ${why}`);
          return undefined;
        }
      }
      mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const why = unsafeDir(dir, this.uid);
      if (why) {
        this.notes.push(`compile cache not used: ${why}`);
        return undefined;
      }
      return dir;
    } catch (e) {
      this.notes.push(`compile cache not used: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The file that holds (or would hold) the entry of `key`. */
  pathOf(key: string): string | undefined {
    return this.entryPath(sha256Hex(key));
  }

  /** The file of a key digest. */
  private entryPath(digest: string): string | undefined {
    return this.dir && /^[0-9a-f]{64}$/.test(digest) ? join(this.dir, digest + ENTRY_SUFFIX) : undefined;
  }

  /**
   * The value stored for `key` (any string: it is hashed), or undefined when
   * there is none or the entry fails a check (then a note says which).
   */
  get(key: string): string | undefined {
    const digest = sha256Hex(key);
    const path = this.entryPath(digest);
    if (!path) return undefined;
    let fd: number;
    try {
      fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') this.alerts.push(`cache entry ${path} not used: a symbolic link`);
      else if (code !== 'ENOENT') this.notes.push(`cache entry ${path} not used: ${code ?? (e as Error).message}`);
      return undefined;
    }
    try {
      const st = fstatSync(fd);
      const why = !st.isFile() ? 'not a regular file'
        : st.uid !== this.uid ? `owned by uid ${st.uid}, not by this user (uid ${this.uid})`
        : (st.mode & 0o077) !== 0 ? `permissions ${(st.mode & 0o777).toString(8)}, expected 600`
        : st.size > MAX_ENTRY_BYTES ? `${st.size} bytes, more than ${MAX_ENTRY_BYTES}`
        : undefined;
      if (why) {
        this.alerts.push(`cache entry ${path} not used: ${why}`);
        return undefined;
      }
      const buf = Buffer.alloc(st.size);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      const value = decodeEntry(buf.subarray(0, got).toString('utf8'), digest);
      if (value === undefined) this.alerts.push(`cache entry ${path} not used: its checksum or key does not match (corrupt or tampered with)`);
      return value;
    } catch (e) {
      this.notes.push(`cache entry ${path} not used: ${(e as Error).message}`);
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** Stores `value` for `key` (atomically); false, with a note, when it could not. */
  set(key: string, value: string): boolean {
    const digest = sha256Hex(key);
    const path = this.entryPath(digest);
    if (!path || !this.dir) return false;
    const tmp = join(this.dir, `.tmp-${process.pid}-${crypto().randomBytes(8).toString('hex')}`);
    let fd: number | undefined;
    try {
      fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
      const data = Buffer.from(encodeEntry(value, digest), 'utf8');
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, path);
    } catch (e) {
      this.notes.push(`compile cache not written: ${(e as Error).message}`);
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        /* not created, or already renamed */
      }
      return false;
    }
    try {
      this.prune();
    } catch {
      /* pruning is housekeeping */
    }
    return true;
  }

  /** Removes entries older than 30 days, and the oldest beyond 256 entries, and stale temporary files. */
  private prune(): void {
    if (!this.dir) return;
    const now = Date.now();
    const entries: { path: string; mtime: number }[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      let st;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      const old = now - st.mtimeMs > MAX_AGE_MS;
      if (name.startsWith('.tmp-') ? now - st.mtimeMs > 3600 * 1000 : name.endsWith(ENTRY_SUFFIX) && old) {
        tryUnlink(path);
      } else if (name.endsWith(ENTRY_SUFFIX)) {
        entries.push({ path, mtime: st.mtimeMs });
      }
    }
    if (entries.length > MAX_ENTRIES) {
      entries.sort((a, b) => a.mtime - b.mtime);
      for (const e of entries.slice(0, entries.length - MAX_ENTRIES)) tryUnlink(e.path);
    }
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

/**
 * An entry's text: a header line `MAGIC SHA256 KEYDIGEST`, then the value;
 * the SHA-256 covers the key digest and the value.
 */
export function encodeEntry(value: string, digest: string): string {
  return `${MAGIC} ${sha256Hex(digest + '\n' + value)} ${digest}\n${value}`;
}

/** The value of an entry's text when its checksum holds and it is for `digest`, else undefined. */
export function decodeEntry(text: string, digest: string): string | undefined {
  const nl = text.indexOf('\n');
  if (nl < 0) return undefined;
  const [magic, sum, forDigest, extra] = text.slice(0, nl).split(' ');
  if (magic !== MAGIC || extra !== undefined || forDigest !== digest) return undefined;
  const value = text.slice(nl + 1);
  return sha256Hex(digest + '\n' + value) === sum ? value : undefined;
}
