import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from '../command.js';
import { flag, stringOpt, UsageError } from '../command.js';
import { exportDocker, exportOci, exportSyswall } from '../../core/formats/export.js';
import { exportFirecracker } from '../../core/formats/firecracker.js';
import { importPolicy, IMPORT_KINDS, type ImportKind } from '../../core/formats/import.js';
import { formatWarning } from '../../core/formats/reader.js';
import { exportSpo, ociLosses } from '../../core/formats/spo.js';
import { readTextInput, println, writeOutput } from '../io.js';

const TARGETS = ['oci', 'docker', 'spo', 'firecracker', 'syswall'];

export const command: Command = {
  name: 'convert',
  summary: 'convert a policy between dialects (OCI, Docker, SPO, Firecracker, minijail, Kafel, syswall)',
  usage: `Usage: syswall convert IN --to oci|docker|spo|firecracker|syswall [-o OUT] [--thread NAME] [--arch A] [--from KIND] [--lossy]

Reads a policy in any dialect syswall knows (detected from content: OCI,
Docker/moby, containers/common, syswall JSON, Kubernetes SPO SeccompProfile
YAML, Firecracker seccompiler JSON, minijail .policy, Kafel) and writes it in
another. Every loss of meaning is reported on stderr as a
"syswall: warning: ..." line; without --lossy a loss that changes decisions
is an error (exit 2). minijail @include/@frequency, Kafel #include and SPO
baseProfileName are resolved from files next to the input.

Options:
  -t, --to FORMAT    output dialect: ${TARGETS.join(', ')}
  -o, --output OUT   write here (atomically) instead of stdout
      --thread NAME  Firecracker input: the thread filter to read; output: the thread name (default main)
  -a, --arch A       arch of minijail/Kafel/Firecracker input and the native arch of OCI input (default x86_64)
      --from KIND    input dialect instead of detection: ${IMPORT_KINDS.join(', ')}
      --name NAME    SPO output: metadata.name
      --lossy        write what can be written when the target cannot say everything (losses are warned)
  -h, --help         show this help

Examples:
  syswall convert crosvm.policy --to oci -o crosvm.json
  syswall convert firecracker.json --thread vmm --to spo --name vmm
  syswall convert sandbox.kafel --to syswall
  syswall convert profile.yaml --to docker`,
  options: {
    to: { type: 'string', short: 't' },
    output: { type: 'string', short: 'o' },
    thread: { type: 'string' },
    arch: { type: 'string', short: 'a' },
    from: { type: 'string' },
    name: { type: 'string' },
    lossy: { type: 'boolean' },
  },
  run(ctx) {
    if (ctx.positionals.length !== 1) throw new UsageError('convert: expected one input file', 'see `syswall convert --help`');
    const to = stringOpt(ctx, 'to');
    if (!to) throw new UsageError('convert: --to is required', `choose one of ${TARGETS.join(', ')}`);
    if (!TARGETS.includes(to)) throw new UsageError(`convert: unknown output format "${to}"`, `choose one of ${TARGETS.join(', ')}`);
    const from = stringOpt(ctx, 'from');
    if (from !== undefined && !(IMPORT_KINDS as readonly string[]).includes(from)) throw new UsageError(`convert: unknown input kind "${from}"`, `choose one of ${IMPORT_KINDS.join(', ')}`);
    const input = ctx.positionals[0];
    const arch = stringOpt(ctx, 'arch');
    const thread = stringOpt(ctx, 'thread');
    const lossy = flag(ctx, 'lossy');
    const text = readTextInput(input);
    const readFile = (p: string) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    };
    const resolveBase = (name: string, fromFile: string | undefined) => {
      const dir = fromFile && fromFile !== '-' ? dirname(fromFile) : '.';
      for (const ext of ['.yaml', '.yml', '.json']) {
        const p = join(dir, name + ext);
        if (existsSync(p)) return { text: readFileSync(p, 'utf8'), file: p };
      }
      return undefined;
    };
    const imported = importPolicy(text, {
      file: input === '-' ? '<stdin>' : input,
      ...(from ? { kind: from as ImportKind } : {}),
      ...(arch ? { arch, context: { arch } } : {}),
      ...(thread !== undefined && (from === 'firecracker' || (!from && text.trimStart().startsWith('{') && /"(default_action|filter_action)"/.test(text))) ? { thread } : {}),
      readFile,
      resolveBase,
    });
    const warn = (m: string) => println(ctx.stderr, `syswall: warning: ${m}`);
    for (const w of imported.warnings) if (w.severity === 'warning') warn(formatWarning(w));
    if (imported.frequencies && to !== 'syswall') warn(`the @frequency weights of the input are not written (${to} has no place for them); pass them to compile instead`);
    const p = imported.policy;
    let out: string;
    if (to === 'spo') {
      const r = exportSpo(p, { lossy, ...(stringOpt(ctx, 'name') ? { name: stringOpt(ctx, 'name')! } : {}) });
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
