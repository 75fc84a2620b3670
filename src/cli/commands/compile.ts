import type { Command, CommandContext } from '../command.js';
import { flag, listOpt, stringOpt, UsageError } from '../command.js';
import { resolveArch, type ArchInfo } from '../../core/arch/arches.js';
import { FILTER_FORMATS, filterToJsonObject, formatFilter } from '../../core/compile/outputs.js';
import { filterStats, formatStats } from '../../core/compile/stats.js';
import { exportDocker, exportOci, exportSyswall } from '../../core/formats/export.js';
import { readInput as readDoor } from '../../core/formats/door.js';
import { parseFrequencies } from '../../core/formats/frequencies.js';
import { compileInput, settingsOf } from '../../core/input/load.js';
import { DEFAULTS, describeSettings } from '../../core/defaults.js';
import type { Policy } from '../../core/policy/types.js';
import { INPUT_HELP, INPUT_OPTIONS, loadOptionsOf, printWarnings } from '../input.js';
import { agentProfile, AGENT_MODES, AGENT_RUNTIMES, type AgentMode, type AgentRuntime } from '../../node/agent-profile.js';
import { basename } from 'node:path';
import { println, readInput, readTextInput, writeOutput } from '../io.js';

const FORMATS = [...FILTER_FORMATS, 'oci', 'docker', 'syswall'] as const;
type Format = (typeof FORMATS)[number];

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`compile: unknown ${option} "${value}"`, `expected one of ${allowed.join(', ')}`);
}

/** --for-agent needs --listener-path and OCI output; the agent options need --for-agent. */
function checkAgentOptions(ctx: CommandContext, forAgent: AgentMode | undefined, format: string): void {
  const agentOpts = ['listener-path', 'listener-metadata', 'agent-runtime'].filter((o) => ctx.values[o] !== undefined);
  if (!forAgent) {
    if (agentOpts.length) throw new UsageError(`compile: --${agentOpts[0]} needs --for-agent explain|record`);
    return;
  }
  if (format !== 'oci') throw new UsageError(`compile: --for-agent writes an OCI profile, not ${format}`, 'drop --format or use --format oci');
  if (stringOpt(ctx, 'listener-path') === undefined) throw new UsageError('compile: --for-agent needs --listener-path PATH (the agent\'s socket)', 'e.g. --listener-path /run/syswall/agent.sock');
  for (const o of ['stats', 'json', 'frequencies', 'enosys']) if (ctx.values[o] !== undefined) throw new UsageError(`compile: --${o} cannot be combined with --for-agent`);
}

