import type { Command, CommandContext } from '../command.js';
import { flag, listOpt, stringOpt, UsageError } from '../command.js';
import { inputKindOf, printWarnings } from '../input.js';
import { loadProfile } from '../../node/policy-source.js';
import { println } from '../io.js';
import { SyswallError } from '../../core/errors.js';
import { parseAction } from '../../core/policy/actions.js';
import type { Action, Policy } from '../../core/policy/types.js';
import { countsFromComment, mergePolicies, recordingToPolicy, sortedCounts, Recording } from '../../core/policy/recording.js';
import { exportDocker, exportOci, exportSyswall } from '../../core/formats/export.js';
import { recordCommand, type RecordResult } from '../../node/record.js';
import { finishOutput, openOutput, type OutputFile } from '../../node/output.js';

const FORMATS = ['syswall', 'oci', 'docker'] as const;

export const command: Command = {
  name: 'record',
  separateRest: true,
  summary: 'run a command and write the minimal profile that lets it run',
  usage: `Usage: syswall record [OPTIONS] -- CMD [ARGS...]
       syswall record --merge FILE [--merge FILE ...] [OPTIONS] [-- CMD [ARGS...]]

Runs CMD, its threads and all its descendants under a filter that hands every
syscall to syswall (seccomp user notifications, answered with "continue": the
calls run unchanged), and writes the minimal allow-list profile for that run:
default ERRNO(EPERM), ALLOW for every syscall seen, and the arches the calls
were made with (an i386 or x32 program is recorded as x86 or x32). Recording
starts at CMD's execve, which is recorded; the launcher's own calls are not.
Syscall numbers syswall's table does not know get no rule; syswall's compiler
answers them ENOSYS. Per-syscall counts go into the profile's comment (syswall
format) and, with --counts, into a JSON file for \`syswall compile --frequencies\`.

Options:
  -o, --output OUT         write the profile to OUT (atomically; default stdout,
                           and then CMD's stdout goes to stderr)
  -f, --format F           syswall (default), oci or docker
      --args               argument-level rules for socket (domain, type),
                           clone (flags), prctl (option), ioctl (request), fcntl
                           (command), mmap/mprotect (prot) and personality: only
                           the values seen are allowed
      --merge FILE         union FILE (a recorded or any other profile, in any
                           dialect) into the result (repeatable); without CMD,
                           only merges; unknown syscall names are warned about
  -i, --input KIND         read the --merge files as KIND (default: detected)
  -I, --include-dir DIR    minijail/Kafel includes of --merge files
      --default-action A   the profile's default action (default errno(EPERM));
                           e.g. kill-process, errno(EACCES), log
      --counts FILE        also write per-syscall counts as JSON {"read": 120, ...}
      --json               print the summary as JSON on stdout (needs -o)
  -h, --help               show this help

A progress line (elapsed time, syscalls, distinct syscalls) is shown on stderr
while CMD runs when stderr is a terminal; a summary is printed at the end.
The exit status is CMD's (the profile is written either way; 128+N when
killed by signal N); 127 when CMD is not found, 126 when it cannot be
executed; 2 for bad usage or input and 1 when recording itself fails.

Examples:
  syswall record -o ls.json -- ls -l /
  syswall record --args -o py.json -- python3 -c 'import socket; socket.socket()'
  syswall record --format oci --counts counts.json -o app.json -- ./app --selftest
  syswall record --merge a.json --merge b.json -o ab.json
  syswall run --profile ls.json -- ls -l /`,
  options: {
    output: { type: 'string', short: 'o' },
    format: { type: 'string', short: 'f' },
    args: { type: 'boolean' },
    merge: { type: 'string', multiple: true },
    input: { type: 'string', short: 'i' },
    'include-dir': { type: 'string', short: 'I', multiple: true },
    'default-action': { type: 'string' },
    counts: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const format = parseFormat(ctx);
    const out = stringOpt(ctx, 'output');
    const countsFile = stringOpt(ctx, 'counts');
    const merges = (ctx.values.merge as string[] | undefined) ?? [];
    const defaultAction = parseDefaultAction(ctx);
    const cmd = [...ctx.positionals, ...(ctx.rest ?? [])];
    if (cmd.length === 0 && merges.length === 0) {
      throw new UsageError('record: missing command: give -- CMD [ARGS...] (or --merge FILE ...)', 'example: syswall record -o profile.json -- ls /');
    }
    if (flag(ctx, 'json') && !out) throw new UsageError('record: --json prints the summary on stdout, so the profile needs -o OUT');
    // The outputs are opened before anything runs (names resolved, temp files made beside
    // them): a bad one fails first, and nothing the command does to those names while it
    // runs (a symbolic link in their place) redirects the writes (docs/security.md).
    const countsOut = countsFile ? openOutput(countsFile) : undefined;
    let outFile: OutputFile | undefined;
    try {
      outFile = out ? openOutput(out) : undefined;
    } catch (e) {
      countsOut?.abort();
      throw e;
    }
    try {
      // Read the profiles to merge first: a bad one is an input error, before the run.
      // Through the one door: any policy dialect; unknown syscall names are warned about as compile does.
      const merged: Policy[] = merges.map((file) => {
        const p = loadProfile(file, { ...(inputKindOf(ctx) ? { kind: inputKindOf(ctx) } : {}), includeDirs: listOpt(ctx, 'include-dir'), option: '--merge' });
        if (p.program) throw new UsageError(`record: --merge ${file} is a compiled program (${p.kind}), not a policy`, 'merge the policy it was compiled from');
        printWarnings(ctx, p.warnings, false);
        return p.policy;
      });

      let run: RecordResult | undefined;
      if (cmd.length > 0) run = await recordRun(ctx, cmd, !out);

      const policies: Policy[] = [];
      const commandLine = cmd.join(' ');
      if (run) policies.push(recordingToPolicy(run.recording, { args: flag(ctx, 'args'), command: commandLine, ...(defaultAction ? { defaultAction } : {}) }));
      policies.push(...merged);
      const policy = policies.length === 1 ? policies[0] : mergePolicies(policies, { ...(defaultAction ? { defaultAction } : {}), comment: `merged by syswall record from ${[...(run ? [`a recording of ${commandLine}`] : []), ...merges].join(', ')}` });

      const text = format === 'oci' ? exportOci(policy) : format === 'docker' ? exportDocker(policy) : exportSyswall(policy);
      const counts = run ? sortedCounts(run.recording.counts()) : countsFromComment(policy.comment) ?? {};
      if (countsOut) finishOutput(countsOut, JSON.stringify(counts, null, 2) + '\n');
      if (outFile) finishOutput(outFile, text + '\n');
      else ctx.stdout.write(text + '\n');

      const summary = {
        command: run ? commandLine : undefined,
        exitCode: run?.result.exitCode ?? null,
        signal: run?.result.signal ?? null,
        durationMs: run ? Math.round(run.result.durationMs) : undefined,
        syscalls: run?.recording.total,
        distinct: run?.recording.distinct,
        arches: policy.arches,
        unknown: run?.recording.unknown(),
        rules: policy.rules.length,
        merged: merges,
        output: out ?? '<stdout>',
        format,
      };
      if (flag(ctx, 'json')) println(ctx.stdout, JSON.stringify(summary, null, 2));
      const parts: string[] = [];
      if (run) {
        const r = run.result;
        parts.push(`recorded ${run.recording.total} syscalls (${run.recording.distinct} distinct) on ${run.recording.arches().join(', ')} in ${(r.durationMs / 1000).toFixed(2)} s`);
        parts.push(r.signal ? `${cmd[0]} was killed by ${r.signal}` : `${cmd[0]} exited ${r.exitCode}`);
      }
      if (merges.length) parts.push(`merged ${merges.length} profile${merges.length > 1 ? 's' : ''}`);
      parts.push(`${policy.rules.length} rules -> ${out ?? 'stdout'} (${format})`);
      println(ctx.stderr, `syswall record: ${parts.join('; ')}`);
      const unknown = run?.recording.unknown() ?? [];
      if (unknown.length) println(ctx.stderr, `syswall record: note: numbers not in syswall's table (no rule; ENOSYS when compiled by syswall): ${unknown.map((u) => `${u.arch}:${u.nr}`).join(' ')}`);
      if (run && run.result.exitCode !== 0) {
        return run.result.exitCode ?? 128 + signalNumber(run.result.signal);
      }
      return 0;
    } catch (e) {
      // Nothing half-written is left behind (a no-op for an output already committed).
      countsOut?.abort();
      outFile?.abort();
      throw e;
    }
  },
};

