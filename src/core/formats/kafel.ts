/**
 * Kafel import (the policy language of google/kafel, used by nsjail;
 * grammar from Kafel's documentation, written anew for syswall).
 *
 * - `#define NAME value`, `#include "file"` (through a resolver), `//` and `/* *\/` comments
 * - `POLICY name { ACTION { rules }, USE other, ... }`, top-level action
 *   blocks, `USE a, b DEFAULT action`, `DEFAULT action`
 * - actions `ALLOW`, `LOG`, `KILL`/`KILL_THREAD`/`DENY`, `KILL_PROCESS`,
 *   `USER_NOTIF`, `ERRNO(n)`, `TRAP(n)`, `TRACE(n)`
 * - rules `name`, `name(a, b) { expr }`, `name { expr }` with the kernel's
 *   argument names, `SYSCALL[nr]`
 * - expressions with `||`, `&&`, `!`, `,` (lowest-precedence or),
 *   comparisons `== != < <= > >=` between an argument term (`arg`,
 *   `arg & MASK`, `arg | BITS`) and a constant.
 *
 * Kafel takes the FIRST matching rule in policy order; the rules of each
 * syscall are translated to union rules by {@link firstMatchToRules}.
 * Comparing an argument with another argument (`fd != count`) has no
 * equivalent in syswall's IR (nor in libseccomp) and is an error naming it.
 */
import { resolveArch, type ArchInfo } from '../arch/arches.js';
import { syscallParams } from '../arch/signatures.js';
import { syscallName, syscallNumber } from '../arch/syscalls.js';
import { MAX_ERRNO } from '../arch/errno.js';
import type { Action, Rule } from '../policy/types.js';
import { validatePolicy } from '../policy/validate.js';
import { namedConstant } from './constants.js';
import { dnfAnd, dnfNot, dnfOr, FALSE, firstMatchToRules, TooComplexError, TRUE, type Dnf, type FirstMatchEntry, type Lit, type LitOp } from './firstmatch.js';
import type { PolicyWarning } from './reader.js';
import { errorAt, joinPath, locOf, MAX_NESTING, pushAll, type FileResolver, type ImportResult, type Pos } from './textsrc.js';

/** Options of {@link importKafel}. */
export interface KafelOptions {
  file?: string;
  /** The arch (default x86_64): syscall names, argument names and word size follow it. */
  arch?: string;
  /** Reads `#include`d files. */
  readFile?: FileResolver;
}

type TT = 'ident' | 'num' | 'str' | 'op' | 'define' | 'include' | 'eof';
interface Tok extends Pos {
  t: TT;
  v: string;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '&', '|', '(', ')', '{', '}', '[', ']', ','];

function lex(text: string, file: string | undefined): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const adv = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (text[i] === '\n') { line++; col = 1; } else col++;
      i++;
    }
  };
  while (i < text.length) {
    const c = text[i];
    const at = { file, line, column: col };
    if (/\s/.test(c)) { adv(1); continue; }
    if (text.startsWith('//', i)) { while (i < text.length && text[i] !== '\n') adv(1); continue; }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw errorAt('KAFEL_SYNTAX', 'unterminated comment: expected "*/"', at);
      adv(end + 2 - i);
      continue;
    }
    let m: RegExpExecArray | null;
    const rest = text.slice(i, i + 256);
    if ((m = /^#\s*define\b/.exec(rest))) { out.push({ t: 'define', v: m[0], ...at }); adv(m[0].length); continue; }
    if ((m = /^#\s*include\b/.exec(rest))) { out.push({ t: 'include', v: m[0], ...at }); adv(m[0].length); continue; }
    if ((m = /^"([^"\n]*)"/.exec(rest))) { out.push({ t: 'str', v: m[1], ...at }); adv(m[0].length); continue; }
    if ((m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)/.exec(rest))) { out.push({ t: 'num', v: m[0], ...at }); adv(m[0].length); continue; }
    if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) { out.push({ t: 'ident', v: m[0], ...at }); adv(m[0].length); continue; }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) { out.push({ t: 'op', v: op, ...at }); adv(op.length); continue; }
    throw errorAt('KAFEL_SYNTAX', `unexpected character "${c}"`, at, 'expected a name, a number, an operator, a comment or a directive');
  }
  out.push({ t: 'eof', v: '', file, line, column: col });
  return out;
}

/** An operand: a constant, or an argument with an optional & mask or | bits. */
type Operand = { k: 'const'; v: bigint } | { k: 'arg'; idx: number; and?: bigint; or?: bigint; at: Tok };

