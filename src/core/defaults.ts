/**
 * The one set of defaults every command, the Node API and the playground
 * use to turn an input into a filter: how unnamed syscalls are answered
 * (ENOSYS mode), how OCI-family rules are read (compat), and the context
 * Docker/containers-common profiles are resolved against (arch, kernel,
 * capabilities). Defined here once; `syswall compile --stats` and
 * `--verbose` print the values in effect (see {@link describeSettings}).
 *
 * Why ENOSYS `unknown`: a filter built from a deny-by-default policy should
 * answer syscalls it cannot know (numbers newer than syswall's table) with
 * ENOSYS, so libc falls back to an older call instead of failing with EPERM;
 * numbers the table knows follow the policy exactly as libseccomp would.
 * Every command compiles with the same default, so `syswall diff POLICY
 * <(syswall compile POLICY)` is empty; `--enosys none` gives libseccomp's
 * (and so runc's, crun's, Docker's) filter, for comparing a policy with a
 * filter taken from a runtime.
 */

/** How syscalls the policy does not name are answered when the default action denies. */
export type EnosysMode = 'none' | 'runc' | 'unknown';

/** Every {@link EnosysMode}. */
export const ENOSYS_MODES: readonly EnosysMode[] = ['none', 'runc', 'unknown'];

/**
 * How OCI-family rules are read: `runc` (several conditions on one argument
 * index become separate OR'd rules, the native arch is added, a rule equal
 * to the default action is dropped) or `strict` (conditions ANDed, arches as
 * listed).
 */
export type Compat = 'runc' | 'strict';

/** Every {@link Compat} mode. */
export const COMPAT_MODES: readonly Compat[] = ['runc', 'strict'];

/**
 * Docker's default capability set (moby `oci/caps` defaults): what a
 * container gets without `--cap-add`/`--cap-drop`.
 */
export const DOCKER_DEFAULT_CAPS: readonly string[] = Object.freeze([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]);

/** The defaults. */
export const DEFAULTS = Object.freeze({
  /** ENOSYS mode of the compiler. */
  enosys: 'unknown' as EnosysMode,
  /** Compat mode of the OCI, Docker and containers-common dialects (what runc does). */
  compat: 'runc' as Compat,
  /** Compat mode of syswall's own JSON dialect (conditions mean what they say). */
  syswallCompat: 'strict' as Compat,
  /** Host arch when the caller knows none (the playground; the CLI passes this machine's). */
  arch: 'x86_64',
  /**
   * Host kernel: the CLI passes this machine's; without one (the playground),
   * Docker's `minKernel` conditions are treated as met and a warning says so.
   */
  kernel: undefined as string | undefined,
  /** The container's capabilities for Docker's includes/excludes. */
  caps: DOCKER_DEFAULT_CAPS,
});

/** The settings an input was turned into a filter with (defaults filled in). */
export interface Settings {
  readonly enosys: EnosysMode;
  /** Compat mode, for the OCI-family dialects (undefined for the others and for programs). */
  readonly compat?: Compat;
  readonly arch: string;
  /** `MAJOR.MINOR`, or undefined when minKernel conditions are treated as met. */
  readonly kernel?: string;
  readonly caps: readonly string[];
}

/** One line for `--verbose`/`--stats`: `enosys=unknown compat=runc arch=x86_64 kernel=6.8 caps=docker-default(14)`. */
export function describeSettings(s: Settings): string {
  const sameCaps = s.caps.length === DOCKER_DEFAULT_CAPS.length && s.caps.every((c) => DOCKER_DEFAULT_CAPS.includes(c));
  const caps = sameCaps ? `docker-default(${s.caps.length})` : s.caps.length > 6 ? `${s.caps.length} caps` : s.caps.join(',') || 'none';
  return [`enosys=${s.enosys}`, ...(s.compat ? [`compat=${s.compat}`] : []), `arch=${s.arch}`, `kernel=${s.kernel ?? 'any'}`, `caps=${caps}`].join(' ');
}

/**
 * Largest input the door reads (bytes): 4 MiB, far above any real policy or
 * program (Docker's default profile is 20 kB, 4,096 instructions are 32 KiB),
 * and small enough that every reader ends in seconds and well under a
 * gigabyte (a 4 MiB SPO YAML file is the slowest: docs/limits.md).
 */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
