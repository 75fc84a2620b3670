/**
 * The end of `syswall run` when its sandbox ran in place of Node
 * (src/node/helper-exec.ts, execSandboxInPlace): the helper exec's
 *
 *   node run-report.js CONTEXT exit CODE PID | signal SIG PID | fail STAGE ERRNO MESSAGE
 *
 * once the command ended by a signal or never started (an exit it reports
 * itself, with run-end.ts's lines), and this script prints what `run`
 * prints and exits as `run` exits (src/cli/commands/run-end.ts, shared with the other path).
 * CONTEXT is the JSON of {@link RunReportContext}, written by run.ts.
 */
import { constants as osConstants } from 'node:os';
import { endOfRun, reportStartError, type RunEndFacts } from './commands/run-end.js';
import { reportError, EXIT_FAILURE } from './exit.js';
import { terminalSafe } from './stdio.js';
import { helperFailureError } from '../node/helper-exec.js';

/** What run.ts hands over through the helper. */
export interface RunReportContext extends RunEndFacts {
  /** The command, quoted, without its arguments (for error objects: the arguments would take room on the helper's command line). */
  readonly command: string;
  /** --debug was given. */
  readonly debug: boolean;
}

async function report(argv: readonly string[], stderr: NodeJS.WritableStream): Promise<number> {
  const [contextText, kind, a, b, c] = argv;
  let ctx: RunReportContext;
  try {
    ctx = JSON.parse(contextText ?? '') as RunReportContext;
  } catch {
    stderr.write(`syswall: internal error: the sandbox helper passed an unreadable context to ${process.argv[1]}\n`);
    return EXIT_FAILURE;
  }
  try {
    if (kind === 'exit' || kind === 'signal') {
      const n = Number(a);
      const signal = kind === 'signal' ? ((Object.keys(osConstants.signals) as NodeJS.Signals[]).find((s) => osConstants.signals[s] === n) ?? null) : null;
      if (kind === 'signal' && !signal) return 128 + n;
      return await endOfRun({ pid: Number(b), exitCode: kind === 'exit' ? n : null, signal, supervisorKilled: false }, ctx, stderr);
    }
    if (kind === 'fail') {
      const e = helperFailureError({ stage: a ?? 'helper', errno: Number(b) || 0, message: c ?? 'the sandbox helper failed' }, ctx.command);
      return reportStartError(e, stderr);
    }
    stderr.write(`syswall: internal error: the sandbox helper reported "${String(kind)}" to ${process.argv[1]}\n`);
    return EXIT_FAILURE;
  } catch (e) {
    return reportError(e, ctx.debug, stderr);
  }
}

report(process.argv.slice(2), terminalSafe(process.stderr)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, true);
  },
);
