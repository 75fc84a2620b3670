/**
 * Symbolic names of syscall argument values (flags, enums, ioctl requests),
 * as the kernel's uapi headers define them for x86, x86_64, arm and aarch64
 * (the "generic" values most other arches share). Where an arch differs and we
 * know it, the table is per arch ({@link openFlagTable}).
 *
 * Tables are `[value, name]` lists. Flag tables list multi-bit names (e.g.
 * `O_SYNC`, which includes `O_DSYNC`) before the single bits they contain,
 * so the formatter can prefer them, as strace does.
 */

/** `[value, name]` pairs. */
export type ValueTable = readonly (readonly [number, string])[];

/** Renders `value` as `A|B|0x40` from a flag table; `zero` is printed for 0. */
export function formatFlags(value: bigint, table: ValueTable, zero = '0'): string {
  let rest = BigInt.asUintN(64, value);
  if (rest === 0n) return zero;
  const parts: string[] = [];
  for (const [bits, name] of table) {
    const b = BigInt(bits >>> 0);
    if (b !== 0n && (rest & b) === b) {
      parts.push(name);
      rest &= ~b;
    }
  }
  if (rest !== 0n) parts.push('0x' + rest.toString(16));
  return parts.join('|');
}

/** Renders `value` as a name from an enum table, or the decimal number. */
export function formatEnum(value: bigint, table: ValueTable, fallback?: (v: bigint) => string): string {
  for (const [v, name] of table) if (BigInt(v) === value) return name;
  return fallback ? fallback(value) : value.toString();
}

// ---------------------------------------------------------------- open(2)

/** Which open-flag layout an arch uses. */
export type OpenFlagLayout = 'generic' | 'arm';

const O_COMMON_HIGH: ValueTable = [
  [0o4010000, 'O_SYNC'], // __O_SYNC | O_DSYNC
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o10000, 'O_DSYNC'], [0o20000, 'O_ASYNC'],
];
const O_COMMON_TAIL: ValueTable = [
  [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'], [0o10000000, 'O_PATH'],
];

/** Open flags (without the access mode) for x86, x86_64, riscv64, s390x, loongarch64 (asm-generic/fcntl.h). */
export const OPEN_FLAGS_GENERIC: ValueTable = [
  [0o20200000, 'O_TMPFILE'], // __O_TMPFILE | O_DIRECTORY
  ...O_COMMON_HIGH,
  [0o40000, 'O_DIRECT'], [0o100000, 'O_LARGEFILE'], [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'],
  ...O_COMMON_TAIL,
];

/** Open flags for arm and aarch64 (arch/arm and arch/arm64 uapi fcntl.h swap four bits). */
export const OPEN_FLAGS_ARM: ValueTable = [
  [0o20040000, 'O_TMPFILE'],
  ...O_COMMON_HIGH,
  [0o40000, 'O_DIRECTORY'], [0o100000, 'O_NOFOLLOW'], [0o200000, 'O_DIRECT'], [0o400000, 'O_LARGEFILE'],
  ...O_COMMON_TAIL,
];

/** The open-flag table for an arch name (libseccomp spelling). */
export function openFlagTable(arch: string | undefined): ValueTable {
  return arch === 'arm' || arch === 'aarch64' ? OPEN_FLAGS_ARM : OPEN_FLAGS_GENERIC;
}

/** `O_CREAT` and the `__O_TMPFILE` bit: open's mode argument is only meaningful with these. */
export const O_CREAT = 0o100;
export const O_TMPFILE_BIT = 0o20000000;

/** Formats open(2) flags: the access mode, then the other flags (`O_RDONLY|O_CLOEXEC`). */
export function formatOpenFlags(value: bigint, arch?: string): string {
  const v = BigInt.asUintN(32, value);
  const acc = Number(v & 3n);
  const accName = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][acc];
  const rest = v & ~3n;
  return rest === 0n ? accName : accName + '|' + formatFlags(rest, openFlagTable(arch));
}

/** Flags that pipe2, dup3, eventfd, signalfd, inotify_init1 and friends take (O_CLOEXEC, O_NONBLOCK, O_DIRECT). */
export const CLOEXEC_NONBLOCK_FLAGS: ValueTable = [[0o2000000, 'O_CLOEXEC'], [0o4000, 'O_NONBLOCK'], [0o40000, 'O_DIRECT']];

// ------------------------------------------------------ *at(2) and friends

/** `AT_FDCWD` as a 32-bit signed int. */
export const AT_FDCWD = -100;

/** AT_* flags of the *at syscalls (fcntl.h). */
export const AT_FLAGS: ValueTable = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_REMOVEDIR'], [0x400, 'AT_SYMLINK_FOLLOW'],
  [0x800, 'AT_NO_AUTOMOUNT'], [0x1000, 'AT_EMPTY_PATH'], [0x2000, 'AT_STATX_FORCE_SYNC'],
  [0x4000, 'AT_STATX_DONT_SYNC'], [0x8000, 'AT_RECURSIVE'],
];

