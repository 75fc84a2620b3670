/**
 * strace-like decoding of a syscall's arguments: `formatSyscall('mkdir',
 * [addr, 0o755n], reader)` gives `mkdir("/tmp/x", 0755)`.
 *
 * Memory (paths, strings, structs) is read through a {@link MemoryReader}
 * the caller supplies (the Node runtime reads /proc/PID/mem), so this module
 * stays pure. Without a reader, or when a read fails, pointers print as hex,
 * as strace does for unreadable memory.
 */
import { ARCHES, findArch, type ArchInfo } from '../arch/arches.js';
import { SOCKETCALL_SUBCALLS } from '../arch/syscalls.js';
import * as K from './constants.js';
import { errnoDisplayName, errnoMessage } from '../arch/errno.js';
import { syscallSignature, type ArgKind, type ArgSpec } from '../arch/signatures.js';

/** Reads the traced process's memory. Both methods return undefined when the memory cannot be read. */
export interface MemoryReader {
  /** Up to `len` bytes at `addr`; fewer at the end of a mapping. */
  readBytes(addr: bigint, len: number): Uint8Array | undefined;
  /**
   * Optional: the bytes of the NUL-terminated string at `addr`, without the
   * NUL, at most `max` bytes (a result of exactly `max` bytes means it may
   * continue). Implemented over readBytes when absent.
   */
  readCString?(addr: bigint, max: number): Uint8Array | undefined;
}

/** Options of {@link formatSyscall} and {@link decodeSyscall}. */
export interface SyscallDecodeOptions {
  /** The arch the call was made on (name or descriptor); default x86_64. Sets word size, byte order and arch-specific values. */
  arch?: ArchInfo | string;
  /** Longest string or buffer printed before `...` (strace's `-s`); default 32. Paths are printed up to PATH_MAX. */
  maxString?: number;
  /** Most array elements (argv) printed before `...`; default 32. */
  maxArray?: number;
}

/** One decoded argument. */
export interface DecodedArg {
  readonly kind: ArgKind | 'unknown';
  /** The raw register value (as in seccomp_data.args). */
  readonly raw: bigint;
  /** strace-like text. */
  readonly text: string;
  /** For paths and strings that were read: the decoded string (UTF-8, lossy). */
  readonly string?: string;
}

/** A decoded syscall. */
export interface DecodedSyscall {
  /** Name shown (a socketcall(2) is shown as its sub-call, e.g. `socket`). */
  readonly name: string;
  readonly args: readonly DecodedArg[];
}

/** PATH_MAX: longest path the kernel accepts, including the NUL. */
export const PATH_MAX = 4096;

interface Ctx {
  arch: ArchInfo;
  bits: 32 | 64;
  reader: MemoryReader | undefined;
  maxString: number;
  maxArray: number;
}

function archOf(a: ArchInfo | string | undefined): ArchInfo {
  if (a === undefined) return ARCHES.x86_64;
  if (typeof a === 'string') return findArch(a) ?? ARCHES.x86_64;
  return a;
}

/** Formats a syscall as strace does: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)`. */
export function formatSyscall(name: string, args: readonly bigint[], reader?: MemoryReader, options: SyscallDecodeOptions = {}): string {
  const d = decodeSyscall(name, args, reader, options);
  return `${d.name}(${d.args.map((a) => a.text).join(', ')})`;
}

