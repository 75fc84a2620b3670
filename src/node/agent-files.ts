/**
 * Files the seccomp agent touches as root: its socket, its log, and the
 * record directory. Each is attack surface (see docs/containers.md, "Threat
 * model"), so every path is checked before use and nothing is followed,
 * truncated or replaced that the agent did not create:
 *
 * - the socket's directory and the record directory must belong to the
 *   agent's user and be writable by nobody else: otherwise another user
 *   could plant a socket at the path while the agent is down (runtimes
 *   would hand that user the containers' listeners) or plant links among
 *   the records;
 * - an existing socket path is removed only when it is a socket nobody
 *   listens on;
 * - the log is opened with O_APPEND|O_NOFOLLOW and must be a regular file
 *   with one link owned by the agent's user (a hard link to /etc/shadow in
 *   a writable directory would otherwise get our lines), a FIFO or a
 *   character device;
 * - a record is read with O_NOFOLLOW|O_NONBLOCK (a planted FIFO cannot
 *   block the agent), must be a regular file with one link and at most
 *   16 MiB, and is replaced by writing a new file with O_CREAT|O_EXCL and a
 *   random name in the same directory, fsync, then rename() (which replaces
 *   a name, never writes through a link or device); a target that exists
 *   and is not a regular file is left alone and reported.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants as fsc, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { connect } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { SyswallError } from '../core/errors.js';

/** Largest record file the agent reads back for merging. */
export const MAX_RECORD_BYTES = 16 << 20;

function euid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : 0;
}

function fail(code: string, message: string, hint?: string): never {
  throw new SyswallError(code, message, { kind: 'input', ...(hint ? { hint } : {}) });
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A directory of ours that nobody else can write: owned by our user, not group/world writable, not a symlink. */
export function checkPrivateDir(dir: string, what: string): void {
  const st = lstatOrUndefined(dir);
  if (!st) fail('AGENT_DIR', `${what} ${dir} does not exist`);
  if (st.isSymbolicLink()) fail('AGENT_DIR', `${what} ${dir} is a symbolic link`, 'give the real directory');
  if (!st.isDirectory()) fail('AGENT_DIR', `${what} ${dir} is not a directory`);
  if (st.uid !== euid()) fail('AGENT_DIR', `${what} ${dir} belongs to uid ${st.uid}, not to the agent's user (uid ${euid()})`, `chown ${euid()} ${dir}`);
  if ((st.mode & 0o022) !== 0) {
    fail('AGENT_DIR', `${what} ${dir} is writable by other users (mode ${(st.mode & 0o7777).toString(8)}): they could plant files where the agent works`, `chmod go-w ${dir}`);
  }
}

/** Creates the record directory (0700) when missing, then checks it as {@link checkPrivateDir}. Returns its absolute path. */
export function prepareRecordDir(dir: string): string {
  const abs = resolve(dir);
  if (!lstatOrUndefined(abs)) {
    checkPrivateDir(dirname(abs), 'the record directory\'s parent');
    mkdirSync(abs, { mode: 0o700 });
  }
  checkPrivateDir(abs, 'the record directory');
  return abs;
}

/** True when something accepts connections on the unix socket `path`. */
function somebodyListens(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(path);
    const done = (v: boolean) => {
      s.destroy();
      res(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(2000, () => done(false));
  });
}

/**
 * Makes `path` free for the agent's socket: its directory must be private
 * (see the module comment); an existing socket nobody listens on is removed;
 * anything else there is an error. Returns the absolute path.
 */
export async function prepareSocketPath(path: string): Promise<string> {
  const abs = resolve(path);
  if (Buffer.byteLength(abs) > 107) fail('AGENT_SOCKET', `socket path ${abs} is ${Buffer.byteLength(abs)} bytes; a unix socket path holds at most 107`);
  checkPrivateDir(dirname(abs), 'the socket\'s directory');
  const st = lstatOrUndefined(abs);
  if (st) {
    if (!st.isSocket()) fail('AGENT_SOCKET', `${abs} exists and is not a socket; not removing it`, 'choose another --socket path or remove the file yourself');
    if (await somebodyListens(abs)) fail('AGENT_SOCKET', `another process listens on ${abs} (another agent?)`, 'stop it first, or choose another --socket path');
    unlinkSync(abs);
  }
  return abs;
}

/**
 * Opens the agent's log for appending: a regular file (created 0600 if
 * missing) with one link and our owner, a FIFO or a character device;
 * never through a symbolic link. Returns the fd.
 */
export function openLogFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') fail('AGENT_LOG', `--log ${path} is a symbolic link; the agent does not follow links`, 'give the real path');
    fail('AGENT_LOG', `cannot open --log ${path}: ${(e as Error).message}`);
  }
  const st = fstatSync(fd);
  const ok = st.isFIFO() || st.isCharacterDevice() || (st.isFile() && st.nlink === 1 && st.uid === euid());
  if (!ok) {
    closeSync(fd);
    const why = st.isFile() ? (st.nlink !== 1 ? `has ${st.nlink} hard links` : `belongs to uid ${st.uid}`) : 'is not a regular file, FIFO or character device';
    fail('AGENT_LOG', `--log ${path} ${why}; refusing to append to it as uid ${euid()}`);
  }
  return fd;
}

/** Reads DIR/name if it is a plain file of ours; undefined when there is none. Throws for anything else there. */
export function readRecord(dir: string, name: string): string | undefined {
  const p = join(dir, name);
  let fd: number;
  try {
    fd = openSync(p, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new SyswallError('AGENT_RECORD', `${p} is a symbolic link; left alone`, { kind: 'runtime' });
    throw new SyswallError('AGENT_RECORD', `cannot read ${p}: ${(e as Error).message}`, { kind: 'runtime' });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SyswallError('AGENT_RECORD', `${p} is not a regular file; left alone`, { kind: 'runtime' });
    if (st.nlink !== 1) throw new SyswallError('AGENT_RECORD', `${p} has ${st.nlink} hard links; left alone`, { kind: 'runtime' });
    if (st.size > MAX_RECORD_BYTES) throw new SyswallError('AGENT_RECORD', `${p} is ${st.size} bytes, more than ${MAX_RECORD_BYTES}; left alone`, { kind: 'runtime' });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces DIR/name with `data`: a new file (O_CREAT|O_EXCL|O_NOFOLLOW, 0600,
 * random name) written, synced and renamed over the old name. A target that
 * is not a regular file (symlink, FIFO, device, directory) is refused.
 */
export function writeRecord(dir: string, name: string, data: string): string {
  if (name !== basename(name) || name === '.' || name === '..' || name.startsWith('.')) {
    throw new SyswallError('AGENT_RECORD', `refusing record file name ${JSON.stringify(name)}`, { kind: 'runtime' });
  }
  const target = join(dir, name);
  const st = lstatOrUndefined(target);
  if (st && !st.isFile()) throw new SyswallError('AGENT_RECORD', `${target} exists and is not a regular file; left alone`, { kind: 'runtime' });
  const tmp = join(dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  let open = true;
  try {
    const buf = Buffer.from(data);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new SyswallError('AGENT_RECORD', `cannot write ${target}: ${(e as Error).message}`, { kind: 'runtime', cause: e });
  }
  return target;
}