/** access(2) modes. */
export const ACCESS_MODES: ValueTable = [[4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']];

/** renameat2(2) flags. */
export const RENAME_FLAGS: ValueTable = [[1, 'RENAME_NOREPLACE'], [2, 'RENAME_EXCHANGE'], [4, 'RENAME_WHITEOUT']];

/** lseek(2) whence. */
export const SEEK_WHENCE: ValueTable = [[0, 'SEEK_SET'], [1, 'SEEK_CUR'], [2, 'SEEK_END'], [3, 'SEEK_DATA'], [4, 'SEEK_HOLE']];

/** File type bits of a mode (mknod). */
export const S_IF: ValueTable = [
  [0o140000, 'S_IFSOCK'], [0o120000, 'S_IFLNK'], [0o100000, 'S_IFREG'], [0o60000, 'S_IFBLK'],
  [0o40000, 'S_IFDIR'], [0o20000, 'S_IFCHR'], [0o10000, 'S_IFIFO'],
];

/** Formats a permission mode in octal as strace does (`0755`, `0`, `S_ISUID|0755`). */
export function formatMode(value: bigint, withType = false): string {
  let v = Number(BigInt.asUintN(32, value));
  const parts: string[] = [];
  if (withType) {
    const t = v & 0o170000;
    if (t) {
      const name = S_IF.find(([bits]) => bits === t)?.[1];
      parts.push(name ?? '0' + t.toString(8));
      v &= ~0o170000;
    }
  }
  if (v & 0o4000) parts.push('S_ISUID');
  if (v & 0o2000) parts.push('S_ISGID');
  if (v & 0o1000) parts.push('S_ISVTX');
  const perm = v & ~0o7000;
  if (perm || parts.length === 0) parts.push(perm === 0 ? '0' : '0' + perm.toString(8));
  return parts.join('|');
}

// ---------------------------------------------------------------- sockets

/** Address families (linux/socket.h). */
export const ADDRESS_FAMILIES: ValueTable = [
  [0, 'AF_UNSPEC'], [1, 'AF_UNIX'], [2, 'AF_INET'], [3, 'AF_AX25'], [4, 'AF_IPX'], [5, 'AF_APPLETALK'],
  [6, 'AF_NETROM'], [7, 'AF_BRIDGE'], [8, 'AF_ATMPVC'], [9, 'AF_X25'], [10, 'AF_INET6'], [11, 'AF_ROSE'],
  [12, 'AF_DECnet'], [13, 'AF_NETBEUI'], [14, 'AF_SECURITY'], [15, 'AF_KEY'], [16, 'AF_NETLINK'],
  [17, 'AF_PACKET'], [18, 'AF_ASH'], [19, 'AF_ECONET'], [20, 'AF_ATMSVC'], [21, 'AF_RDS'], [22, 'AF_SNA'],
  [23, 'AF_IRDA'], [24, 'AF_PPPOX'], [25, 'AF_WANPIPE'], [26, 'AF_LLC'], [27, 'AF_IB'], [28, 'AF_MPLS'],
  [29, 'AF_CAN'], [30, 'AF_TIPC'], [31, 'AF_BLUETOOTH'], [32, 'AF_IUCV'], [33, 'AF_RXRPC'], [34, 'AF_ISDN'],
  [35, 'AF_PHONET'], [36, 'AF_IEEE802154'], [37, 'AF_CAIF'], [38, 'AF_ALG'], [39, 'AF_NFC'], [40, 'AF_VSOCK'],
  [41, 'AF_KCM'], [42, 'AF_QIPCRTR'], [43, 'AF_SMC'], [44, 'AF_XDP'], [45, 'AF_MCTP'],
];

/** Socket types (the low 4 bits of socket's type argument). */
export const SOCKET_TYPES: ValueTable = [
  [1, 'SOCK_STREAM'], [2, 'SOCK_DGRAM'], [3, 'SOCK_RAW'], [4, 'SOCK_RDM'], [5, 'SOCK_SEQPACKET'],
  [6, 'SOCK_DCCP'], [10, 'SOCK_PACKET'],
];

/** Flags or'ed into socket's type (and accept4's, socketpair's flags). */
export const SOCKET_FLAGS: ValueTable = [[0o2000000, 'SOCK_CLOEXEC'], [0o4000, 'SOCK_NONBLOCK']];

/** Formats socket(2)'s type: `SOCK_STREAM|SOCK_CLOEXEC`. */
export function formatSocketType(value: bigint): string {
  const v = BigInt.asUintN(32, value);
  const base = formatEnum(v & 0xfn, SOCKET_TYPES);
  const rest = v & ~0xfn;
  return rest === 0n ? base : base + '|' + formatFlags(rest, SOCKET_FLAGS);
}

/** IP protocols (netinet/in.h). */
export const IP_PROTOCOLS: ValueTable = [
  [0, 'IPPROTO_IP'], [1, 'IPPROTO_ICMP'], [2, 'IPPROTO_IGMP'], [4, 'IPPROTO_IPIP'], [6, 'IPPROTO_TCP'],
  [8, 'IPPROTO_EGP'], [12, 'IPPROTO_PUP'], [17, 'IPPROTO_UDP'], [22, 'IPPROTO_IDP'], [29, 'IPPROTO_TP'],
  [33, 'IPPROTO_DCCP'], [41, 'IPPROTO_IPV6'], [46, 'IPPROTO_RSVP'], [47, 'IPPROTO_GRE'], [50, 'IPPROTO_ESP'],
  [51, 'IPPROTO_AH'], [58, 'IPPROTO_ICMPV6'], [92, 'IPPROTO_MTP'], [94, 'IPPROTO_BEETPH'], [98, 'IPPROTO_ENCAP'],
  [103, 'IPPROTO_PIM'], [108, 'IPPROTO_COMP'], [115, 'IPPROTO_L2TP'], [132, 'IPPROTO_SCTP'],
  [136, 'IPPROTO_UDPLITE'], [137, 'IPPROTO_MPLS'], [143, 'IPPROTO_ETHERNET'], [255, 'IPPROTO_RAW'],
  [262, 'IPPROTO_MPTCP'],
];

/** Netlink protocols (linux/netlink.h). */
export const NETLINK_PROTOCOLS: ValueTable = [
  [0, 'NETLINK_ROUTE'], [1, 'NETLINK_UNUSED'], [2, 'NETLINK_USERSOCK'], [3, 'NETLINK_FIREWALL'],
  [4, 'NETLINK_SOCK_DIAG'], [5, 'NETLINK_NFLOG'], [6, 'NETLINK_XFRM'], [7, 'NETLINK_SELINUX'],
  [8, 'NETLINK_ISCSI'], [9, 'NETLINK_AUDIT'], [10, 'NETLINK_FIB_LOOKUP'], [11, 'NETLINK_CONNECTOR'],
  [12, 'NETLINK_NETFILTER'], [13, 'NETLINK_IP6_FW'], [14, 'NETLINK_DNRTMSG'], [15, 'NETLINK_KOBJECT_UEVENT'],
  [16, 'NETLINK_GENERIC'], [18, 'NETLINK_SCSITRANSPORT'], [19, 'NETLINK_ECRYPTFS'], [20, 'NETLINK_RDMA'],
  [21, 'NETLINK_CRYPTO'], [22, 'NETLINK_SMC'],
];

/** Ethernet protocol ids for AF_PACKET (printed as `htons(ETH_P_ALL)`). */
export const ETH_PROTOCOLS: ValueTable = [
  [0x0003, 'ETH_P_ALL'], [0x0800, 'ETH_P_IP'], [0x0806, 'ETH_P_ARP'], [0x86dd, 'ETH_P_IPV6'], [0x8100, 'ETH_P_8021Q'],
];

/** Formats socket's protocol given its domain, as strace does. */
export function formatSocketProtocol(value: bigint, domain: bigint): string {
  const d = Number(BigInt.asUintN(32, domain));
  const v = BigInt.asUintN(32, value);
  if (d === 2 || d === 10) return formatEnum(v, IP_PROTOCOLS);
  if (d === 16) return formatEnum(v, NETLINK_PROTOCOLS);
  if (d === 17) {
    const host = ((Number(v) & 0xff) << 8) | ((Number(v) >> 8) & 0xff);
    const name = ETH_PROTOCOLS.find(([x]) => x === host)?.[1];
    return name && v < 0x10000n ? `htons(${name})` : v.toString();
  }
  return v.toString();
}

/** send/recv message flags (MSG_*). */
export const MSG_FLAGS: ValueTable = [
  [0x1, 'MSG_OOB'], [0x2, 'MSG_PEEK'], [0x4, 'MSG_DONTROUTE'], [0x8, 'MSG_CTRUNC'], [0x10, 'MSG_PROXY'],
  [0x20, 'MSG_TRUNC'], [0x40, 'MSG_DONTWAIT'], [0x80, 'MSG_EOR'], [0x100, 'MSG_WAITALL'], [0x200, 'MSG_FIN'],
  [0x400, 'MSG_SYN'], [0x800, 'MSG_CONFIRM'], [0x1000, 'MSG_RST'], [0x2000, 'MSG_ERRQUEUE'],
  [0x4000, 'MSG_NOSIGNAL'], [0x8000, 'MSG_MORE'], [0x10000, 'MSG_WAITFORONE'], [0x40000, 'MSG_BATCH'],
  [0x4000000, 'MSG_ZEROCOPY'], [0x20000000, 'MSG_FASTOPEN'], [0x40000000, 'MSG_CMSG_CLOEXEC'],
];

/** shutdown(2) how. */
export const SHUTDOWN_HOW: ValueTable = [[0, 'SHUT_RD'], [1, 'SHUT_WR'], [2, 'SHUT_RDWR']];

/** Socket option levels (the common ones). */
export const SOCKOPT_LEVELS: ValueTable = [
  [0, 'SOL_IP'], [1, 'SOL_SOCKET'], [6, 'SOL_TCP'], [17, 'SOL_UDP'], [41, 'SOL_IPV6'], [58, 'SOL_ICMPV6'],
  [255, 'SOL_RAW'], [263, 'SOL_PACKET'], [270, 'SOL_NETLINK'], [274, 'SOL_BLUETOOTH'], [279, 'SOL_ALG'],
];

// ---------------------------------------------------------------- processes

/** clone(2) flags (linux/sched.h); the low byte is the exit signal. */
export const CLONE_FLAGS: ValueTable = [
  [0x100, 'CLONE_VM'], [0x200, 'CLONE_FS'], [0x400, 'CLONE_FILES'], [0x800, 'CLONE_SIGHAND'],
  [0x1000, 'CLONE_PIDFD'], [0x2000, 'CLONE_PTRACE'], [0x4000, 'CLONE_VFORK'], [0x8000, 'CLONE_PARENT'],
  [0x10000, 'CLONE_THREAD'], [0x20000, 'CLONE_NEWNS'], [0x40000, 'CLONE_SYSVSEM'], [0x80000, 'CLONE_SETTLS'],
  [0x100000, 'CLONE_PARENT_SETTID'], [0x200000, 'CLONE_CHILD_CLEARTID'], [0x400000, 'CLONE_DETACHED'],
  [0x800000, 'CLONE_UNTRACED'], [0x1000000, 'CLONE_CHILD_SETTID'], [0x2000000, 'CLONE_NEWCGROUP'],
  [0x4000000, 'CLONE_NEWUTS'], [0x8000000, 'CLONE_NEWIPC'], [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'], [0x40000000, 'CLONE_NEWNET'], [0x80000000, 'CLONE_IO'],
];

/** unshare(2) / setns(2) flags: clone's namespace and sharing flags, plus CLONE_NEWTIME. */
export const UNSHARE_FLAGS: ValueTable = [[0x80, 'CLONE_NEWTIME'], ...CLONE_FLAGS];

/** clone3's extra flags (64-bit). */
export const CLONE3_EXTRA_FLAGS: ValueTable = [[0x80, 'CLONE_NEWTIME']];

/** Formats clone(2) flags: `CLONE_VM|CLONE_FS|SIGCHLD` (exit signal in the low byte). */
export function formatCloneFlags(value: bigint): string {
  const v = BigInt.asUintN(64, value);
  const sig = v & 0xffn;
  const rest = v & ~0xffn;
  const parts: string[] = [];
  if (rest !== 0n) parts.push(formatFlags(rest, CLONE_FLAGS));
  if (sig !== 0n) parts.push(formatSignal(sig));
  return parts.length ? parts.join('|') : '0';
}

/** wait4/waitid options. */
export const WAIT_OPTIONS: ValueTable = [
  [1, 'WNOHANG'], [2, 'WUNTRACED'], [4, 'WEXITED'], [8, 'WCONTINUED'], [0x1000000, 'WNOWAIT'],
  [0x20000000, '__WNOTHREAD'], [0x40000000, '__WALL'], [0x80000000, '__WCLONE'],
];

/** ptrace(2) requests. */
export const PTRACE_REQUESTS: ValueTable = [
  [0, 'PTRACE_TRACEME'], [1, 'PTRACE_PEEKTEXT'], [2, 'PTRACE_PEEKDATA'], [3, 'PTRACE_PEEKUSER'],
  [4, 'PTRACE_POKETEXT'], [5, 'PTRACE_POKEDATA'], [6, 'PTRACE_POKEUSER'], [7, 'PTRACE_CONT'], [8, 'PTRACE_KILL'],
  [9, 'PTRACE_SINGLESTEP'], [12, 'PTRACE_GETREGS'], [13, 'PTRACE_SETREGS'], [16, 'PTRACE_ATTACH'],
  [17, 'PTRACE_DETACH'], [24, 'PTRACE_SYSCALL'], [0x4200, 'PTRACE_SETOPTIONS'], [0x4201, 'PTRACE_GETEVENTMSG'],
  [0x4202, 'PTRACE_GETSIGINFO'], [0x4203, 'PTRACE_SETSIGINFO'], [0x4204, 'PTRACE_GETREGSET'],
  [0x4205, 'PTRACE_SETREGSET'], [0x4206, 'PTRACE_SEIZE'], [0x4207, 'PTRACE_INTERRUPT'], [0x4208, 'PTRACE_LISTEN'],
  [0x4209, 'PTRACE_PEEKSIGINFO'], [0x420a, 'PTRACE_GETSIGMASK'], [0x420b, 'PTRACE_SETSIGMASK'],
  [0x420c, 'PTRACE_SECCOMP_GET_FILTER'], [0x420d, 'PTRACE_SECCOMP_GET_METADATA'],
  [0x420e, 'PTRACE_GET_SYSCALL_INFO'],
];

/** Resource limits (getrlimit/setrlimit/prlimit64). */
export const RLIMIT_RESOURCES: ValueTable = [
  [0, 'RLIMIT_CPU'], [1, 'RLIMIT_FSIZE'], [2, 'RLIMIT_DATA'], [3, 'RLIMIT_STACK'], [4, 'RLIMIT_CORE'],
  [5, 'RLIMIT_RSS'], [6, 'RLIMIT_NPROC'], [7, 'RLIMIT_NOFILE'], [8, 'RLIMIT_MEMLOCK'], [9, 'RLIMIT_AS'],
  [10, 'RLIMIT_LOCKS'], [11, 'RLIMIT_SIGPENDING'], [12, 'RLIMIT_MSGQUEUE'], [13, 'RLIMIT_NICE'],
  [14, 'RLIMIT_RTPRIO'], [15, 'RLIMIT_RTTIME'],
];

// ---------------------------------------------------------------- signals

/** Signal names for x86, arm, aarch64, riscv, s390, ppc (asm-generic signal numbers). */
export const SIGNALS: ValueTable = [
  [1, 'SIGHUP'], [2, 'SIGINT'], [3, 'SIGQUIT'], [4, 'SIGILL'], [5, 'SIGTRAP'], [6, 'SIGABRT'], [7, 'SIGBUS'],
  [8, 'SIGFPE'], [9, 'SIGKILL'], [10, 'SIGUSR1'], [11, 'SIGSEGV'], [12, 'SIGUSR2'], [13, 'SIGPIPE'],
  [14, 'SIGALRM'], [15, 'SIGTERM'], [16, 'SIGSTKFLT'], [17, 'SIGCHLD'], [18, 'SIGCONT'], [19, 'SIGSTOP'],
  [20, 'SIGTSTP'], [21, 'SIGTTIN'], [22, 'SIGTTOU'], [23, 'SIGURG'], [24, 'SIGXCPU'], [25, 'SIGXFSZ'],
  [26, 'SIGVTALRM'], [27, 'SIGPROF'], [28, 'SIGWINCH'], [29, 'SIGIO'], [30, 'SIGPWR'], [31, 'SIGSYS'],
];

/** Formats a signal number: `SIGTERM`, `SIGRTMIN`, `SIGRT_3`, `0`, or the number. */
export function formatSignal(value: bigint): string {
  const v = BigInt.asIntN(32, value);
  if (v === 32n) return 'SIGRTMIN';
  if (v > 32n && v <= 64n) return `SIGRT_${v - 32n}`;
  return formatEnum(v, SIGNALS);
}

/** The number of a signal name (`SIGTERM` or `TERM`), or undefined. */
export function signalNumber(name: string): number | undefined {
  const n = name.toUpperCase().startsWith('SIG') ? name.toUpperCase() : 'SIG' + name.toUpperCase();
  return SIGNALS.find(([, s]) => s === n)?.[0];
}

/** rt_sigprocmask how. */
export const SIGPROCMASK_HOW: ValueTable = [[0, 'SIG_BLOCK'], [1, 'SIG_UNBLOCK'], [2, 'SIG_SETMASK']];

// ---------------------------------------------------------------- memory

/** mmap/mprotect protection bits. */
export const PROT_FLAGS: ValueTable = [
  [1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC'], [8, 'PROT_SEM'], [0x10, 'PROT_BTI'], [0x20, 'PROT_MTE'],
  [0x01000000, 'PROT_GROWSDOWN'], [0x02000000, 'PROT_GROWSUP'],
];

/** mmap flags beyond the sharing type (x86/arm/generic values; MAP_32BIT is x86 only). */
export const MAP_FLAGS: ValueTable = [
  [0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'], [0x40, 'MAP_32BIT'], [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'], [0x1000, 'MAP_EXECUTABLE'], [0x2000, 'MAP_LOCKED'], [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'], [0x10000, 'MAP_NONBLOCK'], [0x20000, 'MAP_STACK'], [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'], [0x100000, 'MAP_FIXED_NOREPLACE'], [0x4000000, 'MAP_UNINITIALIZED'],
];

/** Formats mmap flags: `MAP_PRIVATE|MAP_ANONYMOUS`. */
export function formatMapFlags(value: bigint): string {
  const v = BigInt.asUintN(32, value);
  const type = Number(v & 0xfn);
  const typeName = [undefined, 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'][type] ?? `0x${type.toString(16)}`;
  let rest = v & ~0xfn;
  const parts = type === 0 && rest !== 0n ? [] : [type === 0 ? '0' : typeName];
  // MAP_HUGE_* page-size encoding in bits 26..31 (only meaningful with MAP_HUGETLB).
  const huge = (rest >> 26n) & 0x3fn;
  if ((rest & 0x40000n) !== 0n && huge !== 0n) {
    rest &= ~(0x3fn << 26n);
    const flags = formatFlags(rest, MAP_FLAGS, '');
    if (flags) parts.push(flags);
    parts.push(`${huge}<<MAP_HUGE_SHIFT`);
    return parts.join('|');
  }
  if (rest !== 0n) parts.push(formatFlags(rest, MAP_FLAGS));
  return parts.join('|');
}

/** madvise(2) advice. */
export const MADVISE: ValueTable = [
  [0, 'MADV_NORMAL'], [1, 'MADV_RANDOM'], [2, 'MADV_SEQUENTIAL'], [3, 'MADV_WILLNEED'], [4, 'MADV_DONTNEED'],
  [8, 'MADV_FREE'], [9, 'MADV_REMOVE'], [10, 'MADV_DONTFORK'], [11, 'MADV_DOFORK'], [12, 'MADV_MERGEABLE'],
  [13, 'MADV_UNMERGEABLE'], [14, 'MADV_HUGEPAGE'], [15, 'MADV_NOHUGEPAGE'], [16, 'MADV_DONTDUMP'],
  [17, 'MADV_DODUMP'], [18, 'MADV_WIPEONFORK'], [19, 'MADV_KEEPONFORK'], [20, 'MADV_COLD'], [21, 'MADV_PAGEOUT'],
  [22, 'MADV_POPULATE_READ'], [23, 'MADV_POPULATE_WRITE'], [24, 'MADV_DONTNEED_LOCKED'], [25, 'MADV_COLLAPSE'],
  [100, 'MADV_HWPOISON'], [101, 'MADV_SOFT_OFFLINE'],
];

/** mremap(2) flags. */
export const MREMAP_FLAGS: ValueTable = [[1, 'MREMAP_MAYMOVE'], [2, 'MREMAP_FIXED'], [4, 'MREMAP_DONTUNMAP']];

/** memfd_create(2) flags. */
export const MEMFD_FLAGS: ValueTable = [
  [1, 'MFD_CLOEXEC'], [2, 'MFD_ALLOW_SEALING'], [4, 'MFD_HUGETLB'], [8, 'MFD_NOEXEC_SEAL'], [0x10, 'MFD_EXEC'],
];

// ---------------------------------------------------------------- fcntl

/** fcntl(2) commands (64-bit arches: F_GETLK64 and friends equal F_GETLK there). */
export const FCNTL_COMMANDS: ValueTable = [
  [0, 'F_DUPFD'], [1, 'F_GETFD'], [2, 'F_SETFD'], [3, 'F_GETFL'], [4, 'F_SETFL'], [5, 'F_GETLK'],
  [6, 'F_SETLK'], [7, 'F_SETLKW'], [8, 'F_SETOWN'], [9, 'F_GETOWN'], [10, 'F_SETSIG'], [11, 'F_GETSIG'],
  [12, 'F_GETLK64'], [13, 'F_SETLK64'], [14, 'F_SETLKW64'], [15, 'F_SETOWN_EX'], [16, 'F_GETOWN_EX'],
  [17, 'F_GETOWNER_UIDS'], [36, 'F_OFD_GETLK'], [37, 'F_OFD_SETLK'], [38, 'F_OFD_SETLKW'],
  [1024, 'F_SETLEASE'], [1025, 'F_GETLEASE'], [1026, 'F_NOTIFY'], [1029, 'F_CANCELLK'], [1030, 'F_DUPFD_CLOEXEC'],
  [1031, 'F_SETPIPE_SZ'], [1032, 'F_GETPIPE_SZ'], [1033, 'F_ADD_SEALS'], [1034, 'F_GET_SEALS'],
  [1035, 'F_GET_RW_HINT'], [1036, 'F_SET_RW_HINT'], [1037, 'F_GET_FILE_RW_HINT'], [1038, 'F_SET_FILE_RW_HINT'],
];

/** fcntl F_ADD_SEALS seals. */
export const SEAL_FLAGS: ValueTable = [
  [1, 'F_SEAL_SEAL'], [2, 'F_SEAL_SHRINK'], [4, 'F_SEAL_GROW'], [8, 'F_SEAL_WRITE'], [0x10, 'F_SEAL_FUTURE_WRITE'], [0x20, 'F_SEAL_EXEC'],
];

/** fcntl F_SETLEASE lease types. */
export const LEASE_TYPES: ValueTable = [[0, 'F_RDLCK'], [1, 'F_WRLCK'], [2, 'F_UNLCK']];

// ---------------------------------------------------------------- prctl

/** prctl(2) options (linux/prctl.h). */
export const PRCTL_OPTIONS: ValueTable = [
  [1, 'PR_SET_PDEATHSIG'], [2, 'PR_GET_PDEATHSIG'], [3, 'PR_GET_DUMPABLE'], [4, 'PR_SET_DUMPABLE'],
  [5, 'PR_GET_UNALIGN'], [6, 'PR_SET_UNALIGN'], [7, 'PR_GET_KEEPCAPS'], [8, 'PR_SET_KEEPCAPS'],
  [9, 'PR_GET_FPEMU'], [10, 'PR_SET_FPEMU'], [11, 'PR_GET_FPEXC'], [12, 'PR_SET_FPEXC'], [13, 'PR_GET_TIMING'],
  [14, 'PR_SET_TIMING'], [15, 'PR_SET_NAME'], [16, 'PR_GET_NAME'], [19, 'PR_GET_ENDIAN'], [20, 'PR_SET_ENDIAN'],
  [21, 'PR_GET_SECCOMP'], [22, 'PR_SET_SECCOMP'], [23, 'PR_CAPBSET_READ'], [24, 'PR_CAPBSET_DROP'],
  [25, 'PR_GET_TSC'], [26, 'PR_SET_TSC'], [27, 'PR_GET_SECUREBITS'], [28, 'PR_SET_SECUREBITS'],
  [29, 'PR_SET_TIMERSLACK'], [30, 'PR_GET_TIMERSLACK'], [31, 'PR_TASK_PERF_EVENTS_DISABLE'],
  [32, 'PR_TASK_PERF_EVENTS_ENABLE'], [33, 'PR_MCE_KILL'], [34, 'PR_MCE_KILL_GET'], [35, 'PR_SET_MM'],
  [36, 'PR_SET_CHILD_SUBREAPER'], [37, 'PR_GET_CHILD_SUBREAPER'], [38, 'PR_SET_NO_NEW_PRIVS'],
  [39, 'PR_GET_NO_NEW_PRIVS'], [40, 'PR_GET_TID_ADDRESS'], [41, 'PR_SET_THP_DISABLE'], [42, 'PR_GET_THP_DISABLE'],
  [43, 'PR_MPX_ENABLE_MANAGEMENT'], [44, 'PR_MPX_DISABLE_MANAGEMENT'], [45, 'PR_SET_FP_MODE'],
  [46, 'PR_GET_FP_MODE'], [47, 'PR_CAP_AMBIENT'], [50, 'PR_SVE_SET_VL'], [51, 'PR_SVE_GET_VL'],
  [52, 'PR_GET_SPECULATION_CTRL'], [53, 'PR_SET_SPECULATION_CTRL'], [54, 'PR_PAC_RESET_KEYS'],
  [55, 'PR_SET_TAGGED_ADDR_CTRL'], [56, 'PR_GET_TAGGED_ADDR_CTRL'], [57, 'PR_SET_IO_FLUSHER'],
  [58, 'PR_GET_IO_FLUSHER'], [59, 'PR_SET_SYSCALL_USER_DISPATCH'], [60, 'PR_PAC_SET_ENABLED_KEYS'],
  [61, 'PR_PAC_GET_ENABLED_KEYS'], [62, 'PR_SCHED_CORE'], [63, 'PR_SME_SET_VL'], [64, 'PR_SME_GET_VL'],
  [65, 'PR_SET_MDWE'], [66, 'PR_GET_MDWE'], [67, 'PR_SET_MEMORY_MERGE'], [68, 'PR_GET_MEMORY_MERGE'],
  [0x53564d41, 'PR_SET_VMA'], [0x59616d61, 'PR_SET_PTRACER'],
];

// ---------------------------------------------------------------- ioctl

/** ioctl requests syswall names (x86/arm/aarch64/generic values; ppc, mips, sparc differ). */
export const IOCTL_REQUESTS: ValueTable = [
  [0x5401, 'TCGETS'], [0x5402, 'TCSETS'], [0x5403, 'TCSETSW'], [0x5404, 'TCSETSF'], [0x5405, 'TCGETA'],
  [0x5406, 'TCSETA'], [0x5407, 'TCSETAW'], [0x5408, 'TCSETAF'], [0x5409, 'TCSBRK'], [0x540a, 'TCXONC'],
  [0x540b, 'TCFLSH'], [0x540c, 'TIOCEXCL'], [0x540d, 'TIOCNXCL'], [0x540e, 'TIOCSCTTY'], [0x540f, 'TIOCGPGRP'],
  [0x5410, 'TIOCSPGRP'], [0x5411, 'TIOCOUTQ'], [0x5412, 'TIOCSTI'], [0x5413, 'TIOCGWINSZ'], [0x5414, 'TIOCSWINSZ'],
  [0x5415, 'TIOCMGET'], [0x5416, 'TIOCMBIS'], [0x5417, 'TIOCMBIC'], [0x5418, 'TIOCMSET'], [0x5419, 'TIOCGSOFTCAR'],
  [0x541a, 'TIOCSSOFTCAR'], [0x541b, 'FIONREAD'], [0x541c, 'TIOCLINUX'], [0x541d, 'TIOCCONS'],
  [0x541e, 'TIOCGSERIAL'], [0x541f, 'TIOCSSERIAL'], [0x5420, 'TIOCPKT'], [0x5421, 'FIONBIO'], [0x5422, 'TIOCNOTTY'],
  [0x5423, 'TIOCSETD'], [0x5424, 'TIOCGETD'], [0x5425, 'TCSBRKP'], [0x5427, 'TIOCSBRK'], [0x5428, 'TIOCCBRK'],
  [0x5429, 'TIOCGSID'], [0x802c542a, 'TCGETS2'], [0x402c542b, 'TCSETS2'], [0x80045430, 'TIOCGPTN'],
  [0x40045431, 'TIOCSPTLCK'], [0x80045432, 'TIOCGDEV'], [0x40045436, 'TIOCSIG'], [0x5437, 'TIOCVHANGUP'],
  [0x80045438, 'TIOCGPKT'], [0x80045439, 'TIOCGPTLCK'], [0x80045440, 'TIOCGEXCL'], [0x5441, 'TIOCGPTPEER'],
  [0x5450, 'FIONCLEX'], [0x5451, 'FIOCLEX'], [0x5452, 'FIOASYNC'], [0x5453, 'TIOCSERCONFIG'],
  [0x5454, 'TIOCSERGWILD'], [0x5455, 'TIOCSERSWILD'], [0x5456, 'TIOCGLCKTRMIOS'], [0x5457, 'TIOCSLCKTRMIOS'],
  [0x5459, 'TIOCSERGETLSR'], [0x545c, 'TIOCMIWAIT'], [0x545d, 'TIOCGICOUNT'], [0x5460, 'FIOQSIZE'],
  [0x40049409, 'FICLONE'], [0x4020940d, 'FICLONERANGE'], [0xc020660b, 'FS_IOC_FIEMAP'],
  [0x80086601, 'FS_IOC_GETFLAGS'], [0x40086602, 'FS_IOC_SETFLAGS'], [0x80087601, 'FS_IOC_GETVERSION'],
  [0x1, 'FIBMAP'], [0x2, 'FIGETBSZ'], [0x8901, 'FIOSETOWN'], [0x8902, 'SIOCSPGRP'], [0x8903, 'FIOGETOWN'],
  [0x8904, 'SIOCGPGRP'], [0x8905, 'SIOCATMARK'], [0x8906, 'SIOCGSTAMP_OLD'], [0x890b, 'SIOCADDRT'],
  [0x890c, 'SIOCDELRT'], [0x8910, 'SIOCGIFNAME'], [0x8912, 'SIOCGIFCONF'], [0x8913, 'SIOCGIFFLAGS'],
  [0x8914, 'SIOCSIFFLAGS'], [0x8915, 'SIOCGIFADDR'], [0x8916, 'SIOCSIFADDR'], [0x8919, 'SIOCGIFBRDADDR'],
  [0x891b, 'SIOCGIFNETMASK'], [0x8921, 'SIOCGIFMTU'], [0x8922, 'SIOCSIFMTU'], [0x8927, 'SIOCGIFHWADDR'],
  [0x8933, 'SIOCGIFINDEX'], [0x8942, 'SIOCGIFCOUNT'], [0x8946, 'SIOCETHTOOL'], [0x89a0, 'SIOCBRADDBR'],
  [0x1261, 'BLKFLSBUF'], [0x1260, 'BLKGETSIZE'], [0x80081272, 'BLKGETSIZE64'], [0x1268, 'BLKSSZGET'],
  [0x4c00, 'LOOP_SET_FD'], [0x4c01, 'LOOP_CLR_FD'], [0x4c82, 'LOOP_CTL_GET_FREE'],
  [0xc0502100, 'SECCOMP_IOCTL_NOTIF_RECV'], [0xc0182101, 'SECCOMP_IOCTL_NOTIF_SEND'],
  [0x40082102, 'SECCOMP_IOCTL_NOTIF_ID_VALID'], [0x80082102, 'SECCOMP_IOCTL_NOTIF_ID_VALID_WRONG_DIR'], [0x40182103, 'SECCOMP_IOCTL_NOTIF_ADDFD'],
  [0x40082104, 'SECCOMP_IOCTL_NOTIF_SET_FLAGS'],
];

const IOC_DIRS = ['_IOC_NONE', '_IOC_WRITE', '_IOC_READ', '_IOC_READ|_IOC_WRITE'];

/** Formats an ioctl request: its name where known, else `_IOC(dir, type, nr, size)` or hex. */
export function formatIoctlRequest(value: bigint): string {
  const v = Number(BigInt.asUintN(32, value));
  const name = IOCTL_REQUESTS.find(([x]) => x >>> 0 === v)?.[1];
  if (name) return name;
  const dir = (v >>> 30) & 3;
  const size = (v >>> 16) & 0x3fff;
  const type = (v >>> 8) & 0xff;
  const nr = v & 0xff;
  if (dir === 0 && size === 0) return '0x' + v.toString(16);
  return `_IOC(${IOC_DIRS[dir]}, 0x${type.toString(16)}, 0x${nr.toString(16)}, 0x${size.toString(16)})`;
}

// ---------------------------------------------------------------- misc

/** futex(2) operations (low 7 bits), plus the PRIVATE and CLOCK_REALTIME bits. */
export const FUTEX_OPS: ValueTable = [
  [0, 'FUTEX_WAIT'], [1, 'FUTEX_WAKE'], [2, 'FUTEX_FD'], [3, 'FUTEX_REQUEUE'], [4, 'FUTEX_CMP_REQUEUE'],
  [5, 'FUTEX_WAKE_OP'], [6, 'FUTEX_LOCK_PI'], [7, 'FUTEX_UNLOCK_PI'], [8, 'FUTEX_TRYLOCK_PI'],
  [9, 'FUTEX_WAIT_BITSET'], [10, 'FUTEX_WAKE_BITSET'], [11, 'FUTEX_WAIT_REQUEUE_PI'],
  [12, 'FUTEX_CMP_REQUEUE_PI'], [13, 'FUTEX_LOCK_PI2'],
];

/** Formats a futex op: `FUTEX_WAIT_PRIVATE`, `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`. */
export function formatFutexOp(value: bigint): string {
  const v = Number(BigInt.asUintN(32, value));
  const op = formatEnum(BigInt(v & 0x7f), FUTEX_OPS);
  let s = op + (v & 128 ? '_PRIVATE' : '');
  if (v & 256) s += '|FUTEX_CLOCK_REALTIME';
  const rest = v & ~0x1ff;
  if (rest) s += '|0x' + rest.toString(16);
  return s;
}

/** Clock ids. */
export const CLOCK_IDS: ValueTable = [
  [0, 'CLOCK_REALTIME'], [1, 'CLOCK_MONOTONIC'], [2, 'CLOCK_PROCESS_CPUTIME_ID'], [3, 'CLOCK_THREAD_CPUTIME_ID'],
  [4, 'CLOCK_MONOTONIC_RAW'], [5, 'CLOCK_REALTIME_COARSE'], [6, 'CLOCK_MONOTONIC_COARSE'], [7, 'CLOCK_BOOTTIME'],
  [8, 'CLOCK_REALTIME_ALARM'], [9, 'CLOCK_BOOTTIME_ALARM'], [11, 'CLOCK_TAI'],
];

/** mount(2) flags (MS_*). */
export const MOUNT_FLAGS: ValueTable = [
  [1, 'MS_RDONLY'], [2, 'MS_NOSUID'], [4, 'MS_NODEV'], [8, 'MS_NOEXEC'], [0x10, 'MS_SYNCHRONOUS'],
  [0x20, 'MS_REMOUNT'], [0x40, 'MS_MANDLOCK'], [0x80, 'MS_DIRSYNC'], [0x100, 'MS_NOSYMFOLLOW'],
  [0x400, 'MS_NOATIME'], [0x800, 'MS_NODIRATIME'], [0x1000, 'MS_BIND'], [0x2000, 'MS_MOVE'], [0x4000, 'MS_REC'],
  [0x8000, 'MS_SILENT'], [0x10000, 'MS_POSIXACL'], [0x20000, 'MS_UNBINDABLE'], [0x40000, 'MS_PRIVATE'],
  [0x80000, 'MS_SLAVE'], [0x100000, 'MS_SHARED'], [0x200000, 'MS_RELATIME'], [0x400000, 'MS_KERNMOUNT'],
  [0x800000, 'MS_I_VERSION'], [0x1000000, 'MS_STRICTATIME'], [0x2000000, 'MS_LAZYTIME'],
];

/** umount2(2) flags. */
export const UMOUNT_FLAGS: ValueTable = [[1, 'MNT_FORCE'], [2, 'MNT_DETACH'], [4, 'MNT_EXPIRE'], [8, 'UMOUNT_NOFOLLOW']];

/** getrandom(2) flags. */
export const GETRANDOM_FLAGS: ValueTable = [[1, 'GRND_NONBLOCK'], [2, 'GRND_RANDOM'], [4, 'GRND_INSECURE']];

/** epoll_ctl(2) ops. */
export const EPOLL_OPS: ValueTable = [[1, 'EPOLL_CTL_ADD'], [2, 'EPOLL_CTL_DEL'], [3, 'EPOLL_CTL_MOD']];

/** seccomp(2) operations. */
export const SECCOMP_OPS: ValueTable = [
  [0, 'SECCOMP_SET_MODE_STRICT'], [1, 'SECCOMP_SET_MODE_FILTER'], [2, 'SECCOMP_GET_ACTION_AVAIL'],
  [3, 'SECCOMP_GET_NOTIF_SIZES'],
];

/** seccomp(2) filter flags. */
export const SECCOMP_FILTER_FLAGS: ValueTable = [
  [1, 'SECCOMP_FILTER_FLAG_TSYNC'], [2, 'SECCOMP_FILTER_FLAG_LOG'], [4, 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
  [8, 'SECCOMP_FILTER_FLAG_NEW_LISTENER'], [16, 'SECCOMP_FILTER_FLAG_TSYNC_ESRCH'],
  [32, 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
];

/** bpf(2) commands. */
export const BPF_COMMANDS: ValueTable = [
  [0, 'BPF_MAP_CREATE'], [1, 'BPF_MAP_LOOKUP_ELEM'], [2, 'BPF_MAP_UPDATE_ELEM'], [3, 'BPF_MAP_DELETE_ELEM'],
  [4, 'BPF_MAP_GET_NEXT_KEY'], [5, 'BPF_PROG_LOAD'], [6, 'BPF_OBJ_PIN'], [7, 'BPF_OBJ_GET'],
  [8, 'BPF_PROG_ATTACH'], [9, 'BPF_PROG_DETACH'], [10, 'BPF_PROG_TEST_RUN'], [11, 'BPF_PROG_GET_NEXT_ID'],
  [12, 'BPF_MAP_GET_NEXT_ID'], [13, 'BPF_PROG_GET_FD_BY_ID'], [14, 'BPF_MAP_GET_FD_BY_ID'],
  [15, 'BPF_OBJ_GET_INFO_BY_FD'], [16, 'BPF_PROG_QUERY'], [17, 'BPF_RAW_TRACEPOINT_OPEN'], [18, 'BPF_BTF_LOAD'],
];
