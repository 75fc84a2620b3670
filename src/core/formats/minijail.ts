/**
 * minijail `.policy` import (the language of minijail's
 * tools/compile_seccomp_policy.py; grammar and semantics from minijail's
 * documentation and parser, written anew for syswall).
 *
 * - `syscall: filter`, `{a, b}: filter`, `syscall[arch=x86_64,aarch64]: ...`
 * - filter: `1`/`allow`, an action (`kill-process`, `kill-thread`, `kill`,
 *   `trap`, `trace`, `log`, `user-notify`), `return ERRNO`, or an argument
 *   expression (`argN op value` clauses joined by `&&`, clauses joined by
 *   `||`) optionally followed by `; action`; `{f1, f2, ...}` lists several.
 * - ops `== != < <= > >=`, `&` (some bit of the mask set), `in` (no bit
 *   outside the mask set); values are numbers (C syntax: 0x, 0 octal,
 *   negative), named constants, `~value`, `(value)`, `a | b`.
 * - `@include ./path`, `@frequency ./path`, `@default action`, `@denylist`.
 *
 * Semantics (as minijail's compiler): the filters of a syscall, from every
 * line naming it in file order, are evaluated in order and the first match
 * wins; a filter without an action allows; when no filter matches, the
 * default action applies (unless the last filter is unconditional). Values
 * compare as unsigned machine words (64-bit on 64-bit arches). The list is
 * translated to union rules by {@link firstMatchToRules}. `kill` means
 * KILL_THREAD unless `killAction` says otherwise (compile_seccomp_policy.py's
 * `--use-kill-process`). An arch mismatch takes the kill action.
 */
import { resolveArch, type ArchInfo } from '../arch/arches.js';
import { syscallNumber } from '../arch/syscalls.js';
import { PolicyError } from '../errors.js';
import { errnoNumber, MAX_ERRNO } from '../arch/errno.js';
import type { Action, Rule } from '../policy/types.js';
import { validatePolicy } from '../policy/validate.js';
import { namedConstant } from './constants.js';
import { firstMatchToRules, TRUE, type Conj, type Dnf, type FirstMatchEntry, type Lit } from './firstmatch.js';
import type { PolicyWarning } from './reader.js';
import { errorAt, joinPath, locOf, MAX_NESTING, pushAll, type FileResolver, type ImportResult, type Pos } from './textsrc.js';

/** Options of {@link importMinijail}. */
export interface MinijailOptions {
  /** File name, used in messages and to resolve `@include`/`@frequency` paths. */
  file?: string;
  /** The arch the policy is for (default x86_64); names, constants and word size follow it. */
  arch?: string;
  /** Reads included files (the CLI passes one reading the file system). Without it, `@include` is an error. */
  readFile?: FileResolver;
  /** What `kill` means (default KILL_THREAD, as compile_seccomp_policy.py without --use-kill-process). */
  killAction?: Action;
  /** Override the default action (`--default-action`). */
  defaultAction?: Action;
  /** Maximum `@include` nesting (default 10, as minijail). */
  includeDepthLimit?: number;
}

type TokType = 'DEFAULT' | 'INCLUDE' | 'FREQUENCY' | 'DENYLIST' | 'PATH' | 'NUMBER' | 'COLON' | 'SEMICOLON' | 'COMMA' | 'TILDE' | 'LPAREN' | 'RPAREN'
  | 'LBRACE' | 'RBRACE' | 'LBRACKET' | 'RBRACKET' | 'OR' | 'AND' | 'BITOR' | 'OP' | 'EQUAL' | 'ARGUMENT' | 'RETURN' | 'ACTION' | 'IDENT' | 'BANG';

interface Tok extends Pos {
  type: TokType;
  value: string;
}

