/**
 * Safe output files: the one way syswall writes a file a user named (`-o OUT`,
 * `--counts`, `--explain-json`, ...), written for a syswall that runs as root
 * in directories other users can write (docs/security.md, "Files we write").
 *
 * - A regular file (new or existing) is written to a random, O_EXCL,
 *   same-directory temp file, then renamed over the name: readers never see
 *   a partial file, and an existing file keeps its mode (and, for root, its
 *   owner). A file we may not write is refused, as open(2) would.
 * - A character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe)
 *   is written through, never replaced.
 * - A directory, block device or socket is refused with one line.
 * - Symbolic links are followed component by component, and one that sits in
 *   a world-writable sticky directory (/tmp) is followed only if it belongs
 *   to us or to the directory's owner (the kernel's protected_symlinks rule,
 *   applied whether or not the host enables it): a link another user planted
 *   cannot redirect our write.
 *
 * Paths are resolved one component at a time through directory fds
 * (/proc/self/fd/N/NAME), so a component swapped for a link after we looked
 * at it is not followed (O_NOFOLLOW) and the temp file and the rename land in
 * the directory we checked.
 */
import { nodeCrypto } from './lazy-crypto.js';
import {
  accessSync, closeSync, constants as fs, fchmodSync, fchownSync, fstatSync, ftruncateSync, lstatSync, openSync,
  readlinkSync, renameSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { SyswallError } from '../core/errors.js';
import { errnoWords } from '../core/arch/errno.js';

/** O_PATH (Linux; not in node:fs's constants). */
const O_PATH = 0o10000000;
/** Links followed at most, as the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;

/** An output being written; `commit` makes it visible, `abort` drops it. */
export interface OutputFile {
  /** The path as the user gave it. */
  readonly path: string;
  /** `replace` (temp file, renamed on commit) or `through` (a device or FIFO, written in place). */
  readonly mode: 'replace' | 'through';
  write(data: string | Uint8Array): void;
  commit(): void;
  abort(): void;
}

/** Write failures of the device or the disk rather than of the path given: run-time failures (exit 1), not bad input (exit 2). */
const RUNTIME_FS_CODES = new Set(['FS_ENOSPC', 'FS_EDQUOT', 'FS_EIO', 'FS_EFBIG']);

function fsFail(path: string, why: string, code: string, cause?: unknown): SyswallError {
  return new SyswallError(code, `cannot write ${path}: ${why}`, { kind: RUNTIME_FS_CODES.has(code) ? 'runtime' : 'input', ...(cause ? { cause } : {}) });
}

/** A file-system error's reason in words, and a stable `FS_*` code. */
export function errnoWhy(e: unknown): { why: string; code: string } {
  const code = (e as NodeJS.ErrnoException)?.code ?? 'EIO';
  const why = code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : code === 'ENOTDIR' ? 'a parent is not a directory'
    : code === 'ELOOP' ? 'a path component was replaced by a symbolic link while we wrote (refusing to follow it)'
    : errnoWords(code) ?? (e as Error)?.message ?? String(e);
  return { why, code: `FS_${code}` };
}

const at = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

/** World-writable and sticky (e.g. /tmp). */
const stickyShared = (st: Stats) => (st.mode & 0o1002) === 0o1002;

/** Throws when a link in directory `dirSt` may not be followed (protected_symlinks). */
function checkLink(path: string, link: string, linkSt: Stats, dirSt: Stats): void {
  const uid = process.geteuid?.() ?? 0;
  if (stickyShared(dirSt) && linkSt.uid !== uid && linkSt.uid !== dirSt.uid) {
    throw new SyswallError('FS_PLANTED_SYMLINK', `cannot write ${path}: ${link} is a symbolic link that uid ${linkSt.uid} owns in a directory every user can write; refusing to follow it`, {
      kind: 'input',
      hint: 'remove the link, or name the file it points to yourself',
    });
  }
}

interface Resolved {
  /** Directory fd (O_PATH) holding the final name. */
  dirFd: number;
  name: string;
  /** lstat of the final name, undefined when it does not exist. */
  st?: Stats;
  /** The name is reached through /proc (e.g. /dev/stdout -> /proc/self/fd/1): open the user's path as it is. */
  magic?: boolean;
  /** For a link to /proc/self/fd/N: N (written to directly: sockets cannot be reopened). */
  fd?: number;
}

/** Resolves `path` to (directory fd, final name), applying the link rule to every component. */
function resolve(path: string): Resolved {
  if (path === '') throw fsFail(path, 'empty path', 'FS_EINVAL');
  let rest = path.split('/');
  let dirFd = openSync(path.startsWith('/') ? '/' : '.', O_PATH | fs.O_DIRECTORY);
  let links = 0;
  try {
    for (;;) {
      while (rest.length > 0 && (rest[0] === '' || rest[0] === '.')) rest.shift();
      if (rest.length === 0) throw fsFail(path, 'is a directory', 'FS_EISDIR');
      const comp = rest.shift()!;
      const last = rest.every((c) => c === '' || c === '.');
      if (last && rest.length > 0) throw fsFail(path, 'is a directory', 'FS_EISDIR'); // "dir/"
      let st: Stats | undefined;
      try {
        st = lstatSync(at(dirFd, comp));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !last) throw e;
      }
      if (st?.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw fsFail(path, 'too many levels of symbolic links', 'FS_ELOOP');
        checkLink(path, comp, st, fstatSync(dirFd));
        const target = readlinkSync(at(dirFd, comp));
        if (target.startsWith('/proc/')) {
          // /dev/stdout and friends: a magic link only the kernel can follow.
          const own = /^\/proc\/(?:self|thread-self|\d+)\/fd\/(\d+)$/.exec(target);
          const fd = own && (target.startsWith('/proc/self/') || target.startsWith(`/proc/${process.pid}/`)) && rest.every((c) => c === '' || c === '.') ? Number(own[1]) : undefined;
          return { dirFd, name: comp, st, magic: true, ...(fd !== undefined ? { fd } : {}) };
        }
        rest = [...target.split('/'), ...rest];
        if (target.startsWith('/')) {
          closeSync(dirFd);
          dirFd = openSync('/', O_PATH | fs.O_DIRECTORY);
        }
        continue;
      }
      if (last) return { dirFd, name: comp, ...(st ? { st } : {}) };
      if (comp === '..' || st?.isDirectory()) {
        const next = openSync(at(dirFd, comp), O_PATH | fs.O_DIRECTORY | fs.O_NOFOLLOW);
        closeSync(dirFd);
        dirFd = next;
        continue;
      }
      throw Object.assign(new Error('not a directory'), { code: st ? 'ENOTDIR' : 'ENOENT' });
    }
  } catch (e) {
    closeSync(dirFd);
    throw e;
  }
}

