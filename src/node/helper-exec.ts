/**
 * The command line of `syswall-helper exec` and what it reports
 * (native/helper_exec.c documents both): one place for the two ways syswall
 * starts a sandbox, {@link launch} (launch.ts: Node starts the helper as its
 * child and reads its report fd) and {@link execSandboxInPlace} (`syswall
 * run`: the helper replaces the Node process, and a short Node script,
 * src/cli/run-report.ts, says how the command ended when there is something
 * to say).
 */
import { closeSync } from 'node:fs';
import { errnoMessage } from '../core/arch/errno.js';
import { SandboxError, errnoLabel, type SandboxStage } from './errors.js';
import { execInPlace, helperPath, memfdWith } from './native.js';

/** A command line for messages, quoted as a shell would need it. */
export function quoteCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** What the helper reads on its program fd: the guard filter's instructions, then the program's (`--guard` counts the first). */
export function guardedProgram(guard: Uint8Array, program: Uint8Array): { bytes: Uint8Array; guardCount: number } {
  const bytes = new Uint8Array(guard.length + program.length);
  bytes.set(guard);
  bytes.set(program, guard.length);
  return { bytes, guardCount: guard.length / 8 };
}

/** How the helper is asked to sandbox a command (the options both ways share). */
export interface HelperExecOptions {
  /** Strict mode (no program). */
  strict?: boolean;
  /** The fd the helper reads the program from (guard first), and the guard's instruction count. */
  programFd?: number;
  guardCount?: number;
  /** SECCOMP_FILTER_FLAG_* bits (without NEW_LISTENER). */
  flags?: number;
  noNewPrivs?: boolean;
  /** Namespaces: required (fail closed) or none (the caller checked the program). */
  isolate: 'require' | 'none';
}

/** The helper's arguments up to (not including) its own plumbing options and `-- CMD`. */
export function helperExecArgs(o: HelperExecOptions): string[] {
  const a = ['exec'];
  if (o.strict) a.push('--strict');
  else a.push('--fd', String(o.programFd), '--guard', String(o.guardCount));
  a.push('--isolate', o.isolate);
  if (o.noNewPrivs === false) a.push('--no-nnp');
  const flags = (o.flags ?? 0) >>> 0;
  if (flags) a.push('--flags', '0x' + flags.toString(16));
  return a;
}

/** One `fail` report of the helper: the stage, the errno number (0: none), the message. */
export interface HelperFailure {
  stage: string;
  errno: number;
  message: string;
}

/** What the launcher said on the report fd. */
export interface HelperReport {
  /** The first `fail` line. */
  fail?: HelperFailure;
  /** The command's pid (`pid` line). */
  pid?: number;
  /** Auto mode fell back to no namespaces (`isolation none` line): the errno. */
  noIsolation?: number;
}

/** Parses the report fd's text. */
export function parseHelperReport(text: string): HelperReport {
  const r: HelperReport = {};
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    if (f[0] === 'fail' && !r.fail) r.fail = { stage: f[1] ?? 'helper', errno: Number(f[2]) || 0, message: f.slice(3).join('\t') || 'the sandbox helper failed' };
    else if (f[0] === 'pid' && Number.isInteger(Number(f[1]))) r.pid = Number(f[1]);
    else if (f[0] === 'isolation') r.noIsolation = Number(f[2]) || 0;
    else if (!r.fail) r.fail = { stage: 'helper', errno: 0, message: `the sandbox helper wrote an unexpected line: ${line.slice(0, 200)}` };
  }
  return r;
}

const STAGE_CODES: Record<string, string> = {
  exec: 'EXEC_FAILED',
  nnp: 'FILTER_FAILED',
  seccomp: 'FILTER_FAILED',
  isolation: 'ISOLATION_FAILED',
};

const STAGES: readonly SandboxStage[] = ['usage', 'program', 'isolation', 'caps', 'nnp', 'seccomp', 'listener', 'exec'];

/** The {@link SandboxError} of a helper failure, with a hint where one helps. */
export function helperFailureError(fail: HelperFailure, command: string): SandboxError {
  const st = (STAGES as readonly string[]).includes(fail.stage) ? (fail.stage as SandboxStage) : 'helper';
  const errno = fail.errno ? errnoLabel(fail.errno) : undefined;
  const message = fail.errno ? `${fail.message}: ${errnoMessage(fail.errno)}` : fail.message;
  let hint: string | undefined;
  if (st === 'seccomp' && errno === 'EACCES') hint = 'drop noNewPrivs: false (--no-nnp), or run with CAP_SYS_ADMIN';
  else if (st === 'seccomp' && errno === 'EINVAL') hint = 'check the program with `syswall disasm` (the kernel validates it as seccomp_check_filter does)';
  else if (st === 'exec' && errno === 'ENOENT') hint = 'check the command name and PATH';
  else if (st === 'isolation') hint = 'see docs/security.md ("Where isolation is impossible")';
  return new SandboxError(STAGE_CODES[st] ?? 'SANDBOX_SETUP_FAILED', st, command, message, errno, hint ? { hint } : {});
}

/** Where the helper hands the outcome when it runs in place of Node: `NODE SCRIPT CONTEXT kind ...`. */
export interface InPlaceReport {
  /** An absolute path of a Node script (run with this process's Node). */
  script: string;
  /** One argument for the script, opaque to the helper. */
  context: string;
  /** What a non-zero exit prints, "{code}" standing for the code ("": nothing); the helper prints it without the script. */
  exitLines: string;
}

/**
 * Replaces this Node process with the sandbox: `syswall-helper exec ...
 * --isolate require --report-exec NODE SCRIPT CONTEXT -- CMD ARGS`, the
 * program (guard first) on an inherited memfd. There is no Node left to
 * wait: the helper exits as the command did when it exited (printing
 * `exitLines` unless it exited 0), and otherwise (a signal, a failure
 * before exec) exec's the report script (native/helper_exec.c; `syswall run`
 * passes dist/bin/run-report.cjs, the bundle of src/cli/run-report.ts). Returns only by throwing, with
 * this process as it was (the memfd closed). The caller has checked that
 * the host gives the namespaces; stdin, stdout, stderr, the environment and
 * the working directory are this process's.
 */
export function execSandboxInPlace(command: string, args: readonly string[], o: Omit<HelperExecOptions, 'programFd' | 'isolate' | 'guardCount'> & { guard?: Uint8Array; program?: Uint8Array }, report: InPlaceReport): never {
  const helper = helperPath();
  const p = o.strict ? undefined : guardedProgram(o.guard!, o.program!);
  const fd = p ? memfdWith(p.bytes) : undefined;
  try {
    const argv = [helper, ...helperExecArgs({ ...(o.strict ? { strict: true } : { programFd: fd, guardCount: p!.guardCount }), ...(o.flags ? { flags: o.flags } : {}), ...(o.noNewPrivs === false ? { noNewPrivs: false } : {}), isolate: 'require' }),
      '--report-exec', process.execPath, report.script, report.context, '--report-exit', report.exitLines, '--', command, ...args];
    return execInPlace(helper, argv);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
