import type { Command } from '../command.js';
import { flag, stringOpt, UsageError } from '../command.js';
import { exportDocker, exportOci, exportSyswall } from '../../core/formats/export.js';
import { exportFirecracker } from '../../core/formats/firecracker.js';
import { detectInput, INPUT_KINDS, readInput as readDoor, type InputPolicy } from '../../core/formats/door.js';
import { resolveArch } from '../../core/arch/arches.js';
import { loadOptionsOf } from '../input.js';
import { formatWarning } from '../../core/formats/reader.js';
import { exportSpo, ociLosses } from '../../core/formats/spo.js';
import { readInput, println, writeOutput } from '../io.js';

const TARGETS = ['oci', 'docker', 'spo', 'firecracker', 'syswall'];

export const command: Command = {
  name: 'convert',
  summary: 'convert a policy between dialects (OCI, Docker, SPO, Firecracker, minijail, Kafel, syswall)',
  usage: `Usage: syswall convert IN --to oci|docker|spo|firecracker|syswall [-o OUT] [--thread NAME] [--name NAME] [--arch A] [--input KIND] [-I DIR] [--lossy]

Reads a policy in any dialect syswall knows (detected from content: OCI,
Docker/moby, containers/common, syswall JSON, Kubernetes SPO SeccompProfile
YAML, Firecracker seccompiler JSON, minijail .policy, Kafel) and writes it in
another. Every loss of meaning is reported on stderr as a
"syswall: warning: ..." line; without --lossy a loss that changes decisions
is an error (exit 2). minijail @include/@frequency, Kafel #include and SPO
baseProfileName are resolved from files next to the input (includes also
by file name in each -I DIR). The input is read through the same door as
every other command: the same detection, the same host context (this
machine's arch and kernel, Docker's default capabilities).

Options:
  -t, --to FORMAT    output dialect: ${TARGETS.join(', ')}
  -o, --output OUT   write here (atomically) instead of stdout
      --thread NAME  Firecracker input: the thread filter to read; output: the thread name (default main)
  -a, --arch A       arch of minijail/Kafel/Firecracker input and the native arch of OCI input (default: this machine's)
  -i, --input KIND   read IN as KIND instead of detecting it: ${INPUT_KINDS.filter((k) => k !== 'raw' && k !== 'hex' && k !== 'asm' && k !== 'program').join(', ')} (--from is the same)
  -I, --include-dir DIR  minijail/Kafel: where included files are found by name (repeatable)
      --kernel X.Y, --caps LIST, --compat MODE, --strict-names  as for syswall compile
      --name NAME    SPO input: the SeccompProfile of a multi-document file; SPO output: metadata.name
      --lossy        write what can be written when the target cannot say everything (losses are warned)
  -h, --help         show this help

Examples:
  syswall convert crosvm.policy --to oci -o crosvm.json
  syswall convert firecracker.json --thread vmm --to syswall        # exact
  syswall convert firecracker.json --thread vmm --to spo --name vmm --lossy
      # SPO cannot say Firecracker's KILL_PROCESS for a foreign arch: warned, not silent
  syswall convert sandbox.kafel --to syswall
  syswall convert profile.yaml --to docker`,
  options: {
    to: { type: 'string', short: 't' },
    output: { type: 'string', short: 'o' },
    thread: { type: 'string' },
    arch: { type: 'string', short: 'a' },
    from: { type: 'string' },
    input: { type: 'string', short: 'i' },
    'include-dir': { type: 'string', short: 'I', multiple: true },
    kernel: { type: 'string' },
    caps: { type: 'string', multiple: true },
    compat: { type: 'string' },
    'strict-names': { type: 'boolean' },
    name: { type: 'string' },
    lossy: { type: 'boolean' },
  },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('convert: expected one input file', 'see `syswall convert --help`');
    const to = stringOpt(ctx, 'to');
    if (!to) throw new UsageError('convert: --to is required', `choose one of ${TARGETS.join(', ')}`);
    if (!TARGETS.includes(to)) throw new UsageError(`convert: unknown output format "${to}"`, `choose one of ${TARGETS.join(', ')}`);
    const input = ctx.positionals[0];
    const thread = stringOpt(ctx, 'thread');
    const name = stringOpt(ctx, 'name');
    const lossy = flag(ctx, 'lossy');
    const archName = stringOpt(ctx, 'arch');
    const options = loadOptionsOf(ctx, input, { arches: archName ? [resolveArch(archName)] : [], kindAliases: ['from'] });
    const data = readInput(input);
    // --thread and --name select the input's filter or document when it has several, and name the output.
    const kind = options.kind && options.kind !== 'policy' && options.kind !== 'program' ? options.kind : detectInput(data, { ...(options.file !== undefined ? { file: options.file } : {}), within: 'policy', ...(options.context ? { context: options.context } : {}) }).kind;
    if (kind === 'raw' || kind === 'hex' || kind === 'asm') throw new UsageError(`convert: ${input} is a program (${kind}), not a policy`, 'convert reads policies; a compiled filter is explained with `syswall explain`');
    const imported = readDoor(data, { ...options, kind, thread: kind === 'firecracker' ? thread : undefined, name: kind === 'spo' ? name : undefined }) as InputPolicy;
    const warn = (m: string) => println(ctx.stderr, `syswall: warning: ${m}`);
    for (const w of imported.warnings) if (w.severity === 'warning') warn(formatWarning(w));
    if (imported.frequencies && to !== 'syswall') warn(`the @frequency weights of the input are not written (${to} has no place for them); pass them to compile instead`);
    const p = imported.policy;
    let out: string;
    if (to === 'spo') {
      const r = exportSpo(p, { lossy, ...(name !== undefined ? { name } : {}) });
      r.warnings.forEach(warn);
      out = r.text;
    } else if (to === 'firecracker') {
      const r = exportFirecracker(p, { lossy, ...(thread !== undefined ? { thread } : {}) });
      r.warnings.forEach(warn);
      out = r.text;
    } else if (to === 'syswall') {
      out = exportSyswall(p);
    } else {
      const losses = ociLosses(p);
      if (losses.length > 0 && lossy) losses.forEach(warn);
      out = to === 'oci' ? exportOci(p, { lossy }) : exportDocker(p, { lossy });
    }
    const o = stringOpt(ctx, 'output');
    if (o) writeOutput(o, out);
    else ctx.stdout.write(out);
    return 0;
  },
};
