import { describe, expect, it } from 'vitest';
import { formatSyscall, formatReturn, decodeSyscall, quoteBytes, type MemoryReader } from './format.js';

/** A fake address space: strings and byte blocks at fixed addresses. */
function memory(blocks: Record<string, Uint8Array | string>): MemoryReader {
  const enc = new TextEncoder();
  const entries = Object.entries(blocks).map(([a, v]) => [BigInt(a), typeof v === 'string' ? enc.encode(v + '\0') : v] as const);
  return {
    readBytes(addr, len) {
      for (const [base, bytes] of entries) {
        if (addr >= base && addr < base + BigInt(bytes.length)) {
          const off = Number(addr - base);
          return bytes.slice(off, Math.min(bytes.length, off + len));
        }
      }
      return undefined;
    },
  };
}

const le64 = (...xs: bigint[]) => {
  const b = new Uint8Array(xs.length * 8);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setBigUint64(i * 8, x, true));
  return b;
};
const le32 = (...xs: number[]) => {
  const b = new Uint8Array(xs.length * 4);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setUint32(i * 4, x >>> 0, true));
  return b;
};

const MEM = memory({
  0x1000: '/tmp/x',
  0x2000: '/etc/passwd',
  0x3000: 'a "quoted"\tline\n\x01\x1b0 \\ end',
  0x4000: 'x'.repeat(40),
  0x5000: '/bin/ls',
  0x6000: le64(0x5000n, 0x1000n, 0n),
  0x7000: le64(0x1000n, 0x2000n, 0x1000n, 0n),
  0x8000: new Uint8Array([2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
  0x9000: new Uint8Array([1, 0, ...new TextEncoder().encode('/run/sock'), 0]),
  0xa000: new Uint8Array([10, 0, 0x01, 0xbb, 0, 0, 0, 0, ...Array(15).fill(0), 1, 0, 0, 0, 0]),
  0xb000: le64(0x1200100n, 0n, 0n, 0n, 17n, 0n, 0n, 0n),
  0xc000: le64(0o2000000n | 0o100n, 0o600n, 4n),
  0xd000: le32(2, 1, 6),
  0xe000: new Uint8Array([1, 0, 0, 0x68, 0x69, 0]),
});

/** One case per line: `NAME[ @ARCH] ARG... => EXPECTED` (arguments as C numbers, negative wrapped to 64 bits). */
function cases(table: string): [string, bigint[], string, string?][] {
  return table.trim().split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).map((line) => {
    const [head, expected] = line.trim().split(' => ');
    const [name, ...rest] = head.split(' ');
    const arch = rest[0]?.startsWith('@') ? rest.shift()!.slice(1) : undefined;
    const args = rest.map((a) => BigInt.asUintN(64, BigInt(a)));
    return arch ? [name, args, expected, arch] : [name, args, expected];
  });
}

const CASES: [string, bigint[], string, string?][] = [
  ...cases(`
  mkdir 0x1000 0o755 => mkdir("/tmp/x", 0755)
  openat 3 0x1000 0o1101 0o644 => openat(3, "/tmp/x", O_WRONLY|O_CREAT|O_TRUNC, 0644)
  open 0x2000 0o4000 => open("/etc/passwd", O_RDONLY|O_NONBLOCK)
  open 0 0 => open(NULL, O_RDONLY)
  open 0xdead0000 0 => open(0xdead0000, O_RDONLY)
  socket 2 524289 0 => socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP)
  socket 10 2050 17 => socket(AF_INET6, SOCK_DGRAM|SOCK_NONBLOCK, IPPROTO_UDP)
  socket 1 1 0 => socket(AF_UNIX, SOCK_STREAM, 0)
  socket 16 3 0 => socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)
  socket 17 3 0x300 => socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
  socket 99 1 0 => socket(99, SOCK_STREAM, 0)
  connect 3 0x8000 16 => connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16)
  connect 4 0x9000 12 => connect(4, {sa_family=AF_UNIX, sun_path="/run/sock"}, 12)
  bind 5 0xa000 28 => bind(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28)
  clone 0x1200011 0 0 0x7f00 0 => clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00)
  clone 0x3d0f00 0x7000 0x7100 0x7200 0x7300 => clone(child_stack=0x7000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=0x7100, tls=0x7300, child_tidptr=0x7200)
  # aarch64 passes tls before child_tid.
  clone @aarch64 0x3d0f00 0x7000 0x7100 0x7300 0x7200 => clone(child_stack=0x7000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=0x7100, tls=0x7300, child_tidptr=0x7200)
  clone3 0xb000 88 => clone3({flags=CLONE_VM|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID, exit_signal=SIGCHLD}, 88)
  unshare 805306496 => unshare(CLONE_NEWTIME|CLONE_NEWUSER|CLONE_NEWPID)
  mmap 0x7f0000000000 8192 5 0x812 3 0x1000 => mmap(0x7f0000000000, 8192, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x1000)
  mprotect 0x1000 4096 0 => mprotect(0x1000, 4096, PROT_NONE)
  kill 1234 15 => kill(1234, SIGTERM)
  kill 1 0 => kill(1, 0)
  tgkill 10 11 34 => tgkill(10, 11, SIGRT_2)
  ioctl 1 0x5401 0x7ffc => ioctl(1, TCGETS, 0x7ffc)
  ioctl 1 0x5413 0x7ffc => ioctl(1, TIOCGWINSZ, 0x7ffc)
  ioctl 3 0x541b 0x7ffc => ioctl(3, FIONREAD, 0x7ffc)
  ioctl 3 0x5421 0x7ffc => ioctl(3, FIONBIO, 0x7ffc)
  ioctl 3 0xc0502100 0x7ffc => ioctl(3, SECCOMP_IOCTL_NOTIF_RECV, 0x7ffc)
  ioctl 3 0x80047a01 0 => ioctl(3, _IOC(_IOC_READ, 0x7a, 0x1, 0x4), 0)
  prctl 38 1 0 0 0 => prctl(PR_SET_NO_NEW_PRIVS, 0x1, 0, 0, 0)
  prctl 22 2 0x1000 0 0 => prctl(PR_SET_SECCOMP, 0x2, 0x1000, 0, 0)
  fcntl 3 2 1 => fcntl(3, F_SETFD, FD_CLOEXEC)
  fcntl 3 4 0o4000 => fcntl(3, F_SETFL, O_RDONLY|O_NONBLOCK)
  fcntl 3 1030 10 => fcntl(3, F_DUPFD_CLOEXEC, 10)
  fcntl 3 1 0 => fcntl(3, F_GETFD, )
  read 0 0x4000 40 => read(0, 0x4000, 40)
  execve 0x5000 0x6000 0x7000 => execve("/bin/ls", ["/bin/ls", "/tmp/x"], 0x7000 /* 3 vars */)
  access 0x2000 0 => access("/etc/passwd", F_OK)
  chmod 0x1000 0o4755 => chmod("/tmp/x", S_ISUID|0755)
  mknod 0x1000 0o20666 0x103 => mknod("/tmp/x", S_IFCHR|0666, makedev(0x1, 0x3))
  pipe2 0x7ffc 0o2004000 => pipe2(0x7ffc, O_CLOEXEC|O_NONBLOCK)
  futex 0x7f00 0x80 1 0 0 0 => futex(0x7f00, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0)
  getppid => getppid()
  exit_group 0 => exit_group(0)
  seccomp 1 8 0x7000 => seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x7000)
  mount 0x1000 0x2000 0 0x5000 0 => mount("/tmp/x", "/etc/passwd", NULL, MS_BIND|MS_REC, NULL)
  fstatfs64 3 88 0x7000 => fstatfs64(3, 88, 0x7000)
  no_such_call 1 2 3 4 5 6 => no_such_call(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)
  # 32-bit arch: registers are 32 bits wide.
  mmap2 @x86 0 4096 3 0x22 0xffffffff 0 => mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
  socketcall @x86 1 0xd000 => socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)
`),
  ['mkdirat', [BigInt.asUintN(64, -100n), 0x1000n, 0o700n], 'mkdirat(AT_FDCWD, "/tmp/x", 0700)'],
  ['openat', [BigInt.asUintN(64, -100n), 0x2000n, 0o2000000n], 'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)'],
  ['openat', [BigInt.asUintN(64, -100n), 0x1000n, 0o20200002n, 0o600n], 'openat(AT_FDCWD, "/tmp/x", O_RDWR|O_TMPFILE, 0600)'],
  ['openat', [BigInt.asUintN(64, -100n), 0x1000n, 0o4010000n], 'openat(AT_FDCWD, "/tmp/x", O_RDONLY|O_SYNC)'],
  ['openat', [BigInt.asUintN(64, -100n), 0x1000n, 0o140000n], 'openat(AT_FDCWD, "/tmp/x", O_RDONLY|O_DIRECTORY|O_NOFOLLOW)', 'aarch64'],
  ['openat', [BigInt.asUintN(64, -100n), 0x1000n, 0o600000n], 'openat(AT_FDCWD, "/tmp/x", O_RDONLY|O_DIRECTORY|O_NOFOLLOW)'],
  ['mmap', [0n, 4096n, 3n, 0x22n, BigInt.asUintN(64, -1n), 0n], 'mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)'],
  ['kill', [BigInt.asUintN(64, -1n), 9n], 'kill(-1, SIGKILL)'],
  ['write', [1n, 0x3000n, 25n], 'write(1, "a \\"quoted\\"\\tline\\n\\1\\0330 \\\\ end", 25)'],
  ['write', [1n, 0x4000n, 40n], 'write(1, "' + 'x'.repeat(32) + '"..., 40)'],
  ['faccessat2', [BigInt.asUintN(64, -100n), 0x2000n, 6n, 0x200n], 'faccessat2(AT_FDCWD, "/etc/passwd", R_OK|W_OK, AT_REMOVEDIR)'],
  ['unlinkat', [BigInt.asUintN(64, -100n), 0x1000n, 0x200n], 'unlinkat(AT_FDCWD, "/tmp/x", AT_REMOVEDIR)'],
  ['openat2', [BigInt.asUintN(64, -100n), 0x1000n, 0xc000n, 24n], 'openat2(AT_FDCWD, "/tmp/x", {flags=O_RDONLY|O_CREAT|O_CLOEXEC, mode=0600, resolve=RESOLVE_NO_SYMLINKS}, 24)'],
  ['setuid', [BigInt.asUintN(64, -1n)], 'setuid(-1)'],
  ['lseek', [3n, BigInt.asUintN(64, -10n), 2n], 'lseek(3, -10, SEEK_END)'],
];

describe('formatSyscall', () => {
  it.each(CASES)('%s %#', (name, args, expected, arch) => {
    expect(formatSyscall(name, args, MEM, arch ? { arch } : {})).toBe(expected);
  });

  it('truncates strings at maxString and keeps full paths', () => {
    const long = '/' + 'd'.repeat(100);
    const mem = memory({ 0x1000: long });
    expect(formatSyscall('mkdir', [0x1000n, 0o755n], mem)).toBe(`mkdir("${long}", 0755)`);
    expect(formatSyscall('memfd_create', [0x1000n, 1n], mem)).toBe(`memfd_create("${long.slice(0, 32)}"..., MFD_CLOEXEC)`);
    expect(formatSyscall('memfd_create', [0x1000n, 1n], mem, { maxString: 4 })).toBe(`memfd_create("/ddd"..., MFD_CLOEXEC)`);
  });

  it('prints pointers in hex without a reader', () => {
    expect(formatSyscall('mkdir', [0x1000n, 0o755n])).toBe('mkdir(0x1000, 0755)');
  });

  it('decodes structured results with the read strings', () => {
    const d = decodeSyscall('openat', [BigInt.asUintN(64, -100n), 0x2000n, 0n], MEM);
    expect(d.args[1]).toMatchObject({ kind: 'path', string: '/etc/passwd', raw: 0x2000n });
    expect(d.args.map((a) => a.kind)).toEqual(['dirfd', 'path', 'openflags']);
  });

  it('formats the abstract unix socket name', () => {
    expect(formatSyscall('connect', [3n, 0xe000n, 5n], MEM)).toBe('connect(3, {sa_family=AF_UNIX, sun_path=@"hi"}, 5)');
  });
});

describe('quoteBytes', () => {
  it.each([
    [[0x61, 0x00, 0x31], '"a\\0001"'],
    [[0x61, 0x00, 0x39], '"a\\09"'],
    [[0xff], '"\\377"'],
    [[0x7f, 0x20], '"\\177 "'],
  ])('%j', (bytes, out) => expect(quoteBytes(new Uint8Array(bytes))).toBe(out));
});

describe('formatReturn', () => {
  it.each([
    [{ errno: 1 }, '= -1 EPERM (Operation not permitted)'],
    [{ errno: 38 }, '= -1 ENOSYS (Function not implemented)'],
    [{ errno: 4000 }, '= -1 4000 (Unknown error 4000)'],
    [{ value: 3 }, '= 3'],
    [{ value: -5n }, '= -5'],
  ] as const)('case %#', (r, out) => expect(formatReturn(r)).toBe(out));
});

describe('decoded strings', () => {
  it('decodes UTF-8 and replaces invalid bytes', () => {
    const mem = memory({ 0x1000: new Uint8Array([0x2f, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0xf0, 0x9f, 0x98, 0x80, 0]) });
    const d = decodeSyscall('mkdir', [0x1000n, 0n], mem);
    expect(d.args[0].string).toBe('/é€\uFFFD😀');
    expect(d.args[0].text).toBe('"/\\303\\251\\342\\202\\254\\377\\360\\237\\230\\200"');
  });
});