export const command: Command = {
  name: 'compile',
  summary: 'compile a seccomp policy (any dialect: OCI, Docker, SPO, Firecracker, minijail, Kafel, ...) to BPF',
  usage: `Usage: syswall compile POLICY [-o OUT] [--arch A[,B...]] [--format FORMAT] [--stats] [--json]
                       [--compat runc|strict] [--kernel X.Y] [--caps LIST] [--strict-names]
                       [--enosys none|runc|unknown] [--frequencies FILE] [--input KIND]
                       [--name NAME] [--thread NAME] [-I DIR] [--lossy] [-v]
       syswall compile POLICY --for-agent explain|record --listener-path PATH
                       [--listener-metadata TEXT] [--agent-runtime runc|crun] [--format oci] [-o OUT]

Compiles a policy to a seccomp BPF filter. POLICY is an OCI runtime-spec
linux.seccomp object (or a whole config.json), a Docker/moby profile, a
containers/common profile, a syswall policy, a Kubernetes SPO
SeccompProfile (YAML; --name picks one of several), a Firecracker
seccompiler file (--thread picks the thread), a minijail .policy or a Kafel
policy (includes found with -I); the dialect is detected from content by
the same rules every command uses (--input overrides it; --kind is the same).
"-" reads stdin. The defaults (ENOSYS mode, compat, arch, kernel,
capabilities) are the ones every command uses; --verbose and --stats print
the values in effect.

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

For \`syswall agent\` (--for-agent): writes the OCI linux.seccomp object a
container runs under so that the agent at --listener-path sees what it must:
explain routes every syscall the policy can deny (syscalls whose rules have
argument conditions whole; the agent lets their allowed calls run), record
routes every syscall but the few runc needs before it hands the listener
over. Everything else stays as the policy says; a denying default becomes
NOTIFY rules for every syscall syswall's table knows and stays the default
for other numbers (runtimes refuse NOTIFY as default action and on write).
The policy and its compiled program travel in listenerMetadata; see
docs/containers.md.

Options:
  -o, --output OUT        write to OUT (atomically) instead of stdout
  -a, --arch LIST         host arch, or the filter's arches (see above)
  -f, --format FORMAT     ${FORMATS.join(', ')}
      --stats             print statistics to stderr: length, instructions
                          executed per syscall (args 0, and worst case over
                          argument values) beside the range bound (the least a
                          search over the decision ranges can do),
                          kernel-cacheable syscalls, compile time; per arch,
                          for nr 0..470 and the arch's table
      --json              print a JSON report on stdout (the filter goes to -o,
                          or into the report when there is no -o); --stats
                          numbers are part of it
      --frequencies FILE  syscall counts ({"read": 1200} or "read 1200" lines)
                          to weight the search tree toward frequent syscalls
      --lossy             --format oci/docker: drop what the format cannot say
                          (each loss is an error without it)
      --for-agent MODE    explain or record: the routed profile for syswall agent (format oci)
      --listener-path P   the agent's socket (with --for-agent)
      --listener-metadata TEXT  a label the agent logs with the container (with --for-agent)
      --agent-runtime R   runc (default: the agent models runc's ENOSYS stub) or crun
${INPUT_HELP}
  ENOSYS modes (when the default action denies): unknown (the default:
  ERRNO(ENOSYS) for numbers the arch's table lacks), runc (ENOSYS above the
  highest number the policy names), none (the default action for all, as
  libseccomp).
  -v, --verbose           also print the input kind, the settings in effect and
                          informational notes (rules dropped, ...)
  -h, --help              show this help

Warnings go to stderr as "syswall: warning: ...". Exit 2 for bad input.

Examples:
  syswall compile data/profiles/docker-default.json -o docker.bpf
  syswall compile data/profiles/docker-default.json --arch aarch64 --stats -o arm64.bpf
  syswall compile policy.json --format pfc
  syswall compile policy.json --format c > filter.h
  syswall compile config.json --arch x86_64,x86 --caps ALL --kernel 6.1 --format hex
  syswall compile profile.json --for-agent explain --listener-path /run/syswall/agent.sock -o seccomp.json`,
  options: {
    output: { type: 'string', short: 'o' },
    arch: { type: 'string', short: 'a', multiple: true },
    format: { type: 'string', short: 'f' },
    stats: { type: 'boolean' },
    json: { type: 'boolean' },
    frequencies: { type: 'string' },
    kind: { type: 'string' },
    lossy: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    'for-agent': { type: 'string' },
    'listener-path': { type: 'string' },
    'listener-metadata': { type: 'string' },
    'agent-runtime': { type: 'string' },
    ...INPUT_OPTIONS,
  },
  run(ctx: CommandContext) {
    if (ctx.positionals.length !== 1) throw new UsageError(`compile: expected exactly one POLICY, got ${ctx.positionals.length}`, 'see `syswall compile --help`');
    const path = ctx.positionals[0];
    const out = stringOpt(ctx, 'output');
    const json = flag(ctx, 'json');
    const verbose = flag(ctx, 'verbose');
    const forAgent = oneOf<AgentMode>(stringOpt(ctx, 'for-agent'), AGENT_MODES, '--for-agent mode');
    const format: Format = oneOf(stringOpt(ctx, 'format'), FORMATS, 'format') ?? (forAgent ? 'oci' : out || !ctx.stdout.isTTY || json ? (json && !out ? 'json' : 'raw') : 'disasm');
    checkAgentOptions(ctx, forAgent, format);
    const arches: ArchInfo[] = listOpt(ctx, 'arch').map((a) => resolveArch(a));
    const warnLines: string[] = [];
    let frequencies: Record<string, number> | undefined;
    const freqPath = stringOpt(ctx, 'frequencies');
    if (freqPath) {
      frequencies = parseFrequencies(readTextInput(freqPath), freqPath, (m) => {
        warnLines.push(m);
        println(ctx.stderr, `syswall: warning: ${m}`);
      });
    }

    const options = loadOptionsOf(ctx, path, { arches, kindAliases: ['kind'], ...(frequencies ? { frequencies } : {}) });
    const input = readDoor(readInput(path), { ...options, kind: options.kind ?? 'policy' });
    if (input.type !== 'policy') throw new UsageError(`compile: ${options.file} is a program (${input.kind}), not a policy`, 'programs are disassembled with `syswall disasm` and converted with `syswall asm --format`');
    warnLines.push(...printWarnings(ctx, input.warnings, verbose));
    const settings = settingsOf(input, options.enosys ?? DEFAULTS.enosys);
    if (verbose) println(ctx.stderr, `syswall: ${input.kind} input (${input.detection.reason}); ${describeSettings(settings)}`);

    let data: string | Uint8Array;
    if (forAgent) {
      let policy: Policy = input.policy;
      if (arches.length > 1) policy = { ...policy, arches: arches.map((a) => a.name) };
      const runtime = oneOf<AgentRuntime>(stringOpt(ctx, 'agent-runtime'), AGENT_RUNTIMES, '--agent-runtime') ?? 'runc';
      const label = stringOpt(ctx, 'listener-metadata');
      const r = agentProfile(policy, { mode: forAgent, listenerPath: stringOpt(ctx, 'listener-path')!, runtime, file: path === '-' ? '<stdin>' : basename(path), ...(label !== undefined ? { label } : {}) });
      for (const w of r.warnings) println(ctx.stderr, `syswall: warning: ${w}`);
      if (out) writeOutput(out, r.text);
      else ctx.stdout.write(r.text);
      return 0;
    }
    if (format === 'oci' || format === 'docker' || format === 'syswall') {
      let policy: Policy = input.policy;
      if (arches.length > 1) policy = { ...policy, arches: arches.map((a) => a.name) };
      const lossy = flag(ctx, 'lossy');
      data = format === 'oci' ? exportOci(policy, { lossy }) : format === 'docker' ? exportDocker(policy, { lossy }) : exportSyswall(policy);
      if (flag(ctx, 'stats')) throw new UsageError(`compile: --stats needs a filter format, not ${format}`, 'drop --stats, or use --format raw, c, hex, json, pfc or disasm');
      if (out) writeOutput(out, data);
      else ctx.stdout.write(data);
      return 0;
    }

    const filter = compileInput(input, options);
    for (const w of filter.warnings) {
      warnLines.push(w);
      println(ctx.stderr, `syswall: warning: ${w}`);
    }
    const stats = flag(ctx, 'stats') ? filterStats(filter) : undefined;
    data = formatFilter(filter, format, stats ? { stats } : {});
    if (json) {
      const base = { ...filterToJsonObject(filter, stats ? { stats } : {}), kind: input.kind, settings, warnings: warnLines };
      const report = out ? { ...base, instructions: undefined, output: out, outputFormat: format } : base;
      if (out) writeOutput(out, data);
      ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    if (stats) ctx.stderr.write(`settings: ${describeSettings(settings)}\n` + formatStats(stats));
    if (out) writeOutput(out, data);
    else ctx.stdout.write(data);
    return 0;
  },
};
