/**
 * Syscall name/number resolution per architecture, over the generated table.
 * A syscall an arch lacks is absent (`undefined`), never a guessed number.
 */
import { closest } from '../util/suggest.js';
import { SyscallResolveError } from '../errors.js';
import type { ArchInfo, TableColumn } from './arches.js';
import { SYSCALL_NAMES, SYSCALL_NUMBERS } from './syscalls.generated.js';

export { SYSCALL_NAMES, SYSCALL_TABLE_VERSION } from './syscalls.generated.js';

/** socketcall(2) sub-call numbers (`SYS_SOCKET` ... `SYS_SENDMMSG`, linux/net.h). */
export const SOCKETCALL_SUBCALLS: Readonly<Record<string, number>> = Object.freeze({
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8,
  send: 9, recv: 10, sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15,
  sendmsg: 16, recvmsg: 17, accept4: 18, recvmmsg: 19, sendmmsg: 20,
});

/** ipc(2) call numbers (`SEMOP` ... `SHMCTL`, linux/ipc.h). */
export const IPC_SUBCALLS: Readonly<Record<string, number>> = Object.freeze({
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14,
  shmat: 21, shmdt: 22, shmget: 23, shmctl: 24,
});

const nameIndex = new Map<string, number>(SYSCALL_NAMES.map((n, i) => [n, i]));

interface ColumnIndex {
  byNumber: Map<number, string>;
  entries: { name: string; nr: number }[];
}
const columnCache = new Map<TableColumn, ColumnIndex>();

function column(col: TableColumn): ColumnIndex {
  let idx = columnCache.get(col);
  if (!idx) {
    const nums = SYSCALL_NUMBERS[col];
    const entries: { name: string; nr: number }[] = [];
    const byNumber = new Map<number, string>();
    for (let i = 0; i < SYSCALL_NAMES.length; i++) {
      const nr = nums[i];
      if (nr < 0) continue;
      entries.push({ name: SYSCALL_NAMES[i], nr });
      // The first name in table (alphabetical) order wins, as in libseccomp's resolver.
      if (!byNumber.has(nr)) byNumber.set(nr, SYSCALL_NAMES[i]);
    }
    entries.sort((x, y) => x.nr - y.nr || (x.name < y.name ? -1 : 1));
    idx = { byNumber, entries };
    columnCache.set(col, idx);
  }
  return idx;
}

/** True if `name` is in the table for at least one arch. */
export function isKnownSyscall(name: string): boolean {
  return nameIndex.has(name);
}

/** The syscall number of `name` on `arch` (as in seccomp_data.nr), or undefined if the arch lacks it. */
export function syscallNumber(arch: ArchInfo, name: string): number | undefined {
  const i = nameIndex.get(name);
  if (i === undefined) return undefined;
  const nr = SYSCALL_NUMBERS[arch.table][i];
  return nr < 0 ? undefined : nr;
}

/** The syscall name for `nr` on `arch`, or undefined. */
export function syscallName(arch: ArchInfo, nr: number): string | undefined {
  return column(arch.table).byNumber.get(nr);
}

/** Every syscall of `arch`, sorted by number (aliases sharing a number are all listed). */
export function syscallTable(arch: ArchInfo): readonly { name: string; nr: number }[] {
  return column(arch.table).entries;
}

/** The largest syscall number the table knows for `arch`. */
export function maxSyscallNumber(arch: ArchInfo): number {
  const e = column(arch.table).entries;
  return e.length ? e[e.length - 1].nr : -1;
}

/** Like {@link syscallNumber} but throws a clear error when absent or unknown. */
export function requireSyscallNumber(arch: ArchInfo, name: string): number {
  const nr = syscallNumber(arch, name);
  if (nr !== undefined) return nr;
  if (!isKnownSyscall(name)) {
    throw new SyscallResolveError('UNKNOWN_SYSCALL', `unknown syscall "${name}"`, { hint: suggestSyscall(name) });
  }
  throw new SyscallResolveError('SYSCALL_ABSENT', `syscall "${name}" does not exist on ${arch.name}`);
}

/** A "did you mean" hint for a misspelt syscall name, if one is close. */
export function suggestSyscall(name: string): string | undefined {
  const best = closest(name, SYSCALL_NAMES);
  return best !== undefined ? `did you mean "${best}"?` : undefined;
}
