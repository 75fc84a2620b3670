/**
 * The one errno table: Linux errno numbers, names and glibc's `strerror`
 * messages (asm-generic numbering, used by x86, x86_64, arm, aarch64,
 * riscv64, s390x, ppc64le, loongarch64, ...). Policies parse errno names
 * with it, the decoder prints `= -1 EPERM (Operation not permitted)` with it,
 * analysis names ENOSYS with it. MIPS, PA-RISC, SPARC and Alpha number some
 * errnos above 34 differently; the value an ERRNO action carries is passed
 * through unchanged, so a policy for those arches should give numbers.
 */
import { PolicyError } from '../errors.js';

/** The largest errno the kernel accepts in an ERRNO action (MAX_ERRNO, include/linux/err.h); larger data is capped to it. */
export const MAX_ERRNO = 4095;

// One errno a line: `NUMBER NAME message`; aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) follow their primary.
const USER = `
1 EPERM Operation not permitted
2 ENOENT No such file or directory
3 ESRCH No such process
4 EINTR Interrupted system call
5 EIO Input/output error
6 ENXIO No such device or address
7 E2BIG Argument list too long
8 ENOEXEC Exec format error
9 EBADF Bad file descriptor
10 ECHILD No child processes
11 EAGAIN Resource temporarily unavailable
11 EWOULDBLOCK Resource temporarily unavailable
12 ENOMEM Cannot allocate memory
13 EACCES Permission denied
14 EFAULT Bad address
15 ENOTBLK Block device required
16 EBUSY Device or resource busy
17 EEXIST File exists
18 EXDEV Invalid cross-device link
19 ENODEV No such device
20 ENOTDIR Not a directory
21 EISDIR Is a directory
22 EINVAL Invalid argument
23 ENFILE Too many open files in system
24 EMFILE Too many open files
25 ENOTTY Inappropriate ioctl for device
26 ETXTBSY Text file busy
27 EFBIG File too large
28 ENOSPC No space left on device
29 ESPIPE Illegal seek
30 EROFS Read-only file system
31 EMLINK Too many links
32 EPIPE Broken pipe
33 EDOM Numerical argument out of domain
34 ERANGE Numerical result out of range
35 EDEADLK Resource deadlock avoided
35 EDEADLOCK Resource deadlock avoided
36 ENAMETOOLONG File name too long
37 ENOLCK No locks available
38 ENOSYS Function not implemented
39 ENOTEMPTY Directory not empty
40 ELOOP Too many levels of symbolic links
42 ENOMSG No message of desired type
43 EIDRM Identifier removed
44 ECHRNG Channel number out of range
45 EL2NSYNC Level 2 not synchronized
46 EL3HLT Level 3 halted
47 EL3RST Level 3 reset
48 ELNRNG Link number out of range
49 EUNATCH Protocol driver not attached
50 ENOCSI No CSI structure available
51 EL2HLT Level 2 halted
52 EBADE Invalid exchange
53 EBADR Invalid request descriptor
54 EXFULL Exchange full
55 ENOANO No anode
56 EBADRQC Invalid request code
57 EBADSLT Invalid slot
59 EBFONT Bad font file format
60 ENOSTR Device not a stream
61 ENODATA No data available
62 ETIME Timer expired
63 ENOSR Out of streams resources
64 ENONET Machine is not on the network
65 ENOPKG Package not installed
66 EREMOTE Object is remote
67 ENOLINK Link has been severed
68 EADV Advertise error
69 ESRMNT Srmount error
70 ECOMM Communication error on send
71 EPROTO Protocol error
72 EMULTIHOP Multihop attempted
73 EDOTDOT RFS specific error
74 EBADMSG Bad message
75 EOVERFLOW Value too large for defined data type
76 ENOTUNIQ Name not unique on network
77 EBADFD File descriptor in bad state
78 EREMCHG Remote address changed
79 ELIBACC Can not access a needed shared library
80 ELIBBAD Accessing a corrupted shared library
81 ELIBSCN .lib section in a.out corrupted
82 ELIBMAX Attempting to link in too many shared libraries
83 ELIBEXEC Cannot exec a shared library directly
84 EILSEQ Invalid or incomplete multibyte or wide character
85 ERESTART Interrupted system call should be restarted
86 ESTRPIPE Streams pipe error
87 EUSERS Too many users
88 ENOTSOCK Socket operation on non-socket
89 EDESTADDRREQ Destination address required
90 EMSGSIZE Message too long
91 EPROTOTYPE Protocol wrong type for socket
92 ENOPROTOOPT Protocol not available
93 EPROTONOSUPPORT Protocol not supported
94 ESOCKTNOSUPPORT Socket type not supported
95 EOPNOTSUPP Operation not supported
95 ENOTSUP Operation not supported
96 EPFNOSUPPORT Protocol family not supported
97 EAFNOSUPPORT Address family not supported by protocol
98 EADDRINUSE Address already in use
99 EADDRNOTAVAIL Cannot assign requested address
100 ENETDOWN Network is down
101 ENETUNREACH Network is unreachable
102 ENETRESET Network dropped connection on reset
103 ECONNABORTED Software caused connection abort
104 ECONNRESET Connection reset by peer
105 ENOBUFS No buffer space available
106 EISCONN Transport endpoint is already connected
107 ENOTCONN Transport endpoint is not connected
108 ESHUTDOWN Cannot send after transport endpoint shutdown
109 ETOOMANYREFS Too many references: cannot splice
110 ETIMEDOUT Connection timed out
111 ECONNREFUSED Connection refused
112 EHOSTDOWN Host is down
113 EHOSTUNREACH No route to host
114 EALREADY Operation already in progress
115 EINPROGRESS Operation now in progress
116 ESTALE Stale file handle
117 EUCLEAN Structure needs cleaning
118 ENOTNAM Not a XENIX named type file
119 ENAVAIL No XENIX semaphores available
120 EISNAM Is a named type file
121 EREMOTEIO Remote I/O error
122 EDQUOT Disk quota exceeded
123 ENOMEDIUM No medium found
124 EMEDIUMTYPE Wrong medium type
125 ECANCELED Operation canceled
126 ENOKEY Required key not available
127 EKEYEXPIRED Key has expired
128 EKEYREVOKED Key has been revoked
129 EKEYREJECTED Key was rejected by service
130 EOWNERDEAD Owner died
131 ENOTRECOVERABLE State not recoverable
132 ERFKILL Operation not possible due to RF-kill
133 EHWPOISON Memory page has hardware error`;

