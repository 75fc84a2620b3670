/**
 * The CLI's exit statuses, in one place (README.md, "Exit status", documents
 * them and test/cli-contract.test.ts walks that table):
 *
 * - 0 success; 1 a failure at run time; 2 bad usage or bad input;
 * - 3 and up: a command's own answers, so that a script can always tell an
 *   answer from a failure (lint's findings, diff's "different", dump's
 *   "no filter");
 * - run and record end with the sandboxed command's own status once it runs
 *   (126 cannot execute, 127 not found, 128+N killed by signal N).
 */
import type { LintReport } from '../core/analyze/lint.js';
import { isSyswallError } from '../core/errors.js';
import { SandboxError } from '../node/errors.js';
import { safeText, terminalSafe } from './stdio.js';

export const EXIT_OK = 0;
/** A failure at run time (a kernel call refused, a missing native build, a write error, an internal error). */
export const EXIT_FAILURE = 1;
/** Bad usage or bad input (unknown option, unreadable or malformed file). */
export const EXIT_USAGE = 2;
/** lint: at least one error-severity finding (unchanged since lint's first release). */
export const EXIT_LINT_ERRORS = 3;
/** lint: warnings and no errors (was 1, which a script could not tell from a failure). */
export const EXIT_LINT_WARNINGS = 4;
/** diff: the two inputs decide differently (was 1). */
export const EXIT_DIFFERENT = 3;
/** dump: the command installed, or the process holds, no seccomp filter (was 1). */
export const EXIT_NO_FILTER = 3;

/** lint's status for a report: 0 none or info only, 4 warnings, 3 errors. */
export function lintExitCode(report: Pick<LintReport, 'worst'>): number {
  return report.worst === 'error' ? EXIT_LINT_ERRORS : report.worst === 'warning' ? EXIT_LINT_WARNINGS : EXIT_OK;
}

/** run and record: the command could not be executed (as env(1), timeout(1) and the shell). */
export const EXIT_CANNOT_EXECUTE = 126;
/** run and record: the command was not found. */
export const EXIT_NOT_FOUND = 127;

/**
 * The exit status for an error that ended a command: 126/127 for a sandboxed
 * command that could not be executed, 2 for bad usage or input, else 1.
 */
export function exitStatusOf(e: unknown): number {
  if (e instanceof SandboxError && e.stage === 'exec') return e.errno === 'ENOENT' || e.errno === 'ENOTDIR' ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
  if (isSyswallError(e)) return e.kind === 'input' ? EXIT_USAGE : EXIT_FAILURE;
  return EXIT_FAILURE;
}

/** Prints an error the CLI way (one escaped, capped line and a hint) and returns the exit code. */
export function reportError(e: unknown, debug: boolean, stderr: NodeJS.WritableStream = terminalSafe(process.stderr)): number {
  const out = (line: string) => stderr.write(safeText(line) + '\n');
  if (isSyswallError(e)) {
    out(`syswall: error: ${firstLine(e.message)}`);
    if (e.hint) out(`hint: ${firstLine(e.hint)}`);
    if (debug && e.stack) out(e.stack);
    return exitStatusOf(e);
  }
  const err = e as Error;
  out(`syswall: internal error: ${firstLine(String(err?.message ?? e))}`);
  if (debug && err?.stack) out(err.stack);
  else out('hint: rerun with --debug for the stack trace, and please report it');
  return EXIT_FAILURE;
}

/** The first line of a message (the CLI prints one line per error). */
function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl < 0 ? text : text.slice(0, nl);
}
