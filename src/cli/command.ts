/**
 * The CLI's command contract. Each command module exports a {@link Command}:
 * options for node:util parseArgs, a usage text, and `run`. Commands only
 * parse, print and pick exit codes; the work happens in src/core and src/node.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SyswallError } from '../core/errors.js';
import { closest } from '../core/util/suggest.js';

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
  /** This process is the `syswall` binary itself (not main() embedded in a program or a test): `run` may replace it with the sandbox. */
  ownProcess?: boolean;
}

export interface Command {
  name: string;
  /** One line for `syswall --help`. */
  summary: string;
  /** Full help text shown by `syswall NAME --help`. */
  usage: string;
  options: OptionSpec;
  /** Accept negative numbers such as `-1` as operands (option values may always be negative). */
  numericOperands?: boolean;
  /**
   * Keep what follows `--` apart in `rest`: a command line (run, record,
   * dump), or operands read differently after `--` (emu --compat). For every
   * other command it is more operands, as POSIX utilities read `--`:
   * `syswall disasm -- -odd-name.bpf`.
   */
  separateRest?: boolean;
  /** Returns the exit code. */
  run(ctx: CommandContext): Promise<number> | number;
}

/** Bad usage: printed as one line, exit 2. */
export class UsageError extends SyswallError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { kind: 'input', hint });
  }
}

/** Options every command takes (the global flags, accepted before or after the command name). */
export const SHARED_OPTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
  version: { type: 'boolean', short: 'V' },
};

// parseArgs reads "-1" as an option; negative numbers are protected with a
// prefix no argument can contain (argv strings cannot hold NUL) and restored
// after parsing, in operands and option values alike.
const NEG = '\u0000neg:';
const unprotect = (v: string): string => (v.startsWith(NEG) ? v.slice(NEG.length) : v);

/** Turns a node:util parseArgs error into one plain line (and a hint). */
function usageErrorOf(cmd: Command, e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? e);
  const see = `see \`syswall ${cmd.name} --help\``;
  const unknown = /^Unknown option '([^']*)'/.exec(msg);
  if (unknown) {
    const opt = unknown[1];
    const names = Object.keys({ ...SHARED_OPTIONS, ...cmd.options });
    const near = opt.startsWith('--') ? closest(opt.slice(2).split('=')[0], names) : undefined;
    return new UsageError(`${cmd.name}: unknown option ${opt}`, near ? `did you mean --${near}? (${see.slice(4)})` : see);
  }
  const missing = /^Option '(?:-\S, )?(--[^ ']+)[^']*' argument missing/.exec(msg);
  if (missing) return new UsageError(`${cmd.name}: option ${missing[1]} needs a value`, see);
  const ambiguous = /^Option '(?:-\S, )?(--[^ ']+)[^']*' argument is ambiguous/.exec(msg);
  if (ambiguous) return new UsageError(`${cmd.name}: option ${ambiguous[1]} needs a value`, `a value that starts with "-" is written ${ambiguous[1]}=VALUE`);
  const noValue = /^Option '(?:-\S, )?(--[^ ']+)[^']*' does not take an argument/.exec(msg);
  if (noValue) return new UsageError(`${cmd.name}: option ${noValue[1]} takes no value`, see);
  return new UsageError(`${cmd.name}: ${msg.split('\n')[0]}`, see);
}

/** Parses argv for a command; throws {@link UsageError} on unknown options. */
export function parseCommandArgs(cmd: Command, argv: string[]): Omit<CommandContext, 'stdout' | 'stderr'> {
  const dd = argv.indexOf('--');
  const head = dd >= 0 ? argv.slice(0, dd) : argv;
  const rest = dd >= 0 ? argv.slice(dd + 1) : undefined;
  const protectedHead = head.map((a) => (/^-(\d|\.\d)/.test(a) ? NEG + a : a));
  let parsed;
  try {
    parsed = parseArgs({ args: protectedHead, options: { ...SHARED_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageErrorOf(cmd, e);
  }
  const values: CommandContext['values'] = {};
  for (const [k, v] of Object.entries(parsed.values)) {
    values[k] = typeof v === 'string' ? unprotect(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? unprotect(x) : String(x))) : (v as boolean | undefined);
  }
  const positionals = parsed.positionals.map(unprotect);
  if (!cmd.numericOperands) {
    const neg = parsed.positionals.find((p) => p.startsWith(NEG));
    if (neg !== undefined) throw new UsageError(`${cmd.name}: unknown option ${unprotect(neg)}`, `see \`syswall ${cmd.name} --help\``);
  }
  if (rest && !cmd.separateRest) return { values, positionals: [...positionals, ...rest] };
  return { values, positionals, ...(rest ? { rest } : {}) };
}

/** The global flags, accepted before or after the command name. */
export interface GlobalFlags {
  help: boolean;
  version: boolean;
  json: boolean;
  debug: boolean;
}

/** argv split into the global flags, the command name and the command's own arguments. */
export interface SplitArgv {
  global: GlobalFlags;
  /** The command name (undefined when none was given). */
  name?: string;
  /** The command's arguments, with `--json` first when it was given globally. */
  args: string[];
}

const GLOBAL_HINT = "the global options are --debug, --help, --version and --json; a command's own options go after its name";

/**
 * Splits argv: global flags before the command name (`--debug`, `-h`/`--help`,
 * `-V`/`--version`, `--json`), then the name (`help NAME` is `NAME --help`),
 * then the command's arguments; `--help`, `--version` and `--debug` among the
 * command's arguments (before `--`) count as global too. Throws
 * {@link UsageError} for an unknown option before the command.
 */
export function splitArgv(argv: readonly string[]): SplitArgv {
  const global: GlobalFlags = { help: false, version: false, json: false, debug: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') throw new UsageError('missing COMMAND before "--"', 'run `syswall --help` to list the commands');
    if (!a.startsWith('-') || a === '-') break;
    if (a === '--debug') global.debug = true;
    else if (a === '--help' || a === '-h') global.help = true;
    else if (a === '--version' || a === '-V') global.version = true;
    else if (a === '--json') global.json = true;
    else throw new UsageError(`unknown global option ${a}`, GLOBAL_HINT);
  }
  let name: string | undefined = argv[i];
  let args = argv.slice(i + 1);
  if (name === 'help') {
    global.help = true;
    name = args[0];
    args = args.slice(1);
    // `syswall help help`: the help of help is the main help.
    if (name === 'help') name = undefined;
  }
  const dd = args.indexOf('--');
  const head = dd >= 0 ? args.slice(0, dd) : args;
  if (head.includes('--help') || head.includes('-h')) global.help = true;
  if (head.includes('--version') || head.includes('-V')) global.version = true;
  if (head.includes('--debug')) global.debug = true;
  return { global, ...(name !== undefined ? { name } : {}), args };
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
