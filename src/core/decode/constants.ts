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

/** A table written as `NAME=VALUE` words (values in C notation, decimal or 0x hex). */
function valueTable(text: string): ValueTable {
  return text.trim().split(/\s+/).map((w) => {
    const eq = w.indexOf('=');
    return [Number(w.slice(eq + 1)), w.slice(0, eq)];
  });
}

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

const O_COMMON_HIGH: ValueTable = valueTable('O_SYNC=0o4010000 O_CREAT=0o100 O_EXCL=0o200 O_NOCTTY=0o400 O_TRUNC=0o1000 O_APPEND=0o2000 O_NONBLOCK=0o4000 O_DSYNC=0o10000 O_ASYNC=0o20000');
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
export const AT_FLAGS: ValueTable = valueTable('AT_SYMLINK_NOFOLLOW=0x100 AT_REMOVEDIR=0x200 AT_SYMLINK_FOLLOW=0x400 AT_NO_AUTOMOUNT=0x800 AT_EMPTY_PATH=0x1000 AT_STATX_FORCE_SYNC=0x2000 AT_STATX_DONT_SYNC=0x4000 AT_RECURSIVE=0x8000');

/** access(2) modes. */
export const ACCESS_MODES: ValueTable = [[4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']];

/** renameat2(2) flags. */
export const RENAME_FLAGS: ValueTable = [[1, 'RENAME_NOREPLACE'], [2, 'RENAME_EXCHANGE'], [4, 'RENAME_WHITEOUT']];

/** lseek(2) whence. */
export const SEEK_WHENCE: ValueTable = [[0, 'SEEK_SET'], [1, 'SEEK_CUR'], [2, 'SEEK_END'], [3, 'SEEK_DATA'], [4, 'SEEK_HOLE']];

/** File type bits of a mode (mknod). */
export const S_IF: ValueTable = valueTable('S_IFSOCK=0o140000 S_IFLNK=0o120000 S_IFREG=0o100000 S_IFBLK=0o60000 S_IFDIR=0o40000 S_IFCHR=0o20000 S_IFIFO=0o10000');

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
export const ADDRESS_FAMILIES: ValueTable = valueTable('AF_UNSPEC=0 AF_UNIX=1 AF_INET=2 AF_AX25=3 AF_IPX=4 AF_APPLETALK=5 AF_NETROM=6 AF_BRIDGE=7 AF_ATMPVC=8 AF_X25=9 AF_INET6=10 AF_ROSE=11 AF_DECnet=12 AF_NETBEUI=13 AF_SECURITY=14 AF_KEY=15 AF_NETLINK=16 AF_PACKET=17 AF_ASH=18 AF_ECONET=19 AF_ATMSVC=20 AF_RDS=21 AF_SNA=22 AF_IRDA=23 AF_PPPOX=24 AF_WANPIPE=25 AF_LLC=26 AF_IB=27 AF_MPLS=28 AF_CAN=29 AF_TIPC=30 AF_BLUETOOTH=31 AF_IUCV=32 AF_RXRPC=33 AF_ISDN=34 AF_PHONET=35 AF_IEEE802154=36 AF_CAIF=37 AF_ALG=38 AF_NFC=39 AF_VSOCK=40 AF_KCM=41 AF_QIPCRTR=42 AF_SMC=43 AF_XDP=44 AF_MCTP=45');

/** Socket types (the low 4 bits of socket's type argument). */
export const SOCKET_TYPES: ValueTable = valueTable('SOCK_STREAM=1 SOCK_DGRAM=2 SOCK_RAW=3 SOCK_RDM=4 SOCK_SEQPACKET=5 SOCK_DCCP=6 SOCK_PACKET=10');

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
export const IP_PROTOCOLS: ValueTable = valueTable('IPPROTO_IP=0 IPPROTO_ICMP=1 IPPROTO_IGMP=2 IPPROTO_IPIP=4 IPPROTO_TCP=6 IPPROTO_EGP=8 IPPROTO_PUP=12 IPPROTO_UDP=17 IPPROTO_IDP=22 IPPROTO_TP=29 IPPROTO_DCCP=33 IPPROTO_IPV6=41 IPPROTO_RSVP=46 IPPROTO_GRE=47 IPPROTO_ESP=50 IPPROTO_AH=51 IPPROTO_ICMPV6=58 IPPROTO_MTP=92 IPPROTO_BEETPH=94 IPPROTO_ENCAP=98 IPPROTO_PIM=103 IPPROTO_COMP=108 IPPROTO_L2TP=115 IPPROTO_SCTP=132 IPPROTO_UDPLITE=136 IPPROTO_MPLS=137 IPPROTO_ETHERNET=143 IPPROTO_RAW=255 IPPROTO_MPTCP=262');

/** Netlink protocols (linux/netlink.h). */
export const NETLINK_PROTOCOLS: ValueTable = valueTable('NETLINK_ROUTE=0 NETLINK_UNUSED=1 NETLINK_USERSOCK=2 NETLINK_FIREWALL=3 NETLINK_SOCK_DIAG=4 NETLINK_NFLOG=5 NETLINK_XFRM=6 NETLINK_SELINUX=7 NETLINK_ISCSI=8 NETLINK_AUDIT=9 NETLINK_FIB_LOOKUP=10 NETLINK_CONNECTOR=11 NETLINK_NETFILTER=12 NETLINK_IP6_FW=13 NETLINK_DNRTMSG=14 NETLINK_KOBJECT_UEVENT=15 NETLINK_GENERIC=16 NETLINK_SCSITRANSPORT=18 NETLINK_ECRYPTFS=19 NETLINK_RDMA=20 NETLINK_CRYPTO=21 NETLINK_SMC=22');

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
export const MSG_FLAGS: ValueTable = valueTable('MSG_OOB=0x1 MSG_PEEK=0x2 MSG_DONTROUTE=0x4 MSG_CTRUNC=0x8 MSG_PROXY=0x10 MSG_TRUNC=0x20 MSG_DONTWAIT=0x40 MSG_EOR=0x80 MSG_WAITALL=0x100 MSG_FIN=0x200 MSG_SYN=0x400 MSG_CONFIRM=0x800 MSG_RST=0x1000 MSG_ERRQUEUE=0x2000 MSG_NOSIGNAL=0x4000 MSG_MORE=0x8000 MSG_WAITFORONE=0x10000 MSG_BATCH=0x40000 MSG_ZEROCOPY=0x4000000 MSG_FASTOPEN=0x20000000 MSG_CMSG_CLOEXEC=0x40000000');

/** shutdown(2) how. */
export const SHUTDOWN_HOW: ValueTable = [[0, 'SHUT_RD'], [1, 'SHUT_WR'], [2, 'SHUT_RDWR']];

/** Socket option levels (the common ones). */
export const SOCKOPT_LEVELS: ValueTable = valueTable('SOL_IP=0 SOL_SOCKET=1 SOL_TCP=6 SOL_UDP=17 SOL_IPV6=41 SOL_ICMPV6=58 SOL_RAW=255 SOL_PACKET=263 SOL_NETLINK=270 SOL_BLUETOOTH=274 SOL_ALG=279');

// ---------------------------------------------------------------- processes

/** clone(2) flags (linux/sched.h); the low byte is the exit signal. */
export const CLONE_FLAGS: ValueTable = valueTable('CLONE_VM=0x100 CLONE_FS=0x200 CLONE_FILES=0x400 CLONE_SIGHAND=0x800 CLONE_PIDFD=0x1000 CLONE_PTRACE=0x2000 CLONE_VFORK=0x4000 CLONE_PARENT=0x8000 CLONE_THREAD=0x10000 CLONE_NEWNS=0x20000 CLONE_SYSVSEM=0x40000 CLONE_SETTLS=0x80000 CLONE_PARENT_SETTID=0x100000 CLONE_CHILD_CLEARTID=0x200000 CLONE_DETACHED=0x400000 CLONE_UNTRACED=0x800000 CLONE_CHILD_SETTID=0x1000000 CLONE_NEWCGROUP=0x2000000 CLONE_NEWUTS=0x4000000 CLONE_NEWIPC=0x8000000 CLONE_NEWUSER=0x10000000 CLONE_NEWPID=0x20000000 CLONE_NEWNET=0x40000000 CLONE_IO=0x80000000');

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
export const WAIT_OPTIONS: ValueTable = valueTable('WNOHANG=1 WUNTRACED=2 WEXITED=4 WCONTINUED=8 WNOWAIT=0x1000000 __WNOTHREAD=0x20000000 __WALL=0x40000000 __WCLONE=0x80000000');

/** ptrace(2) requests. */
export const PTRACE_REQUESTS: ValueTable = valueTable('PTRACE_TRACEME=0 PTRACE_PEEKTEXT=1 PTRACE_PEEKDATA=2 PTRACE_PEEKUSER=3 PTRACE_POKETEXT=4 PTRACE_POKEDATA=5 PTRACE_POKEUSER=6 PTRACE_CONT=7 PTRACE_KILL=8 PTRACE_SINGLESTEP=9 PTRACE_GETREGS=12 PTRACE_SETREGS=13 PTRACE_ATTACH=16 PTRACE_DETACH=17 PTRACE_SYSCALL=24 PTRACE_SETOPTIONS=0x4200 PTRACE_GETEVENTMSG=0x4201 PTRACE_GETSIGINFO=0x4202 PTRACE_SETSIGINFO=0x4203 PTRACE_GETREGSET=0x4204 PTRACE_SETREGSET=0x4205 PTRACE_SEIZE=0x4206 PTRACE_INTERRUPT=0x4207 PTRACE_LISTEN=0x4208 PTRACE_PEEKSIGINFO=0x4209 PTRACE_GETSIGMASK=0x420a PTRACE_SETSIGMASK=0x420b PTRACE_SECCOMP_GET_FILTER=0x420c PTRACE_SECCOMP_GET_METADATA=0x420d PTRACE_GET_SYSCALL_INFO=0x420e');

/** Resource limits (getrlimit/setrlimit/prlimit64). */
export const RLIMIT_RESOURCES: ValueTable = valueTable('RLIMIT_CPU=0 RLIMIT_FSIZE=1 RLIMIT_DATA=2 RLIMIT_STACK=3 RLIMIT_CORE=4 RLIMIT_RSS=5 RLIMIT_NPROC=6 RLIMIT_NOFILE=7 RLIMIT_MEMLOCK=8 RLIMIT_AS=9 RLIMIT_LOCKS=10 RLIMIT_SIGPENDING=11 RLIMIT_MSGQUEUE=12 RLIMIT_NICE=13 RLIMIT_RTPRIO=14 RLIMIT_RTTIME=15');

// ---------------------------------------------------------------- signals

/** Signal names for x86, arm, aarch64, riscv, s390, ppc (asm-generic signal numbers). */
export const SIGNALS: ValueTable = valueTable('SIGHUP=1 SIGINT=2 SIGQUIT=3 SIGILL=4 SIGTRAP=5 SIGABRT=6 SIGBUS=7 SIGFPE=8 SIGKILL=9 SIGUSR1=10 SIGSEGV=11 SIGUSR2=12 SIGPIPE=13 SIGALRM=14 SIGTERM=15 SIGSTKFLT=16 SIGCHLD=17 SIGCONT=18 SIGSTOP=19 SIGTSTP=20 SIGTTIN=21 SIGTTOU=22 SIGURG=23 SIGXCPU=24 SIGXFSZ=25 SIGVTALRM=26 SIGPROF=27 SIGWINCH=28 SIGIO=29 SIGPWR=30 SIGSYS=31');

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
export const PROT_FLAGS: ValueTable = valueTable('PROT_READ=1 PROT_WRITE=2 PROT_EXEC=4 PROT_SEM=8 PROT_BTI=0x10 PROT_MTE=0x20 PROT_GROWSDOWN=0x01000000 PROT_GROWSUP=0x02000000');

/** mmap flags beyond the sharing type (x86/arm/generic values; MAP_32BIT is x86 only). */
export const MAP_FLAGS: ValueTable = valueTable('MAP_FIXED=0x10 MAP_ANONYMOUS=0x20 MAP_32BIT=0x40 MAP_GROWSDOWN=0x100 MAP_DENYWRITE=0x800 MAP_EXECUTABLE=0x1000 MAP_LOCKED=0x2000 MAP_NORESERVE=0x4000 MAP_POPULATE=0x8000 MAP_NONBLOCK=0x10000 MAP_STACK=0x20000 MAP_HUGETLB=0x40000 MAP_SYNC=0x80000 MAP_FIXED_NOREPLACE=0x100000 MAP_UNINITIALIZED=0x4000000');

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
export const MADVISE: ValueTable = valueTable('MADV_NORMAL=0 MADV_RANDOM=1 MADV_SEQUENTIAL=2 MADV_WILLNEED=3 MADV_DONTNEED=4 MADV_FREE=8 MADV_REMOVE=9 MADV_DONTFORK=10 MADV_DOFORK=11 MADV_MERGEABLE=12 MADV_UNMERGEABLE=13 MADV_HUGEPAGE=14 MADV_NOHUGEPAGE=15 MADV_DONTDUMP=16 MADV_DODUMP=17 MADV_WIPEONFORK=18 MADV_KEEPONFORK=19 MADV_COLD=20 MADV_PAGEOUT=21 MADV_POPULATE_READ=22 MADV_POPULATE_WRITE=23 MADV_DONTNEED_LOCKED=24 MADV_COLLAPSE=25 MADV_HWPOISON=100 MADV_SOFT_OFFLINE=101');

/** mremap(2) flags. */
export const MREMAP_FLAGS: ValueTable = [[1, 'MREMAP_MAYMOVE'], [2, 'MREMAP_FIXED'], [4, 'MREMAP_DONTUNMAP']];

/** memfd_create(2) flags. */
export const MEMFD_FLAGS: ValueTable = [
  [1, 'MFD_CLOEXEC'], [2, 'MFD_ALLOW_SEALING'], [4, 'MFD_HUGETLB'], [8, 'MFD_NOEXEC_SEAL'], [0x10, 'MFD_EXEC'],
];

// ---------------------------------------------------------------- fcntl

/** fcntl(2) commands (64-bit arches: F_GETLK64 and friends equal F_GETLK there). */
export const FCNTL_COMMANDS: ValueTable = valueTable('F_DUPFD=0 F_GETFD=1 F_SETFD=2 F_GETFL=3 F_SETFL=4 F_GETLK=5 F_SETLK=6 F_SETLKW=7 F_SETOWN=8 F_GETOWN=9 F_SETSIG=10 F_GETSIG=11 F_GETLK64=12 F_SETLK64=13 F_SETLKW64=14 F_SETOWN_EX=15 F_GETOWN_EX=16 F_GETOWNER_UIDS=17 F_OFD_GETLK=36 F_OFD_SETLK=37 F_OFD_SETLKW=38 F_SETLEASE=1024 F_GETLEASE=1025 F_NOTIFY=1026 F_CANCELLK=1029 F_DUPFD_CLOEXEC=1030 F_SETPIPE_SZ=1031 F_GETPIPE_SZ=1032 F_ADD_SEALS=1033 F_GET_SEALS=1034 F_GET_RW_HINT=1035 F_SET_RW_HINT=1036 F_GET_FILE_RW_HINT=1037 F_SET_FILE_RW_HINT=1038');

/** fcntl F_ADD_SEALS seals. */
export const SEAL_FLAGS: ValueTable = valueTable('F_SEAL_SEAL=1 F_SEAL_SHRINK=2 F_SEAL_GROW=4 F_SEAL_WRITE=8 F_SEAL_FUTURE_WRITE=0x10 F_SEAL_EXEC=0x20');

/** fcntl F_SETLEASE lease types. */
export const LEASE_TYPES: ValueTable = [[0, 'F_RDLCK'], [1, 'F_WRLCK'], [2, 'F_UNLCK']];

// ---------------------------------------------------------------- prctl

/** prctl(2) options (linux/prctl.h). */
export const PRCTL_OPTIONS: ValueTable = valueTable('PR_SET_PDEATHSIG=1 PR_GET_PDEATHSIG=2 PR_GET_DUMPABLE=3 PR_SET_DUMPABLE=4 PR_GET_UNALIGN=5 PR_SET_UNALIGN=6 PR_GET_KEEPCAPS=7 PR_SET_KEEPCAPS=8 PR_GET_FPEMU=9 PR_SET_FPEMU=10 PR_GET_FPEXC=11 PR_SET_FPEXC=12 PR_GET_TIMING=13 PR_SET_TIMING=14 PR_SET_NAME=15 PR_GET_NAME=16 PR_GET_ENDIAN=19 PR_SET_ENDIAN=20 PR_GET_SECCOMP=21 PR_SET_SECCOMP=22 PR_CAPBSET_READ=23 PR_CAPBSET_DROP=24 PR_GET_TSC=25 PR_SET_TSC=26 PR_GET_SECUREBITS=27 PR_SET_SECUREBITS=28 PR_SET_TIMERSLACK=29 PR_GET_TIMERSLACK=30 PR_TASK_PERF_EVENTS_DISABLE=31 PR_TASK_PERF_EVENTS_ENABLE=32 PR_MCE_KILL=33 PR_MCE_KILL_GET=34 PR_SET_MM=35 PR_SET_CHILD_SUBREAPER=36 PR_GET_CHILD_SUBREAPER=37 PR_SET_NO_NEW_PRIVS=38 PR_GET_NO_NEW_PRIVS=39 PR_GET_TID_ADDRESS=40 PR_SET_THP_DISABLE=41 PR_GET_THP_DISABLE=42 PR_MPX_ENABLE_MANAGEMENT=43 PR_MPX_DISABLE_MANAGEMENT=44 PR_SET_FP_MODE=45 PR_GET_FP_MODE=46 PR_CAP_AMBIENT=47 PR_SVE_SET_VL=50 PR_SVE_GET_VL=51 PR_GET_SPECULATION_CTRL=52 PR_SET_SPECULATION_CTRL=53 PR_PAC_RESET_KEYS=54 PR_SET_TAGGED_ADDR_CTRL=55 PR_GET_TAGGED_ADDR_CTRL=56 PR_SET_IO_FLUSHER=57 PR_GET_IO_FLUSHER=58 PR_SET_SYSCALL_USER_DISPATCH=59 PR_PAC_SET_ENABLED_KEYS=60 PR_PAC_GET_ENABLED_KEYS=61 PR_SCHED_CORE=62 PR_SME_SET_VL=63 PR_SME_GET_VL=64 PR_SET_MDWE=65 PR_GET_MDWE=66 PR_SET_MEMORY_MERGE=67 PR_GET_MEMORY_MERGE=68 PR_SET_VMA=0x53564d41 PR_SET_PTRACER=0x59616d61');

// ---------------------------------------------------------------- ioctl


/** ioctl requests syswall names (x86/arm/aarch64/generic values; ppc, mips, sparc differ). */
export const IOCTL_REQUESTS: ValueTable = [
  ...valueTable('TCGETS=0x5401 TCSETS=0x5402 TCSETSW=0x5403 TCSETSF=0x5404 TCGETA=0x5405 TCSETA=0x5406 TCSETAW=0x5407 TCSETAF=0x5408 TCSBRK=0x5409 TCXONC=0x540a TCFLSH=0x540b TIOCEXCL=0x540c TIOCNXCL=0x540d TIOCSCTTY=0x540e TIOCGPGRP=0x540f TIOCSPGRP=0x5410 TIOCOUTQ=0x5411 TIOCSTI=0x5412 TIOCGWINSZ=0x5413 TIOCSWINSZ=0x5414 TIOCMGET=0x5415 TIOCMBIS=0x5416 TIOCMBIC=0x5417 TIOCMSET=0x5418 TIOCGSOFTCAR=0x5419 TIOCSSOFTCAR=0x541a FIONREAD=0x541b TIOCLINUX=0x541c TIOCCONS=0x541d TIOCGSERIAL=0x541e TIOCSSERIAL=0x541f TIOCPKT=0x5420 FIONBIO=0x5421 TIOCNOTTY=0x5422 TIOCSETD=0x5423 TIOCGETD=0x5424 TCSBRKP=0x5425 TIOCSBRK=0x5427 TIOCCBRK=0x5428 TIOCGSID=0x5429 TCGETS2=0x802c542a TCSETS2=0x402c542b TIOCGPTN=0x80045430 TIOCSPTLCK=0x40045431 TIOCGDEV=0x80045432 TIOCSIG=0x40045436 TIOCVHANGUP=0x5437 TIOCGPKT=0x80045438 TIOCGPTLCK=0x80045439 TIOCGEXCL=0x80045440 TIOCGPTPEER=0x5441 FIONCLEX=0x5450 FIOCLEX=0x5451'),
  ...valueTable('FIOASYNC=0x5452 TIOCSERCONFIG=0x5453 TIOCSERGWILD=0x5454 TIOCSERSWILD=0x5455 TIOCGLCKTRMIOS=0x5456 TIOCSLCKTRMIOS=0x5457 TIOCSERGETLSR=0x5459 TIOCMIWAIT=0x545c TIOCGICOUNT=0x545d FIOQSIZE=0x5460 FICLONE=0x40049409 FICLONERANGE=0x4020940d FS_IOC_FIEMAP=0xc020660b FS_IOC_GETFLAGS=0x80086601 FS_IOC_SETFLAGS=0x40086602 FS_IOC_GETVERSION=0x80087601 FIBMAP=0x1 FIGETBSZ=0x2 FIOSETOWN=0x8901 SIOCSPGRP=0x8902 FIOGETOWN=0x8903 SIOCGPGRP=0x8904 SIOCATMARK=0x8905 SIOCGSTAMP_OLD=0x8906 SIOCADDRT=0x890b SIOCDELRT=0x890c SIOCGIFNAME=0x8910 SIOCGIFCONF=0x8912 SIOCGIFFLAGS=0x8913 SIOCSIFFLAGS=0x8914 SIOCGIFADDR=0x8915 SIOCSIFADDR=0x8916 SIOCGIFBRDADDR=0x8919 SIOCGIFNETMASK=0x891b SIOCGIFMTU=0x8921 SIOCSIFMTU=0x8922 SIOCGIFHWADDR=0x8927 SIOCGIFINDEX=0x8933 SIOCGIFCOUNT=0x8942 SIOCETHTOOL=0x8946 SIOCBRADDBR=0x89a0 BLKFLSBUF=0x1261 BLKGETSIZE=0x1260 BLKGETSIZE64=0x80081272 BLKSSZGET=0x1268 LOOP_SET_FD=0x4c00 LOOP_CLR_FD=0x4c01 LOOP_CTL_GET_FREE=0x4c82 SECCOMP_IOCTL_NOTIF_RECV=0xc0502100 SECCOMP_IOCTL_NOTIF_SEND=0xc0182101 SECCOMP_IOCTL_NOTIF_ID_VALID=0x40082102 SECCOMP_IOCTL_NOTIF_ID_VALID_WRONG_DIR=0x80082102 SECCOMP_IOCTL_NOTIF_ADDFD=0x40182103 SECCOMP_IOCTL_NOTIF_SET_FLAGS=0x40082104'),
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
export const FUTEX_OPS: ValueTable = valueTable('FUTEX_WAIT=0 FUTEX_WAKE=1 FUTEX_FD=2 FUTEX_REQUEUE=3 FUTEX_CMP_REQUEUE=4 FUTEX_WAKE_OP=5 FUTEX_LOCK_PI=6 FUTEX_UNLOCK_PI=7 FUTEX_TRYLOCK_PI=8 FUTEX_WAIT_BITSET=9 FUTEX_WAKE_BITSET=10 FUTEX_WAIT_REQUEUE_PI=11 FUTEX_CMP_REQUEUE_PI=12 FUTEX_LOCK_PI2=13');

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
export const CLOCK_IDS: ValueTable = valueTable('CLOCK_REALTIME=0 CLOCK_MONOTONIC=1 CLOCK_PROCESS_CPUTIME_ID=2 CLOCK_THREAD_CPUTIME_ID=3 CLOCK_MONOTONIC_RAW=4 CLOCK_REALTIME_COARSE=5 CLOCK_MONOTONIC_COARSE=6 CLOCK_BOOTTIME=7 CLOCK_REALTIME_ALARM=8 CLOCK_BOOTTIME_ALARM=9 CLOCK_TAI=11');

/** mount(2) flags (MS_*). */
export const MOUNT_FLAGS: ValueTable = valueTable('MS_RDONLY=1 MS_NOSUID=2 MS_NODEV=4 MS_NOEXEC=8 MS_SYNCHRONOUS=0x10 MS_REMOUNT=0x20 MS_MANDLOCK=0x40 MS_DIRSYNC=0x80 MS_NOSYMFOLLOW=0x100 MS_NOATIME=0x400 MS_NODIRATIME=0x800 MS_BIND=0x1000 MS_MOVE=0x2000 MS_REC=0x4000 MS_SILENT=0x8000 MS_POSIXACL=0x10000 MS_UNBINDABLE=0x20000 MS_PRIVATE=0x40000 MS_SLAVE=0x80000 MS_SHARED=0x100000 MS_RELATIME=0x200000 MS_KERNMOUNT=0x400000 MS_I_VERSION=0x800000 MS_STRICTATIME=0x1000000 MS_LAZYTIME=0x2000000');

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
export const SECCOMP_FILTER_FLAGS: ValueTable = valueTable('SECCOMP_FILTER_FLAG_TSYNC=1 SECCOMP_FILTER_FLAG_LOG=2 SECCOMP_FILTER_FLAG_SPEC_ALLOW=4 SECCOMP_FILTER_FLAG_NEW_LISTENER=8 SECCOMP_FILTER_FLAG_TSYNC_ESRCH=16 SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV=32');

/** bpf(2) commands. */
export const BPF_COMMANDS: ValueTable = valueTable('BPF_MAP_CREATE=0 BPF_MAP_LOOKUP_ELEM=1 BPF_MAP_UPDATE_ELEM=2 BPF_MAP_DELETE_ELEM=3 BPF_MAP_GET_NEXT_KEY=4 BPF_PROG_LOAD=5 BPF_OBJ_PIN=6 BPF_OBJ_GET=7 BPF_PROG_ATTACH=8 BPF_PROG_DETACH=9 BPF_PROG_TEST_RUN=10 BPF_PROG_GET_NEXT_ID=11 BPF_MAP_GET_NEXT_ID=12 BPF_PROG_GET_FD_BY_ID=13 BPF_MAP_GET_FD_BY_ID=14 BPF_OBJ_GET_INFO_BY_FD=15 BPF_PROG_QUERY=16 BPF_RAW_TRACEPOINT_OPEN=17 BPF_BTF_LOAD=18');
