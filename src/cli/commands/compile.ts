import type { Command, CommandContext } from '../command.js';
import { flag, listOpt, stringOpt, UsageError } from '../command.js';
import { resolveArch, type ArchInfo } from '../../core/arch/arches.js';
import { isKnownSyscall } from '../../core/arch/syscalls.js';
import { compilePolicy, type EnosysMode } from '../../core/compile/compile.js';
import { FILTER_FORMATS, filterToJsonObject, formatFilter } from '../../core/compile/outputs.js';
import { filterStats, formatStats } from '../../core/compile/stats.js';
import { PolicyError } from '../../core/errors.js';
import { exportDocker, exportOci, exportSyswall } from '../../core/formats/export.js';
import { parsePolicyText } from '../../core/formats/parse.js';
import { POLICY_KINDS, type PolicyKind } from '../../core/formats/raw.js';
import { formatWarning, type PolicyWarning } from '../../core/formats/reader.js';
import type { Compat } from '../../core/formats/convert.js';
import type { Policy } from '../../core/policy/types.js';
import { hostArch, hostKernelVersion } from '../../node/host.js';
import { println, readTextInput, writeOutput } from '../io.js';

const FORMATS = [...FILTER_FORMATS, 'oci', 'docker', 'syswall'] as const;
type Format = (typeof FORMATS)[number];

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`compile: unknown ${option} "${value}"`, `expected one of ${allowed.join(', ')}`);
}

/**
 * Reads a syscall frequency table: a JSON object `{"read": 1200, ...}` or
 * text lines `NAME COUNT` (`#` comments allowed). Unknown names are warnings.
 */
export function parseFrequencies(text: string, file: string, warn: (m: string) => void): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, n: unknown, where: string) => {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new PolicyError('BAD_FREQUENCIES', `${where}: count of "${name}" must be a non-negative number`, { hint: 'expected {"read": 1200, ...} or lines "read 1200"' });
    }
    if (!isKnownSyscall(name)) warn(`${file}: unknown syscall "${name}" in the frequency table is ignored`);
    else out[name] = (out[name] ?? 0) + n;
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (e) {
      throw new PolicyError('BAD_FREQUENCIES', `${file}: not valid JSON: ${(e as Error).message}`, { hint: 'expected {"read": 1200, ...} or lines "read 1200"' });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new PolicyError('BAD_FREQUENCIES', `${file}: expected a JSON object of syscall counts`);
    for (const [k, v] of Object.entries(obj)) put(k, v, file);
    return out;
  }
  trimmed.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const m = /^([A-Za-z_][\w]*)\s+(\d+(?:\.\d+)?)$/.exec(line) ?? /^(\d+(?:\.\d+)?)\s+([A-Za-z_][\w]*)$/.exec(line);
    if (!m) throw new PolicyError('BAD_FREQUENCIES', `${file}:${i + 1}: expected "NAME COUNT", got "${line}"`, { hint: 'expected {"read": 1200, ...} or lines "read 1200"' });
    const [name, count] = /^\d/.test(m[1]) ? [m[2], m[1]] : [m[1], m[2]];
    put(name, Number(count), `${file}:${i + 1}`);
  });
  return out;
}

