/**
 * The input flags every command that reads a policy or a program shares,
 * turned into options of the one door (src/core/formats/door.ts) with this
 * machine's context: `--input KIND`, `--arch`, `--kernel`, `--caps`,
 * `--enosys`, `--compat`, `--strict-names`, `--name` (SPO), `--thread`
 * (Firecracker), `-I DIR` (minijail/Kafel includes).
 */
import type { CommandContext, OptionSpec } from './command.js';
import { flag, listOpt, stringOpt, UsageError } from './command.js';
import { resolveArch, type ArchInfo } from '../core/arch/arches.js';
import { COMPAT_MODES, ENOSYS_MODES, type Compat, type EnosysMode } from '../core/defaults.js';
import { INPUT_KINDS, type InputKindOption } from '../core/formats/door.js';
import type { ResolveContext } from '../core/formats/context.js';
import { loadInput, type LoadedInput, type LoadOptions } from '../core/input/load.js';
import { baseProfileResolver, hostContext, includeResolver } from '../node/input-files.js';
import { formatWarning, type PolicyWarning } from '../core/formats/reader.js';
import { println, readInput } from './io.js';

/** The input options (commands add their own --arch). */
export const INPUT_OPTIONS: OptionSpec = {
  input: { type: 'string', short: 'i' },
  kernel: { type: 'string' },
  caps: { type: 'string', multiple: true },
  enosys: { type: 'string' },
  compat: { type: 'string' },
  'strict-names': { type: 'boolean' },
  name: { type: 'string' },
  thread: { type: 'string' },
  'include-dir': { type: 'string', short: 'I', multiple: true },
};

/** Help lines for {@link INPUT_OPTIONS}. */
export const INPUT_HELP = `  -i, --input KIND    read INPUT as KIND instead of detecting it: oci, docker,
                      containers-common, syswall, spo, firecracker, minijail,
                      kafel (policies), raw, hex, asm (programs); or policy /
                      program to detect within one family
      --kernel X.Y    policies: the host kernel for Docker's minKernel
                      (default: this machine's)
      --caps LIST     policies: the container's capabilities for Docker's
                      includes/excludes (default: Docker's 14; ALL for every one)
      --enosys MODE   policies: unknown (default), runc or none; see below
      --compat MODE   OCI-family policies: runc (default) or strict
      --strict-names  policies: unknown syscall names are errors
      --name NAME     SPO input: the SeccompProfile of a multi-document file
      --thread NAME   Firecracker input: the thread's filter (vmm, api, vcpu...)
  -I, --include-dir DIR
                      minijail/Kafel: where included files are found by name
                      (crosvm's /usr/share/policy/crosvm/... includes too);
                      repeatable`;

/** Help paragraph on inputs, shared by the commands. */
export const INPUT_NOTE = `INPUT is a policy or a program, detected from its content by one set of
rules (--input overrides it): OCI, Docker/moby, containers-common or syswall
JSON, a Kubernetes SPO SeccompProfile (YAML), a Firecracker seccompiler file,
a minijail .policy, a Kafel policy; or a raw BPF filter (struct
sock_filter[], e.g. from "syswall compile", libseccomp's seccomp_export_bpf
or "syswall dump"), its hex text, or seccomp-tools assembly. "-" reads
stdin. An empty, ambiguous or unrecognised input is refused with the reason.
Policies are resolved for the first --arch (else this machine's) with
--kernel and --caps, and compiled with syswall compile's defaults, so an
analysis describes exactly the filter "syswall compile" writes: --enosys
unknown answers syscall numbers the arch's table lacks with ENOSYS; --enosys
none gives libseccomp's (and runc's) filter, to compare a policy with a
filter taken from a runtime.`;

/** The arches of --arch (possibly empty). */
export function archesOf(ctx: CommandContext): ArchInfo[] {
  return listOpt(ctx, 'arch').map(resolveArch);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`unknown ${option} "${value}"`, `expected one of ${allowed.join(', ')}`);
}

/** `--input` (or a command's older alias of it, e.g. compile's --kind, convert's --from). */
export function inputKindOf(ctx: CommandContext, ...aliases: string[]): InputKindOption | undefined {
  for (const name of ['input', ...aliases]) {
    const v = stringOpt(ctx, name);
    if (v !== undefined) return oneOf(v, INPUT_KINDS, `--${name} kind`);
  }
  return undefined;
}

