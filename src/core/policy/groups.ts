/**
 * Named syscall groups in the manner of systemd's `SystemCallFilter=` sets
 * (`@system-service`, `@network-io`, ...). Membership lists are facts about
 * Linux syscalls, written for syswall; a group may include other groups by
 * name. Members are names of syswall's syscall table; a member an arch lacks
 * is simply absent on that arch (never a guessed number).
 */
import { familyNamed } from './families.js';
import { PolicyError } from '../errors.js';
import type { ArchInfo } from '../arch/arches.js';
import { isKnownSyscall, SYSCALL_NAMES, syscallNumber } from '../arch/syscalls.js';

/** A syscall group: a description and members (syscall names or `@group` references). */
export interface SyscallGroup {
  readonly name: GroupName;
  readonly description: string;
  readonly members: readonly string[];
}

const w = (s: string): string[] => s.trim().split(/\s+/);

const DEFS = {
  '@default': ['System calls that are always permitted (process start-up, time, identity, memory mapping, exit)', w(`
    brk cacheflush clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64
    execve exit exit_group futex futex_time64 futex_waitv get_robust_list get_thread_area getegid getegid32 geteuid
    geteuid32 getgid getgid32 getgroups getgroups32 getpgid getpgrp getpid getppid getrandom getresgid getresgid32
    getresuid getresuid32 getrlimit getsid gettid gettimeofday getuid getuid32 membarrier mmap mmap2 mprotect munmap
    nanosleep pause prlimit64 restart_syscall riscv_flush_icache riscv_hwprobe rseq rt_sigreturn sched_getaffinity
    sched_yield set_robust_list set_thread_area set_tid_address set_tls sigreturn time ugetrlimit`)],
  '@aio': ['Asynchronous I/O (POSIX AIO and io_uring)', w(`
    io_cancel io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup io_submit io_uring_enter
    io_uring_register io_uring_setup`)],
  '@basic-io': ['Reading, writing, seeking and closing file descriptors', w(`
    _llseek close close_range dup dup2 dup3 lseek pread64 preadv preadv2 pwrite64 pwritev pwritev2 read readv write writev`)],
  '@chown': ['Changing file ownership', familyNamed('chown')!.members.map((m) => m.name)],
  '@clock': ['Setting the system clock', w('adjtimex clock_adjtime clock_adjtime64 clock_settime clock_settime64 settimeofday stime')],
  '@cpu-emulation': ['CPU emulation (vm86, LDT, endianness and page protection tricks)', w('modify_ldt subpage_prot switch_endian vm86 vm86old')],
  '@debug': ['Debugging, tracing and performance monitoring of processes', w(`
    lookup_dcookie perf_event_open pidfd_getfd ptrace rtas s390_runtime_instr sys_debug_setcontext`)],
  '@file-system': ['File system access: open, stat, create, rename, delete, attributes, directories, watches', w(`
    access chdir chmod close creat faccessat faccessat2 fallocate fchdir fchmod fchmodat fchmodat2 fcntl fcntl64
    fgetxattr flistxattr fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 ftruncate ftruncate64 futimesat
    getcwd getdents getdents64 getxattr getxattrat inotify_add_watch inotify_init inotify_init1 inotify_rm_watch lgetxattr
    link linkat listxattr listxattrat llistxattr lremovexattr lsetxattr lstat lstat64 mkdir mkdirat mknod mknodat mmap mmap2
    munmap newfstatat oldfstat oldlstat oldstat open openat openat2 readlink readlinkat removexattr removexattrat rename
    renameat renameat2 rmdir setxattr setxattrat stat stat64 statfs statfs64 statx symlink symlinkat truncate truncate64
    unlink unlinkat utime utimensat utimensat_time64 utimes`)],
  '@io-event': ['Event loops: select, poll, epoll, eventfd', w(`
    _newselect epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
    eventfd eventfd2 poll ppoll ppoll_time64 pselect6 pselect6_time64 select`)],
  '@ipc': ['Inter-process communication: pipes, SysV IPC, POSIX message queues, memfd, cross-process memory', w(`
    ipc memfd_create mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
    mq_timedsend_time64 mq_unlink msgctl msgget msgrcv msgsnd pipe pipe2 process_madvise process_vm_readv
    process_vm_writev semctl semget semop semtimedop semtimedop_time64 shmat shmctl shmdt shmget`)],
  '@keyring': ['The kernel keyring', w('add_key keyctl request_key')],
  '@memlock': ['Locking memory into RAM', w('mlock mlock2 mlockall munlock munlockall')],
  '@module': ['Loading and unloading kernel modules', w('delete_module finit_module init_module')],
  '@mount': ['Mounting and unmounting file systems, changing the root', w(`
    chroot fsconfig fsmount fsopen fspick listmount mount mount_setattr move_mount open_tree open_tree_attr pivot_root
    statmount umount umount2`)],
  '@network-io': ['Sockets: create, connect, send and receive', w(`
    accept accept4 bind connect getpeername getsockname getsockopt listen recv recvfrom recvmmsg recvmmsg_time64 recvmsg
    send sendmmsg sendmsg sendto setsockopt shutdown socket socketcall socketpair`)],
  '@obsolete': ['Unusual, obsolete or unimplemented system calls', w(`
    _sysctl afs_syscall bdflush break create_module ftime get_kernel_syms getpmsg gtty idle lock mpx prof profil
    putpmsg query_module security sgetmask ssetmask stty sysfs tuxcall ulimit uselib ustat vserver`)],
  '@pkey': ['Memory protection keys', w('pkey_alloc pkey_free pkey_mprotect')],
  '@privileged': ['System calls that need super-user capabilities', w(`
    @chown @clock @module @raw-io @reboot @swap _sysctl acct bpf capset chroot fanotify_init fchownat open_by_handle_at
    pivot_root quotactl quotactl_fd setdomainname setfsuid setfsuid32 setgroups setgroups32 sethostname setresuid
    setresuid32 setreuid setreuid32 setuid setuid32 vhangup`)],
  '@process': ['Creating, running, waiting for and signalling processes; namespaces', w(`
    capget clone clone3 execveat fork getrusage kill pidfd_open pidfd_send_signal prctl rt_sigqueueinfo rt_tgsigqueueinfo
    setns swapcontext tgkill times tkill unshare vfork wait4 waitid waitpid`)],
  '@raw-io': ['Raw I/O port and PCI access', w(`
    ioperm iopl pciconfig_iobase pciconfig_read pciconfig_write s390_pci_mmio_read s390_pci_mmio_write`)],
  '@reboot': ['Rebooting and loading a new kernel', w('kexec_file_load kexec_load reboot')],
  '@resources': ['Changing resource limits, scheduling and memory policy', w(`
    ioprio_set mbind migrate_pages move_pages nice sched_setaffinity sched_setattr sched_setparam sched_setscheduler
    set_mempolicy set_mempolicy_home_node setpriority setrlimit`)],
  '@sandbox': ['Sandboxing: seccomp and Landlock', w('landlock_add_rule landlock_create_ruleset landlock_restrict_self seccomp')],
  '@setuid': ['Changing user and group credentials', w(`
    setgid setgid32 setgroups setgroups32 setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid
    setreuid32 setuid setuid32`)],
  '@signal': ['Signal handling and masks', w(`
    rt_sigaction rt_sigpending rt_sigprocmask rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 sigaction sigaltstack
    signal signalfd signalfd4 sigpending sigprocmask sigsuspend`)],
  '@swap': ['Enabling and disabling swap devices', w('swapoff swapon')],
  '@sync': ['Flushing file data to storage', w('fdatasync fsync msync sync sync_file_range sync_file_range2 syncfs')],
  '@timer': ['Timers and alarms', w(`
    alarm getitimer setitimer timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
    timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times`)],
  '@system-service': ['A reasonable set for general system services (systemd\'s recommended allow list)', w(`
    @aio @basic-io @chown @default @file-system @io-event @ipc @keyring @memlock @network-io @process @resources
    @setuid @signal @sync @timer arm_fadvise64_64 capget capset copy_file_range fadvise64 fadvise64_64 flock
    get_mempolicy getcpu getpriority ioctl ioprio_get kcmp madvise mremap name_to_handle_at oldolduname olduname
    personality readahead readdir remap_file_pages sched_get_priority_max sched_get_priority_min sched_getattr
    sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_yield sendfile sendfile64
    setfsgid setfsgid32 setfsuid setfsuid32 setpgid setsid splice sysinfo tee umask uname userfaultfd vmsplice`)],
  '@known': ['Every syscall in syswall\'s table', [] as string[]],
} as const;

