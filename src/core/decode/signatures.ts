/**
 * Syscall signatures: for each syscall, the kind of each argument, so a
 * decoder can print `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)`
 * rather than six hex numbers.
 *
 * Signatures are keyed by name and shared by every arch; the few syscalls
 * whose argument order differs per arch (clone) are resolved by
 * {@link syscallSignature}. A signature is written as a space-separated list of
 * kinds; `kind@N` names another argument the kind depends on (a buffer's
 * length, the flags that decide whether open's mode is present, socket's domain).
 */

/** What an argument is, for decoding. */
export type ArgKind =
  | 'fd' | 'dirfd' | 'path' | 'str' | 'buf' | 'outbuf' | 'ptr' | 'int' | 'uint' | 'long' | 'ulong' | 'size'
  | 'hex' | 'mode' | 'ftmode' | 'dev' | 'pid' | 'uid'
  | 'openflags' | 'openmode' | 'atflags' | 'accessmode' | 'renameflags' | 'whence' | 'cloexecflags'
  | 'sockdomain' | 'socktype' | 'sockproto' | 'sockflags' | 'msgflags' | 'shuthow' | 'sockoptlevel' | 'sockaddr'
  | 'cloneflags' | 'unshareflags' | 'cloneargs' | 'signal' | 'waitoptions' | 'ptracereq' | 'rlimitres' | 'sighow'
  | 'prot' | 'mapflags' | 'madvise' | 'mremapflags' | 'memfdflags'
  | 'ioctlreq' | 'prctlop' | 'fcntlcmd' | 'fcntlarg'
  | 'futexop' | 'clockid' | 'mountflags' | 'umountflags' | 'grflags' | 'epollop' | 'seccompop' | 'seccompflags'
  | 'bpfcmd' | 'argv' | 'envp' | 'openhow';

/** One argument of a signature. `ref` is the index of the argument it depends on. */
export interface ArgSpec {
  readonly kind: ArgKind;
  readonly ref?: number;
}

/** A syscall's arguments, in order. */
export type Signature = readonly ArgSpec[];

