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
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/status`, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENOTDIR') return undefined;
    throw new StatusError('PROC_READ', `cannot read ${procRoot}/${pid}/status: ${(e as Error).message}`, { kind: 'runtime', cause: e });
  }
  return parseProcStatus(pid, text);
}

/**
 * The seccomp state of the given processes, in the given order, or of every
 * process in /proc (sorted by pid) when `pids` is empty. An explicitly given
 * pid that does not exist is a {@link StatusError} (`NO_SUCH_PROCESS`,
 * kind `input`); processes that vanish while listing all are skipped.
 */
export function seccompStatus(pids: readonly number[] = [], procRoot = '/proc'): SeccompStatus[] {
  if (pids.length > 0) {
    return pids.map((pid) => {
      const s = readSeccompStatus(pid, procRoot);
      if (!s) throw new StatusError('NO_SUCH_PROCESS', `no such process: ${pid}`, { hint: 'run `syswall status` without a pid to list every process' });
      return s;
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
    const s = readSeccompStatus(pid, procRoot);
    if (s) out.push(s);
  }
  return out;
}
