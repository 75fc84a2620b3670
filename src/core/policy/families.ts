/**
 * Syscall families: the syscalls that perform one operation under several
 * numbers — the `*at` and `*2`/`*3` versions, the `*64`/`*32` and `_time64`
 * versions of 32-bit ABIs, the `l`/`f` versions on links and descriptors,
 * the multi-message and older spellings. (The socketcall/ipc multiplexed
 * forms need no entry: the compiler turns a rule for `socket` into the
 * `socketcall(SYS_SOCKET, ...)` rule on the arches that multiplex.)
 *
 * This is the one table of them: `--deny NAME` denies NAME's family (the
 * operation, not one number; `--exact` opts out), lint reports a family only
 * partly denied, and the @groups (groups.ts) that name one member name all of
 * them (a test checks it).
 *
 * A member may carry conditions when a syscall does several operations:
 * `unlinkat` removes a directory with AT_REMOVEDIR and a file without it.
 */
import type { Condition } from './types.js';

/** One member of a family: a syscall name, with conditions when only some of its calls are the operation. */
export interface FamilyMember {
  readonly name: string;
  readonly conditions?: readonly Condition[];
}

/** A family: its name (the usual syscall for the operation) and members (the name itself first). */
export interface SyscallFamily {
  readonly name: string;
  readonly members: readonly FamilyMember[];
}

const AT_REMOVEDIR = 0x200n;

const m = (...names: string[]): FamilyMember[] => names.map((name) => ({ name }));

