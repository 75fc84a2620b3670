/**
 * The CLI's command contract. Each command module exports a {@link Command}:
 * options for node:util parseArgs, a usage text, and `run`. Commands only
 * parse, print and pick exit codes; the work happens in src/core and src/node.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SyswallError } from '../core/errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Parsed option values (including the shared --json, --debug, --help). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Positional operands before `--`. */
  positionals: string[];
  /** Everything after the first `--` (undefined if there was no `--`). */
  rest?: string[];
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Command {
  name: string;
  /** One line for `syswall --help`. */
  summary: string;
  /** Full help text shown by `syswall NAME --help`. */
  usage: string;
  options: OptionSpec;
  /** Accept negative numbers such as `-1` as operands. */
  numericOperands?: boolean;
  /** Returns the exit code. */
  run(ctx: CommandContext): Promise<number> | number;
}

/** Bad usage: printed as one line, exit 2. */
export class UsageError extends SyswallError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { kind: 'input', hint });
  }
}

export const SHARED_OPTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
};

/** Parses argv for a command; throws {@link UsageError} on unknown options. */
export function parseCommandArgs(cmd: Command, argv: string[]): Omit<CommandContext, 'stdout' | 'stderr'> {
  const dd = argv.indexOf('--');
  const head = dd >= 0 ? argv.slice(0, dd) : argv;
  const rest = dd >= 0 ? argv.slice(dd + 1) : undefined;
  // parseArgs would read "-1" as an option; protect numeric operands.
  const placeholder = '\u0000neg:';
  const protectedHead = cmd.numericOperands ? head.map((a) => (/^-\d/.test(a) ? placeholder + a : a)) : head;
  let parsed;
  try {
    parsed = parseArgs({ args: protectedHead, options: { ...SHARED_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/^.*?: /, '') : String(e);
    throw new UsageError(`${cmd.name}: ${msg.split('\n')[0]}`, `see \`syswall ${cmd.name} --help\``);
  }
  const positionals = parsed.positionals.map((p) => (p.startsWith(placeholder) ? p.slice(placeholder.length) : p));
  return { values: parsed.values as CommandContext['values'], positionals, rest };
}

/** Reads a string option or undefined. */
export function stringOpt(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a boolean flag. */
export function flag(ctx: CommandContext, name: string): boolean {
  return ctx.values[name] === true;
}

/** Reads a repeatable/comma-separated option as a list. */
export function listOpt(ctx: CommandContext, name: string): string[] {
  const v = ctx.values[name];
  const arr = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return arr.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}
