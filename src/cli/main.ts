#!/usr/bin/env node
/**
 * The `syswall` binary: dispatches to one module per subcommand, prints
 * errors as one line (with a hint where one helps; the stack only with
 * --debug) and maps them to exit codes (the contract in README, "Exit
 * status"): 0 success, 1 failure at run time, 2 bad usage or input, 3 and
 * up a command's own answers (lint findings, diff differences, ...).
 *
 * Global flags (--debug, --help, --version, and --json for the commands that
 * print JSON) are accepted before or after the command name. Everything
 * written to stderr is escaped and capped (src/cli/stdio.ts); a closed
 * stdout (`syswall syscalls | head -1`) ends the output quietly.
 */
import { COMMANDS } from './commands/index.js';
import { parseCommandArgs, splitArgv, UsageError, type Command } from './command.js';
import { closest } from '../core/util/suggest.js';
import { lazyGuardedOutput, terminalSafe } from './stdio.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../node/package-root.js';
import { EXIT_FAILURE, EXIT_USAGE, reportError } from './exit.js';


function version(): string {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

async function mainHelp(): Promise<string> {
  const lines = ['Usage: syswall [--debug] COMMAND [OPTIONS] [ARGS]', '', 'A Linux seccomp toolkit.', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const cmd = await load();
    lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  }
  lines.push(
    '',
    'Run `syswall COMMAND --help` (or `syswall help COMMAND`) for a command\'s options.',
    'Global options, before or after COMMAND: --debug prints stack traces, --help,',
    '--version, and --json for the commands that print JSON.',
    '',
    'Exit status: 0 success, 1 failure at run time, 2 bad usage or input; lint,',
    'diff and dump use 3 and up for their answers; run and record pass on the',
    'command\'s own status. See README.md, "Exit status".',
  );
  return lines.join('\n');
}

/** Loads a command, or throws a usage error naming the closest one. */
async function loadCommand(name: string): Promise<Command> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    const near = closest(name, Object.keys(COMMANDS));
    throw new UsageError(`unknown command "${name}"`, near ? `did you mean \`syswall ${near}\`? (\`syswall --help\` lists the commands)` : 'run `syswall --help` to list the commands');
  }
  return load();
}

type Streams = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };

/**
 * Runs the CLI on `argv` (without node and the script) and returns the exit
 * status. `ownProcess`: this process is the `syswall` binary itself, its
 * stdio noted before use, which `run` may replace with the sandbox (never
 * when main() is embedded).
 */
export async function main(argv: string[], streams: Streams = { stdout: process.stdout, stderr: process.stderr }, ownProcess = false): Promise<number> {
  const dd = argv.indexOf('--');
  const debug = (dd >= 0 ? argv.slice(0, dd) : argv).includes('--debug');
  const stderr = terminalSafe(streams.stderr);
  const stdout = streams.stdout;
  try {
    const { global, name, args: cmdArgs } = splitArgv(argv);
    let args = cmdArgs;
    if (name === undefined) {
      if (global.help) {
        stdout.write((await mainHelp()) + '\n');
        return 0;
      }
      if (global.version) {
        stdout.write(`syswall ${version()}\n`);
        return 0;
      }
      stderr.write((await mainHelp()) + '\n');
      return EXIT_USAGE;
    }
    const cmd = await loadCommand(name);
    // --help and --version win over any other option, valid or not.
    if (global.help) {
      stdout.write(cmd.usage + '\n');
      return 0;
    }
    if (global.version) {
      stdout.write(`syswall ${version()}\n`);
      return 0;
    }
    if (global.json) {
      if (!cmd.options.json) throw new UsageError(`${cmd.name} has no --json output`, `see \`syswall ${cmd.name} --help\``);
      args = ['--json', ...args];
    }
    const parsed = parseCommandArgs(cmd, args);
    return await cmd.run({ ...parsed, stdout, stderr, ownProcess });
  } catch (e) {
    return reportError(e, debug, stderr);
  }
}

/** The `syswall` binary. */
async function bin(argv: string[]): Promise<number> {
  // `run` may replace this process with its sandbox (src/node/helper-exec.ts): note how stdio is
  // before Node's streams change it (a pipe becomes non-blocking), to hand it on unchanged.
  let commandName: string | undefined;
  try {
    commandName = splitArgv(argv).name;
  } catch {
    // main() reports the usage error
  }
  const replaceable = commandName === 'run' && (await import('../node/native.js')).noteStdio();
  const output = lazyGuardedOutput(() => {
    process.exitCode = EXIT_FAILURE;
  });
  const code = await main(argv, output, replaceable);
  return output.state.failed ? EXIT_FAILURE : code;
}

bin(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = reportError(e, process.argv.includes('--debug'));
  },
);
