/**
 * Shared input handling of the analysis commands (explain, diff, lint,
 * graph): `--input raw|asm|policy` and the policy context flags
 * (`--arch`, `--kernel`, `--caps`, `--enosys`), the same as `syswall compile`.
 */
import type { CommandContext, OptionSpec } from './command.js';
import { listOpt, stringOpt, UsageError } from './command.js';
import { resolveArch, type ArchInfo } from '../core/arch/arches.js';
import { INPUT_KINDS, loadAnalysisInput, type AnalysisInput, type InputKind } from '../core/analyze/input.js';
import type { EnosysMode } from '../core/compile/index.js';
import type { ResolveContext } from '../core/formats/context.js';
import { hostArch, hostKernelVersion } from '../node/host.js';
import { readInput } from './io.js';

/** Options every analysis command takes besides --arch. */
export const INPUT_OPTIONS: OptionSpec = {
  input: { type: 'string', short: 'i' },
  kernel: { type: 'string' },
  caps: { type: 'string', multiple: true },
  enosys: { type: 'string' },
};

const ENOSYS_MODES: readonly EnosysMode[] = ['none', 'runc', 'unknown'];

/** Help text for {@link INPUT_OPTIONS}. */
export const INPUT_HELP = `  -i, --input KIND  raw, asm or policy (default: detected from the content:
                    binary = raw BPF, JSON = policy, other text = assembly)
      --kernel X.Y  policies: kernel for Docker's minKernel (default: this host's)
      --caps A,B    policies: the container's capabilities for Docker's
                    includes/excludes (default: Docker's 14 defaults; ALL)
      --enosys M    policies: none (default), runc or unknown; how the compiler
                    answers syscalls the policy does not name (see below)`;

/** Help paragraph on inputs, shared by the commands. */
export const INPUT_NOTE = `INPUT is a raw program (struct sock_filter[], e.g. from libseccomp's
seccomp_export_bpf or \`syswall dump\`), seccomp-tools assembly (assembled for
the first --arch, else this machine's arch) or a policy (OCI, Docker/moby,
containers-common or syswall JSON; compiled first, resolved for the first
--arch, else this machine's, with --kernel and --caps). "-" reads stdin.
Policies are compiled with --enosys none by default: exactly the filter
libseccomp (and so runc, crun, Docker) builds from the same rules, which makes
a policy and a filter taken from a runtime comparable; \`syswall compile\`'s
default, unknown, answers numbers missing from the syscall table with
ENOSYS (pass --enosys unknown to analyse that filter).`;

/** The arches of --arch (possibly empty). */
export function archesOf(ctx: CommandContext): ArchInfo[] {
  return listOpt(ctx, 'arch').map(resolveArch);
}

/** Reads and prepares one analysis input from a file ("-": stdin). */
export function readAnalysisInput(ctx: CommandContext, file: string, arches: readonly ArchInfo[], opts: { recover?: boolean } = {}): AnalysisInput {
  const kindName = stringOpt(ctx, 'input');
  if (kindName !== undefined && !(INPUT_KINDS as readonly string[]).includes(kindName)) {
    throw new UsageError(`unknown input kind "${kindName}"`, `expected one of ${INPUT_KINDS.join(', ')}`);
  }
  const enosys = stringOpt(ctx, 'enosys') ?? 'none';
  if (!(ENOSYS_MODES as readonly string[]).includes(enosys)) throw new UsageError(`unknown --enosys mode "${enosys}"`, `expected one of ${ENOSYS_MODES.join(', ')}`);
  const kernel = stringOpt(ctx, 'kernel');
  if (kernel !== undefined && !/^\d+\.\d+$/.test(kernel.trim())) throw new UsageError(`invalid --kernel "${kernel}"`, 'expected MAJOR.MINOR, e.g. 6.1');
  const caps = listOpt(ctx, 'caps');
  const context: ResolveContext = { kernel: kernel ?? hostKernelVersion() };
  if (caps.length) context.caps = caps;
  const label = file === '-' ? '<stdin>' : file;
  return loadAnalysisInput(readInput(file), {
    file: label,
    kind: kindName as InputKind | undefined,
    arches,
    defaultArch: hostArch(),
    context: { ...context, arch: (arches[0] ?? hostArch()).name },
    enosys: enosys as EnosysMode,
    ...(opts.recover ? { recover: true } : {}),
  });
}