/** {@link resolve}, with an errno turned into the one-line error naming `path`. */
function resolveOrFail(path: string): Resolved {
  try {
    return resolve(path);
  } catch (e) {
    if (e instanceof SyswallError) throw e;
    const { why, code } = errnoWhy(e);
    throw fsFail(path, why, code, e);
  }
}

/**
 * Opens `path` for writing as described in the module comment. Throws a
 * {@link SyswallError} (kind input, code `FS_*`) naming the path and the
 * reason.
 */
export function openOutput(path: string): OutputFile {
  const r = resolveOrFail(path);
  try {
    return open(path, r);
  } catch (e) {
    if (e instanceof SyswallError) throw e;
    const { why, code } = errnoWhy(e);
    throw fsFail(path, why, code, e);
  } finally {
    closeSync(r.dirFd);
  }
}

function through(path: string, fd: number, truncate: boolean): OutputFile {
  if (truncate) ftruncateSync(fd, 0);
  let closed = false;
  return {
    path,
    mode: 'through',
    write(data) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    },
    commit() {
      if (!closed) closeSync(fd);
      closed = true;
    },
    abort() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

function open(path: string, r: Resolved): OutputFile {
  const { dirFd, name, st } = r;
  const target = at(dirFd, name);
  if (r.magic && r.fd !== undefined) {
    // One of our own fds (/dev/stdout): write to it as it is, and leave it open.
    const own = r.fd;
    const fst = fstatSync(own);
    if (fst.isDirectory()) throw fsFail(path, 'is a directory', 'FS_EISDIR');
    return {
      path,
      mode: 'through',
      write(data) {
        const buf = typeof data === 'string' ? Buffer.from(data) : data;
        for (let off = 0; off < buf.length; ) off += writeSync(own, buf, off, buf.length - off);
      },
      commit() {},
      abort() {},
    };
  }
  if (r.magic) {
    const fd = openSync(path, fs.O_WRONLY | fs.O_NOCTTY);
    const fst = fstatSync(fd);
    if (fst.isDirectory() || fst.isBlockDevice()) {
      closeSync(fd);
      throw fsFail(path, fst.isDirectory() ? 'is a directory' : 'is a block device; refusing to write over it', 'FS_NOT_A_FILE');
    }
    return through(path, fd, fst.isFile());
  }
  if (st) {
    if (st.isDirectory()) throw fsFail(path, 'is a directory', 'FS_EISDIR');
    if (st.isCharacterDevice() || st.isFIFO()) {
      const fd = openSync(target, fs.O_WRONLY | fs.O_NOCTTY | fs.O_NOFOLLOW);
      const fst = fstatSync(fd);
      if (fst.dev !== st.dev || fst.ino !== st.ino) {
        closeSync(fd);
        throw fsFail(path, 'it was replaced while we opened it', 'FS_RACE');
      }
      return through(path, fd, false);
    }
    if (!st.isFile()) throw fsFail(path, `is a ${st.isBlockDevice() ? 'block device' : st.isSocket() ? 'socket' : 'special file'}; refusing to write over it`, 'FS_NOT_A_FILE');
    accessSync(target, fs.W_OK); // as open(2) would: a file we may not write is refused, not replaced
  }
  // A regular file: a temp file beside it, renamed over it on commit.
  const tmpName = `.${name.slice(0, 200)}.${nodeCrypto().randomBytes(8).toString('hex')}.tmp`;
  const tmp = at(dirFd, tmpName);
  const fd = openSync(tmp, fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | fs.O_NOFOLLOW, st ? 0o600 : 0o666);
  // Keep our own handle on the directory: the caller's is closed when we return.
  const keepDir = openSync(`/proc/self/fd/${dirFd}`, O_PATH | fs.O_DIRECTORY);
  let done = false;
  const cleanup = () => {
    try {
      unlinkSync(at(keepDir, tmpName));
    } catch {
      // already gone
    }
  };
  try {
    if (st) {
      fchmodSync(fd, st.mode & 0o7777);
      if ((process.geteuid?.() ?? 1) === 0 && (st.uid !== 0 || st.gid !== 0)) fchownSync(fd, st.uid, st.gid);
    }
  } catch (e) {
    closeSync(fd);
    cleanup();
    closeSync(keepDir);
    throw e;
  }
  return {
    path,
    mode: 'replace',
    write(data) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    },
    commit() {
      if (done) return;
      done = true;
      try {
        closeSync(fd);
        renameSync(at(keepDir, tmpName), at(keepDir, name));
      } catch (e) {
        cleanup();
        const { why, code } = errnoWhy(e);
        throw fsFail(path, why, code, e);
      } finally {
        closeSync(keepDir);
      }
    },
    abort() {
      if (done) return;
      done = true;
      closeSync(fd);
      cleanup();
      closeSync(keepDir);
    },
  };
}

/** Writes all of `data` to an opened output and commits it; on failure drops it and throws a one-line error naming it. */
export function finishOutput(out: OutputFile, data: string | Uint8Array): void {
  try {
    out.write(data);
  } catch (e) {
    out.abort();
    const { why, code } = errnoWhy(e);
    throw fsFail(out.path, why, code, e);
  }
  out.commit();
}

/** Writes `data` to `path` as {@link openOutput} describes. */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  finishOutput(openOutput(path), data);
}
