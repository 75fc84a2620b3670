/**
 * Scanners of seccomp-tools' assembly language, in two dialects.
 *
 * `seccomp-tools`: the exact scanner of seccomp-tools 1.7.1 (for
 * `--compat seccomp-tools`): the same rules in the same order, on the input
 * read as bytes, with its quirks kept because they decide what is accepted
 * and where errors point (a run of whitespace that starts with a blank also
 * swallows the newlines after it; `goto` and `?` targets may sit on a later
 * line; positions are not advanced past such newlines; every unknown token
 * is collected and reported at once).
 *
 * `syswall`: the same language with correct positions, more whitespace
 * (form feed, vertical tab, no-break and other Unicode spaces), syswall's
 * syscall names (libseccomp's table; seccomp-tools' spellings such as
 * `timerfd`, `madvise1` and `newfstat` as aliases; real x32 numbers for
 * `x32_<name>`), any-case hex digits, `%=`, and what `syswall disasm` prints:
 * its header and `CODE JT JF K` columns are skipped, `/* no-op *\/` is a
 * statement, and an argument name is read as that argument when the line's
 * comment is the `# name(p1, p2, ...)` signature disasm writes and the word
 * means nothing else (a comment never changes the meaning of a valid line).
 */
import { ARCHES, findArch, type ArchInfo } from '../../arch/arches.js';
import { isKnownSyscall, suggestSyscall, syscallName, syscallNumber } from '../../arch/syscalls.js';
import { stArchOf, stSyscalls, ST_ARCHES, type StArch } from '../compat/tables.js';
import { ACTIONS } from '../actions.js';

export type Dialect = 'syswall' | 'seccomp-tools';

export interface AsmToken {
  /** Terminal name: NEWLINE SYMBOL GOTO GOTO_SYMBOL A X IF ... or the punctuation itself. */
  readonly sym: string;
  /** The text as written. */
  readonly str: string;
  /** 0-based line and column (seccomp-tools' own positions in its dialect). */
  readonly line: number;
  readonly col: number;
  /** syswall dialect: a resolved syscall number (SYSCALL) or argument index (ARGNAME). */
  readonly value?: number;
  /** syswall dialect: the token ends the line's text with no NEWLINE after it (end of input). */
  readonly value2?: number;
  /** The token itself, as the driver's semantic value. */
  readonly self?: AsmToken;
}

export const KEYWORDS = ['a', 'x', 'if', 'else', 'return', 'mem', 'args', 'args_h', 'data', 'len', 'sys_number', 'arch', 'instruction_pointer'];
/** Action names (case-sensitive): every kind and its short name, from the one action table. */
export const ACTION_NAMES = [...new Set(Object.values(ACTIONS).flatMap((a) => [a.kind, a.short]))];
export const ARCH_VALUE_NAMES = ['ARCH_X86_64', 'ARCH_I386', 'ARCH_AARCH64', 'ARCH_RISCV64', 'ARCH_S390X'];

const ST_WS = '[ \\t\\r\\n\\f\\v]';
const KEYWORD_RE = new RegExp(`(?=\\w)(${KEYWORDS.join('|')})\\b`, 'iy');
const ACTION_RE = new RegExp(`(?=\\w)(${ACTION_NAMES.join('|')})\\b`, 'y');
const ARCH_VAL_RE = new RegExp(`(?=\\w)(${ARCH_VALUE_NAMES.join('|')})\\b`, 'iy');
const LABEL_RE = /(\w+):/y;
const ALU_RE = /(\+|-|\*|\/|\||\^|<<|>>)/y;
const COMPARE_RE = /(==|!=|>=|<=|>|<)/y;
const PUNCT_RE = /(\(|\)|=|\[|\]|&|!)/y;