/** Prints parse warnings: unknown syscall names as one line, other warnings one per line, infos with --verbose. */
function reportWarnings(ctx: CommandContext, warnings: readonly PolicyWarning[], verbose: boolean): string[] {
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

export const command: Command = {
  name: 'compile',
  summary: 'compile a seccomp policy (OCI, Docker, containers-common, syswall JSON) to BPF',
  usage: `Usage: syswall compile POLICY [-o OUT] [--arch A[,B...]] [--format FORMAT] [--stats] [--json]
                       [--compat runc|strict] [--kernel X.Y] [--caps LIST] [--strict-names]
                       [--enosys none|runc|unknown] [--frequencies FILE] [--kind KIND]

Compiles a policy to a seccomp BPF filter. POLICY is an OCI runtime-spec
linux.seccomp object (or a whole config.json), a Docker/moby profile, a
containers/common profile or a syswall policy; the dialect is detected from
content (--kind overrides it). "-" reads stdin.

Context: Docker and containers-common profiles are resolved for a host arch,
kernel version and capability set. They default to this machine's arch and
kernel and to Docker's default capabilities.

  --arch A        the host arch: resolves archMap/includes for A and makes A the
                  native arch; the filter covers the arches the policy then names
                  (Docker's default on x86_64: x86_64, x86, x32)
  --arch A,B,...  the same with A as host arch, and the filter covers exactly
                  A, B, ... (overriding the policy's arches)

All arches of one filter must share a byte order (raw output uses it:
s390x, ppc64 and big-endian MIPS filters are big-endian).

Formats: raw (struct sock_filter[] bytes), c (BPF_STMT/BPF_JUMP array and a
struct sock_fprog), hex (one instruction per line), json (arches, flags,
instructions, stats with --stats), pfc (pseudo filter code: what the program
decides, per arch and syscall), disasm (seccomp-tools listing), and the
resolved policy as oci, docker or syswall JSON. Default: raw with -o or when
stdout is not a terminal, disasm on a terminal.

Options:
  -o, --output OUT        write to OUT (atomically) instead of stdout
  -a, --arch LIST         host arch, or the filter's arches (see above)
  -f, --format FORMAT     ${FORMATS.join(', ')}
      --stats             print statistics to stderr: length, instructions
                          executed per syscall (args 0, and worst case over
                          argument values), kernel-cacheable syscalls, compile
                          time; per arch, for nr 0..470 and the arch's table
      --json              print a JSON report on stdout (the filter goes to -o,
                          or into the report when there is no -o); --stats
                          numbers are part of it
      --compat MODE       runc (default for OCI/Docker: conditions on one
                          argument are OR'd, native arch added) or strict (ANDed)
      --kernel X.Y        host kernel for minKernel (default: this machine's)
      --caps LIST         capability set, e.g. CAP_SYS_ADMIN,CAP_NET_ADMIN or ALL
                          (default: Docker's default set)
      --strict-names      unknown syscall names are errors (default: warnings)
      --enosys MODE       when the default action denies: unknown (default,
                          ERRNO(ENOSYS) for numbers the arch's table lacks),
                          runc (ENOSYS above the highest number the policy
                          names) or none (the default action for all)
      --frequencies FILE  syscall counts ({"read": 1200} or "read 1200" lines)
                          to weight the search tree toward frequent syscalls
      --kind KIND         read POLICY as ${POLICY_KINDS.join(', ')}
  -v, --verbose           also print informational notes (rules dropped, ...)
  -h, --help              show this help

Warnings go to stderr as "syswall: warning: ...". Exit 2 for bad input.

Examples:
  syswall compile data/profiles/docker-default.json -o docker.bpf
  syswall compile data/profiles/docker-default.json --arch aarch64 --stats -o arm64.bpf
  syswall compile policy.json --format pfc
  syswall compile policy.json --format c > filter.h
  syswall compile config.json --arch x86_64,x86 --caps ALL --kernel 6.1 --format hex`,
  options: {
    output: { type: 'string', short: 'o' },
    arch: { type: 'string', short: 'a', multiple: true },
    format: { type: 'string', short: 'f' },
    stats: { type: 'boolean' },
    json: { type: 'boolean' },
    compat: { type: 'string' },
    kernel: { type: 'string' },
    caps: { type: 'string', multiple: true },
    'strict-names': { type: 'boolean' },
    enosys: { type: 'string' },
    frequencies: { type: 'string' },
    kind: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  },
  run(ctx: CommandContext) {
    if (ctx.positionals.length !== 1) throw new UsageError(`compile: expected exactly one POLICY, got ${ctx.positionals.length}`, 'see `syswall compile --help`');
    const path = ctx.positionals[0];
    const file = path === '-' ? '<stdin>' : path;
    const out = stringOpt(ctx, 'output');
    const json = flag(ctx, 'json');
    const verbose = flag(ctx, 'verbose');
    const format: Format = oneOf(stringOpt(ctx, 'format'), FORMATS, 'format') ?? (out || !ctx.stdout.isTTY || json ? (json && !out ? 'json' : 'raw') : 'disasm');
    const compat = oneOf<Compat>(stringOpt(ctx, 'compat'), ['runc', 'strict'], 'compat mode');
    const enosys = oneOf<EnosysMode>(stringOpt(ctx, 'enosys'), ['none', 'runc', 'unknown'], 'ENOSYS mode');
    const kind = oneOf<PolicyKind>(stringOpt(ctx, 'kind'), POLICY_KINDS, 'policy kind');
    const archList = listOpt(ctx, 'arch');
    const arches: ArchInfo[] = archList.map((a) => resolveArch(a));
    const host = arches[0] ?? hostArch();
    const kernelText = stringOpt(ctx, 'kernel');
    const hostKernel = hostKernelVersion();
    const kernel = kernelText ?? (hostKernel[0] > 0 ? `${hostKernel[0]}.${hostKernel[1]}` : undefined);
    const caps = ctx.values.caps !== undefined ? listOpt(ctx, 'caps') : undefined;
    const warnLines: string[] = [];
    let frequencies: Record<string, number> | undefined;
    const freqPath = stringOpt(ctx, 'frequencies');
    if (freqPath) {
      frequencies = parseFrequencies(readTextInput(freqPath), freqPath, (m) => {
        warnLines.push(m);
        println(ctx.stderr, `syswall: warning: ${m}`);
      });
    }

    const text = readTextInput(path);
    const parsed = parsePolicyText(text, {
      file,
      context: { arch: host.name, ...(kernel !== undefined ? { kernel } : {}), ...(caps ? { caps } : {}) },
      ...(compat ? { compat } : {}),
      strictNames: flag(ctx, 'strict-names'),
      ...(kind ? { kind } : {}),
    });
    warnLines.push(...reportWarnings(ctx, parsed.warnings, verbose));
    let policy: Policy = parsed.policy;
    if (arches.length > 1) policy = { ...policy, arches: arches.map((a) => a.name) };

    let data: string | Uint8Array;
    if (format === 'oci' || format === 'docker' || format === 'syswall') {
      data = format === 'oci' ? exportOci(policy) : format === 'docker' ? exportDocker(policy) : exportSyswall(policy);
      if (flag(ctx, 'stats')) throw new UsageError(`compile: --stats needs a filter format, not ${format}`, 'drop --stats, or use --format raw, c, hex, json, pfc or disasm');
      if (out) writeOutput(out, data);
      else ctx.stdout.write(data);
      return 0;
    }

    const filter = compilePolicy(policy, { ...(enosys ? { enosys } : {}), ...(frequencies ? { frequencies } : {}) });
    for (const w of filter.warnings) {
      warnLines.push(w);
      println(ctx.stderr, `syswall: warning: ${w}`);
    }
    const stats = flag(ctx, 'stats') ? filterStats(filter) : undefined;
    data = formatFilter(filter, format, stats ? { stats } : {});
    if (json) {
      const report = out
        ? { ...filterToJsonObject(filter, stats ? { stats } : {}), instructions: undefined, kind: parsed.kind, output: out, outputFormat: format, warnings: warnLines }
        : { ...filterToJsonObject(filter, stats ? { stats } : {}), kind: parsed.kind, warnings: warnLines };
      if (out) writeOutput(out, data);
      ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    if (stats) ctx.stderr.write(formatStats(stats));
    if (out) writeOutput(out, data);
    else ctx.stdout.write(data);
    return 0;
  },
};