// Kernel-internal restart codes that strace can show (never returned to user space).
const KERNEL_INTERNAL = `
512 ERESTARTSYS To be restarted if SA_RESTART is set
513 ERESTARTNOINTR To be restarted
514 ERESTARTNOHAND To be restarted if no handler
515 ENOIOCTLCMD No ioctl command
516 ERESTART_RESTARTBLOCK Interrupted by signal
517 EPROBE_DEFER Driver requests probe retry
518 EOPENSTALE Open found a stale dentry
519 ENOPARAM Parameter not supported
521 EBADHANDLE Illegal NFS file handle
522 ENOTSYNC Update synchronization mismatch
523 EBADCOOKIE Cookie is stale
524 ENOTSUPP Operation is not supported
525 ETOOSMALL Buffer or request is too small
526 ESERVERFAULT An untranslatable error occurred
527 EBADTYPE Type not supported by server
528 EJUKEBOX Request initiated, but will not complete before timeout
529 EIOCBQUEUED iocb queued, will get completion event
530 ERECALLCONFLICT Conflict with recalled state`;

/** The lines of a table, as a union of string literal types (tail-recursive, so the table's length is no problem). */
type LinesOf<S extends string, Acc extends string = never> = S extends `${infer Line}\n${infer Rest}` ? LinesOf<Rest, Acc | Line> : Acc | S;
/** The name (second word) of a table line. */
type NameOf<L extends string> = L extends `${string} ${infer Name} ${string}` ? Name : never;