// seccomp-tools' whitespace is Ruby's \s; syswall's adds Unicode spaces.
const ST = {
  newlines: /\n+/y,
  space: new RegExp(`${ST_WS}+`, 'y'),
  comment: /#[^\n]*/y,
  goto: new RegExp(`(goto|jmp|jump)${ST_WS}+(\\w+)\\b`, 'iy'),
  hex: /-?0x[0-9a-f]+\b/y,
  int: /-?[0-9]+\b/y,
  ternary: new RegExp(`\\?${ST_WS}*(\\w+)${ST_WS}*:${ST_WS}*(\\w+)`, 'dy'),
  unknown: new RegExp(`([^ \\t\\r\\n\\f\\v]+)`, 'y'),
};
const SW_SPACE_CLASS = '[ \\t\\r\\f\\v\\u00a0\\u1680\\u2000-\\u200b\\u202f\\u205f\\u3000\\ufeff]';
const SW = {
  space: new RegExp(`${SW_SPACE_CLASS}+`, 'y'),
  goto: new RegExp(`(goto|jmp|jump)(?:${SW_SPACE_CLASS}|\\n)+(\\w+)\\b`, 'iy'),
  hex: /-?0[xX][0-9a-fA-F]+\b/y,
  int: /-?[0-9]+\b/y,
  ternary: new RegExp(`\\?(?:${SW_SPACE_CLASS}|\\n)*(\\w+)(?:${SW_SPACE_CLASS}|\\n)*:(?:${SW_SPACE_CLASS}|\\n)*(\\w+)`, 'dy'),
  unknown: new RegExp(`((?:(?!${SW_SPACE_CLASS})[^\\n#])+)`, 'y'),
  alu: /(\+|-|\*|\/|\||\^|<<|>>|%)/y,
};

function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

const WORD_RE = /\w+/y;
function wordAt(s: string, i: number): string | undefined {
  return at(WORD_RE, s, i)?.[0];
}

let allStNames: Set<string> | undefined;
/** Every name of every seccomp-tools table (the `<arch>.<name>` matcher takes any of them). */
function stAllNames(): Set<string> {
  if (!allStNames) {
    allStNames = new Set();
    for (const a of ST_ARCHES) for (const n of stSyscalls(a).byName.keys()) allStNames.add(n);
  }
  return allStNames;
}
// seccomp-tools' order of arch prefixes (its ptrace ABI table).
const ST_PREFIXES: StArch[] = ['amd64', 'i386', 'aarch64', 'riscv64', 's390x'];

/** An unknown token of the seccomp-tools dialect (reported all at once, as seccomp-tools does). */
export interface ScanResult {
  tokens: AsmToken[];
  unknown: AsmToken[];
}

