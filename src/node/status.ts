/**
 * Seccomp state of processes, from /proc/PID/status: the mode (`Seccomp:`,
 * 0 disabled, 1 strict, 2 filter), the number of attached filters
 * (`Seccomp_filters:`, Linux 5.9+) and no_new_privs (`NoNewPrivs:`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SyswallError } from '../core/errors.js';

/** Seccomp mode names by number. */
export const SECCOMP_MODE_NAMES: Readonly<Record<number, string>> = Object.freeze({ 0: 'disabled', 1: 'strict', 2: 'filter' });

/** The seccomp state of one process (its main thread). */
export interface SeccompStatus {
  pid: number;
  /** Thread id, for per-thread listings (filters are per thread; see {@link SeccompStatusOptions.threads}). */
  tid?: number;
  /** Command name (`Name:`, the kernel's comm, at most 15 bytes). */
  comm: string;
  /** 0 disabled, 1 strict, 2 filter; null when the kernel has no CONFIG_SECCOMP. */
  mode: number | null;
  /** `disabled`, `strict`, `filter`, or `unknown`. */
  modeName: string;
  /** Number of filters attached (Linux 5.9+); null when the kernel does not report it. */
  filters: number | null;
  /** no_new_privs. */
  noNewPrivs: boolean;
}

/** A /proc read failure: no such process, or /proc unreadable. */
export class StatusError extends SyswallError {}
Object.defineProperty(StatusError.prototype, 'name', { value: 'StatusError', enumerable: false });

/** Parses the text of /proc/PID/status. */
export function parseProcStatus(pid: number, text: string): SeccompStatus {
  const field = (name: string): string | undefined => {
    const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text);
    return m ? m[1] : undefined;
  };
  const num = (name: string): number | null => {
    const v = field(name);
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;
  };
  const mode = num('Seccomp');
  // Name: escapes "\" as "\\" and newline as "\n"; undo that.
  const comm = (field('Name') ?? '').replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
  return {
    pid,
    comm,
    mode,
    modeName: mode === null ? 'unknown' : (SECCOMP_MODE_NAMES[mode] ?? 'unknown'),
    filters: num('Seccomp_filters'),
    noNewPrivs: num('NoNewPrivs') === 1,
  };
}

/** Reads one process; undefined if it does not exist (or vanished). */
export function readSeccompStatus(pid: number, procRoot = '/proc'): SeccompStatus | undefined {
  return readStatusFile(pid, `${procRoot}/${pid}/status`);
}

function readStatusFile(pid: number, path: string): SeccompStatus | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return undefined;
    throw new StatusError('PROC_READ', `cannot read ${path}: ${(e as Error).message}`, { kind: 'runtime', cause: e });
  }
  return parseProcStatus(pid, text);
}

/** Options of {@link seccompStatus}. */
export interface SeccompStatusOptions {
  /** /proc mount (for tests). */
  procRoot?: string;
  /** One row per thread (from /proc/PID/task/TID/status), with `tid` set. */
  threads?: boolean;
}

/** The rows of one process: itself, or each of its threads (skipping threads that exit meanwhile). */
function rowsOf(pid: number, procRoot: string, threads: boolean): SeccompStatus[] | undefined {
  const main = readSeccompStatus(pid, procRoot);
  if (!main || !threads) return main ? [main] : undefined;
  let tids: number[];
  try {
    tids = readdirSync(`${procRoot}/${pid}/task`).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  } catch {
    return [{ ...main, tid: pid }];
  }
  const rows: SeccompStatus[] = [];
  for (const tid of tids) {
    const s = readStatusFile(pid, `${procRoot}/${pid}/task/${tid}/status`);
    if (s) rows.push({ ...s, tid });
  }
  return rows;
}

/**
 * The seccomp state of the given processes, in the given order, or of every
 * process in /proc (sorted by pid) when `pids` is empty. An explicitly given
 * pid that does not exist is a {@link StatusError} (`NO_SUCH_PROCESS`,
 * kind `input`); processes that vanish while listing all are skipped.
 * `options` may also be a /proc path (for tests).
 */
export function seccompStatus(pids: readonly number[] = [], options: SeccompStatusOptions | string = {}): SeccompStatus[] {
  const opts = typeof options === 'string' ? { procRoot: options } : options;
  const procRoot = opts.procRoot ?? '/proc';
  const threads = opts.threads === true;
  if (pids.length > 0) {
    return pids.flatMap((pid) => {
      const rows = rowsOf(pid, procRoot, threads);
      if (!rows) throw new StatusError('NO_SUCH_PROCESS', `no such process: ${pid}`, { hint: 'run `syswall status` without a pid to list every process' });
      return rows;
    });
  }
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch (e) {
    throw new StatusError('PROC_READ', `cannot list ${procRoot}: ${(e as Error).message}`, { kind: 'runtime', cause: e, hint: 'is /proc mounted?' });
  }
  const out: SeccompStatus[] = [];
  for (const pid of entries.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b)) {
    const rows = rowsOf(pid, procRoot, threads);
    if (rows) out.push(...rows);
  }
  return out;
}
