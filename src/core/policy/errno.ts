/**
 * Linux errno names and numbers (the asm-generic numbering used by x86,
 * x86_64, arm, aarch64, riscv64, s390x, ppc64le, loongarch64, ...). MIPS,
 * PA-RISC and a few others number some errnos above 34 differently; the
 * value an ERRNO action carries is passed through unchanged, so a policy for
 * those arches should give numbers rather than names. Numbers 1..34 are the
 * same everywhere.
 */
import { PolicyError } from '../errors.js';

/** errno name -> number (asm-generic/errno-base.h and errno.h). */
export const ERRNO = Object.freeze({
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28,
  ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34,
  EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43,
  ECHRNG: 44, EL2NSYNC: 45, EL3HLT: 46, EL3RST: 47, ELNRNG: 48, EUNATCH: 49, ENOCSI: 50, EL2HLT: 51, EBADE: 52,
  EBADR: 53, EXFULL: 54, ENOANO: 55, EBADRQC: 56, EBADSLT: 57, EBFONT: 59, ENOSTR: 60, ENODATA: 61, ETIME: 62,
  ENOSR: 63, ENONET: 64, ENOPKG: 65, EREMOTE: 66, ENOLINK: 67, EADV: 68, ESRMNT: 69, ECOMM: 70, EPROTO: 71,
  EMULTIHOP: 72, EDOTDOT: 73, EBADMSG: 74, EOVERFLOW: 75, ENOTUNIQ: 76, EBADFD: 77, EREMCHG: 78, ELIBACC: 79,
  ELIBBAD: 80, ELIBSCN: 81, ELIBMAX: 82, ELIBEXEC: 83, EILSEQ: 84, ERESTART: 85, ESTRPIPE: 86, EUSERS: 87,
  ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99,
  ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
  EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109, ETIMEDOUT: 110, ECONNREFUSED: 111,
  EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115, ESTALE: 116, EUCLEAN: 117, ENOTNAM: 118,
  ENAVAIL: 119, EISNAM: 120, EREMOTEIO: 121, EDQUOT: 122, ENOMEDIUM: 123, EMEDIUMTYPE: 124, ECANCELED: 125,
  ENOKEY: 126, EKEYEXPIRED: 127, EKEYREVOKED: 128, EKEYREJECTED: 129, EOWNERDEAD: 130, ENOTRECOVERABLE: 131,
  ERFKILL: 132, EHWPOISON: 133,
  // Aliases (same numbers as above).
  EWOULDBLOCK: 11, EDEADLOCK: 35, ENOTSUP: 95,
} as const);

/** A Linux errno name such as `EPERM` or `ENOSYS`. */
export type ErrnoName = keyof typeof ERRNO;

const ALIASES = new Set(['EWOULDBLOCK', 'EDEADLOCK', 'ENOTSUP']);
const byNumber = new Map<number, ErrnoName>();
for (const [name, nr] of Object.entries(ERRNO) as [ErrnoName, number][]) {
  if (!ALIASES.has(name) && !byNumber.has(nr)) byNumber.set(nr, name);
}

/** The largest errno the kernel accepts in an ERRNO action (MAX_ERRNO). */
export const MAX_ERRNO = 4095;

/** The number of an errno name (case-insensitive), or undefined. */
export function errnoNumber(name: string): number | undefined {
  const v = (ERRNO as Record<string, number>)[name.trim().toUpperCase()];
  return v;
}

/** The canonical name of an errno number, or undefined. */
export function errnoName(nr: number): ErrnoName | undefined {
  return byNumber.get(nr);
}

/**
 * Parses an errno given as a name (`EPERM`), decimal or 0x hex; throws a
 * {@link PolicyError} naming `what` if it is neither or above 4095.
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