/** seccomp-tools 1.7.1's scanner. `text` holds one character per input byte (latin1). */
export function scanSeccompTools(text: string, arch: StArch): ScanResult {
  const tokens: AsmToken[] = [];
  const unknown: AsmToken[] = [];
  const table = stSyscalls(arch).byName;
  let row = 0;
  let col = 0;
  let i = 0;
  const n = text.length;
  const push = (sym: string, str: string, c = col) => tokens.push({ sym, str, line: row, col: c });
  while (i < n) {
    let m: RegExpExecArray | null;
    if ((m = at(ST.newlines, text, i))) {
      if (tokens.length) push('NEWLINE', m[0]);
      row += m[0].length;
      col = 0;
      i += m[0].length;
      continue;
    }
    if ((m = at(ST.space, text, i)) || (m = at(ST.comment, text, i))) {
      col += m[0].length;
      i += m[0].length;
      continue;
    }
    if ((m = at(LABEL_RE, text, i))) {
      push('SYMBOL', m[1]);
      col += m[0].length;
      i += m[0].length;
      continue;
    }
    if ((m = at(ST.goto, text, i))) {
      push('GOTO', m[1]);
      push('GOTO_SYMBOL', m[2], col + m[0].length - m[2].length);
      col += m[0].length;
      i += m[0].length;
      continue;
    }
    if ((m = at(KEYWORD_RE, text, i))) {
      push(m[0].toUpperCase(), m[0]);
    } else if ((m = at(ACTION_RE, text, i))) {
      push('ACTION', m[0]);
    } else if ((m = at(ARCH_VAL_RE, text, i))) {
      push('ARCH_VAL', m[0]);
    } else {
      const w = wordAt(text, i);
      let sys: string | undefined;
      if (w !== undefined && table.has(w)) sys = w;
      else if (w !== undefined && (ST_PREFIXES as string[]).includes(w) && text[i + w.length] === '.') {
        const w2 = wordAt(text, i + w.length + 1);
        if (w2 !== undefined && stAllNames().has(w2)) sys = `${w}.${w2}`;
      }
      if (sys !== undefined) {
        push('SYSCALL', sys);
        col += sys.length;
        i += sys.length;
        continue;
      }
      if ((m = at(ST.hex, text, i))) push('HEX_INT', m[0]);
      else if ((m = at(ST.int, text, i))) push('INT', m[0]);
      else if ((m = at(ALU_RE, text, i))) push('ALU_OP', m[0]);
      else if ((m = at(COMPARE_RE, text, i))) push('COMPARE', m[0]);
      else if ((m = at(PUNCT_RE, text, i))) push(m[0], m[0]);
      else if ((m = at(ST.ternary, text, i))) {
        const idx = m.indices!;
        push('GOTO_SYMBOL', m[1], col + idx[1][0] - i);
        push('GOTO_SYMBOL', m[2], col + idx[2][0] - i);
      } else {
        m = at(ST.unknown, text, i)!;
        const t: AsmToken = { sym: 'unknown', str: m[1], line: row, col };
        tokens.push(t);
        unknown.push(t);
      }
    }
    col += m[0].length;
    i += m[0].length;
  }
  return { tokens, unknown };
}

/** How the syswall dialect resolved (or failed to resolve) a word. */
export type NameResolution = { nr: number } | { error: string; hint?: string } | undefined;

/**
 * Resolves a syscall word in the syswall dialect: `<name>` in `arch`'s table
 * (libseccomp's), else seccomp-tools' spelling for that arch as an alias;
 * `x32_<name>` on x86_64 (the real x32 number); `<arch>.<name>` with any
 * arch name or alias (`amd64.read`, `i386.open`, `arm.read`). Undefined when
 * the word is no syscall name at all.
 */
export function resolveSyscallName(word: string, arch: ArchInfo): NameResolution {
  let target = arch;
  let name = word;
  const dot = word.indexOf('.');
  if (dot >= 0) {
    const a = findArch(word.slice(0, dot));
    if (!a) return undefined;
    target = a;
    name = word.slice(dot + 1);
  }
  let table = target;
  if (target.token === ARCHES.x86_64.token && name.startsWith('x32_')) {
    table = ARCHES.x32;
    name = name.slice(4);
  }
  const nr = syscallNumber(table, name) ?? aliasNumber(table, name);
  if (nr !== undefined) return { nr };
  const known = isKnownSyscall(name) || stAllNames().has(name);
  if (dot >= 0 || known || table !== target) {
    if (known) return { error: `syscall '${name}' doesn't exist on ${table.name}` };
    const hint = suggestSyscall(name);
    return { error: `unknown syscall '${name}'`, ...(hint ? { hint } : {}) };
  }
  return undefined;
}

/** seccomp-tools' spelling of a syscall (`timerfd`, `madvise1`, `newfstat`, ...) as an alias for `arch`. */
function aliasNumber(arch: ArchInfo, name: string): number | undefined {
  const base = arch.x32 ? ARCHES.x86_64 : arch;
  const st = stArchOf(base);
  if (!st) return undefined;
  const nr = stSyscalls(st).byName.get(name);
  if (nr === undefined || (nr & 0x40000000) !== 0) return undefined;
  if (!arch.x32) return nr;
  // x32: map through the x86_64 name to the real x32 number.
  const canonical = syscallName(ARCHES.x86_64, nr);
  return canonical === undefined ? undefined : syscallNumber(ARCHES.x32, canonical);
}

