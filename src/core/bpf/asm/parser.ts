/**
 * Parser of seccomp-tools' assembly language (every form of its 1.7 grammar):
 * assignments to A, X and mem[], ALU operations, `return`, `goto/jmp/jump`,
 * `if (COND) goto T [else goto F]` across lines with `!` negation, and the
 * ternary `A CMP V ? T : F`. Constants are numbers, syscall names (also
 * `x32_<name>` and `<arch>.<name>`), `ARCH_*` constants, or any of them in
 * parentheses. Produces statements with unresolved jump targets.
 */
import { ARCHES, findArch, type ArchInfo, type Endian } from '../../arch/arches.js';
import { isKnownSyscall, syscallNumber, suggestSyscall } from '../../arch/syscalls.js';
import { AsmError } from '../../errors.js';
import * as C from '../constants.js';
import { ACTIONS } from '../actions.js';
import { argWordOffset, ipWordOffset } from '../data.js';
import type { Instruction } from '../instruction.js';
import type { LexResult, Token } from './lexer.js';

/** A jump target as written: `next`, a label, or a relative statement count. */
export interface Target {
  text: string;
  tok: Token;
}

export type Statement =
  | { kind: 'ins'; ins: Instruction; labels: Token[]; tok: Token }
  | { kind: 'ja'; target: Target; labels: Token[]; tok: Token }
  | { kind: 'jcond'; op: number; src: number; k: number; t: Target; f: Target; labels: Token[]; tok: Token };

export interface ParseOptions {
  arch: ArchInfo;
  endian?: Endian;
  file?: string;
}

/** Action names in assembly: every kind and its short name (`KILL` = KILL_THREAD). */
const ACTION_VALUES = new Map<string, number>(Object.values(ACTIONS).flatMap((a) => [[a.kind, a.value], [a.short, a.value]]));

const ARCH_CONSTANTS = new Map<string, number>();
for (const a of Object.values(ARCHES)) ARCH_CONSTANTS.set(a.archConstant.toLowerCase(), a.token);

const ALU: Record<string, number> = {
  '+=': C.BPF_ADD, '-=': C.BPF_SUB, '*=': C.BPF_MUL, '/=': C.BPF_DIV, '|=': C.BPF_OR, '&=': C.BPF_AND,
  '<<=': C.BPF_LSH, '>>=': C.BPF_RSH, '^=': C.BPF_XOR, '%=': C.BPF_MOD,
};

const CMP = new Set(['==', '!=', '>', '>=', '<', '<=', '&']);

const kw = (t: Token, w: string) => t.type === 'word' && t.text.toLowerCase() === w;

/**
 * Resolves a syscall name for the assembler: plain names in `arch`'s table,
 * `x32_<name>` on x86_64/x32, `<arch>.<name>` for another arch. Returns the
 * number, or an error message.
 */
export function resolveSyscallWord(word: string, arch: ArchInfo): number | { error: string; hint?: string } | undefined {
  let target = arch;
  let name = word;
  const dot = word.indexOf('.');
  if (dot >= 0) {
    const a = findArch(word.slice(0, dot));
    if (!a) return undefined;
    target = a;
    name = word.slice(dot + 1);
  }
  if (target.token === ARCHES.x86_64.token && name.startsWith('x32_')) {
    const nr = syscallNumber(ARCHES.x32, name.slice(4));
    if (nr !== undefined) return nr;
  }
  const nr = syscallNumber(target, name);
  if (nr !== undefined) return nr;
  if (dot >= 0 || isKnownSyscall(name)) {
    const base = name.startsWith('x32_') && isKnownSyscall(name.slice(4)) ? name.slice(4) : name;
    if (isKnownSyscall(base)) return { error: `syscall '${base}' doesn't exist on ${target.name}` };
    const hint = suggestSyscall(name);
    return { error: `unknown syscall '${name}'`, ...(hint ? { hint } : {}) };
  }
  return undefined;
}

