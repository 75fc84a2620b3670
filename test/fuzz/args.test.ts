/**
 * Fuzz: the CLI's argument parser (global flags, every command's options,
 * negative numbers, `--`) and the frequency-table reader of `compile
 * --frequencies`.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { parseCommandArgs, splitArgv, UsageError, type Command } from '../../src/cli/command.js';
import { parseFrequencies } from '../../src/core/formats/frequencies.js';
import { clean, fuzz } from './harness.js';
import { mutatedText, NUMBERS, SPECIAL_CHARS } from './mutate.js';
import { COMMON_WORDS, FREQUENCIES } from './seeds.js';

const commands: Record<string, Command> = {};
beforeAll(async () => {
  for (const [name, load] of Object.entries(COMMANDS)) commands[name] = await load();
});

describe('fuzz: the argument parser', () => {
  it('any argv: a parse or a UsageError; values and operands as given; everything after -- untouched (operands, or a command line)', () => {
    const optionWords = () => {
      const out = new Set<string>(['--', '-', '--help', '-h', '--version', '-V', '--debug', '--json', '--json=1', '--=', '---', '-x', '--no-such', '--arch=', '-a']);
      for (const c of Object.values(commands)) {
        for (const [long, o] of Object.entries(c.options)) {
          out.add(`--${long}`);
          out.add(`--${long}=`);
          if (o.short) out.add(`-${o.short}`);
        }
      }
      return [...out];
    };
    const word = () =>
      fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...optionWords()) },
        { weight: 2, arbitrary: fc.constantFrom(...Object.keys(COMMANDS), 'help', 'nosuch') },
        { weight: 3, arbitrary: fc.constantFrom(...NUMBERS, '-5', '-0x10', '-1e3', '-.5', '-', '--5') },
        { weight: 2, arbitrary: fc.constantFrom(...COMMON_WORDS.slice(0, 40), 'x86_64,aarch64', 'p.json', '/dev/null', '-o', 'out.bpf') },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => s.replace(/\0/g, '')) },
        { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_CHARS.filter((c) => c !== '\u0000')) },
      );
    fuzz(
      'argv',
      fc.tuple(fc.constantFrom(...Object.keys(COMMANDS)), fc.array(word(), { maxLength: 12 }), fc.boolean()),
      ([name, rest, named]) => {
        const argv = named ? [name, ...rest] : rest;
        const split = clean(() => splitArgv(argv));
        if (!split.ok) return;
        const s = split.value as ReturnType<typeof splitArgv>;
        const cmd = s.name !== undefined && Object.hasOwn(commands, s.name) ? commands[s.name] : undefined;
        if (!cmd) return;
        const r = clean(() => parseCommandArgs(cmd, s.args));
        if (!r.ok) {
          expect(r.code).toBe('USAGE');
          return;
        }
        const p = r.value as ReturnType<typeof parseCommandArgs>;
        // The NUL-prefixed placeholder for negative numbers never leaks.
        const strings = [...p.positionals, ...Object.values(p.values).flatMap((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []))];
        for (const x of strings) expect(x.includes('\u0000')).toBe(false);
        // Operands are arguments as given (in order); after the first --, every word is an
        // operand as given (POSIX), or the sandboxed command's, untouched (run, record, dump, emu).
        const dd = s.args.indexOf('--');
        const head = dd >= 0 ? s.args.slice(0, dd) : s.args;
        const after = dd >= 0 ? s.args.slice(dd + 1) : undefined;
        const before = cmd.separateRest || !after ? p.positionals : p.positionals.slice(0, p.positionals.length - after.length);
        if (!cmd.separateRest && after) expect(p.positionals.slice(before.length)).toEqual(after);
        let j = 0;
        for (const op of before) {
          while (j < head.length && head[j] !== op) j++;
          expect(j < head.length, `operand ${JSON.stringify(op)} not among ${JSON.stringify(head)}`).toBe(true);
          j++;
        }
        expect(p.rest).toEqual(cmd.separateRest ? after : undefined);
      },
    );
  });

  it('parse errors are UsageErrors of one line naming the command', () => {
    const cmd = () => fc.constantFrom(...Object.values(commands));
    fuzz(
      'argv-errors',
      fc.tuple(cmd(), fc.array(fc.constantFrom('--bogus', '-Z', '--arch', '--json=x', '--ip', '-5', '--', 'x'), { minLength: 1, maxLength: 4 })),
      ([c, args]) => {
        try {
          parseCommandArgs(c, args);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          const m = (e as UsageError).message;
          expect(m.startsWith(`${c.name}: `)).toBe(true);
          expect(m.includes('\n')).toBe(false);
        }
      },
    );
  });
});

describe('fuzz: frequency tables (compile --frequencies, minijail @frequency)', () => {
  it('text and JSON tables, mutated', () => {
    fuzz(
      'frequencies',
      mutatedText({ seeds: FREQUENCIES, dictionary: [...COMMON_WORDS, ...NUMBERS, '"read":', '"__proto__": 1', '{', '}', '#', ':', ' '], nesting: [['{"a":', '}'], ['[', ']']] }),
      (text) => {
        const warnings: string[] = [];
        const r = clean(() => parseFrequencies(text, 'freq.txt', (m) => warnings.push(m)));
        if (r.ok) {
          const table = r.value as Record<string, number>;
          expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
          for (const [k, v] of Object.entries(table)) {
            expect(typeof v, k).toBe('number');
            expect(Number.isFinite(v) && v >= 0, `${k}: ${v}`).toBe(true);
          }
        }
      },
    );
  });
});