/** A Linux errno name such as `EPERM` or `ENOSYS` (read from the table's text by the type checker). */
export type ErrnoName = NameOf<LinesOf<typeof USER>>;

function rows(table: string): [number, string, string][] {
  return table.trim().split('\n').map((line) => {
    const m = /^(\d+) (\w+) (.*)$/.exec(line)!;
    return [Number(m[1]), m[2], m[3]];
  });
}

/** errno name -> number (aliases included). */
export const ERRNO: Readonly<Record<ErrnoName, number>> = Object.freeze(Object.fromEntries(rows(USER).map(([n, name]) => [name, n])) as Record<ErrnoName, number>);

/** One errno: kernel number, symbolic name, glibc message. */
export interface ErrnoInfo {
  readonly errno: number;
  readonly name: string;
  readonly message: string;
}

/** Every errno with its message, in number order (aliases and the kernel-internal codes included). */
export const ERRNO_MESSAGES: readonly ErrnoInfo[] = Object.freeze(
  [...rows(USER), ...rows(KERNEL_INTERNAL)].map(([errno, name, message]) => Object.freeze({ errno, name, message })),
);

const ALIASES = new Set<string>(['EWOULDBLOCK', 'EDEADLOCK', 'ENOTSUP']);
const byNumber = new Map<number, ErrnoInfo>();
for (const e of ERRNO_MESSAGES) if (!ALIASES.has(e.name) && !byNumber.has(e.errno)) byNumber.set(e.errno, e);

/** The number of an errno name (case-insensitive), or undefined. */
export function errnoNumber(name: string): number | undefined {
  return (ERRNO as Record<string, number>)[name.trim().toUpperCase()];
}

/** The canonical name of an errno number, or undefined (kernel-internal codes have none here). */
export function errnoName(nr: number): ErrnoName | undefined {
  return nr < 512 ? (byNumber.get(nr)?.name as ErrnoName | undefined) : undefined;
}

/** The name strace shows for errno `n`, kernel-internal codes (`ERESTARTSYS`) included. */
export function errnoDisplayName(n: number): string | undefined {
  return byNumber.get(n)?.name;
}

/** glibc's message for errno `n` (`Operation not permitted`), or `Unknown error N`. */
export function errnoMessage(n: number): string {
  return byNumber.get(n)?.message ?? `Unknown error ${n}`;
}

/** An errno name's message in words for the middle of a sentence (`ENOSPC`: `no space left on device`), or undefined. */
export function errnoWords(name: string): string | undefined {
  const n = errnoNumber(name);
  const m = n === undefined ? undefined : byNumber.get(n)?.message;
  return m === undefined ? undefined : m.charAt(0).toLowerCase() + m.slice(1);
}

/**
 * Parses an errno given as a name (`EPERM`), decimal or 0x hex; throws a
 * {@link PolicyError} naming `what` if it is neither or above MAX_ERRNO.
 */
export function parseErrno(text: string | number, what = 'errno'): number {
  if (typeof text === 'number') {
    if (!Number.isInteger(text) || text < 0 || text > MAX_ERRNO) {
      throw new PolicyError('BAD_ERRNO', `${what}: ${text} is not an errno (0..${MAX_ERRNO})`);
    }
    return text;
  }
  const t = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) return parseErrno(Number(t), what);
  const n = errnoNumber(t);
  if (n === undefined) {
    throw new PolicyError('BAD_ERRNO', `${what}: unknown errno name "${text}"`, { hint: suggestErrno(t) ?? 'use a name such as EPERM or ENOSYS, or a number' });
  }
  return n;
}

function suggestErrno(name: string): string | undefined {
  const up = name.toUpperCase();
  const hit = Object.keys(ERRNO).find((k) => k === 'E' + up || k.startsWith(up) || up.startsWith(k));
  return hit ? `did you mean ${hit}?` : undefined;
}
