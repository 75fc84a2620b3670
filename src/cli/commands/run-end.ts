/**
 * How `syswall run` ends once the sandbox has started: the lines it prints
 * about the command's end and the status it exits with. One place for both
 * ways a run ends (docs/runtime.md, "Start-up"): in Node, when run.ts
 * waited for the helper as its child (--explain, --verbose, no
 * namespaces), and in src/cli/run-report.ts, the short Node script the
 * helper exec's when it ran in place of Node and the command did not exit 0.
 */
import { constants as osConstants } from 'node:os';
import type { CommandContext } from '../command.js';
import { SandboxError } from '../../node/errors.js';
import { EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND } from '../exit.js';

/** What the end of a run needs to know about its filter (the plan's part of it). */
export interface RunEndFacts {
  /** --strict (no policy). */
  readonly strict: boolean;
  /** What could raise a SIGSYS under the filter (RunPlan.sigsys). */
  readonly sigsys: readonly string[];
  /** The policy's default action kind; undefined for a compiled program or --strict. */
  readonly defaultKind?: string;
  /** --explain supervised the run (it printed the denials and a summary). */
  readonly explained: boolean;
  /** The kernel clock (µs since boot) before the command started, against pid reuse in the audit records. */
  readonly startUs: number;
}

/** How the command ended. */
export interface RunEnd {
  /** The command's pid as syswall's namespace numbers it (for its audit record). */
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The supervisor (--explain) applied a kill decision with SIGKILL. */
  readonly supervisorKilled: boolean;
}

/** Prints what the end of the command calls for and returns `run`'s exit status (the command's; 128+N for signal N). */
export async function endOfRun(r: RunEnd, f: RunEndFacts, stderr: CommandContext['stderr']): Promise<number> {
  const hasPolicy = f.defaultKind !== undefined;
  if (r.signal) {
    if (r.supervisorKilled) {
      // --explain applied a KILL decision (with SIGKILL, which no handler survives): exit as the kernel's kill would.
      stderr.write('syswall: killed by seccomp: the policy kills on the call named above (applied by --explain with SIGKILL)\n');
      return 128 + (osConstants.signals.SIGSYS ?? 31);
    }
    const n = osConstants.signals[r.signal] ?? 0;
    if (r.signal === 'SIGSYS') {
      const { seccompKillRecord } = await import('../../node/audit.js');
      const exact = await seccompKillRecord(r.pid, f.startUs);
      const what = f.strict ? `strict mode${exact ? ', ' + exact.replace(/^KILL_\w+ /, '') : ''}` : exact ?? (f.sigsys.length ? f.sigsys.join(' or ') : 'a seccomp action');
      stderr.write(`syswall: killed by seccomp (SIGSYS): ${what}\n`);
      // --explain needs a policy: not for --strict or a compiled program.
      if (!f.explained && hasPolicy) stderr.write(`hint: rerun with \`syswall run --explain ...\` to see which syscall was denied\n`);
    }
    return 128 + n;
  }
  if (r.exitCode !== 0) stderr.write(exitLines(f, String(r.exitCode)));
  return r.exitCode ?? 1;
}

/**
 * What `run` prints when the command exits with `code` (not 0): the hint to
 * --explain where a policy could have denied something, else nothing. The
 * helper in place of Node prints it itself (with "{code}" for the code).
 */
export function exitLines(f: RunEndFacts, code: string): string {
  const hasPolicy = f.defaultKind !== undefined;
  if (f.explained || !hasPolicy || f.defaultKind === 'ALLOW') return '';
  return `syswall: hint: the command exited ${code}; if a denied syscall caused it, rerun with \`syswall run --explain ...\`\n`;
}

/** Exec failures map to the shell's 127 (not found) and 126 (not executable); the rest is rethrown for main. */
export function reportStartError(e: unknown, stderr: CommandContext['stderr']): number {
  if (e instanceof SandboxError && e.stage === 'exec') {
    stderr.write(`syswall: error: ${e.message}\n`);
    if (e.hint) stderr.write(`hint: ${e.hint}\n`);
    return e.errno === 'ENOENT' || e.errno === 'ENOTDIR' ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
  }
  throw e;
}
