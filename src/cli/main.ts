#!/usr/bin/env node
/**
 * The `syswall` binary: dispatches to one module per subcommand, prints
 * errors as one line (with a hint where one helps; the stack only with
 * --debug) and maps them to exit codes: 2 for bad usage or input, 1 for a
 * failure at run time.
 */
import { COMMANDS } from './commands/index.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';
import { isSyswallError } from '../core/errors.js';
import { readFileSync } from 'node:fs';

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

async function mainHelp(): Promise<string> {
  const lines = ['Usage: syswall COMMAND [OPTIONS] [ARGS]', '', 'A Linux seccomp toolkit.', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const cmd = await load();
    lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  }
  lines.push('', 'Run `syswall COMMAND --help` for a command\'s options.', 'Global: --debug prints stack traces, --version prints the version.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...args] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const target = name === 'help' ? args[0] : undefined;
      if (target && COMMANDS[target]) {
        process.stdout.write((await COMMANDS[target]()).usage + '\n');
      } else {
        process.stdout.write((await mainHelp()) + '\n');
      }
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      process.stdout.write(`syswall ${version()}\n`);
      return 0;
    }
    const load = COMMANDS[name];
    if (!load) {
      throw new UsageError(`unknown command "${name}"`, `run \`syswall --help\` to list the commands`);
    }
    const cmd: Command = await load();
    const parsed = parseCommandArgs(cmd, args);
    if (parsed.values.help) {
      process.stdout.write(cmd.usage + '\n');
      return 0;
    }
    return await cmd.run({ ...parsed, stdout: process.stdout, stderr: process.stderr });
  } catch (e) {
    return reportError(e, debug);
  }
}

/** Prints an error the CLI way and returns the exit code. */
export function reportError(e: unknown, debug: boolean): number {
  if (isSyswallError(e)) {
    process.stderr.write(`syswall: error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return e.kind === 'input' ? 2 : 1;
  }
  const err = e as Error;
  process.stderr.write(`syswall: internal error: ${err?.message ?? String(e)}\n`);
  if (debug && err?.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('hint: rerun with --debug for the stack trace, and please report it\n');
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, process.argv.includes('--debug'));
  },
);