const TOKENS: [TokType | 'WS' | 'COMMENT' | 'CONT', RegExp][] = [
  ['COMMENT', /#.*$/y], ['WS', /\s+/y], ['CONT', /\\$/y],
  ['DEFAULT', /@default\b/y], ['INCLUDE', /@include\b/y], ['FREQUENCY', /@frequency\b/y], ['DENYLIST', /@denylist$/y],
  ['PATH', /(?:\.)?\/\S+/y], ['NUMBER', /-?0[xX][0-9a-fA-F]+|-?0[0-7]+|-?[0-9]+/y],
  ['COLON', /:/y], ['SEMICOLON', /;/y], ['COMMA', /,/y], ['TILDE', /~/y], ['LPAREN', /\(/y], ['RPAREN', /\)/y],
  ['LBRACE', /\{/y], ['RBRACE', /\}/y], ['RBRACKET', /\]/y], ['LBRACKET', /\[/y], ['OR', /\|\|/y], ['AND', /&&/y],
  ['BITOR', /\|/y], ['OP', /&|\bin\b|==|!=|<=|<|>=|>/y], ['EQUAL', /=/y], ['BANG', /!/y], ['ARGUMENT', /\barg[0-9]+\b/y],
  ['RETURN', /\breturn\b/y],
  ['ACTION', /\ballow\b|\bkill-process\b|\bkill-thread\b|\bkill\b|\btrap\b|\btrace\b|\blog\b|\buser-notify\b/y],
  ['IDENT', /[a-zA-Z_][a-zA-Z_0-9\-@]*/y],
];

/** Splits minijail source into statements (token lists), joining `\` continuations. */
function tokenize(text: string, file: string | undefined): Tok[][] {
  const out: Tok[][] = [];
  let cur: Tok[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    let pos = 0;
    while (pos < line.length) {
      let matched = false;
      for (const [type, re] of TOKENS) {
        re.lastIndex = pos;
        const m = re.exec(line);
        if (!m || m[0].length === 0) continue;
        if (type !== 'WS' && type !== 'COMMENT' && type !== 'CONT') cur.push({ type, value: m[0], file, line: i + 1, column: pos + 1 });
        pos += m[0].length;
        matched = true;
        break;
      }
      if (!matched) throw errorAt('MINIJAIL_SYNTAX', `invalid token "${line.slice(pos).split(/\s/)[0]}"`, { file, line: i + 1, column: pos + 1 }, 'expected a syscall name, ":", an argument expression, an action or a directive');
    }
    if (line.endsWith('\\')) return;
    if (cur.length > 0) out.push(cur);
    cur = [];
  });
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * The tokens of a statement, consumed from the front in O(1) (an array's
 * shift() is O(n), which made a long statement quadratic).
 */
class TokQueue {
  private i = 0;
  constructor(private readonly all: readonly Tok[]) {}
  shift(): Tok | undefined {
    return this.i < this.all.length ? this.all[this.i++] : undefined;
  }
  get length(): number {
    return this.all.length - this.i;
  }
  /** The next token (as `toks[0]` of an array: undefined past the end). */
  get 0(): Tok {
    return this.all[this.i];
  }
  [Symbol.iterator](): Iterator<Tok> {
    return this.all.slice(this.i)[Symbol.iterator]();
  }
}

/** The type of the next token (a function, so TypeScript does not narrow across shifts). */
function peek(toks: TokQueue): TokType | undefined {
  return toks[0]?.type;
}

interface Statement {
  syscalls: { name: string; at: Tok }[];
  filters: { when: Dnf | null; action: Action; at: Tok }[];
  colon: Tok;
}

const EOL = (stmt: Tok[], last: Tok | undefined, file: string | undefined): Pos => {
  const t = last ?? stmt[stmt.length - 1];
  return t ? { file: t.file ?? file, line: t.line, column: t.column + t.value.length } : { file, line: 1, column: 1 };
};

class Parser {
  readonly warnings: PolicyWarning[] = [];
  readonly frequencies: Record<string, number> = {};
  defaultAction: Action;
  denylist = false;
  private depth = 0;
  private nest = 0;
  private readonly all: bigint;
  private readonly bits: 32 | 64;

  constructor(readonly arch: ArchInfo, readonly opts: MinijailOptions, readonly kill: Action) {
    this.defaultAction = kill;
    this.bits = arch.bits;
    this.all = (1n << BigInt(arch.bits)) - 1n;
  }

  private fail(message: string, at: Pos, hint?: string): never {
    throw errorAt('MINIJAIL_SYNTAX', message, at, hint);
  }

  private expect(toks: TokQueue, stmt: Tok[], what: string): Tok {
    const t = toks.shift();
    if (!t) this.fail(`expected ${what}, found end of line`, EOL(stmt, undefined, this.opts.file));
    return t;
  }

  private singleConstant(t: Tok): bigint {
    let v: bigint;
    if (t.type === 'NUMBER') {
      const neg = t.value.startsWith('-');
      const body = neg ? t.value.slice(1) : t.value;
      v = /^0[xX]/.test(body) ? BigInt(body) : /^0[0-7]+$/.test(body) ? BigInt('0o' + body.slice(1)) : BigInt(body);
      if (neg) v = -v;
    } else if (t.type === 'IDENT') {
      const c = namedConstant(t.value) ?? (errnoNumber(t.value) !== undefined && /^E[A-Z0-9]+$/.test(t.value) ? BigInt(errnoNumber(t.value)!) : undefined);
      if (c === undefined) this.fail(`unknown constant "${t.value}"`, t, 'expected a number or a named constant such as PROT_EXEC, O_RDONLY, CLONE_NEWUSER or EPERM');
      v = c;
    } else {
      this.fail(`expected a constant, found "${t.value}"`, t);
    }
    if (v > this.all) this.fail(`constant ${t.value} overflows an unsigned ${this.bits}-bit word`, t);
    if (v < -(1n << BigInt(this.bits - 1))) this.fail(`constant ${t.value} underflows a signed ${this.bits}-bit word`, t);
    return v & this.all;
  }

  private constant(toks: TokQueue, stmt: Tok[]): bigint {
    let negate = false;
    let t = this.expect(toks, stmt, 'a constant');
    if (t.type === 'TILDE') {
      negate = true;
      t = this.expect(toks, stmt, 'a constant after "~"');
      if (t.type === 'TILDE') this.fail('invalid double complement "~~"', t);
    }
    let v: bigint;
    if (t.type === 'LPAREN') {
      if (++this.nest > MAX_NESTING) throw errorAt('TOO_DEEP', `parentheses nested deeper than ${MAX_NESTING} levels`, t);
      v = this.value(toks, stmt);
      this.nest--;
      const r = toks.shift();
      if (!r || r.type !== 'RPAREN') this.fail('unclosed parenthesis: expected ")"', r ?? t);
    } else {
      v = this.singleConstant(t);
    }
    return negate ? ~v & this.all : v;
  }

  private value(toks: TokQueue, stmt: Tok[]): bigint {
    let v = this.constant(toks, stmt);
    while (peek(toks) === 'BITOR') {
      toks.shift();
      v |= this.constant(toks, stmt);
    }
    return v;
  }

  private atom(toks: TokQueue, stmt: Tok[]): Lit {
    const a = this.expect(toks, stmt, 'an argument (arg0..arg5)');
    if (a.type !== 'ARGUMENT') this.fail(`expected an argument (arg0..arg5), found "${a.value}"`, a);
    const idx = Number(a.value.slice(3));
    if (idx > 5) this.fail(`argument index ${idx} is out of range; expected arg0..arg5`, a);
    const op = this.expect(toks, stmt, 'an operator (==, !=, <, <=, >, >=, &, in)');
    if (op.type !== 'OP') this.fail(`expected an operator (==, !=, <, <=, >, >=, &, in), found "${op.value}"`, op);
    const v = this.value(toks, stmt);
    switch (op.value) {
      case '==': return { arg: idx, op: 'EQ', value: v };
      case '!=': return { arg: idx, op: 'NE', value: v };
      case '<': return { arg: idx, op: 'LT', value: v };
      case '<=': return { arg: idx, op: 'LE', value: v };
      case '>': return { arg: idx, op: 'GT', value: v };
      case '>=': return { arg: idx, op: 'GE', value: v };
      case '&': return { arg: idx, op: 'MASKED_NE', mask: v, value: 0n };
      default: return { arg: idx, op: 'MASKED_EQ', mask: ~v & this.all, value: 0n }; // in
    }
  }

  private expression(toks: TokQueue, stmt: Tok[]): Dnf {
    const clauses: Conj[] = [];
    for (;;) {
      const conj: Lit[] = [this.atom(toks, stmt)];
      while (peek(toks) === 'AND') {
        toks.shift();
        conj.push(this.atom(toks, stmt));
      }
      clauses.push(conj);
      if (peek(toks) !== 'OR') break;
      toks.shift();
    }
    return clauses;
  }

  private action(toks: TokQueue, stmt: Tok[]): Action {
    const t = this.expect(toks, stmt, 'an action');
    if (this.denylist && t.type !== 'RETURN') this.fail(`a @denylist policy must use "return ERRNO" on every line, found "${t.value}"`, t);
    if (t.type === 'ACTION') {
      switch (t.value) {
        case 'allow': return { kind: 'ALLOW' };
        case 'kill': return this.kill;
        case 'kill-process': return { kind: 'KILL_PROCESS' };
        case 'kill-thread': return { kind: 'KILL_THREAD' };
        case 'trap': return { kind: 'TRAP', data: 0 };
        case 'trace': return { kind: 'TRACE', data: 0 };
        case 'log': return { kind: 'LOG' };
        default: return { kind: 'USER_NOTIF' };
      }
    }
    if (t.type === 'NUMBER' && this.singleConstant(t) === 1n) return { kind: 'ALLOW' };
    if (t.type === 'RETURN') {
      const e = this.expect(toks, stmt, 'an errno after "return"');
      const v = this.singleConstant(e);
      if (v > BigInt(MAX_ERRNO)) this.fail(`errno ${e.value} is out of range (0..${MAX_ERRNO})`, e);
      return { kind: 'ERRNO', data: Number(v) };
    }
    this.fail(`expected an action (1, allow, kill-process, kill-thread, kill, trap, trace, log, user-notify, return ERRNO), found "${t.value}"`, t);
  }

  private singleFilter(toks: TokQueue, stmt: Tok[]): { when: Dnf | null; action: Action; at: Tok } {
    const at = toks[0] ?? stmt[stmt.length - 1];
    if (peek(toks) === 'BANG') {
      this.fail('"!( ... )" negated filters are not supported by syswall', toks[0], 'rewrite the expression with the negated operators');
    }
    if (peek(toks) === 'ARGUMENT') {
      const when = this.expression(toks, stmt);
      if (peek(toks) === 'SEMICOLON') {
        toks.shift();
        return { when, action: this.action(toks, stmt), at };
      }
      return { when, action: { kind: 'ALLOW' }, at };
    }
    return { when: null, action: this.action(toks, stmt), at };
  }

  private filter(toks: TokQueue, stmt: Tok[]): Statement['filters'] {
    if (toks.length === 0) this.fail('missing filter after ":"', EOL(stmt, undefined, this.opts.file), 'expected 1, an action, return ERRNO or an argument expression');
    if (peek(toks) === 'LBRACE') {
      const open = toks.shift()!;
      const out = [this.singleFilter(toks, stmt)];
      while (peek(toks) === 'COMMA') {
        toks.shift();
        out.push(this.singleFilter(toks, stmt));
      }
      const close = toks.shift();
      if (!close || close.type !== 'RBRACE') this.fail('unclosed brace: expected "}"', close ?? open);
      return out;
    }
    return [this.singleFilter(toks, stmt)];
  }

  private descriptor(toks: TokQueue, stmt: Tok[]): { name: string; at: Tok }[] {
    const t = this.expect(toks, stmt, 'a syscall name');
    if (t.type !== 'IDENT' && t.value !== 'kill') this.fail(`expected a syscall name, found "${t.value}"`, t);
    let skip = false;
    if (peek(toks) === 'LBRACKET') {
      const open = toks.shift()!;
      for (;;) {
        const key = this.expect(toks, stmt, 'a metadata key');
        if (key.type !== 'IDENT') this.fail(`expected a metadata key, found "${key.value}"`, key);
        const eq = this.expect(toks, stmt, '"="');
        if (eq.type !== 'EQUAL') this.fail(`expected "=", found "${eq.value}"`, eq);
        const values: string[] = [];
        for (;;) {
          const v = this.expect(toks, stmt, 'a metadata value');
          if (v.type !== 'IDENT') this.fail(`expected a metadata value, found "${v.value}"`, v);
          values.push(v.value);
          if (peek(toks) !== 'COMMA') break;
          toks.shift();
        }
        if (key.value === 'arch' && !values.includes(this.arch.name)) skip = true;
        if (peek(toks) !== 'SEMICOLON') break;
        toks.shift();
      }
      const close = toks.shift();
      if (!close || close.type !== 'RBRACKET') this.fail('unclosed bracket: expected "]"', close ?? open);
    }
    if (t.value.includes('@')) this.fail(`syscall groups such as "${t.value}" are not supported by syswall`, t, 'list the syscalls instead');
    if (skip) return [];
    if (syscallNumber(this.arch, t.value) === undefined) this.fail(`nonexistent syscall "${t.value}" on ${this.arch.name}`, t);
    return [{ name: t.value, at: t }];
  }

  private statement(toks: TokQueue): Statement | null {
    const stmt = [...toks];
    const syscalls: { name: string; at: Tok }[] = [];
    if (peek(toks) === 'LBRACE') {
      const open = toks.shift()!;
      pushAll(syscalls, this.descriptor(toks, stmt));
      while (peek(toks) === 'COMMA') {
        toks.shift();
        pushAll(syscalls, this.descriptor(toks, stmt));
      }
      const close = toks.shift();
      if (!close || close.type !== 'RBRACE') this.fail('unclosed brace: expected "}"', close ?? open);
    } else {
      pushAll(syscalls, this.descriptor(toks, stmt));
    }
    const colon = this.expect(toks, stmt, '":"');
    if (colon.type !== 'COLON') this.fail(`expected ":", found "${colon.value}"`, colon);
    const filters = this.filter(toks, stmt);
    return syscalls.length > 0 ? { syscalls, filters, colon } : null;
  }

  private pathOf(toks: TokQueue, stmt: Tok[], what: string, from: string | undefined): { path: string; text: string } {
    const p = this.expect(toks, stmt, `a path after ${what}`);
    if (p.type !== 'PATH') this.fail(`expected a path starting with "/" or "./" after ${what}, found "${p.value}"`, p);
    const path = joinPath(from, p.value);
    if (!this.opts.readFile) this.fail(`${what} ${p.value}: no file reader was given to resolve includes`, p);
    const text = this.opts.readFile(path);
    if (text === undefined) this.fail(`${what} ${p.value}: cannot read ${path}`, p, 'included files are read next to the including file, then by file name in each include directory (-I DIR)');
    return { path, text };
  }

  parseFile(text: string, file: string | undefined, out: Statement[]): void {
    for (const stmt of tokenize(text, file)) {
      const toks = new TokQueue(stmt);
      const head = toks[0];
      if (head.type === 'INCLUDE') {
        toks.shift();
        if (this.depth + 1 >= (this.opts.includeDepthLimit ?? 10)) this.fail('@include nested too deep', head);
        const inc = this.pathOf(toks, stmt, '@include', file);
        this.depth++;
        this.parseFile(inc.text, inc.path, out);
        this.depth--;
      } else if (head.type === 'FREQUENCY') {
        toks.shift();
        const f = this.pathOf(toks, stmt, '@frequency', file);
        this.parseFrequency(f.text, f.path);
      } else if (head.type === 'DEFAULT') {
        toks.shift();
        const a = this.expect(toks, stmt, 'a default action');
        if (a.type !== 'ACTION') this.fail(`expected a default action (kill-process, kill-thread, kill, trap, user-notify), found "${a.value}"`, a);
        if (a.value === 'kill-process') this.defaultAction = { kind: 'KILL_PROCESS' };
        else if (a.value === 'kill-thread') this.defaultAction = { kind: 'KILL_THREAD' };
        else if (a.value === 'kill') this.defaultAction = this.kill;
        else if (a.value === 'trap') this.defaultAction = { kind: 'TRAP', data: 0 };
        else if (a.value === 'user-notify') this.defaultAction = { kind: 'USER_NOTIF' };
        else this.fail(`"${a.value}" is not allowed as the default action (permissive); expected kill-process, kill-thread, kill, trap or user-notify`, a);
      } else if (head.type === 'DENYLIST') {
        toks.shift();
        this.denylist = true;
        this.defaultAction = { kind: 'ALLOW' };
      } else {
        const s = this.statement(toks);
        if (s) out.push(s);
      }
      if (toks.length > 0) this.fail(`unexpected "${toks[0].value}" at the end of the statement`, toks[0]);
    }
  }

  private parseFrequency(text: string, file: string): void {
    for (const stmt of tokenize(text, file)) {
      const toks = new TokQueue(stmt);
      const names = this.descriptor(toks, stmt);
      const colon = this.expect(toks, stmt, '":"');
      if (colon.type !== 'COLON') this.fail(`expected ":", found "${colon.value}"`, colon);
      const n = this.expect(toks, stmt, 'a count');
      if (n.type !== 'NUMBER' || n.value.startsWith('-')) this.fail(`expected a non-negative count, found "${n.value}"`, n);
      for (const { name } of names) this.frequencies[name] = (this.frequencies[name] ?? 0) + Number(this.singleConstant(n));
      if (toks.length > 0) this.fail(`unexpected "${toks[0].value}" at the end of the line`, toks[0]);
    }
  }
}

/**
 * Imports a minijail policy for one arch. Throws {@link PolicyError} naming
 * `file:line:col` and what was expected on bad input.
 */
export function importMinijail(text: string, options: MinijailOptions = {}): ImportResult {
  const arch = resolveArch(options.arch ?? 'x86_64');
  const kill = options.killAction ?? { kind: 'KILL_THREAD' };
  const p = new Parser(arch, options, kill);
  const statements: Statement[] = [];
  p.parseFile(text, options.file, statements);
  const defaultAction = options.defaultAction ?? p.defaultAction;
  // Collapse into per-syscall filter lists, in order of first appearance.
  const lists = new Map<string, { filters: Statement['filters']; at: Statement['colon'] }>();
  for (const s of statements) {
    for (const sc of s.syscalls) {
      const l = lists.get(sc.name) ?? { filters: [], at: s.colon };
      pushAll(l.filters, s.filters);
      lists.set(sc.name, l);
    }
  }
  const rules: Rule[] = [];
  const firstMatch: { syscall: string; entries: FirstMatchEntry[] }[] = [];
  for (const [name, l] of lists) {
    const firstUncond = l.filters.findIndex((f) => f.when === null);
    if (firstUncond >= 0 && firstUncond < l.filters.length - 1) {
      const next = l.filters[firstUncond + 1];
      throw new PolicyError('MINIJAIL_UNREACHABLE', `syscall ${name} already had an unconditional action applied (at line ${l.filters[firstUncond].at.line})`, { location: locOf(next.at) });
    }
    const entries: FirstMatchEntry[] = l.filters.map((f) => ({
      when: f.when ?? TRUE,
      action: f.action,
      origin: { location: locOf(f.at) },
    }));
    firstMatch.push({ syscall: name, entries });
    pushAll(rules, firstMatchToRules(name, entries, defaultAction, arch.bits, locOf(l.at)));
  }
  const warnings: PolicyWarning[] = [];
  if (arch.name === 'x86_64' && defaultAction.kind !== kill.kind) {
    warnings.push({ code: 'X32_DIFFERS', severity: 'info', message: `minijail does not check the x32 bit: it gives x32 syscalls the default action ${defaultAction.kind}; syswall gives them the bad-arch action ${kill.kind}` });
  }
  const policy = validatePolicy({ defaultAction, badArchAction: kill, arches: [arch.name], rules });
  const freq = Object.keys(p.frequencies).length > 0 ? { frequencies: p.frequencies } : {};
  return { policy, warnings, firstMatch, ...freq };
}
