/**
 * The explicit context Docker/moby and containers/common profiles are
 * resolved against: the host arch, the host kernel version and the
 * container's capability (bounding) set. Nothing is read from the machine
 * here; the CLI fills in the host's values.
 */
import { PolicyError } from '../errors.js';
import { resolveArch, type ArchInfo, type ArchName } from '../arch/arches.js';
import { DEFAULTS, DOCKER_DEFAULT_CAPS } from '../defaults.js';
import { closest } from '../util/suggest.js';

export { DOCKER_DEFAULT_CAPS };

/** Every capability Linux defines (capability.h, up to CAP_CHECKPOINT_RESTORE). */
export const ALL_CAPS: readonly string[] = Object.freeze([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
]);

/** What a Docker/containers-common profile is resolved against. Every part is optional. */
export interface ResolveContext {
  /** Host arch (libseccomp name or alias: `x86_64`, `amd64`, `arm64`, ...). Default `x86_64`. */
  arch?: ArchName | string;
  /**
   * Host kernel as `[major, minor]` or `"6.8"`. When absent, `minKernel`
   * conditions are treated as met and a warning says so.
   */
  kernel?: readonly [number, number] | string;
  /**
   * The container's bounding capability set, `CAP_`-prefixed or not, any
   * case; `['ALL']` means every capability. Default {@link DOCKER_DEFAULT_CAPS}.
   */
  caps?: readonly string[];
}

/** A context with every part resolved. */
export interface ResolvedContext {
  readonly arch: ArchInfo;
  readonly kernel?: readonly [number, number];
  readonly caps: ReadonlySet<string>;
}

/** Normalises a capability name to `CAP_SYS_ADMIN` form. */
export function normalizeCap(cap: string): string {
  const up = cap.trim().toUpperCase();
  return up.startsWith('CAP_') ? up : 'CAP_' + up;
}

/** Parses `"4.8"` (or `"4.8.0-generic"` when `lenient`) into `[4, 8]`. */
export function parseKernelVersion(text: string, lenient = true): [number, number] {
  const m = lenient ? /^(\d+)\.(\d+)/.exec(text.trim()) : /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) throw new PolicyError('BAD_KERNEL_VERSION', `invalid kernel version "${text}", expected "<major>.<minor>" such as "5.10"`);
  return [Number(m[1]), Number(m[2])];
}

/** Fills in the defaults of a {@link ResolveContext} and validates it. */
export function resolveContext(ctx: ResolveContext = {}): ResolvedContext {
  const arch = resolveArch(ctx.arch ?? DEFAULTS.arch);
  let kernel: [number, number] | undefined;
  if (typeof ctx.kernel === 'string') kernel = parseKernelVersion(ctx.kernel);
  else if (ctx.kernel) {
    const [a, b] = ctx.kernel;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0) throw new PolicyError('BAD_KERNEL_VERSION', `invalid kernel version [${ctx.kernel.join(', ')}]`);
    kernel = [a, b];
  }
  const list = ctx.caps ?? DEFAULTS.caps;
  const caps = new Set<string>();
  for (const c of list) {
    const n = normalizeCap(c);
    if (n === 'CAP_ALL') ALL_CAPS.forEach((x) => caps.add(x));
    else if (ALL_CAPS.includes(n)) caps.add(n);
    else {
      const near = closest(n, ALL_CAPS);
      throw new PolicyError('UNKNOWN_CAP', `unknown capability "${c}"`, { hint: near ? `did you mean ${near}? (ALL means every capability)` : `expected capability names such as CAP_SYS_ADMIN or NET_ADMIN, or ALL` });
    }
  }
  return kernel ? { arch, kernel, caps } : { arch, caps };
}

/** True if `kernel` >= `min`, comparing major.minor only (as moby does). */
export function kernelAtLeast(kernel: readonly [number, number], min: readonly [number, number]): boolean {
  return kernel[0] > min[0] || (kernel[0] === min[0] && kernel[1] >= min[1]);
}

/**
 * The arch string moby compares `includes.arches`/`excludes.arches` with
 * (its `goToNative[runtime.GOARCH]`), for the arches a Go binary can be
 * built for; moby's quirks are kept (loong64 -> "loongarch64", mips64le n32
 * -> "mips3l64n32").
 */
export const MOBY_NATIVE: Readonly<Partial<Record<ArchName, string>>> = Object.freeze({
  x86: 'x86', x86_64: 'amd64', arm: 'arm', aarch64: 'arm64', loongarch64: 'loongarch64', mips64: 'mips64',
  mips64n32: 'mips64n32', mipsel64: 'mipsel64', mipsel64n32: 'mips3l64n32', mipsel: 'mipsel', ppc: 'ppc',
  ppc64: 'ppc64', ppc64le: 'ppc64le', riscv64: 'riscv64', s390: 's390', s390x: 's390x',
});

/** moby's `nativeToSeccomp`: native string -> the archMap `architecture` it selects. */
export const MOBY_NATIVE_TO_SECCOMP: Readonly<Record<string, string>> = Object.freeze({
  x86: 'SCMP_ARCH_X86', amd64: 'SCMP_ARCH_X86_64', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64',
  loong64: 'SCMP_ARCH_LOONGARCH64', mips64: 'SCMP_ARCH_MIPS64', mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64', mips3l64n32: 'SCMP_ARCH_MIPSEL64N32', mipsle: 'SCMP_ARCH_MIPSEL', ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64', ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
});

/** libseccomp-golang's arch names (`ScmpArch.String()`), which containers/common compares with. */
export const LIBSECCOMP_GO_NAME: Readonly<Record<ArchName, string>> = Object.freeze({
  x86: 'x86', x86_64: 'amd64', x32: 'x32', arm: 'arm', aarch64: 'arm64', loongarch64: 'loong64', m68k: 'm68k',
  mips: 'mips', mipsel: 'mipsel', mips64: 'mips64', mipsel64: 'mipsel64', mips64n32: 'mips64n32',
  mipsel64n32: 'mipsel64n32', parisc: 'parisc', parisc64: 'parisc64', ppc: 'ppc', ppc64: 'ppc64', ppc64le: 'ppc64le',
  riscv64: 'riscv64', s390: 's390', s390x: 's390x', sh: 'sh', sheb: 'sheb',
});