/** Decodes a syscall's arguments (see {@link formatSyscall}); unknown syscalls show all six arguments in hex. */
export function decodeSyscall(name: string, args: readonly bigint[], reader?: MemoryReader, options: SyscallDecodeOptions = {}): DecodedSyscall {
  const arch = archOf(options.arch);
  const ctx: Ctx = {
    arch,
    bits: arch.bits,
    reader,
    maxString: options.maxString ?? 32,
    maxArray: options.maxArray ?? 32,
  };
  const regs = Array.from({ length: 6 }, (_, i) => BigInt.asUintN(64, args[i] ?? 0n));
  if (name === 'socketcall') {
    const sub = decodeSocketcall(regs, ctx);
    if (sub) return sub;
  }
  const sig = syscallSignature(arch, name);
  if (!sig) {
    return { name, args: regs.map((raw) => ({ kind: 'unknown' as const, raw, text: hex(word(raw, ctx)) })) };
  }
  const out: DecodedArg[] = [];
  const shown: ArgSpec[] = [];
  sig.forEach((spec, i) => {
    if (spec.hidden) return;
    if (spec.kind === 'openmode' && !openHasMode(regs[spec.ref ?? 0])) return;
    shown.push(spec);
    out.push(decodeArg(spec, regs[i], regs, ctx));
  });
  if (name === 'clone') return decodeClone(out, shown);
  return { name, args: out };
}

/**
 * clone(2) as strace shows it: labelled arguments in a fixed order whatever
 * the arch's register order, the tid and tls pointers only where a flag uses them.
 */
function decodeClone(out: DecodedArg[], specs: readonly ArgSpec[]): DecodedSyscall {
  const by = new Map(specs.map((s, i) => [s.name, out[i]]));
  const flags = by.get('flags')!.raw;
  const shown: DecodedArg[] = [];
  const add = (label: string, when = true) => {
    const a = by.get(label)!;
    if (when) shown.push({ ...a, text: `${label}=${a.text}` });
  };
  add('child_stack');
  add('flags');
  add('parent_tid', (flags & 0x101000n) !== 0n); // CLONE_PARENT_SETTID | CLONE_PIDFD
  add('tls', (flags & 0x80000n) !== 0n); // CLONE_SETTLS
  add('child_tidptr', (flags & 0x1200000n) !== 0n); // CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID
  return { name: 'clone', args: shown };
}

function openHasMode(flags: bigint): boolean {
  return (flags & BigInt(K.O_CREAT)) !== 0n || (flags & BigInt(K.O_TMPFILE_BIT)) !== 0n;
}

/** Renders a syscall's return as strace does: `= 3`, `= -1 EPERM (Operation not permitted)`. */
export function formatReturn(result: { value?: bigint | number; errno?: number }): string {
  if (result.errno !== undefined && result.errno !== 0) {
    const n = result.errno;
    const name = errnoDisplayName(n);
    return name ? `= -1 ${name} (${errnoMessage(n)})` : `= -1 ${n} (${errnoMessage(n)})`;
  }
  return `= ${BigInt(result.value ?? 0)}`;
}

// ---------------------------------------------------------------- helpers

function hex(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

function word(v: bigint, ctx: Ctx): bigint {
  return BigInt.asUintN(ctx.bits, v);
}

function sword(v: bigint, ctx: Ctx): bigint {
  return BigInt.asIntN(ctx.bits, v);
}

function int32(v: bigint): bigint {
  return BigInt.asIntN(32, v);
}

function ptr(v: bigint, ctx: Ctx): string {
  const w = word(v, ctx);
  return w === 0n ? 'NULL' : hex(w);
}

/** Quotes bytes as strace does: C escapes, octal for other non-printables. */
export function quoteBytes(bytes: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    switch (c) {
      case 0x22: s += '\\"'; break;
      case 0x5c: s += '\\\\'; break;
      case 0x0a: s += '\\n'; break;
      case 0x09: s += '\\t'; break;
      case 0x0d: s += '\\r'; break;
      case 0x0c: s += '\\f'; break;
      case 0x0b: s += '\\v'; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          s += String.fromCharCode(c);
        } else {
          const next = bytes[i + 1];
          const padded = next !== undefined && next >= 0x30 && next <= 0x37;
          s += '\\' + (padded ? c.toString(8).padStart(3, '0') : c.toString(8));
        }
    }
  }
  return s + '"';
}

/** Lossy UTF-8 decoding (invalid sequences become U+FFFD); core has no TextDecoder type. */
function decodeUtf8(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let cp = 0xfffd;
    let n = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0 && (b[i + 1] & 0xc0) === 0x80) { cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f); n = 2; }
    else if (c >= 0xe0 && c < 0xf0 && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
      cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f); n = 3;
      if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)) { cp = 0xfffd; n = 1; }
    } else if (c >= 0xf0 && c < 0xf5 && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80) {
      cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f); n = 4;
      if (cp < 0x10000 || cp > 0x10ffff) { cp = 0xfffd; n = 1; }
    }
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