/** Names of the built-in groups. */
export type GroupName = keyof typeof DEFS;

/** Every built-in group, keyed by name (`@mount`). */
export const SYSCALL_GROUPS: Readonly<Record<GroupName, SyscallGroup>> = Object.freeze(
  Object.fromEntries(
    Object.entries(DEFS).map(([name, [description, members]]) => [
      name,
      Object.freeze({ name: name as GroupName, description, members: Object.freeze(name === '@known' ? [...SYSCALL_NAMES] : [...members]) }),
    ]),
  ) as Record<GroupName, SyscallGroup>,
);

/** Names of the built-in groups, sorted. */
export const GROUP_NAMES: readonly GroupName[] = Object.freeze(Object.keys(DEFS).sort() as GroupName[]);

/** True if `name` looks like a group reference (`@...`). */
export function isGroupReference(name: string): boolean {
  return name.startsWith('@');
}

/** User-defined groups (e.g. from a policy file's `groups` object): name -> members. */
export type CustomGroups = Readonly<Record<string, readonly string[]>>;

/**
 * Expands a group (recursively) to its syscall names, sorted and unique.
 * Throws a {@link PolicyError} for an unknown group or a cycle in
 * `custom` groups. Names not in syswall's table are left out of built-in
 * groups; custom groups keep whatever they list (the caller checks names).
 * With `arch`, only the members that exist on that arch are returned.
 */
export function expandGroup(name: string, options: { custom?: CustomGroups; arch?: ArchInfo } = {}): string[] {
  const out = new Set<string>();
  const visit = (g: string, stack: string[]): void => {
    if (stack.includes(g)) throw new PolicyError('GROUP_CYCLE', `syscall group ${g} includes itself (${[...stack, g].join(' -> ')})`);
    const custom = options.custom?.[g];
    const builtin = (SYSCALL_GROUPS as Record<string, SyscallGroup>)[g];
    const members = custom ?? builtin?.members;
    if (!members) {
      throw new PolicyError('UNKNOWN_GROUP', `unknown syscall group "${g}"`, { hint: suggestGroup(g, options.custom) });
    }
    for (const m of members) {
      if (isGroupReference(m)) visit(m, [...stack, g]);
      else if (custom || isKnownSyscall(m)) out.add(m);
    }
  };
  visit(name, []);
  let names = [...out].sort();
  if (options.arch) {
    const arch = options.arch;
    names = names.filter((n) => syscallNumber(arch, n) !== undefined);
  }
  return names;
}

function suggestGroup(g: string, custom?: CustomGroups): string {
  const all = [...GROUP_NAMES, ...Object.keys(custom ?? {})];
  const close = all.find((n) => n.includes(g.replace(/^@/, '')) || g.includes(n.replace(/^@/, '')));
  return close ? `did you mean "${close}"? (\`syswall groups\` lists them)` : 'run `syswall groups` to list the groups';
}