interface RuleItem {
  syscall: string | number;
  when: Dnf;
  action: Action;
  at: Tok;
}
type PolicyItem = { use: string; at: Tok } | { rules: RuleItem[] };

const ACTIONS_NOARG: Record<string, Action> = {
  ALLOW: { kind: 'ALLOW' }, LOG: { kind: 'LOG' }, KILL: { kind: 'KILL_THREAD' }, KILL_THREAD: { kind: 'KILL_THREAD' },
  DENY: { kind: 'KILL_THREAD' }, KILL_PROCESS: { kind: 'KILL_PROCESS' }, USER_NOTIF: { kind: 'USER_NOTIF' },
};
const ACTIONS_ARG = ['ERRNO', 'TRAP', 'TRACE'];

class KafelParser {
  private toks: Tok[] = [];
  private p = 0;
  readonly defines = new Map<string, bigint>();
  readonly policies = new Map<string, PolicyItem[]>();
  readonly top: PolicyItem[] = [];
  defaultAction: Action | undefined;
  private readonly all: bigint;
  private includeDepth = 0;
  private nest = 0;

  constructor(readonly arch: ArchInfo, readonly opts: KafelOptions) {
    this.all = (1n << BigInt(arch.bits)) - 1n;
  }

  private get cur(): Tok { return this.toks[this.p]; }
  private next(): Tok { return this.toks[this.p++]; }
  private is(v: string): boolean { const t = this.cur; return (t.t === 'op' || t.t === 'ident') && t.v === v; }
  private fail(message: string, at: Pos, hint?: string): never { throw errorAt('KAFEL_SYNTAX', message, at, hint); }
  private found(t: Tok): string { return t.t === 'eof' ? 'end of input' : `"${t.v}"`; }
  private expect(v: string, what = `"${v}"`): Tok {
    if (!this.is(v)) this.fail(`expected ${what}, found ${this.found(this.cur)}`, this.cur);
    return this.next();
  }

  parse(text: string, file: string | undefined): void {
    const saved = { toks: this.toks, p: this.p };
    this.toks = lex(text, file);
    this.p = 0;
    while (this.cur.t !== 'eof') this.topStatement(file);
    this.toks = saved.toks;
    this.p = saved.p;
  }

  private number(t: Tok): bigint {
    const v = /^0[bB]/.test(t.v) ? BigInt(t.v) : /^0[0-7]+$/.test(t.v) ? BigInt('0o' + t.v.slice(1)) : BigInt(t.v);
    if (v > 0xffffffffffffffffn) this.fail(`number ${t.v} does not fit in 64 bits`, t);
    return v;
  }

  private constValue(t: Tok): bigint | undefined {
    if (t.t === 'num') return this.number(t);
    if (t.t === 'ident') return this.defines.get(t.v) ?? namedConstant(t.v);
    return undefined;
  }

  private topStatement(file: string | undefined): void {
    const t = this.cur;
    if (t.t === 'define') {
      this.next();
      const name = this.next();
      if (name.t !== 'ident') this.fail(`expected a name after #define, found ${this.found(name)}`, name);
      const val = this.next();
      const v = this.constValue(val);
      if (v === undefined) this.fail(`expected a number after #define ${name.v}, found ${this.found(val)}`, val);
      this.defines.set(name.v, v & 0xffffffffffffffffn);
      return;
    }
    if (t.t === 'include') {
      this.next();
      const s = this.next();
      if (s.t !== 'str') this.fail(`expected a "file name" after #include, found ${this.found(s)}`, s);
      if (!this.opts.readFile) this.fail(`#include "${s.v}": no file reader was given to resolve includes`, s);
      const path = joinPath(file, s.v);
      const text = this.opts.readFile(path);
      if (text === undefined) this.fail(`#include "${s.v}": cannot read ${path}`, s, 'included files are read next to the including file, then by file name in each include directory (-I DIR)');
      if (++this.includeDepth > 16) this.fail('#include nested too deep', s);
      this.parse(text, path);
      this.includeDepth--;
      return;
    }
    if (this.is('POLICY')) {
      this.next();
      const name = this.next();
      if (name.t !== 'ident') this.fail(`expected a policy name after POLICY, found ${this.found(name)}`, name);
      if (this.policies.has(name.v)) this.fail(`policy ${name.v} is defined twice`, name);
      this.expect('{');
      const items = this.is('}') ? [] : this.policyItems();
      this.expect('}', '"}" closing the policy');
      this.policies.set(name.v, items);
      return;
    }
    if (this.is('DEFAULT')) {
      this.next();
      this.defaultAction = this.action();
      return;
    }
    if (this.is('USE') || this.isActionStart()) {
      pushAll(this.top, this.policyItems());
      if (this.is('DEFAULT')) {
        this.next();
        this.defaultAction = this.action();
      }
      return;
    }
    this.fail(`expected POLICY, USE, DEFAULT, an action block or #define, found ${this.found(t)}`, t);
  }