function readCString(addr: bigint, max: number, ctx: Ctx): Uint8Array | undefined {
  const r = ctx.reader;
  if (!r || addr === 0n) return undefined;
  if (r.readCString) return r.readCString(addr, max);
  const bytes = r.readBytes(addr, max);
  if (!bytes) return undefined;
  const nul = bytes.indexOf(0);
  return nul >= 0 ? bytes.subarray(0, nul) : bytes;
}

/** A C string argument: `"text"`, `"text"...` when longer than `limit`, hex when unreadable. */
function cstring(v: bigint, limit: number, ctx: Ctx): { text: string; string?: string } {
  const addr = word(v, ctx);
  if (addr === 0n) return { text: 'NULL' };
  const bytes = readCString(addr, limit + 1, ctx);
  if (!bytes) return { text: hex(addr) };
  const truncated = bytes.length > limit;
  const shown = truncated ? bytes.subarray(0, limit) : bytes;
  return { text: quoteBytes(shown) + (truncated ? '...' : ''), string: decodeUtf8(shown) };
}

function buffer(v: bigint, len: bigint, ctx: Ctx): { text: string; string?: string } {
  const addr = word(v, ctx);
  if (addr === 0n) return { text: 'NULL' };
  const n = Number(len > BigInt(ctx.maxString) ? BigInt(ctx.maxString) : len < 0n ? 0n : len);
  const bytes = ctx.reader?.readBytes(addr, n);
  if (!bytes || (bytes.length < n && bytes.length === 0)) return { text: hex(addr) };
  return { text: quoteBytes(bytes) + (BigInt(bytes.length) < len ? '...' : ''), string: decodeUtf8(bytes) };
}

function readWord(bytes: Uint8Array, off: number, size: 4 | 8, ctx: Ctx): bigint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = ctx.arch.endian === 'little';
  return size === 8 ? dv.getBigUint64(off, le) : BigInt(dv.getUint32(off, le));
}

function pointerArray(v: bigint, ctx: Ctx): bigint[] | undefined | 'unreadable' {
  const addr = word(v, ctx);
  if (addr === 0n) return undefined;
  const size = (ctx.bits / 8) as 4 | 8;
  const out: bigint[] = [];
  for (let i = 0; i <= ctx.maxArray; i++) {
    const b = ctx.reader?.readBytes(addr + BigInt(i * size), size);
    if (!b || b.length < size) return i === 0 ? 'unreadable' : out;
    const p = readWord(b, 0, size, ctx);
    if (p === 0n) return out;
    out.push(p);
  }
  return out;
}

function formatArgv(v: bigint, ctx: Ctx): string {
  const arr = pointerArray(v, ctx);
  if (arr === undefined) return 'NULL';
  if (arr === 'unreadable') return hex(word(v, ctx));
  const shown = arr.slice(0, ctx.maxArray).map((p) => cstring(p, ctx.maxString, ctx).text);
  if (arr.length > ctx.maxArray) shown.push('...');
  return '[' + shown.join(', ') + ']';
}

function formatEnvp(v: bigint, ctx: Ctx): string {
  const arr = pointerArray(v, { ...ctx, maxArray: 4096 });
  if (arr === undefined) return 'NULL';
  if (arr === 'unreadable') return hex(word(v, ctx));
  return `${hex(word(v, ctx))} /* ${arr.length} var${arr.length === 1 ? '' : 's'} */`;
}

function ipv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function ipv6(b: Uint8Array, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  // Longest run of zero groups (length >= 2) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const h = (xs: number[]) => xs.map((g) => g.toString(16)).join(':');
  if (best < 0) return h(groups);
  return h(groups.slice(0, best)) + '::' + h(groups.slice(best + bestLen));
}

