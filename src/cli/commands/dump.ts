import { disassemble } from '../../core/bpf/disasm.js';
import { hostArch } from '../../node/host.js';
import type { ArchInfo } from '../../core/arch/arches.js';
import { fstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { flag, stringOpt, UsageError } from '../command.js';
import { ARCHES } from '../../core/arch/arches.js';

import type { Instruction } from '../../core/bpf/instruction.js';
import { dumpCommand, dumpPid, type DumpedFilter, type DumpResult, type StrictInstall } from '../../node/dump.js';
import { fsError, println, writeOutput } from '../io.js';
import { encodeProgram } from '../../core/bpf/codec.js';
import { strictModeProgram, strictModeSyscalls } from '../../core/bpf/strict.js';
import { stColorize, stDisassemble, stStrictBytes } from '../../core/bpf/compat/disasm.js';
import { stArchOf, type StArch } from '../../core/bpf/compat/tables.js';
import { COMPAT_HELP, COMPAT_OPTIONS, compatArch, compatMode, reportCompatError, stFileOf } from '../sectools-compat.js';
import { EXIT_NO_FILTER } from '../exit.js';

const FORMATS = ['disasm', 'raw', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const command: Command = {
  name: 'dump',
  separateRest: true,
  summary: 'extract the seccomp filters a command installs, or a process holds',
  usage: `Usage: syswall dump [OPTIONS] -- CMD [ARGS...]
       syswall dump --pid PID [OPTIONS]

Runs CMD under ptrace (in syswall-helper, its own process) and captures every
seccomp filter that CMD, its threads, its children and the programs they exec
install with prctl(PR_SET_SECCOMP) or seccomp(2) -- including filters that ask
for a user-notification fd (SECCOMP_FILTER_FLAG_NEW_LISTENER) and strict-mode
installs. Only installs that succeed are reported. CMD runs to completion
unless --limit or --timeout stops it early.

With --pid, reads the filters a running process holds (oldest first) with
PTRACE_SECCOMP_GET_FILTER (filters belong to threads: PID may also be a thread
id, see \`syswall status --threads\`); that needs CAP_SYS_ADMIN and a kernel built with
CONFIG_CHECKPOINT_RESTORE.

CMD's stdin is syswall's; its stdout and stderr go to syswall's stderr, so
standard output carries only the dump.

A strict-mode install (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) or
seccomp(SECCOMP_SET_MODE_STRICT)) has no BPF; dump shows the equivalent
7-instruction filter (allow read, write, exit and the arch's sigreturn, kill
the thread otherwise) and, with --format raw or json, its bytes.

With --compat seccomp-tools, standard output is what seccomp-tools 1.7.1's
dump prints: per filter (and per strict-mode install, its equivalent filter)
seccomp-tools' listing with no header lines (--format disasm), the bytes
(raw) or a "\\xHH..." string (inspect); "[WARN] No seccomp filter was
installed." when there is none. As in seccomp-tools, --limit defaults to 1
and -o FILE writes FILE, FILE_1, FILE_2, ...

Options:
  -f, --format F     disasm (default): an instruction listing per filter;
                     raw: the filters as raw struct sock_filter[] files
                     (needs -o; the tracee's byte order); json: one JSON document
      --json         same as --format json
  -o, --output DIR   write one file per filter into DIR (created if missing):
                     filter-N.bpf (raw), filter-N.txt (disasm), filter-N.json
                     (json); N counts from 0 in install order
  -l, --limit N      stop after N installs: kill the command, or with
                     --continue detach and let it run
  -t, --timeout S    stop after S seconds (fractions allowed), keep what was
                     captured (kill, or detach with --continue)
      --continue     when stopping early, detach instead of killing
      --pass-fd N    give CMD syswall's file descriptor N (repeatable), e.g.
                     for \`bwrap --seccomp 3 ... 3<filter.bpf\`
  -p, --pid PID      read the filters of a running process instead
${COMPAT_HELP}
  -h, --help         show this help

Exit status: 0 when at least one filter (or strict-mode install) was found,
3 when none was (a warning says so; --format json still prints the result),
2 for bad usage or a command that cannot be executed, 1 failure.

Examples:
  syswall dump -- ./ctf-binary                  # run to completion, list every filter
  syswall dump --limit 1 -- ./server --port 80  # stop at the first filter
  syswall dump -o out --format raw -- ./app     # out/filter-0.bpf, ...
  syswall dump --pid 1234 --json                # filters of a running process
  syswall dump --pass-fd 3 -- bwrap --ro-bind / / --seccomp 3 true 3<f.bpf`,
  options: {
    format: { type: 'string', short: 'f' },
    json: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    limit: { type: 'string', short: 'l' },
    timeout: { type: 'string', short: 't' },
    continue: { type: 'boolean' },
    'pass-fd': { type: 'string', multiple: true },
    pid: { type: 'string', short: 'p' },
    ...COMPAT_OPTIONS,
  },
  async run(ctx) {
    const compat = compatMode(ctx, 'dump');
    const format = compat ? parseCompatFormat(ctx) : parseFormat(ctx);
    const outDir = stringOpt(ctx, 'output');
    if (format === 'raw' && !outDir && !compat) throw new UsageError('dump: --format raw needs -o DIR (one file per filter)', 'or use --format json, which carries the bytes as hex');
    const pidText = stringOpt(ctx, 'pid');
    const cmd = [...ctx.positionals, ...(ctx.rest ?? [])];
    let result: DumpResult;
    let what: string;
    if (pidText !== undefined) {
      if (cmd.length > 0) throw new UsageError('dump: give either --pid PID or a command, not both');
      for (const opt of ['limit', 'timeout', 'continue', 'pass-fd']) {
        if (ctx.values[opt] !== undefined) throw new UsageError(`dump: --${opt} applies to a command, not to --pid`);
      }
      if (!/^\d+$/.test(pidText) || Number(pidText) < 1 || Number(pidText) > 0x7fffffff) throw new UsageError(`dump: --pid expects a process id, got "${pidText}"`);
      what = `process ${pidText}`;
      result = await dumpPid(Number(pidText));
    } else {
      if (cmd.length === 0) throw new UsageError('dump: missing command: give -- CMD [ARGS...] or --pid PID', 'example: syswall dump -- ./program');
      const limit = intOpt(ctx, 'limit') ?? (compat ? 1 : undefined);
      const timeout = secondsOpt(ctx, 'timeout');
      what = cmd[0];
      result = await dumpCommand(cmd[0], cmd.slice(1), {
        limit,
        timeout,
        continue: flag(ctx, 'continue'),
        passFds: passFds(ctx),
        stdio: ['inherit', 2, 2],
      });
    }
    if (compat) return reportCompat(ctx, result, format as CompatFormat, outDir);
    return report(ctx, result, format as Format, outDir, what);
  },
};

const COMPAT_FORMATS = ['disasm', 'raw', 'inspect'] as const;
type CompatFormat = (typeof COMPAT_FORMATS)[number];

function parseCompatFormat(ctx: CommandContext): CompatFormat {
  const f = stringOpt(ctx, 'format') ?? 'disasm';
  if (!(COMPAT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`dump: invalid argument: --format ${f}`, `with --compat seccomp-tools the formats are ${COMPAT_FORMATS.join(', ')}`);
  return f as CompatFormat;
}

/** seccomp-tools' dump output: one listing (or bytes, or inspect string) per filter, strict installs as their equivalent filter. */
function reportCompat(ctx: CommandContext, r: DumpResult, format: CompatFormat, outFile: string | undefined): number {
  const fallback: StArch = compatArch(ctx, 'dump');
  const stArch = (a: string | null) => (a ? stArchOf(ARCHES[a as keyof typeof ARCHES]) : undefined) ?? fallback;
  const events = [
    ...r.filters.map((f) => ({ seq: f.seq, arch: stArch(f.arch), bytes: () => f.bytes })),
    ...r.strict.map((st) => ({ seq: st.seq, arch: stArch(st.arch), bytes: () => stStrictBytes(stArch(st.arch)) })),
  ].sort((a, b) => a.seq - b.seq);
  let serial = 0;
  for (const ev of events) {
    const bytes = ev.bytes();
    let data: string | Uint8Array;
    try {
      data = format === 'raw' ? bytes : format === 'inspect' ? `"${Array.from(bytes, (b) => '\\x' + b.toString(16).toUpperCase().padStart(2, '0')).join('')}"\n` : stDisassemble(bytes, { arch: ev.arch, color: Boolean(ctx.stdout.isTTY) && !outFile });
    } catch (e) {
      return reportCompatError(ctx, e);
    }
    if (outFile) writeOutput(stFileOf(outFile, serial++), data);
    else ctx.stdout.write(data);
  }
  for (const w of r.warnings) println(ctx.stderr, `syswall: warning: ${w}`);
  if (events.length === 0) {
    ctx.stdout.write(`[${ctx.stdout.isTTY ? stColorize('WARN', 'warn') : 'WARN'}] No seccomp filter was installed.\n`);
    return EXIT_NO_FILTER;
  }
  return 0;
}

function parseFormat(ctx: CommandContext): Format {
  const f = stringOpt(ctx, 'format');
  if (flag(ctx, 'json')) {
    if (f !== undefined && f !== 'json') throw new UsageError(`dump: --json conflicts with --format ${f}`);
    return 'json';
  }
  if (f === undefined) return 'disasm';
  if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`dump: unknown format "${f}"`, `expected one of ${FORMATS.join(', ')}`);
  return f as Format;
}

function intOpt(ctx: CommandContext, name: string): number | undefined {
  const v = stringOpt(ctx, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new UsageError(`dump: --${name} expects a positive integer, got "${v}"`);
  return Number(v);
}

function passFds(ctx: CommandContext): number[] {
  const v = ctx.values['pass-fd'];
  const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return list.map((x) => {
    if (!/^\d+$/.test(x) || Number(x) < 3 || Number(x) > 1023) throw new UsageError(`dump: --pass-fd expects a file descriptor from 3 to 1023, got "${x}"`, '0, 1 and 2 are passed anyway');
    const fd = Number(x);
    try {
      fstatSync(fd);
    } catch {
      throw new UsageError(`dump: --pass-fd ${fd}: file descriptor ${fd} is not open`, `open it in the shell, e.g. ${fd}<file`);
    }
    return fd;
  });
}

function secondsOpt(ctx: CommandContext, name: string): number | undefined {
  const v = stringOpt(ctx, name);
  if (v === undefined) return undefined;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(v) || !(Number(v) > 0) || Number(v) > 1e6) throw new UsageError(`dump: --${name} expects a positive number of seconds, got "${v}"`);
  return Number(v);
}

/** One line describing a filter. */
function describe(f: DumpedFilter, n: number): string {
  const parts = [`pid ${f.pid}`];
  if (f.tid !== f.pid) parts.push(`tid ${f.tid}`);
  parts.push(f.via === 'ptrace' ? `index ${f.index}` : `via ${f.via}`);
  if (f.flagNames.length) parts.push(`flags ${f.flagNames.join('|')}`);
  if (f.listenerFd !== undefined) parts.push(`listener fd ${f.listenerFd}`);
  parts.push(`arch ${f.arch ?? '0x' + f.archToken.toString(16)}`);
  parts.push(`${f.program.length} instruction${f.program.length === 1 ? '' : 's'}`);
  return `filter ${n}: ${parts.join(', ')}`;
}

/** The seccomp-tools style disassembly of a dumped filter, names from the tracee's arch. */
export function listing(program: readonly Instruction[], arch: ArchInfo = hostArch()): string[] {
  return disassemble(program, { arch }).replace(/\n$/, '').split('\n');
}

function filterJson(f: DumpedFilter): Record<string, unknown> {
  return {
    pid: f.pid,
    tid: f.tid,
    via: f.via,
    ...(f.index !== undefined ? { index: f.index } : {}),
    flags: f.flags,
    flagNames: f.flagNames,
    ...(f.listenerFd !== undefined ? { listenerFd: f.listenerFd } : {}),
    arch: f.arch,
    archToken: f.archToken,
    source: f.source,
    endian: f.arch ? ARCHES[f.arch].endian : null,
    length: f.program.length,
    program: f.program.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k })),
    hex: Buffer.from(f.bytes).toString('hex'),
    seq: f.seq,
  };
}