/** Parses tokens into statements. */
export function parse(lexed: LexResult, options: ParseOptions): Statement[] {
  const { tokens, comments } = lexed;
  const file = options.file ?? '<inline>';
  const arch = options.arch;
  const endian = options.endian ?? arch.endian;
  let p = 0;
  const out: Statement[] = [];

  const err = (tok: Token, msg: string, hint?: string, code = 'ASM_SYNTAX'): never => {
    throw new AsmError(code, msg, { location: { file, line: tok.line, column: tok.col }, ...(hint ? { hint } : {}) });
  };
  const peek = () => tokens[p];
  const next = () => tokens[p++];
  const unexpected = (t: Token, what?: string): never =>
    err(t, t.type === 'eof' ? `unexpected end of input${what ? `, expected ${what}` : ''}` : `unexpected ${t.type === 'nl' ? 'end of line' : `"${t.text}"`}${what ? `, expected ${what}` : ''}`);
  const expect = (text: string, what = `"${text}"`) => {
    const t = next();
    if (t.text !== text || t.type === 'word' || t.type === 'num') unexpected(t, what);
    return t;
  };
  const skipNl = () => {
    while (peek().type === 'nl') p++;
  };
  const endStatement = () => {
    const t = peek();
    if (t.type === 'nl') p++;
    else if (t.type !== 'eof') unexpected(t, 'end of line');
  };

  const index = (lo: number, hi: number, what: string, mult = 1) => {
    expect('[');
    const t = next();
    if (t.type !== 'num') unexpected(t, 'a number');
    const v = t.value!;
    if (t.text.startsWith('-') || v < lo || v > hi || v % mult !== 0) {
      if (what === 'data') err(t, `index of data[] must be a multiple of 4 and less than 64, got ${t.text}`, undefined, 'ASM_RANGE');
      err(t, `index of ${what}[] must between ${lo} and ${hi}, got ${t.text}`, undefined, 'ASM_RANGE');
    }
    expect(']');
    return v;
  };

  /** A constant: number, syscall name, ARCH_*, or parenthesised constant. */
  const constant = (): number => {
    const t = next();
    if (t.type === 'num') return t.value!;
    if (t.type === 'punct' && t.text === '(') {
      const v = constant();
      expect(')');
      return v;
    }
    if (t.type === 'word') {
      const ac = ARCH_CONSTANTS.get(t.text.toLowerCase());
      if (ac !== undefined) return ac;
      const r = resolveSyscallWord(t.text, arch);
      if (typeof r === 'number') return r;
      if (r) err(t, r.error, r.hint, 'ASM_UNKNOWN_SYSCALL');
      return err(t, `unknown token "${t.text}"`, 'expected a number, a syscall name or an ARCH_* constant', 'ASM_UNKNOWN_TOKEN');
    }
    return unexpected(t, 'a constant');
  };

  const target = (): Target => {
    const t = next();
    if (t.type === 'word' || t.type === 'num' || t.type === 'label') return { text: t.text, tok: t };
    return unexpected(t, 'a jump target');
  };

  const gotoKw = () => {
    const t = next();
    if (!(kw(t, 'goto') || kw(t, 'jmp') || kw(t, 'jump'))) unexpected(t, '"goto"');
  };

  /** Comparison after `A`: returns [op, src, k, swap]. */
  const comparison = (): { op: number; src: number; k: number; swap: boolean } => {
    const a = next();
    if (!kw(a, 'a')) unexpected(a, '"A" (the left side of a comparison is always A)');
    skipNl();
    const c = next();
    if (!CMP.has(c.text) || c.type !== 'op') unexpected(c, 'a comparison (== != > >= < <= &)');
    skipNl();
    let src = C.BPF_K;
    let k = 0;
    if (kw(peek(), 'x')) {
      next();
      src = C.BPF_X;
    } else {
      k = constant();
    }
    skipNl();
    switch (c.text) {
      case '==': return { op: C.BPF_JEQ, src, k, swap: false };
      case '!=': return { op: C.BPF_JEQ, src, k, swap: true };
      case '>': return { op: C.BPF_JGT, src, k, swap: false };
      case '<=': return { op: C.BPF_JGT, src, k, swap: true };
      case '>=': return { op: C.BPF_JGE, src, k, swap: false };
      case '<': return { op: C.BPF_JGE, src, k, swap: true };
      default: return { op: C.BPF_JSET, src, k, swap: false };
    }
  };

  /** `( ... )` of an if, with `!` negation and nesting. */
  const condition = (): { op: number; src: number; k: number; swap: boolean } => {
    skipNl();
    const t = peek();
    if (t.type === 'punct' && t.text === '!') {
      next();
      skipNl();
      const c = condition();
      return { ...c, swap: !c.swap };
    }
    if (t.type === 'punct' && t.text === '(') {
      next();
      const c = condition();
      skipNl();
      expect(')');
      skipNl();
      return c;
    }
    return comparison();
  };

  /** If the current line's comment is `# [arch.]name(p1, p2, ...)` (disasm's argument names), the index of `word`. */
  const paramIndex = (word: Token): number | undefined => {
    const c = comments.get(word.line);
    if (!c) return undefined;
    const m = /^(?:[\w]+\.)?\w+\((.*)\)$/.exec(c);
    if (!m) return undefined;
    const params = m[1].split(',').map((s) => s.trim());
    const i = params.indexOf(word.text);
    return i >= 0 && i < 6 ? i : undefined;
  };

  const hiShift = (): boolean => {
    const t = peek();
    if (t.type === 'op' && t.text === '>>') {
      next();
      const n = next();
      if (n.type !== 'num' || n.value !== 32) err(n, `operator after an argument can only be '>> 32'`);
      return true;
    }
    return false;
  };

  const assign = (reg: 'A' | 'X', tok: Token): Instruction => {
    const cls = reg === 'A' ? C.BPF_LD : C.BPF_LDX;
    const t = peek();
    // Argument names printed by disasm (`A = flags # open(filename, flags, mode)`).
    if (t.type === 'word' && reg === 'A') {
      const after = tokens[p + 1];
      const pi = paramIndex(t);
      if (pi !== undefined && (after.type === 'nl' || after.type === 'eof' || (after.type === 'op' && after.text === '>>'))) {
        next();
        const hi = hiShift();
        return { code: C.BPF_LD | C.BPF_W | C.BPF_ABS, jt: 0, jf: 0, k: argWordOffset(pi, hi ? 'hi' : 'lo', endian) };
      }
    }
    if (t.type === 'word') {
      const w = t.text.toLowerCase();
      const abs = (k: number) => {
        if (reg === 'X') err(t, `only A can load seccomp_data fields`, 'load into A, then X = A');
        return { code: C.BPF_LD | C.BPF_W | C.BPF_ABS, jt: 0, jf: 0, k };
      };
      if (w === 'x' && reg === 'A') { next(); return { code: C.BPF_MISC | C.BPF_TXA, jt: 0, jf: 0, k: 0 }; }
      if (w === 'a' && reg === 'X') { next(); return { code: C.BPF_MISC | C.BPF_TAX, jt: 0, jf: 0, k: 0 }; }
      if (w === 'mem') { next(); return { code: cls | C.BPF_MEM, jt: 0, jf: 0, k: index(0, 15, 'mem') }; }
      if (w === 'len') { next(); return { code: cls | C.BPF_W | C.BPF_LEN, jt: 0, jf: 0, k: 0 }; }
      if (w === 'sys_number') { next(); return abs(C.SECCOMP_DATA_NR); }
      if (w === 'arch') { next(); return abs(C.SECCOMP_DATA_ARCH); }
      if (w === 'data') { next(); const i = index(0, 60, 'data', 4); return abs(i); }
      if (w === 'args') { next(); const i = index(0, 5, 'args'); const hi = hiShift(); return abs(argWordOffset(i, hi ? 'hi' : 'lo', endian)); }
      if (w === 'args_h') { next(); const i = index(0, 5, 'args'); return abs(argWordOffset(i, 'hi', endian)); }
      if (w === 'instruction_pointer') { next(); const hi = hiShift(); return abs(ipWordOffset(hi ? 'hi' : 'lo', endian)); }
      if (w === 'invalid') err(t, 'cannot assemble "INVALID" (an unaligned or out-of-range seccomp_data offset in the disassembly)');
    }
    if (t.type === 'op' && t.text === '-') {
      next();
      const a = next();
      if (!kw(a, 'a') || reg !== 'A') err(a, 'do you mean A = -A?');
      return { code: C.BPF_ALU | C.BPF_NEG, jt: 0, jf: 0, k: 0 };
    }
    void tok;
    return { code: cls | C.BPF_IMM, jt: 0, jf: 0, k: constant() };
  };

  while (true) {
    skipNl();
    const first = peek();
    if (first.type === 'eof') break;
    const labels: Token[] = [];
    while (peek().type === 'label' || peek().type === 'nl') {
      const t = next();
      if (t.type === 'label') {
        if (t.text === 'next') err(t, `'next' is a reserved label`);
        labels.push(t);
      }
    }
    const t = peek();
    if (t.type === 'eof') {
      if (labels.length) err(labels[labels.length - 1], `label '${labels[labels.length - 1].text}' is not followed by a statement`);
      break;
    }
    if (t.type === 'word' && t.text.toLowerCase() === 'invalid') {
      err(t, 'cannot assemble an "invalid:" line of a disassembly', 'fix or remove that instruction');
    }
    next();
    if (t.type === 'word' && t.text === '/* no-op */') {
      out.push({ kind: 'ja', target: { text: 'next', tok: t }, labels, tok: t });
      endStatement();
      continue;
    }
    if (kw(t, 'a') || kw(t, 'x')) {
      const reg = t.text.toUpperCase() as 'A' | 'X';
      const o = peek();
      if (o.type === 'op' && o.text === '=') {
        next();
        out.push({ kind: 'ins', ins: assign(reg, t), labels, tok: t });
        endStatement();
        continue;
      }
      if (o.type === 'op' && ALU[o.text] !== undefined) {
        next();
        if (reg === 'X') err(o, 'ALU operations only work on A');
        const op = ALU[o.text];
        if (kw(peek(), 'x')) {
          next();
          out.push({ kind: 'ins', ins: { code: C.BPF_ALU | op | C.BPF_X, jt: 0, jf: 0, k: 0 }, labels, tok: t });
        } else {
          if (kw(peek(), 'a')) err(peek(), o.text === '-=' ? 'do you mean A = -A?' : 'the operand must be X or a constant');
          out.push({ kind: 'ins', ins: { code: C.BPF_ALU | op | C.BPF_K, jt: 0, jf: 0, k: constant() }, labels, tok: t });
        }
        endStatement();
        continue;
      }
      if (reg === 'A' && o.type === 'op' && CMP.has(o.text)) {
        p--; // ternary: A CMP V ? T : F
        const c = comparison();
        expect('?');
        skipNl();
        const tt = target();
        skipNl();
        // `? T: F` lexes `T:` as a label token, which already holds the colon.
        if (tt.tok.type !== 'label') expect(':');
        skipNl();
        const ff = target();
        out.push({ kind: 'jcond', op: c.op, src: c.src, k: c.k, t: c.swap ? ff : tt, f: c.swap ? tt : ff, labels, tok: t });
        endStatement();
        continue;
      }
      unexpected(o, '"=" or an operator');
    }
    if (kw(t, 'mem')) {
      const i = index(0, 15, 'mem');
      expect('=');
      const r = next();
      if (kw(r, 'a')) out.push({ kind: 'ins', ins: { code: C.BPF_ST, jt: 0, jf: 0, k: i }, labels, tok: t });
      else if (kw(r, 'x')) out.push({ kind: 'ins', ins: { code: C.BPF_STX, jt: 0, jf: 0, k: i }, labels, tok: t });
      else unexpected(r, '"A" or "X"');
      endStatement();
      continue;
    }
    if (kw(t, 'return')) {
      const r = peek();
      let k: number;
      if (kw(r, 'a')) {
        next();
        out.push({ kind: 'ins', ins: { code: C.BPF_RET | C.BPF_A, jt: 0, jf: 0, k: 0 }, labels, tok: t });
        endStatement();
        continue;
      }
      if (r.type === 'word' && ACTION_VALUES.has(r.text)) {
        next();
        k = ACTION_VALUES.get(r.text)!;
        if (peek().type === 'punct' && peek().text === '(') {
          next();
          const d = constant();
          expect(')');
          k = (k | (d & 0xffff)) >>> 0;
        }
      } else {
        k = constant();
      }
      out.push({ kind: 'ins', ins: { code: C.BPF_RET | C.BPF_K, jt: 0, jf: 0, k }, labels, tok: t });
      endStatement();
      continue;
    }
    if (kw(t, 'goto') || kw(t, 'jmp') || kw(t, 'jump')) {
      out.push({ kind: 'ja', target: target(), labels, tok: t });
      endStatement();
      continue;
    }
    if (kw(t, 'if')) {
      skipNl();
      const open = peek();
      if (!(open.type === 'punct' && open.text === '(')) unexpected(open, '"(" (the condition of an if needs parentheses)');
      const c = condition();
      skipNl();
      gotoKw();
      const tt = target();
      // Optional else, possibly on a following line.
      let q = p;
      while (tokens[q].type === 'nl') q++;
      let ff: Target = { text: 'next', tok: tt.tok };
      if (kw(tokens[q], 'else')) {
        p = q + 1;
        skipNl();
        gotoKw();
        ff = target();
      }
      out.push({ kind: 'jcond', op: c.op, src: c.src, k: c.k, t: c.swap ? ff : tt, f: c.swap ? tt : ff, labels, tok: t });
      endStatement();
      continue;
    }
    if (t.type === 'word') {
      const r = resolveSyscallWord(t.text, arch);
      if (r && typeof r !== 'number') err(t, r.error, r.hint, 'ASM_UNKNOWN_SYSCALL');
      err(t, `unknown token "${t.text}"`, 'a statement starts with A, X, mem[i], return, goto or if', 'ASM_UNKNOWN_TOKEN');
    }
    unexpected(t, 'a statement');
  }
  return out;
}