function formatSockaddr(v: bigint, len: bigint, ctx: Ctx): string {
  const addr = word(v, ctx);
  if (addr === 0n) return 'NULL';
  const n = Number(len > 128n ? 128n : len < 0n ? 0n : len);
  const b = n >= 2 ? ctx.reader?.readBytes(addr, n) : undefined;
  if (!b || b.length < 2) return hex(addr);
  const le = ctx.arch.endian === 'little';
  const family = le ? b[0] | (b[1] << 8) : (b[0] << 8) | b[1];
  const fam = K.formatEnum(BigInt(family), K.ADDRESS_FAMILIES);
  if (family === 2 && b.length >= 8) {
    return `{sa_family=AF_INET, sin_port=htons(${(b[2] << 8) | b[3]}), sin_addr=inet_addr("${ipv4(b, 4)}")}`;
  }
  if (family === 10 && b.length >= 24) {
    const flow = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
    const scope = b.length >= 28 ? new DataView(b.buffer, b.byteOffset).getUint32(24, le) : 0;
    return `{sa_family=AF_INET6, sin6_port=htons(${(b[2] << 8) | b[3]}), sin6_flowinfo=htonl(${flow}), inet_pton(AF_INET6, "${ipv6(b, 8)}", &sin6_addr), sin6_scope_id=${scope}}`;
  }
  if (family === 1) {
    const path = b.subarray(2);
    if (path.length === 0) return '{sa_family=AF_UNIX}';
    if (path[0] === 0) return `{sa_family=AF_UNIX, sun_path=@${quoteBytes(path.subarray(1))}}`;
    const nul = path.indexOf(0);
    return `{sa_family=AF_UNIX, sun_path=${quoteBytes(nul >= 0 ? path.subarray(0, nul) : path)}}`;
  }
  return `{sa_family=${fam}, ...}`;
}

function formatCloneArgs(v: bigint, size: bigint, ctx: Ctx): string {
  const addr = word(v, ctx);
  if (addr === 0n) return 'NULL';
  const b = ctx.reader?.readBytes(addr, 64);
  if (!b || b.length < 64 || size < 64n) return hex(addr);
  const f = (i: number) => readWord(b, i * 8, 8, ctx);
  const flags = f(0);
  const parts = [`flags=${flags === 0n ? '0' : K.formatFlags(flags, [...K.CLONE_FLAGS, ...K.CLONE3_EXTRA_FLAGS])}`];
  const fields: [number, string][] = [[1, 'pidfd'], [2, 'child_tid'], [3, 'parent_tid']];
  for (const [i, n] of fields) if (f(i) !== 0n) parts.push(`${n}=${hex(f(i))}`);
  parts.push(`exit_signal=${K.formatSignal(f(4))}`);
  if (f(5) !== 0n) parts.push(`stack=${hex(f(5))}`);
  if (f(6) !== 0n) parts.push(`stack_size=${hex(f(6))}`);
  if (f(7) !== 0n) parts.push(`tls=${hex(f(7))}`);
  return '{' + parts.join(', ') + '}';
}

const RESOLVE_FLAGS: K.ValueTable = [
  [1, 'RESOLVE_NO_XDEV'], [2, 'RESOLVE_NO_MAGICLINKS'], [4, 'RESOLVE_NO_SYMLINKS'], [8, 'RESOLVE_BENEATH'],
  [0x10, 'RESOLVE_IN_ROOT'], [0x20, 'RESOLVE_CACHED'],
];

function formatOpenHow(v: bigint, ctx: Ctx): string {
  const addr = word(v, ctx);
  if (addr === 0n) return 'NULL';
  const b = ctx.reader?.readBytes(addr, 24);
  if (!b || b.length < 24) return hex(addr);
  const flags = readWord(b, 0, 8, ctx);
  const parts = [`flags=${K.formatOpenFlags(flags, ctx.arch.name)}`];
  if (openHasMode(flags)) parts.push(`mode=${K.formatMode(readWord(b, 8, 8, ctx))}`);
  const resolve = readWord(b, 16, 8, ctx);
  if (resolve !== 0n) parts.push(`resolve=${K.formatFlags(resolve, RESOLVE_FLAGS)}`);
  return '{' + parts.join(', ') + '}';
}