  private isActionStart(): boolean {
    return this.isActionAt(this.p);
  }

  private isActionAt(i: number): boolean {
    const t = this.toks[i];
    return t !== undefined && t.t === 'ident' && (t.v in ACTIONS_NOARG || ACTIONS_ARG.includes(t.v));
  }

  private policyItems(): PolicyItem[] {
    const out: PolicyItem[] = [];
    for (;;) {
      if (this.is('USE')) {
        this.next();
        const n = this.next();
        if (n.t !== 'ident') this.fail(`expected a policy name after USE, found ${this.found(n)}`, n);
        out.push({ use: n.v, at: n });
        // `USE a, b, c`: further names after commas.
        while (this.is(',') && this.toks[this.p + 1]?.t === 'ident' && !this.isActionAt(this.p + 1) && this.toks[this.p + 1].v !== 'USE') {
          this.next();
          const m = this.next();
          out.push({ use: m.v, at: m });
        }
      } else {
        const action = this.action();
        this.expect('{', '"{" starting the rule list');
        const rules: RuleItem[] = [];
        while (!this.is('}')) {
          rules.push(this.rule(action));
          if (!this.is(',')) break;
          this.next();
        }
        this.expect('}', '"}" closing the rule list');
        out.push({ rules });
      }
      if (!this.is(',')) break;
      this.next();
    }
    return out;
  }

  private action(): Action {
    const t = this.next();
    if (t.t === 'ident' && t.v in ACTIONS_NOARG) return ACTIONS_NOARG[t.v];
    if (t.t === 'ident' && ACTIONS_ARG.includes(t.v)) {
      this.expect('(');
      const n = this.next();
      const v = this.constValue(n);
      if (v === undefined) this.fail(`expected a number for ${t.v}, found ${this.found(n)}`, n);
      const max = t.v === 'ERRNO' ? BigInt(MAX_ERRNO) : 0xffffn;
      if (v > max) this.fail(`${t.v} value ${n.v} is out of range (0..${max})`, n);
      this.expect(')');
      return { kind: t.v === 'ERRNO' ? 'ERRNO' : t.v === 'TRAP' ? 'TRAP' : 'TRACE', data: Number(v) };
    }
    this.fail(`expected an action (ALLOW, LOG, KILL, KILL_PROCESS, USER_NOTIF, ERRNO(n), TRAP(n), TRACE(n)), found ${this.found(t)}`, t);
  }

  private rule(action: Action): RuleItem {
    const at = this.cur;
    let syscall: string | number;
    if (this.is('SYSCALL')) {
      this.next();
      this.expect('[');
      const n = this.next();
      const v = this.constValue(n);
      if (v === undefined || v > 0xffffffffn) this.fail(`expected a syscall number, found ${this.found(n)}`, n);
      this.expect(']');
      syscall = Number(v);
    } else {
      const n = this.next();
      if (n.t !== 'ident') this.fail(`expected a syscall name, found ${this.found(n)}`, n);
      if (syscallNumber(this.arch, n.v) === undefined) this.fail(`unknown syscall "${n.v}" on ${this.arch.name}`, n, 'use SYSCALL[nr] for a syscall by number');
      syscall = n.v;
    }
    let names: string[] | undefined;
    if (this.is('(')) {
      this.next();
      names = [];
      while (!this.is(')')) {
        const n = this.next();
        if (n.t !== 'ident') this.fail(`expected an argument name, found ${this.found(n)}`, n);
        names.push(n.v);
        if (!this.is(',')) break;
        this.next();
      }
      this.expect(')');
      if (names.length > 6) this.fail(`${names.length} argument names; a syscall has at most 6`, at);
    }
    if (!names && typeof syscall === 'string') names = [...(syscallParams(this.arch, syscall) ?? [])];
    let when: Dnf = TRUE;
    if (this.is('{')) {
      this.next();
      try {
        when = this.orExpr(names ?? []);
      } catch (e) {
        if (e instanceof TooComplexError) this.fail('the argument expression is too complex to expand', at);
        throw e;
      }
      this.expect('}', '"}" closing the argument expression');
    }
    return { syscall, when, action, at };
  }