/** A strict-mode install with its equivalent filter. */
function strictJson(st: StrictInstall, arch: ArchInfo): Record<string, unknown> {
  const prog = strictModeProgram(arch);
  return {
    ...st,
    allowed: strictModeSyscalls(arch),
    length: prog.length,
    program: prog.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k })),
    hex: Buffer.from(encodeProgram(prog, arch.endian)).toString('hex'),
  };
}

function report(ctx: CommandContext, r: DumpResult, format: Format, outDir: string | undefined, what: string): number {
  if (outDir) {
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (e) {
      throw fsError(e, outDir, 'create directory');
    }
  }
  const doc = {
    filters: r.filters.map(filterJson),
    strict: r.strict.map((st) => strictJson(st, st.arch ? ARCHES[st.arch] : hostArch())),
    reason: r.reason,
    exitCode: r.exitCode,
    signal: r.signal,
    detached: r.detached,
    ...(r.mode !== undefined ? { mode: r.mode } : {}),
    warnings: r.warnings,
  };
  if (format === 'json' && !outDir) println(ctx.stdout, JSON.stringify(doc, null, 2));
  // Filters and strict-mode installs in the order they happened.
  const events = [...r.filters.map((f, n) => ({ seq: f.seq, f, n })), ...r.strict.map((st, n) => ({ seq: st.seq, st, n }))].sort((a, b) => a.seq - b.seq);
  let first = true;
  for (const ev of events) {
    if ('st' in ev) {
      const s = ev.st;
      const arch = s.arch ? ARCHES[s.arch] : hostArch();
      const head = `strict mode: pid ${s.pid}${s.tid !== s.pid ? `, tid ${s.tid}` : ''}, via ${s.via}, arch ${arch.name}: the kernel allows only ${strictModeSyscalls(arch).join(', ')}; equivalent filter`;
      const prog = strictModeProgram(arch);
      if (outDir) {
        const ext = format === 'raw' ? 'bpf' : format === 'json' ? 'json' : 'txt';
        const path = join(outDir, `strict-${ev.n}.${ext}`);
        const data = format === 'raw' ? encodeProgram(prog, arch.endian) : format === 'json' ? JSON.stringify(strictJson(s, arch), null, 2) + '\n' : [`# ${head}`, ...listing(prog, arch)].join('\n') + '\n';
        writeOutput(path, data);
        println(ctx.stdout, `${path}: ${head}`);
      } else if (format === 'disasm') {
        if (!first) println(ctx.stdout);
        first = false;
        println(ctx.stdout, `# ${head}`);
        for (const line of listing(prog, arch)) println(ctx.stdout, line);
      }
      continue;
    }
    const { f, n } = ev;
    if (outDir) {
      const ext = format === 'raw' ? 'bpf' : format === 'json' ? 'json' : 'txt';
      const path = join(outDir, `filter-${n}.${ext}`);
      const data = format === 'raw' ? f.bytes : format === 'json' ? JSON.stringify(filterJson(f), null, 2) + '\n' : [`# ${describe(f, n)}`, ...listing(f.program, f.arch ? ARCHES[f.arch] : undefined)].join('\n') + '\n';
      writeOutput(path, data);
      println(ctx.stdout, `${path}: ${describe(f, n)}`);
    } else if (format === 'disasm') {
      if (!first) println(ctx.stdout);
      first = false;
      println(ctx.stdout, `# ${describe(f, n)}`);
      for (const line of listing(f.program, f.arch ? ARCHES[f.arch] : undefined)) println(ctx.stdout, line);
    }
  }
  for (const w of r.warnings) println(ctx.stderr, `syswall: warning: ${w}`);
  if (r.reason === 'timeout') println(ctx.stderr, `syswall: warning: timed out; ${r.detached ? 'detached from' : 'killed'} ${what} after ${r.filters.length} filter${r.filters.length === 1 ? '' : 's'}`);
  if (r.filters.length === 0 && r.strict.length === 0) {
    const why = r.mode !== undefined ? `${what} holds no seccomp filter (seccomp mode ${r.mode})` : `${what} installed no seccomp filter${r.reason === 'exit' ? ` (it exited${r.signal ? ` on ${r.signal}` : ` with status ${r.exitCode}`})` : ''}`;
    println(ctx.stderr, `syswall: warning: ${why}`);
    return EXIT_NO_FILTER;
  }
  return 0;
}