/** syswall's ARCH_* constants (every arch libseccomp knows), case-insensitive. */
const SW_ARCH_VALUES = new Map<string, number>(Object.values(ARCHES).map((a) => [a.archConstant.toLowerCase(), a.token]));
const SW_ARCH_VAL_RE = new RegExp(`(?=\\w)(${[...SW_ARCH_VALUES.keys()].sort((x, y) => y.length - x.length).join('|')})\\b`, 'iy');

const HEADER_RE = /^\s*line\s+CODE\s+JT\s+JF\s+K\s*$/;
const RULE_RE = /^\s*=+\s*$/;
const COLUMNS_RE = /^(\s*\w+:)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]{8})(?=\s)/i;
const NOOP = '/* no-op */';

/** An error found while scanning the syswall dialect (1-based position). */
export interface SyswallScanError {
  line: number;
  col: number;
  message: string;
  hint?: string;
  code: string;
}

/**
 * The syswall dialect's scanner. Returns tokens, or the first error (an
 * unknown word, an `invalid:` line of a disassembly, ...).
 */
export function scanSyswall(source: string, arch: ArchInfo): { tokens: AsmToken[] } | { error: SyswallScanError } {
  // Blank out disasm headers and the CODE/JT/JF/K columns, keeping columns aligned.
  const lines = source.split('\n').map((l) => {
    if (HEADER_RE.test(l) || RULE_RE.test(l)) return ' '.repeat(l.length);
    const m = COLUMNS_RE.exec(l);
    return m ? m[1] + ' '.repeat(m[2].length) + l.slice(m[0].length) : l;
  });
  const text = lines.join('\n');
  const comments = lines.map((l) => {
    const h = l.indexOf('#');
    return h >= 0 ? l.slice(h + 1).trim() : undefined;
  });
  const tokens: AsmToken[] = [];
  let row = 0;
  let col = 0;
  let i = 0;
  const n = text.length;
  const push = (sym: string, str: string, extra: Partial<AsmToken> = {}) => tokens.push({ sym, str, line: row, col, ...extra });
  const fail = (message: string, code: string, hint?: string, c = col) => ({ error: { line: row + 1, col: c + 1, message, code, ...(hint ? { hint } : {}) } });
  /** Advance over `s`, counting the newlines in it. */
  const advance = (s: string) => {
    for (const ch of s) {
      if (ch === '\n') { row++; col = 0; } else col++;
    }
    i += s.length;
  };
  while (i < n) {
    let m: RegExpExecArray | null;
    const ch = text[i];
    if (ch === '\n') {
      if (tokens.length && tokens[tokens.length - 1].sym !== 'NEWLINE') push('NEWLINE', '\n');
      else if (tokens.length) tokens[tokens.length - 1] = { ...tokens[tokens.length - 1], str: tokens[tokens.length - 1].str + '\n' };
      advance('\n');
      continue;
    }
    if ((m = at(SW.space, text, i))) { advance(m[0]); continue; }
    if (ch === '#') {
      const end = text.indexOf('\n', i);
      advance(text.slice(i, end < 0 ? n : end));
      continue;
    }
    if (text.startsWith(NOOP, i)) { push('NOOP', NOOP); advance(NOOP); continue; }
    if ((m = at(LABEL_RE, text, i))) {
      if (m[1].toLowerCase() === 'invalid') {
        return fail('cannot assemble an "invalid:" line of a disassembly', 'ASM_INVALID_LINE', 'fix or remove that instruction');
      }
      push('SYMBOL', m[1]);
      advance(m[0]);
      continue;
    }
    if ((m = at(SW.goto, text, i))) {
      push('GOTO', m[1]);
      const off = m[0].length - m[2].length;
      const before = m[0].slice(0, off);
      advance(before);
      push('GOTO_SYMBOL', m[2]);
      advance(m[2]);
      continue;
    }
    if ((m = at(KEYWORD_RE, text, i))) { push(m[0].toUpperCase(), m[0]); advance(m[0]); continue; }
    if ((m = at(ACTION_RE, text, i))) { push('ACTION', m[0]); advance(m[0]); continue; }
    if ((m = at(SW_ARCH_VAL_RE, text, i))) { push('ARCH_VAL', m[0], { value: SW_ARCH_VALUES.get(m[0].toLowerCase()) }); advance(m[0]); continue; }
    const w = /[A-Za-z_]/.test(ch) ? /[A-Za-z_]\w*(?:\.\w+)?/y : undefined;
    if (w && (m = at(w, text, i))) {
      let word = m[0];
      let r = resolveSyscallName(word, arch);
      if (r === undefined && word.includes('.')) {
        // `name.` followed by something else: only the first word counts.
        word = word.slice(0, word.indexOf('.'));
        r = resolveSyscallName(word, arch);
      }
      if (r && 'nr' in r) { push('SYSCALL', word, { value: r.nr }); advance(word); continue; }
      if (/^(goto|jmp|jump)$/i.test(word)) return fail(`"${word}" needs a jump target: a label, next, or a number of statements to skip`, 'ASM_SYNTAX');
      if (word.toLowerCase() === 'invalid') return fail('cannot assemble "INVALID" (an unaligned or out-of-range seccomp_data offset in the disassembly)', 'ASM_INVALID_LINE');
      const pi = paramIndex(comments[row], word);
      if (pi !== undefined && r === undefined) { push('ARGNAME', word, { value: pi }); advance(word); continue; }
      if (r && 'error' in r) return fail(r.error, 'ASM_UNKNOWN_SYSCALL', r.hint);
      const hint = suggestSyscall(word);
      return fail(`unknown token "${word}"`, 'ASM_UNKNOWN_TOKEN', hint ?? 'a statement starts with A, X, mem[i], return, goto or if; values are numbers, syscall names or ARCH_* constants');
    }
    if ((m = at(SW.hex, text, i)) || (m = at(SW.int, text, i))) { push(m[0].includes('x') || m[0].includes('X') ? 'HEX_INT' : 'INT', m[0]); advance(m[0]); continue; }
    if ((m = at(SW.alu, text, i))) { push('ALU_OP', m[0]); advance(m[0]); continue; }
    if ((m = at(COMPARE_RE, text, i))) { push('COMPARE', m[0]); advance(m[0]); continue; }
    if ((m = at(PUNCT_RE, text, i))) { push(m[0], m[0]); advance(m[0]); continue; }
    if ((m = at(SW.ternary, text, i))) {
      const idx = m.indices!;
      advance(text.slice(i, idx[1][0]));
      push('GOTO_SYMBOL', m[1]);
      advance(text.slice(i, idx[2][0]));
      push('GOTO_SYMBOL', m[2]);
      advance(text.slice(i, idx[0][1]));
      continue;
    }
    m = at(SW.unknown, text, i);
    const bad = m ? m[1] : ch;
    const shown = [...bad].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || (c.charCodeAt(0) >= 0x80 && c.charCodeAt(0) < 0xa0) ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');
    return fail(`unknown token "${shown}"`, 'ASM_UNKNOWN_TOKEN');
  }
  return { tokens };
}

/** If a line's comment is disasm's `name(p1, p2, ...)` signature, the index of `word` among the parameters. */
function paramIndex(comment: string | undefined, word: string): number | undefined {
  if (!comment) return undefined;
  const m = /^(?:\w+\.)?\w+\((.*)\)$/.exec(comment);
  if (!m) return undefined;
  const i = m[1].split(',').map((s) => s.trim()).indexOf(word);
  return i >= 0 && i < 6 ? i : undefined;
}