  /** `operand (op operand)*`, folded left with `combine`. */
  private chain(op: string, operand: () => Dnf, combine: (a: Dnf, b: Dnf) => Dnf): Dnf {
    let d = operand();
    while (this.is(op)) {
      this.next();
      d = combine(d, operand());
    }
    return d;
  }

  /** `a, b` and `a || b` are both OR; `&&` binds tighter. */
  private orExpr(names: string[]): Dnf {
    const and = () => this.chain('&&', () => this.unary(names), (x, y) => dnfAnd(x, y, this.arch.bits));
    return this.chain(',', () => this.chain('||', and, dnfOr), dnfOr);
  }

  /** Runs `f` one nesting level deeper; deeper than {@link MAX_NESTING} is an error (not a stack overflow). */
  private deeper<T>(at: Tok, f: () => T): T {
    if (++this.nest > MAX_NESTING) throw errorAt('TOO_DEEP', `expression nested deeper than ${MAX_NESTING} levels`, at);
    try {
      return f();
    } finally {
      this.nest--;
    }
  }

  private unary(names: string[]): Dnf {
    if (this.is('!')) {
      const bang = this.next();
      return this.deeper(bang, () => dnfNot(this.unary(names), this.arch.bits));
    }
    if (this.is('(')) {
      const save = this.p;
      const paren = this.next();
      try {
        const d = this.deeper(paren, () => this.orExpr(names));
        if (this.is(')')) {
          this.next();
          if (!['==', '!=', '<', '<=', '>', '>=', '&', '|'].some((o) => this.is(o))) return d;
        }
      } catch (e) {
        if (e instanceof TooComplexError || (e as { code?: string }).code === 'TOO_DEEP') throw e;
      }
      this.p = save;
    }
    return this.comparison(names);
  }

  private term(names: string[]): Operand {
    const t = this.next();
    if (t.t === 'op' && t.v === '(') {
      const o = this.deeper(t, () => this.operand(names));
      this.expect(')');
      return o;
    }
    if (t.t === 'ident') {
      const idx = names.indexOf(t.v);
      if (idx >= 0) return { k: 'arg', idx, at: t };
      const v = this.constValue(t);
      if (v !== undefined) return { k: 'const', v };
      this.fail(`unknown name "${t.v}": not an argument of this syscall${names.length ? ` (${names.join(', ')})` : ''}, nor a #define or known constant`, t);
    }
    if (t.t === 'num') return { k: 'const', v: this.number(t) };
    this.fail(`expected an argument, a number or a constant, found ${this.found(t)}`, t);
  }

  private operand(names: string[]): Operand {
    let a = this.term(names);
    while (this.is('&') || this.is('|')) {
      const op = this.next();
      const b = this.term(names);
      if (a.k === 'const' && b.k === 'const') { a = { k: 'const', v: op.v === '&' ? a.v & b.v : a.v | b.v }; continue; }
      if (a.k === 'arg' && b.k === 'arg') this.fail(`"${op.v}" between two arguments cannot be expressed: syswall (like libseccomp) compares an argument with a constant`, op);
      const arg = (a.k === 'arg' ? a : b) as Extract<Operand, { k: 'arg' }>;
      const c = (a.k === 'const' ? a : b) as Extract<Operand, { k: 'const' }>;
      if (op.v === '&') {
        if (arg.or !== undefined) this.fail('"&" applied after "|" on an argument is not supported', op);
        a = { ...arg, and: (arg.and ?? this.all) & c.v };
      } else {
        if (arg.and !== undefined) this.fail('"|" applied after "&" on an argument is not supported', op);
        a = { ...arg, or: (arg.or ?? 0n) | c.v };
      }
    }
    return a;
  }