function formatFcntlArg(cmd: bigint, v: bigint, ctx: Ctx): string {
  switch (Number(int32(cmd))) {
    case 1: case 3: case 9: case 11: case 1025: case 1032: case 1034: case 1035: case 1037: return '';
    case 2: return (int32(v) & 1n) === 1n ? (int32(v) === 1n ? 'FD_CLOEXEC' : `FD_CLOEXEC|${hex(int32(v) & ~1n)}`) : int32(v).toString();
    case 4: return K.formatOpenFlags(v, ctx.arch.name);
    case 0: case 1030: case 8: case 10: case 1031: return int32(v).toString();
    case 1024: return K.formatEnum(int32(v), K.LEASE_TYPES);
    case 1033: return K.formatFlags(v & 0xffffffffn, K.SEAL_FLAGS);
    default: return ptr(v, ctx);
  }
}

function decodeArg(spec: ArgSpec, raw: bigint, regs: bigint[], ctx: Ctx): DecodedArg {
  const { kind } = spec;
  const ref = spec.ref !== undefined ? regs[spec.ref] : 0n;
  const t = (text: string, string?: string): DecodedArg => (string === undefined ? { kind, raw, text } : { kind, raw, text, string });
  switch (kind) {
    case 'fd': case 'int': case 'pid': return t(int32(raw).toString());
    case 'dirfd': return t(int32(raw) === BigInt(K.AT_FDCWD) ? 'AT_FDCWD' : int32(raw).toString());
    case 'uid': return t(int32(raw) === -1n ? '-1' : BigInt.asUintN(32, raw).toString());
    case 'uint': return t(BigInt.asUintN(32, raw).toString());
    case 'long': return t(sword(raw, ctx).toString());
    case 'ulong': case 'size': return t(word(raw, ctx).toString());
    case 'hex': return t(hex(word(raw, ctx)));
    case 'ptr': case 'outbuf': return t(ptr(raw, ctx));
    case 'path': { const s = cstring(raw, PATH_MAX - 1, ctx); return t(s.text, s.string); }
    case 'str': { const s = cstring(raw, ctx.maxString, ctx); return t(s.text, s.string); }
    case 'buf': { const s = buffer(raw, word(ref, ctx), ctx); return t(s.text, s.string); }
    case 'mode': case 'openmode': return t(K.formatMode(raw));
    case 'ftmode': return t(K.formatMode(raw, true));
    case 'dev': {
      const d = word(raw, ctx);
      const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
      const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
      return t(d === 0n ? '0' : `makedev(${hex(major)}, ${hex(minor)})`);
    }
    case 'openflags': return t(K.formatOpenFlags(raw, ctx.arch.name));
    case 'cloexecflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.CLOEXEC_NONBLOCK_FLAGS));
    case 'atflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.AT_FLAGS));
    case 'accessmode': return t(K.formatFlags(BigInt.asUintN(32, raw), K.ACCESS_MODES, 'F_OK'));
    case 'renameflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.RENAME_FLAGS));
    case 'whence': return t(K.formatEnum(BigInt.asUintN(32, raw), K.SEEK_WHENCE));
    case 'sockdomain': return t(K.formatEnum(BigInt.asUintN(32, raw), K.ADDRESS_FAMILIES));
    case 'socktype': return t(K.formatSocketType(raw));
    case 'sockproto': return t(K.formatSocketProtocol(raw, ref));
    case 'sockflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.SOCKET_FLAGS));
    case 'msgflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.MSG_FLAGS));
    case 'shuthow': return t(K.formatEnum(BigInt.asUintN(32, raw), K.SHUTDOWN_HOW));
    case 'sockoptlevel': return t(K.formatEnum(BigInt.asUintN(32, raw), K.SOCKOPT_LEVELS));
    case 'sockaddr': return t(formatSockaddr(raw, BigInt.asUintN(32, ref), ctx));
    case 'cloneflags': return t(K.formatCloneFlags(word(raw, ctx)));
    case 'unshareflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.UNSHARE_FLAGS));
    case 'cloneargs': return t(formatCloneArgs(raw, regs[1], ctx));
    case 'signal': return t(K.formatSignal(raw));
    case 'waitoptions': return t(K.formatFlags(BigInt.asUintN(32, raw), K.WAIT_OPTIONS));
    case 'ptracereq': return t(K.formatEnum(BigInt.asUintN(32, raw), K.PTRACE_REQUESTS));
    case 'rlimitres': return t(K.formatEnum(BigInt.asUintN(32, raw), K.RLIMIT_RESOURCES));
    case 'sighow': return t(K.formatEnum(BigInt.asUintN(32, raw), K.SIGPROCMASK_HOW));
    case 'prot': return t(K.formatFlags(BigInt.asUintN(32, raw), K.PROT_FLAGS, 'PROT_NONE'));
    case 'mapflags': return t(K.formatMapFlags(raw));
    case 'madvise': return t(K.formatEnum(BigInt.asUintN(32, raw), K.MADVISE));
    case 'mremapflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.MREMAP_FLAGS));
    case 'memfdflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.MEMFD_FLAGS));
    case 'ioctlreq': return t(K.formatIoctlRequest(raw));
    case 'prctlop': return t(K.formatEnum(BigInt.asUintN(32, raw), K.PRCTL_OPTIONS));
    case 'fcntlcmd': return t(K.formatEnum(BigInt.asUintN(32, raw), K.FCNTL_COMMANDS));
    case 'fcntlarg': return t(formatFcntlArg(ref, raw, ctx));
    case 'futexop': return t(K.formatFutexOp(raw));
    case 'clockid': return t(K.formatEnum(int32(raw), K.CLOCK_IDS));
    case 'mountflags': return t(K.formatFlags(word(raw, ctx), K.MOUNT_FLAGS));
    case 'umountflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.UMOUNT_FLAGS));
    case 'grflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.GETRANDOM_FLAGS));
    case 'epollop': return t(K.formatEnum(BigInt.asUintN(32, raw), K.EPOLL_OPS));
    case 'seccompop': return t(K.formatEnum(BigInt.asUintN(32, raw), K.SECCOMP_OPS));
    case 'seccompflags': return t(K.formatFlags(BigInt.asUintN(32, raw), K.SECCOMP_FILTER_FLAGS));
    case 'bpfcmd': return t(K.formatEnum(BigInt.asUintN(32, raw), K.BPF_COMMANDS));
    case 'argv': return t(formatArgv(raw, ctx));
    case 'envp': return t(formatEnvp(raw, ctx));
    case 'openhow': return t(formatOpenHow(raw, ctx));
  }
}

const SOCKETCALL_BY_NUMBER = new Map(Object.entries(SOCKETCALL_SUBCALLS).map(([n, v]) => [v, n]));

/** socketcall(call, args): shown as the sub-call with its arguments read from the array, as strace does. */
function decodeSocketcall(regs: bigint[], ctx: Ctx): DecodedSyscall | undefined {
  const sub = SOCKETCALL_BY_NUMBER.get(Number(int32(regs[0])));
  if (!sub) return undefined;
  const sig = syscallSignature(ctx.arch, sub)?.filter((a) => !a.hidden);
  if (!sig || !ctx.reader) return undefined;
  const size = (ctx.bits / 8) as 4 | 8;
  const b = ctx.reader.readBytes(word(regs[1], ctx), size * sig.length);
  if (!b || b.length < size * sig.length) return undefined;
  const subRegs = Array.from({ length: 6 }, (_, i) => (i < sig.length ? readWord(b, i * size, size, ctx) : 0n));
  const args: DecodedArg[] = [];
  sig.forEach((spec, i) => args.push(decodeArg(spec, subRegs[i], subRegs, ctx)));
  return { name: sub, args };
}