/** The ENOSYS mode of --enosys (undefined: the default). */
export function enosysOf(ctx: CommandContext): EnosysMode | undefined {
  return oneOf(stringOpt(ctx, 'enosys'), ENOSYS_MODES, '--enosys mode');
}

/** The host context of --arch (its first arch), --kernel and --caps, on top of this machine's. */
export function contextOf(ctx: CommandContext, arch: ArchInfo | undefined): ResolveContext {
  const kernel = stringOpt(ctx, 'kernel');
  if (kernel !== undefined && !/^\d+\.\d+$/.test(kernel.trim())) throw new UsageError(`invalid --kernel "${kernel}"`, 'expected MAJOR.MINOR, e.g. 6.1');
  const caps = ctx.values.caps !== undefined ? listOpt(ctx, 'caps') : undefined;
  return hostContext({ ...(arch ? { arch: arch.name } : {}), ...(kernel !== undefined ? { kernel: kernel.trim() } : {}), ...(caps ? { caps } : {}) });
}

/** What a command tells {@link loadOptionsOf} besides the flags. */
export interface CliLoadOptions {
  /** The --arch list: the first is the host arch (and a raw program's byte order); several make the filter's arches. */
  arches?: readonly ArchInfo[];
  /** The command's older names of --input. */
  kindAliases?: string[];
  recover?: boolean;
  maxInstructions?: number;
  frequencies?: Readonly<Record<string, number>>;
  /** --name/--thread apply to whichever of several inputs they fit (diff). */
  sharedSelectors?: boolean;
}

/** Door and compiler options from the command line. */
export function loadOptionsOf(ctx: CommandContext, file: string, opts: CliLoadOptions = {}): LoadOptions {
  const arch = opts.arches?.[0];
  const kind = inputKindOf(ctx, ...(opts.kindAliases ?? []));
  const compat = oneOf<Compat>(stringOpt(ctx, 'compat'), COMPAT_MODES, '--compat mode');
  const enosys = enosysOf(ctx);
  const name = stringOpt(ctx, 'name');
  const thread = stringOpt(ctx, 'thread');
  return {
    file: file === '-' ? '<stdin>' : file,
    ...(kind ? { kind } : {}),
    context: contextOf(ctx, arch),
    ...(arch ? { programArch: arch } : {}),
    ...(compat ? { compat } : {}),
    ...(flag(ctx, 'strict-names') ? { strictNames: true } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(thread !== undefined ? { thread } : {}),
    readFile: includeResolver(listOpt(ctx, 'include-dir')),
    resolveBase: baseProfileResolver(),
    ...(enosys ? { enosys } : {}),
    ...(opts.recover ? { recover: true } : {}),
    ...(opts.maxInstructions !== undefined ? { maxInstructions: opts.maxInstructions } : {}),
    ...(opts.arches && opts.arches.length > 1 ? { arches: opts.arches.map((a) => a.name) } : {}),
    ...(opts.frequencies ? { frequencies: opts.frequencies } : {}),
    ...(opts.sharedSelectors ? { sharedSelectors: true } : {}),
  };
}

/** Reads FILE ("-": stdin) through the door and compiles policies with the defaults. */
export function loadFile(ctx: CommandContext, file: string, opts: CliLoadOptions = {}): LoadedInput {
  return loadInput(readInput(file), loadOptionsOf(ctx, file, opts));
}

/** Prints parse warnings: unknown syscall names as one line, other warnings one per line, infos with --verbose. */
export function printWarnings(ctx: CommandContext, warnings: readonly PolicyWarning[], verbose: boolean): string[] {
  const lines: { severity: 'warning' | 'info'; text: string }[] = [];
  const unknown = warnings.filter((w) => w.code === 'UNKNOWN_SYSCALL');
  if (unknown.length > 1) {
    const names = unknown.flatMap((w) => w.names ?? []);
    lines.push({ severity: 'warning', text: `${names.length} unknown syscall names left out: ${names.join(', ')} (--strict-names makes this an error)` });
  }
  for (const w of warnings) {
    if (w.code === 'UNKNOWN_SYSCALL' && unknown.length > 1) continue;
    if (w.severity === 'info' && !verbose) continue;
    lines.push({ severity: w.severity, text: formatWarning(w) });
  }
  for (const l of lines) println(ctx.stderr, `syswall: ${l.severity}: ${l.text}`);
  return lines.filter((l) => l.severity === 'warning').map((l) => l.text);
}