  private comparison(names: string[]): Dnf {
    const start = this.cur;
    const left = this.operand(names);
    const opTok = this.next();
    const ops: Record<string, LitOp> = { '==': 'EQ', '!=': 'NE', '<': 'LT', '<=': 'LE', '>': 'GT', '>=': 'GE' };
    if (opTok.t !== 'op' || !(opTok.v in ops)) this.fail(`expected a comparison (==, !=, <, <=, >, >=), found ${this.found(opTok)}`, opTok);
    const right = this.operand(names);
    let op = ops[opTok.v];
    if (left.k === 'arg' && right.k === 'arg') {
      this.fail(`comparison between arguments ("${names[left.idx]} ${opTok.v} ${names[right.idx]}") cannot be expressed: syswall (like libseccomp) compares an argument with a constant`, start);
    }
    const all = this.all;
    if (left.k === 'const' && right.k === 'const') {
      const a = left.v & all, b = right.v & all;
      const r = op === 'EQ' ? a === b : op === 'NE' ? a !== b : op === 'LT' ? a < b : op === 'LE' ? a <= b : op === 'GT' ? a > b : a >= b;
      return r ? TRUE : FALSE;
    }
    let arg: Extract<Operand, { k: 'arg' }>;
    let v: bigint;
    if (left.k === 'arg') { arg = left; v = (right as { v: bigint }).v & all; }
    else {
      arg = right as Extract<Operand, { k: 'arg' }>;
      v = left.v & all;
      const flip: Record<string, LitOp> = { LT: 'GT', GT: 'LT', LE: 'GE', GE: 'LE', EQ: 'EQ', NE: 'NE' };
      op = flip[op];
    }
    const lit = (o: LitOp, value: bigint, mask?: bigint): Dnf => [[{ arg: arg.idx, op: o, value, ...(mask !== undefined ? { mask } : {}) } as Lit]];
    if (arg.and === undefined && arg.or === undefined) return lit(op, v);
    if (op !== 'EQ' && op !== 'NE') this.fail(`"${opTok.v}" on a masked argument cannot be expressed; only == and != compare a masked argument`, opTok);
    let d: Dnf;
    if (arg.and !== undefined) {
      const m = arg.and & all;
      d = (v & ~m) !== 0n ? FALSE : lit('MASKED_EQ', v, m);
    } else {
      const c = arg.or! & all;
      d = (c & ~v) !== 0n ? FALSE : lit('MASKED_EQ', v & ~c & all, ~c & all);
    }
    return op === 'EQ' ? d : dnfNot(d, this.arch.bits);
  }

  /** The rules in policy order, with USE expanded. */
  flatten(items: PolicyItem[], stack: string[], out: RuleItem[]): void {
    for (const it of items) {
      if ('use' in it) {
        const p = this.policies.get(it.use);
        if (!p) this.fail(`USE of undefined policy "${it.use}"`, it.at, this.policies.size ? `defined policies: ${[...this.policies.keys()].join(', ')}` : 'define it with POLICY name { ... } before use');
        if (stack.includes(it.use)) this.fail(`policy ${it.use} USEs itself (${[...stack, it.use].join(' -> ')})`, it.at);
        this.flatten(p, [...stack, it.use], out);
      } else pushAll(out, it.rules);
    }
  }
}

/**
 * Imports a Kafel policy. Throws {@link PolicyError} naming `file:line:col`
 * on bad input, including argument-vs-argument comparisons.
 */
export function importKafel(text: string, options: KafelOptions = {}): ImportResult {
  const arch = resolveArch(options.arch ?? 'x86_64');
  const k = new KafelParser(arch, options);
  k.parse(text, options.file);
  const items: RuleItem[] = [];
  k.flatten(k.top, [], items);
  const defaultAction = k.defaultAction ?? { kind: 'KILL_THREAD' };
  const warnings: PolicyWarning[] = [];
  if (k.top.length === 0) warnings.push({ code: 'KAFEL_EMPTY', severity: 'warning', message: 'the Kafel program USEs no policy and has no top-level rules; only the default action applies' });
  const per = new Map<string | number, RuleItem[]>();
  for (const it of items) {
    const key = typeof it.syscall === 'string' ? it.syscall : (syscallName0(arch, it.syscall) ?? it.syscall);
    const l = per.get(key) ?? [];
    l.push(it);
    per.set(key, l);
  }
  const rules: Rule[] = [];
  const firstMatch: { syscall: string | number; entries: FirstMatchEntry[] }[] = [];
  for (const [sc, list] of per) {
    const entries: FirstMatchEntry[] = list.map((it) => ({ when: it.when, action: it.action, origin: { location: locOf(it.at) } }));
    firstMatch.push({ syscall: sc, entries });
    pushAll(rules, firstMatchToRules(sc, entries, defaultAction, arch.bits, locOf(list[0].at)));
  }
  if (arch.name === 'x86_64' && defaultAction.kind !== 'KILL_THREAD') {
    warnings.push({ code: 'X32_DIFFERS', severity: 'info', message: `Kafel does not check the x32 bit (kafel#19): it gives x32 syscalls the default action ${defaultAction.kind}; syswall gives them the bad-arch action KILL_THREAD` });
  }
  const policy = validatePolicy({ defaultAction, badArchAction: { kind: 'KILL_THREAD' }, arches: [arch.name], rules });
  return { policy, warnings, firstMatch };
}

/** SYSCALL[nr] and a named rule for the same syscall share one first-match list. */
function syscallName0(arch: ArchInfo, nr: number): string | undefined {
  return syscallName(arch, nr);
}