const S: Record<string, string> = {
  // files
  read: 'fd outbuf size', write: 'fd buf@2 size', pread64: 'fd outbuf size long', pwrite64: 'fd buf@2 size long',
  readv: 'fd ptr int', writev: 'fd ptr int', preadv: 'fd ptr int long', pwritev: 'fd ptr int long',
  preadv2: 'fd ptr int long hex', pwritev2: 'fd ptr int long hex',
  open: 'path openflags openmode@1', openat: 'dirfd path openflags openmode@2', creat: 'path mode',
  openat2: 'dirfd path openhow size', open_by_handle_at: 'fd ptr openflags', name_to_handle_at: 'dirfd path ptr ptr atflags',
  close: 'fd', close_range: 'uint uint hex', dup: 'fd', dup2: 'fd fd', dup3: 'fd fd cloexecflags',
  lseek: 'fd long whence', _llseek: 'fd ulong ulong ptr whence',
  stat: 'path outbuf', lstat: 'path outbuf', fstat: 'fd outbuf', newfstatat: 'dirfd path outbuf atflags',
  fstatat64: 'dirfd path outbuf atflags', statx: 'dirfd path atflags hex outbuf', statfs: 'path outbuf', fstatfs: 'fd outbuf',
  access: 'path accessmode', faccessat: 'dirfd path accessmode', faccessat2: 'dirfd path accessmode atflags',
  mkdir: 'path mode', mkdirat: 'dirfd path mode', rmdir: 'path', unlink: 'path', unlinkat: 'dirfd path atflags',
  rename: 'path path', renameat: 'dirfd path dirfd path', renameat2: 'dirfd path dirfd path renameflags',
  link: 'path path', linkat: 'dirfd path dirfd path atflags', symlink: 'path path', symlinkat: 'path dirfd path',
  readlink: 'path outbuf size', readlinkat: 'dirfd path outbuf size',
  chmod: 'path mode', fchmod: 'fd mode', fchmodat: 'dirfd path mode', fchmodat2: 'dirfd path mode atflags',
  chown: 'path uid uid', lchown: 'path uid uid', fchown: 'fd uid uid', fchownat: 'dirfd path uid uid atflags',
  chdir: 'path', fchdir: 'fd', chroot: 'path', pivot_root: 'path path', getcwd: 'outbuf size',
  truncate: 'path long', ftruncate: 'fd long', fallocate: 'fd int long long', fsync: 'fd', fdatasync: 'fd',
  mknod: 'path ftmode dev', mknodat: 'dirfd path ftmode dev',
  utime: 'path ptr', utimes: 'path ptr', utimensat: 'dirfd path ptr atflags', futimesat: 'dirfd path ptr',
  getdents: 'fd outbuf size', getdents64: 'fd outbuf size',
  flock: 'fd int', sync: '', syncfs: 'fd', umask: 'mode',
  pipe: 'ptr', pipe2: 'ptr cloexecflags',
  sendfile: 'fd fd ptr size', splice: 'fd ptr fd ptr size hex', tee: 'fd fd size hex',
  copy_file_range: 'fd ptr fd ptr size hex',
  inotify_init: '', inotify_init1: 'cloexecflags', inotify_add_watch: 'fd path hex', inotify_rm_watch: 'fd int',
  fanotify_init: 'hex hex', fanotify_mark: 'fd hex hex dirfd path',
  memfd_create: 'str memfdflags', memfd_secret: 'hex',
  eventfd: 'uint', eventfd2: 'uint cloexecflags', signalfd: 'fd ptr size', signalfd4: 'fd ptr size cloexecflags',
  timerfd_create: 'clockid cloexecflags',
  epoll_create: 'int', epoll_create1: 'cloexecflags', epoll_ctl: 'fd epollop fd ptr',
  epoll_wait: 'fd ptr int int', epoll_pwait: 'fd ptr int int ptr size',
  poll: 'ptr uint int', ppoll: 'ptr uint ptr ptr size', select: 'int ptr ptr ptr ptr', pselect6: 'int ptr ptr ptr ptr ptr',
  _newselect: 'int ptr ptr ptr ptr',
  ioctl: 'fd ioctlreq hex', fcntl: 'fd fcntlcmd fcntlarg@1', fcntl64: 'fd fcntlcmd fcntlarg@1',
  setxattr: 'path str buf@3 size hex', lsetxattr: 'path str buf@3 size hex', fsetxattr: 'fd str buf@3 size hex',
  getxattr: 'path str outbuf size', lgetxattr: 'path str outbuf size', fgetxattr: 'fd str outbuf size',
  listxattr: 'path outbuf size', removexattr: 'path str',
  // processes
  execve: 'path argv envp', execveat: 'dirfd path argv envp atflags',
  fork: '', vfork: '', clone3: 'cloneargs size',
  exit: 'int', exit_group: 'int',
  wait4: 'pid ptr waitoptions ptr', waitid: 'int pid ptr waitoptions ptr', waitpid: 'pid ptr waitoptions',
  kill: 'pid signal', tkill: 'pid signal', tgkill: 'pid pid signal',
  rt_sigqueueinfo: 'pid signal ptr', rt_tgsigqueueinfo: 'pid pid signal ptr',
  pidfd_open: 'pid hex', pidfd_send_signal: 'fd signal ptr hex', pidfd_getfd: 'fd fd hex',
  rt_sigaction: 'signal ptr ptr size', rt_sigprocmask: 'sighow ptr ptr size', sigaltstack: 'ptr ptr',
  rt_sigreturn: '', rt_sigsuspend: 'ptr size', pause: '',
  getpid: '', getppid: '', gettid: '', getuid: '', geteuid: '', getgid: '', getegid: '', getpgrp: '', setsid: '',
  getpgid: 'pid', setpgid: 'pid pid', getsid: 'pid',
  setuid: 'uid', setgid: 'uid', setreuid: 'uid uid', setregid: 'uid uid', setresuid: 'uid uid uid',
  setresgid: 'uid uid uid', setfsuid: 'uid', setfsgid: 'uid', setgroups: 'int ptr', getgroups: 'int ptr',
  capget: 'ptr ptr', capset: 'ptr ptr',
  ptrace: 'ptracereq pid ptr ptr', process_vm_readv: 'pid ptr ulong ptr ulong hex', process_vm_writev: 'pid ptr ulong ptr ulong hex',
  prctl: 'prctlop hex hex hex hex', arch_prctl: 'hex hex', personality: 'hex',
  seccomp: 'seccompop seccompflags ptr',
  unshare: 'unshareflags', setns: 'fd unshareflags',
  getrlimit: 'rlimitres ptr', setrlimit: 'rlimitres ptr', prlimit64: 'pid rlimitres ptr ptr', getrusage: 'int ptr',
  sched_yield: '', sched_setaffinity: 'pid size ptr', sched_getaffinity: 'pid size ptr',
  set_tid_address: 'ptr', set_robust_list: 'ptr size', get_robust_list: 'pid ptr ptr', rseq: 'ptr uint hex hex',
  futex: 'ptr futexop int ptr ptr int',
  nanosleep: 'ptr ptr', clock_nanosleep: 'clockid hex ptr ptr', clock_gettime: 'clockid ptr', clock_getres: 'clockid ptr',
  clock_settime: 'clockid ptr', settimeofday: 'ptr ptr', gettimeofday: 'ptr ptr', time: 'ptr', adjtimex: 'ptr',
  // memory
  brk: 'ptr', mmap: 'ptr size prot mapflags fd hex', mmap2: 'ptr size prot mapflags fd hex', munmap: 'ptr size',
  mprotect: 'ptr size prot', pkey_mprotect: 'ptr size prot int', mremap: 'ptr size size mremapflags ptr',
  madvise: 'ptr size madvise', mlock: 'ptr size', munlock: 'ptr size', mlockall: 'hex', munlockall: '',
  msync: 'ptr size hex', mincore: 'ptr size ptr', mbind: 'ptr size int ptr ulong hex',
  // sockets
  socket: 'sockdomain socktype sockproto@0', socketpair: 'sockdomain socktype sockproto@0 ptr',
  connect: 'fd sockaddr@2 uint', bind: 'fd sockaddr@2 uint', listen: 'fd int',
  accept: 'fd ptr ptr', accept4: 'fd ptr ptr sockflags',
  getsockname: 'fd ptr ptr', getpeername: 'fd ptr ptr',
  sendto: 'fd buf@2 size msgflags sockaddr@5 uint', recvfrom: 'fd outbuf size msgflags ptr ptr',
  send: 'fd buf@2 size msgflags', recv: 'fd outbuf size msgflags',
  sendmsg: 'fd ptr msgflags', recvmsg: 'fd ptr msgflags', sendmmsg: 'fd ptr uint msgflags', recvmmsg: 'fd ptr uint msgflags ptr',
  shutdown: 'fd shuthow', setsockopt: 'fd sockoptlevel int ptr uint', getsockopt: 'fd sockoptlevel int ptr ptr',
  // system
  mount: 'str path str mountflags ptr', umount2: 'path umountflags', umount: 'path', oldumount: 'path',
  swapon: 'path hex', swapoff: 'path', acct: 'path', reboot: 'hex hex hex ptr',
  sethostname: 'buf@1 int', setdomainname: 'buf@1 int', uname: 'ptr', sysinfo: 'ptr', syslog: 'int ptr int',
  init_module: 'ptr ulong str', finit_module: 'fd str hex', delete_module: 'str hex',
  kexec_load: 'hex ulong ptr hex', kexec_file_load: 'fd fd ulong str hex',
  bpf: 'bpfcmd ptr uint', perf_event_open: 'ptr pid int fd hex', getrandom: 'outbuf size grflags',
  keyctl: 'int hex hex hex hex', add_key: 'str str ptr size int', request_key: 'str str str int',
  open_tree: 'dirfd path hex', move_mount: 'dirfd path dirfd path hex', fsopen: 'str hex', fsmount: 'fd hex hex',
  fspick: 'dirfd path hex', fsconfig: 'fd int str ptr int', mount_setattr: 'dirfd path hex ptr size',
  io_uring_setup: 'uint ptr', io_uring_enter: 'fd uint uint hex ptr size', io_uring_register: 'fd uint ptr uint',
  userfaultfd: 'cloexecflags', landlock_create_ruleset: 'ptr size hex', landlock_restrict_self: 'fd hex',
};