async function recordRun(ctx: CommandContext, cmd: string[], profileOnStdout: boolean): Promise<RecordResult> {
  const h = recordCommand(cmd[0], cmd.slice(1), { stdio: profileOnStdout ? ['inherit', 2, 2] : 'inherit', recording: new Recording() });
  let timer: NodeJS.Timeout | undefined;
  if (ctx.stderr.isTTY) {
    let last = '';
    timer = setInterval(() => {
      const p = h.progress();
      const line = `\rrecording ${cmd[0]}: ${(p.elapsedMs / 1000).toFixed(1)} s, ${p.total} syscalls, ${p.distinct} distinct`;
      if (line !== last) ctx.stderr.write(line + '\x1b[K');
      last = line;
    }, 100);
  }
  const forward = (sig: NodeJS.Signals) => () => h.kill(sig);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await h.done;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    if (timer) {
      clearInterval(timer);
      ctx.stderr.write('\r\x1b[K');
    }
  }
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const n: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15, SIGSYS: 31, SIGABRT: 6 };
  return sig ? n[sig] ?? 0 : 0;
}

function parseFormat(ctx: CommandContext): (typeof FORMATS)[number] {
  const f = stringOpt(ctx, 'format') ?? 'syswall';
  if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`record: unknown format "${f}"`, `expected one of ${FORMATS.join(', ')}`);
  return f as (typeof FORMATS)[number];
}

function parseDefaultAction(ctx: CommandContext): Action | undefined {
  const t = stringOpt(ctx, 'default-action');
  if (t === undefined) return undefined;
  let a: Action;
  try {
    a = parseAction(t);
  } catch (e) {
    throw new UsageError(`record: --default-action: ${e instanceof SyswallError ? e.message : String(e)}`, 'e.g. errno(EPERM), errno(EACCES), kill-process, kill-thread, trap, log');
  }
  if (a.kind === 'ALLOW') throw new UsageError('record: --default-action allow would make an allow-list profile that allows everything', 'use errno(EPERM), kill-process or log');
  return a;
}