const DEFS: readonly SyscallFamily[] = [
  // Files by name.
  { name: 'open', members: m('open', 'openat', 'openat2', 'creat') },
  { name: 'mkdir', members: m('mkdir', 'mkdirat') },
  { name: 'mknod', members: m('mknod', 'mknodat') },
  { name: 'unlink', members: [...m('unlink'), { name: 'unlinkat', conditions: [{ arg: 2, op: 'MASKED_EQ', mask: AT_REMOVEDIR, value: 0n }] }] },
  { name: 'rmdir', members: [...m('rmdir'), { name: 'unlinkat', conditions: [{ arg: 2, op: 'MASKED_EQ', mask: AT_REMOVEDIR, value: AT_REMOVEDIR }] }] },
  { name: 'rename', members: m('rename', 'renameat', 'renameat2') },
  { name: 'link', members: m('link', 'linkat') },
  { name: 'symlink', members: m('symlink', 'symlinkat') },
  { name: 'readlink', members: m('readlink', 'readlinkat') },
  { name: 'chmod', members: m('chmod', 'fchmod', 'fchmodat', 'fchmodat2') },
  { name: 'chown', members: m('chown', 'fchown', 'lchown', 'fchownat', 'chown32', 'fchown32', 'lchown32') },
  { name: 'access', members: m('access', 'faccessat', 'faccessat2') },
  { name: 'stat', members: m('stat', 'lstat', 'newfstatat', 'fstatat64', 'stat64', 'lstat64', 'statx', 'oldstat', 'oldlstat') },
  { name: 'truncate', members: m('truncate', 'truncate64', 'ftruncate', 'ftruncate64') },
  { name: 'utimes', members: m('utime', 'utimes', 'futimesat', 'utimensat', 'utimensat_time64') },
  { name: 'statfs', members: m('statfs', 'statfs64', 'fstatfs', 'fstatfs64') },
  { name: 'getdents', members: m('getdents', 'getdents64') },
  { name: 'setxattr', members: m('setxattr', 'lsetxattr', 'fsetxattr', 'setxattrat') },
  { name: 'removexattr', members: m('removexattr', 'lremovexattr', 'fremovexattr', 'removexattrat') },
  // I/O.
  { name: 'read', members: m('read', 'readv', 'pread64', 'preadv', 'preadv2') },
  { name: 'write', members: m('write', 'writev', 'pwrite64', 'pwritev', 'pwritev2') },
  { name: 'sendfile', members: m('sendfile', 'sendfile64') },
  { name: 'dup', members: m('dup', 'dup2', 'dup3') },
  { name: 'pipe', members: m('pipe', 'pipe2') },
  { name: 'fcntl', members: m('fcntl', 'fcntl64') },
  { name: 'lseek', members: m('lseek', '_llseek') },
  { name: 'mmap', members: m('mmap', 'mmap2') },
  { name: 'eventfd', members: m('eventfd', 'eventfd2') },
  { name: 'signalfd', members: m('signalfd', 'signalfd4') },
  { name: 'inotify_init', members: m('inotify_init', 'inotify_init1') },
  { name: 'epoll_create', members: m('epoll_create', 'epoll_create1') },
  { name: 'epoll_wait', members: m('epoll_wait', 'epoll_pwait', 'epoll_pwait2') },
  { name: 'poll', members: m('poll', 'ppoll', 'ppoll_time64') },
  { name: 'select', members: m('select', '_newselect', 'pselect6', 'pselect6_time64') },
  // Sockets.
  { name: 'accept', members: m('accept', 'accept4') },
  { name: 'sendto', members: m('sendto', 'send') },
  { name: 'recvfrom', members: m('recvfrom', 'recv') },
  { name: 'sendmsg', members: m('sendmsg', 'sendmmsg') },
  { name: 'recvmsg', members: m('recvmsg', 'recvmmsg', 'recvmmsg_time64') },
  // Processes and identity.
  { name: 'execve', members: m('execve', 'execveat') },
  { name: 'clone', members: m('clone', 'clone3', 'fork', 'vfork') },
  { name: 'kill', members: m('kill', 'tkill', 'tgkill', 'pidfd_send_signal', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo') },
  { name: 'wait4', members: m('wait4', 'waitid', 'waitpid') },
  { name: 'setuid', members: m('setuid', 'setuid32') },
  { name: 'setgid', members: m('setgid', 'setgid32') },
  { name: 'setreuid', members: m('setreuid', 'setreuid32') },
  { name: 'setregid', members: m('setregid', 'setregid32') },
  { name: 'setresuid', members: m('setresuid', 'setresuid32') },
  { name: 'setresgid', members: m('setresgid', 'setresgid32') },
  { name: 'setfsuid', members: m('setfsuid', 'setfsuid32') },
  { name: 'setfsgid', members: m('setfsgid', 'setfsgid32') },
  { name: 'setgroups', members: m('setgroups', 'setgroups32') },
  { name: 'getgroups', members: m('getgroups', 'getgroups32') },
  // Time.
  { name: 'clock_settime', members: m('clock_settime', 'clock_settime64') },
  { name: 'clock_adjtime', members: m('clock_adjtime', 'clock_adjtime64', 'adjtimex') },
  { name: 'settimeofday', members: m('settimeofday', 'stime') },
  { name: 'nanosleep', members: m('nanosleep', 'clock_nanosleep', 'clock_nanosleep_time64') },
  // Mounts and modules.
  { name: 'mount', members: m('mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree', 'open_tree_attr', 'mount_setattr') },
  { name: 'umount2', members: m('umount2', 'umount') },
  { name: 'init_module', members: m('init_module', 'finit_module') },
  { name: 'kexec_load', members: m('kexec_load', 'kexec_file_load') },
  // Resources.
  { name: 'setrlimit', members: m('setrlimit', 'prlimit64') },
];

/** Every family, by name. */
export const SYSCALL_FAMILIES: readonly SyscallFamily[] = Object.freeze(DEFS);

const byMember = new Map<string, SyscallFamily[]>();
for (const f of DEFS) {
  for (const mem of f.members) {
    const list = byMember.get(mem.name) ?? [];
    if (!list.includes(f)) list.push(f);
    byMember.set(mem.name, list);
  }
}
const byName = new Map(DEFS.map((f) => [f.name, f]));

/** The family named `name` (the operation's usual syscall), if any. */
export function familyNamed(name: string): SyscallFamily | undefined {
  return byName.get(name);
}

/** The families `name` belongs to. */
export function familiesOf(name: string): readonly SyscallFamily[] {
  return byMember.get(name) ?? [];
}

/**
 * What `--deny name` denies: `name` itself, and when `name` is a family's
 * member the rest of that family (a member with conditions only for those
 * calls). A name in no family is itself alone.
 */
export function operationOf(name: string): FamilyMember[] {
  const out: FamilyMember[] = [{ name }];
  for (const f of familiesOf(name)) {
    // A conditional member stands for that operation only: unlinkat names no family by itself.
    const self = f.members.find((x) => x.name === name);
    if (self?.conditions && f.name !== name) continue;
    for (const x of f.members) if (x.name !== name && !out.some((o) => o.name === x.name && o.conditions === x.conditions)) out.push(x);
  }
  return out;
}