const cache = new Map<string, Signature | null>();

function parse(text: string): Signature {
  if (!text) return [];
  return text.split(' ').map((tok) => {
    const [kind, ref] = tok.split('@');
    return ref === undefined ? { kind: kind as ArgKind } : { kind: kind as ArgKind, ref: Number(ref) };
  });
}

// clone(2)'s argument order depends on the arch (kernel/fork.c, CONFIG_CLONE_BACKWARDS*).
const CLONE_X86_64 = parse('cloneflags ptr ptr ptr hex'); // flags, stack, parent_tid, child_tid, tls
const CLONE_BACKWARDS = parse('cloneflags ptr ptr hex ptr'); // flags, stack, parent_tid, tls, child_tid
const CLONE_BACKWARDS2 = parse('ptr cloneflags ptr ptr hex'); // stack, flags, parent_tid, child_tid, tls (s390)

/** Names of clone's arguments in the order an arch passes them (for display). */
export function cloneArgNames(arch?: string): readonly string[] {
  if (arch === 's390' || arch === 's390x') return ['child_stack', 'flags', 'parent_tid', 'child_tidptr', 'tls'];
  if (arch === undefined || arch === 'x86_64' || arch === 'x32' || arch === 'loongarch64') {
    return ['flags', 'child_stack', 'parent_tid', 'child_tidptr', 'tls'];
  }
  return ['flags', 'child_stack', 'parent_tid', 'tls', 'child_tidptr'];
}

/**
 * The signature of `name` on `arch` (libseccomp arch name; default x86_64),
 * or undefined when syswall does not know the syscall's arguments.
 * Names with an `64`/`32` suffix (`fstatfs64`, `chown32`) fall back to the
 * base name's signature.
 */
export function syscallSignature(name: string, arch?: string): Signature | undefined {
  if (name === 'clone') {
    if (arch === 's390' || arch === 's390x') return CLONE_BACKWARDS2;
    if (arch === undefined || arch === 'x86_64' || arch === 'x32' || arch === 'loongarch64') return CLONE_X86_64;
    return CLONE_BACKWARDS;
  }
  let sig = cache.get(name);
  if (sig === undefined) {
    let text = S[name];
    if (text === undefined) {
      const base = name.replace(/(64|32)$/, '');
      if (base !== name) text = S[base];
    }
    sig = text === undefined ? null : parse(text);
    cache.set(name, sig);
  }
  return sig ?? undefined;
}

/** Names of every syscall with a known signature (clone included). */
export function knownSignatures(): string[] {
  return [...Object.keys(S), 'clone'].sort();
}
