/**
 * The assembler of seccomp-tools' assembly language: one grammar (the
 * productions of seccomp-tools 1.7.1's Racc grammar, in its order, plus a few
 * syswall-dialect extensions), parsed by the LALR(1) driver in lalr.ts,
 * then labels resolved and instructions emitted with seccomp-tools' rules
 * (forward jumps only; a conditional whose two targets coincide becomes JA;
 * conditional distances at most 255; `goto N` without a label N skips N
 * statements).
 *
 * Two dialects share all of it (see scanner.ts for the lexical side):
 * - `seccomp-tools` (`--compat seccomp-tools`): seccomp-tools' exact
 *   behaviour, constants wrapped to 32 bits, its error messages (the
 *   `file:line:col message` block with the source line and carets) thrown as
 *   {@link SeccompToolsError}.
 * - `syswall` (default): the same language, plus what syswall's disassembler
 *   prints, with constants that do not fit 32 bits, empty programs, jumps
 *   past the end and programs over 4,096 instructions refused, and one-line
 *   {@link AsmError}s naming `file:line:col`.
 */
import type { ArchInfo } from '../../arch/arches.js';
import { AsmError } from '../../errors.js';
import { SeccompToolsError } from '../compat/errors.js';
import { stAuditValue, stBigEndian, stSyscalls, ST_ARCHES, type StArch } from '../compat/tables.js';
import * as C from '../constants.js';
import { ACTIONS } from '../actions.js';
import type { Instruction } from '../instruction.js';
import { buildTables, drive, type DriverContext, type Rule, type Tables } from './lalr.js';
import { scanSeccompTools, scanSyswall, type AsmToken, type Dialect } from './scanner.js';


/** An operand: register, `len`, a constant (`false` where seccomp-tools computes Ruby's `nil & n`), a data word, a scratch slot. */
type Scalar =
  | { k: 'A' }
  | { k: 'X' }
  | { k: 'len' }
  | { k: 'const'; v: number | false }
  | { k: 'data'; off: number }
  | { k: 'mem'; idx: number };

type Target = AsmToken | 'next';

type Stmt =
  | { type: 'alu'; op: string; src: Scalar; symbols: AsmToken[] }
  | { type: 'assign'; dst: Scalar; src: Scalar | 'neg'; symbols: AsmToken[] }
  | { type: 'if'; cmp: [string, Scalar] | null; jt: Target; jf: Target; symbols: AsmToken[] }
  | { type: 'ret'; val: Scalar; symbols: AsmToken[] }
  | { type: 'noop'; symbols: AsmToken[] };

// Semantic values are loosely typed, as in the Racc grammar they mirror.
type V = any;

interface Ctx extends DriverContext<AsmToken & { value: V }> {
  dialect: Dialect;
  /** Raises at the token `offset` positions from the last one read (0 = last). */
  raise(msg: string, offset?: number, code?: string, hint?: string): never;
  last(offset?: number): AsmToken;
  bigEndian: boolean;
  /** seccomp-tools dialect: the arch whose table plain syscall names come from. */
  stArch?: StArch;
}

const A: Scalar = { k: 'A' };
const X: Scalar = { k: 'X' };
const konst = (v: number | false): Scalar => ({ k: 'const', v });
/** Ruby's `ConstVal#to_i`. */
const toI = (s: Scalar): number | false => (s.k === 'const' ? s.v : false);
const tokStr = (t: V): string => (typeof t === 'string' ? t : (t as AsmToken).str);

/** Ruby's String#to_i for a decimal INT token (leading sign and digits). */
function rubyToI(s: string): number {
  const m = /^[-+]?\d+/.exec(s.replace(/_/g, ''));
  return m ? Number(m[0]) : 0;
}

const wordOffset = (base: number, hi: boolean, big: boolean) => base + (hi === big ? 0 : 4);

/** Action names in assembly: every kind and its short name (`KILL` = KILL_THREAD), from the one action table. */
const ACTION_VALUE: Record<string, number> = Object.fromEntries(Object.values(ACTIONS).flatMap((a) => [[a.kind, a.value], [a.short, a.value]]));


function grammar(dialect: Dialect): Rule<V, Ctx>[] {
  const R = (lhs: string, rhs: string, action?: (v: V[], c: Ctx) => V): Rule<V, Ctx> => ({ lhs, rhs: rhs ? rhs.split(' ') : [], ...(action ? { action } : {}) });
  const sw = dialect === 'syswall';
  /** syswall: a constant must fit 32 bits (negative values down to -2^31 wrap). */
  const checkRange = (n: bigint, c: Ctx) => {
    if (sw && (n > 0xffffffffn || n < -0x80000000n)) {
      c.raise(`${c.last().str} does not fit in 32 bits (a constant is -2147483648..4294967295 or 0x0..0xffffffff)`, 0, 'ASM_RANGE');
    }
    return n;
  };
  const rules: Rule<V, Ctx>[] = [
    R("$start", 'prog'),
    R('prog', 'normalized_statement terminator', (v) => [v[0]]),
    R('prog', 'prog normalized_statement terminator', (v) => (v[0].push(v[1]), v[0])),
    R('normalized_statement', 'symbols newlines statement', (v) => ({ ...v[2], symbols: v[0] })),
    R('normalized_statement', 'statement', (v) => ({ ...v[0], symbols: [] })),
    R('symbols', 'symbol', (v) => [v[0]]),
    R('symbols', 'symbols newlines symbol', (v) => (v[0].push(v[2]), v[0])),
    R('symbol', 'SYMBOL', (v, c) => {
      if (tokStr(v[0]) === 'next') c.raise("'next' is a reserved label");
      return c.last();
    }),
    R('statement', 'arithmetic'),
    R('statement', 'assignment'),
    R('statement', 'conditional'),
    R('statement', 'goto_expr', (v) => ({ type: 'if', cmp: null, jt: v[0], jf: v[0] })),
    R('statement', 'return_stat'),
    R('arithmetic', 'A alu_op_eq newlines x_constexpr', (v) => ({ type: 'alu', op: v[1], src: v[3] })),
    R('assignment', 'a ASSIGN a_rval', (v) => ({ type: 'assign', dst: v[0], src: v[2] })),
    R('assignment', 'x ASSIGN x_rval', (v) => ({ type: 'assign', dst: v[0], src: v[2] })),
    R('assignment', 'memory ASSIGN ax', (v) => ({ type: 'assign', dst: v[0], src: v[2] })),
    R('x_rval', 'constexpr'),
    R('x_rval', 'memory'),
    R('x_rval', 'a'),
    R('a_rval', 'x_constexpr'),
    R('a_rval', 'argument', (v) => ({ k: 'data', off: v[0] })),
    R('a_rval', 'memory'),
    R('a_rval', 'LEN', () => ({ k: 'len' })),
    R('a_rval', 'ALU_OP A', (v, c) => {
      if (tokStr(v[0]) !== '-') c.raise('do you mean A = -A?', -1);
      return 'neg';
    }),
    R('conditional', 'IF comparison newlines goto_expr newlines else_block', (v) => {
      const [op, rval, parity] = v[1];
      let jt = v[3];
      let jf = v[5];
      if (parity % 2 === 1) [jt, jf] = [jf, jt];
      return { type: 'if', cmp: [op, rval], jt, jf };
    }),
    R('conditional', 'A compare x_constexpr goto_symbol goto_symbol', (v) => ({ type: 'if', cmp: [v[1], v[2]], jt: v[3], jf: v[4] })),
    R('else_block', 'ELSE newlines goto_expr', (v) => v[2]),
    R('else_block', '', () => 'next'),
    R('comparison', 'LPAREN newlines comparison_ newlines RPAREN', (v) => v[2]),
    R('comparison_', 'a newlines compare newlines x_constexpr', (v) => [v[2], v[4], 0]),
    R('comparison_', 'BANG LPAREN comparison_ RPAREN', (v) => ((v[2][2] += 1), v[2])),
    R('compare', 'COMPARE', (v) => tokStr(v[0])),
    R('compare', 'AND', (v) => tokStr(v[0])),
    R('goto_expr', 'GOTO goto_symbol', (v) => v[1]),
    R('goto_symbol', 'GOTO_SYMBOL', (_v, c) => c.last()),
    R('return_stat', 'RETURN ret_val', (v) => ({ type: 'ret', val: v[1] })),
    R('ret_val', 'a'),
    R('ret_val', 'ACTION', (v) => konst(ACTION_VALUE[tokStr(v[0])])),
    R('ret_val', 'ACTION LPAREN constexpr RPAREN', (v, c) => {
      const d = toI(v[2]);
      if (d === false) throw crash(c, 'TypeError: an action\'s data is not a number');
      if (sw && d > 0xffff) c.raise(`the data of ${tokStr(v[0])}(...) is 16 bits (0..65535), got ${d}`, -1, 'ASM_RANGE');
      return konst((ACTION_VALUE[tokStr(v[0])] | (d & 0xffff)) >>> 0);
    }),
    R('ret_val', 'constexpr'),
    R('memory', 'MEM LBRACK constexpr RBRACK', (v, c) => {
      const idx = toI(v[2]);
      if (idx === false) throw crash(c, 'NoMethodError: mem[] index is not a number');
      if (idx < 0 || idx > 15) c.raise(`index of mem[] must between 0 and 15, got ${idx}`, -1, 'ASM_RANGE');
      return { k: 'mem', idx };
    }),
    R('x_constexpr', 'x'),
    R('x_constexpr', 'constexpr'),
    R('argument', 'argument_long'),
    R('argument', 'argument_long alu_op INT', (v, c) => {
      if (v[1] !== '>>' || rubyToI(tokStr(v[2])) !== 32) c.raise("operator after an argument can only be '>> 32'", v[1] === '>>' ? 0 : -1);
      return v[0] ^ 4;
    }),
    R('argument', 'SYS_NUMBER', () => 0),
    R('argument', 'ARCH', () => 4),
    R('argument', 'DATA LBRACK constexpr RBRACK', (v, c) => {
      const idx = toI(v[2]);
      if (idx === false) throw crash(c, 'NoMethodError: data[] index is not a number');
      if (idx % 4 !== 0 || idx >= 64) c.raise(`index of data[] must be a multiple of 4 and less than 64, got ${idx}`, -1, 'ASM_RANGE');
      return idx;
    }),
    R('argument_long', 'args LBRACK constexpr RBRACK', (v, c) => {
      const idx = toI(v[2]);
      const s = v[0] as string;
      if (idx === false) throw crash(c, `NoMethodError: ${s}[] index is not a number`);
      if (idx < 0 || idx > 5) c.raise(`index of ${s}[] must between 0 and 5, got ${idx}`, -1, 'ASM_RANGE');
      return wordOffset(16 + idx * 8, s.toLowerCase().endsWith('h'), c.bigEndian);
    }),
    R('argument_long', 'INSTRUCTION_POINTER', (_v, c) => wordOffset(8, false, c.bigEndian)),
    R('args', 'ARGS', (v) => tokStr(v[0])),
    R('args', 'ARGS_H', (v) => tokStr(v[0])),
    R('alu_op_eq', 'alu_op ASSIGN', (v) => v[0] + tokStr(v[1])),
    R('alu_op', 'ALU_OP', (v) => tokStr(v[0])),
    R('alu_op', 'AND', (v) => tokStr(v[0])),
    R('constexpr', 'number', (v) => konst(v[0] === null ? false : Number(BigInt.asUintN(32, v[0])))),
    R('constexpr', 'LPAREN constexpr RPAREN', (v) => v[1]),
    R('ax', 'a'),
    R('ax', 'x'),
    R('a', 'A', () => A),
    R('x', 'X', () => X),
    R('number', 'INT', (v, c) => checkRange(BigInt(tokStr(v[0])), c)),
    R('number', 'HEX_INT', (v, c) => {
      const t = tokStr(v[0]);
      const neg = t.startsWith('-');
      const n = BigInt(neg ? t.slice(1) : t);
      return checkRange(neg ? -n : n, c);
    }),
    R('number', 'ARCH_VAL', (v) => {
      const s = tokStr(v[0]);
      if (sw) return BigInt((v[0] as AsmToken).value!);
      const value = stAuditValue(s);
      return value === undefined ? null : BigInt(value);
    }),
    R('number', 'SYSCALL', (v, c) => {
      const t = v[0] as AsmToken;
      if (sw) return BigInt(t.value!);
      const s = t.str;
      if (!s.includes('.')) return BigInt(stSyscalls(c.stArch!).byName.get(s)!);
      const [arch, sys] = s.split('.');
      const nr = (ST_ARCHES as readonly string[]).includes(arch) ? stSyscalls(arch as StArch).byName.get(sys) : undefined;
      if (nr === undefined) c.raise(`syscall '${sys}' doesn't exist on ${arch}`, 0, 'ASM_UNKNOWN_SYSCALL');
      return BigInt(nr!);
    }),
    R('terminator', 'newlines'),
    R('terminator', 'false'),
    R('newlines', 'newlines NEWLINE'),
    R('newlines', ''),
    R('ASSIGN', '='),
    R('LPAREN', '('),
    R('RPAREN', ')'),
    R('LBRACK', '['),
    R('RBRACK', ']'),
    R('AND', '&'),
    R('BANG', '!'),
  ];
  if (sw) {
    rules.push(
      R('a_rval', 'ARGNAME', (v, c) => ({ k: 'data', off: wordOffset(16 + 8 * (v[0] as AsmToken).value!, false, c.bigEndian) })),
      R('a_rval', 'ARGNAME alu_op INT', (v, c) => {
        if (v[1] !== '>>' || rubyToI(tokStr(v[2])) !== 32) c.raise("operator after an argument can only be '>> 32'", v[1] === '>>' ? 0 : -1);
        return { k: 'data', off: wordOffset(16 + 8 * (v[0] as AsmToken).value!, true, c.bigEndian) };
      }),
      R('x_rval', 'LEN', () => ({ k: 'len' })),
      R('statement', 'NOOP', () => ({ type: 'noop' })),
    );
  }
  return rules;
}

function crash(c: Ctx, what: string): SeccompToolsError {
  const t = c.last();
  return new SeccompToolsError('ST_CRASH', `seccomp-tools 1.7.1 crashes on this source (${what}) at line ${t.line + 1}`, { crash: true, hint: 'ARCH_* constants must be written in upper case for seccomp-tools' });
}

const cache = new Map<Dialect, { rules: Rule<V, Ctx>[]; tables: Tables }>();
function parserFor(dialect: Dialect) {
  let p = cache.get(dialect);
  if (!p) {
    const rules = grammar(dialect);
    p = { rules, tables: buildTables(rules) };
    cache.set(dialect, p);
  }
  return p;
}

/** Ruby's String#inspect of a binary string (one character per byte). */
export function rubyInspectString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i);
    const special: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 34: '\\"', 92: '\\\\' };
    if (special[b] !== undefined) out += special[b];
    else if (b === 0x23 && i + 1 < s.length && '{$@'.includes(s[i + 1])) out += '\\#';
    else if (b >= 0x20 && b <= 0x7e) out += s[i];
    else out += '\\x' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out + '"';
}

/** seccomp-tools' error block: `file:line:col message`, the source line (tabs as 4 spaces), carets under the token. */
function stFormatError(source: string, file: string, tok: AsmToken, msg: string): string {
  const lines = source.split(/(?<=\n)/);
  const raw = lines[tok.line] ?? '';
  let line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
  line = line.replace(/\t/g, '    ');
  const prefix = raw.slice(0, tok.col);
  const spaces = prefix.length + (prefix.split('\t').length - 1) * 3;
  return `${file}:${tok.line + 1}:${tok.col + 1} ${msg}\n${line}\n${' '.repeat(spaces)}${'^'.repeat(tok.str.length)}\n`;
}

/** Friendly names of terminals for syswall's "expected ..." hints. */
const TERMINAL_TEXT: Record<string, string> = {
  NEWLINE: 'end of line', SYMBOL: 'a label', GOTO: '"goto"', GOTO_SYMBOL: 'a jump target', A: '"A"', X: '"X"', IF: '"if"',
  ELSE: '"else"', RETURN: '"return"', MEM: '"mem"', ARGS: '"args"', ARGS_H: '"args_h"', DATA: '"data"', LEN: '"len"',
  SYS_NUMBER: '"sys_number"', ARCH: '"arch"', INSTRUCTION_POINTER: '"instruction_pointer"', ACTION: 'an action (ALLOW, KILL, ERRNO, ...)',
  ARCH_VAL: 'an ARCH_* constant', SYSCALL: 'a syscall name', INT: 'a number', HEX_INT: 'a number', ALU_OP: 'an operator',
  COMPARE: 'a comparison (== != > >= < <=)', ARGNAME: 'an argument name', NOOP: '/* no-op */', $end: 'end of input',
};

export interface SyswallAssembleOptions {
  /** Arch for syscall names and the word order of 64-bit fields. */
  arch: ArchInfo;
  /** File name for error messages (default `<inline>`). */
  file?: string;
}

/** Parses and compiles syswall-dialect source. Throws {@link AsmError}. */
export function assembleSyswall(source: string, options: SyswallAssembleOptions): Instruction[] {
  const file = options.file ?? '<inline>';
  const arch = options.arch;
  const err = (line: number, col: number, msg: string, code = 'ASM_SYNTAX', hint?: string): never => {
    throw new AsmError(code, msg, { location: { file, line, column: col }, ...(hint ? { hint } : {}) });
  };
  const scanned = scanSyswall(source, arch);
  if ('error' in scanned) {
    const e = scanned.error;
    return err(e.line, e.col, e.message, e.code, e.hint);
  }
  const tokens = scanned.tokens;
  if (tokens.length === 0) {
    throw new AsmError('ASM_EMPTY', 'empty program: the source has no statements', { location: { file }, hint: 'a filter needs at least a return statement, e.g. "return ALLOW"' });
  }
  const { rules, tables } = parserFor('syswall');
  const toks = tokens.map((t) => ({ ...t, value: t as V }));
  const stmts: Stmt[] = drive(tables, rules, toks, (pos) => {
    const ctx: Ctx = {
      dialect: 'syswall',
      bigEndian: arch.endian === 'big',
      get read() { return pos.read; },
      tokens: toks,
      last: (off = 0) => toks[Math.max(0, Math.min(toks.length - 1, pos.read - 1 + off))],
      raise: (msg, off = 0, code = 'ASM_SYNTAX', hint) => {
        const t = ctx.last(off);
        return err(t.line + 1, t.col + 1, msg, code, hint);
      },
    };
    return ctx;
  }, (ctx, at, expected) => {
    const st = expectedText(expected, at, ctx);
    if (!at) {
      const t = ctx.last();
      const lastReal = [...toks].reverse().find((x) => x.sym !== 'NEWLINE');
      if (lastReal?.sym === 'SYMBOL') return err(lastReal.line + 1, lastReal.col + 1, `label '${lastReal.str}' is not followed by a statement`);
      return err(t.line + 1, t.col + 1 + t.str.length, `unexpected end of input${st}`);
    }
    return err(at.line + 1, at.col + 1, `unexpected ${at.sym === 'NEWLINE' ? 'end of line' : JSON.stringify(at.str)}${st}`);
  });
  const prog = compile(stmts, {
    dialect: 'syswall',
    dup: (s) => err(s.line + 1, s.col + 1, `duplicate label '${s.str}'`, 'ASM_DUPLICATE_LABEL'),
    fail: (tok, msg, code, hint) => {
      const t = typeof tok === 'string' ? undefined : tok;
      return t ? err(t.line + 1, t.col + 1, msg, code, hint) : err(1, 1, msg, code, hint);
    },
    symbols: new Map(),
  });
  if (prog.length > C.BPF_MAXINSNS) {
    throw new AsmError('ASM_TOO_LONG', `the program has ${prog.length} instructions; the kernel accepts at most ${C.BPF_MAXINSNS}`, { location: { file }, hint: 'split it into several filters' });
  }
  return prog.map((p) => p as Instruction);
}

/** `, expected ...` for a syntax error: the terminals the parser could take where it stopped. */
function expectedText(expected: readonly string[], at: AsmToken | undefined, ctx: Ctx): string {
  const names = [...new Set(expected.filter((t) => t !== 'false').map((t) => TERMINAL_TEXT[t] ?? JSON.stringify(t)))];
  let out = names.length === 0 ? '' : names.length === 1 ? `, expected ${names[0]}` : `, expected one of: ${names.join(', ')}`;
  if (at && ['SYS_NUMBER', 'ARCH', 'ARGS', 'ARGS_H', 'DATA', 'INSTRUCTION_POINTER', 'LEN'].includes(at.sym) && ctx.read >= 3 && ctx.tokens[ctx.read - 3]?.sym === 'X') {
    out += ' (only A can load seccomp_data fields: load into A, then X = A)';
  }
  return out;
}

export interface StAssembleOptions {
  arch: StArch;
  /** The file name as given (seccomp-tools prints `<inline>` for stdin). */
  file?: string;
}

/**
 * Assembles like `seccomp-tools asm` 1.7.1: `text` holds one character per
 * input byte (latin1). Returns the raw bytes in the arch's byte order.
 * Throws {@link SeccompToolsError} with seccomp-tools' message where it raises.
 */
export function assembleSeccompTools(text: string, options: StAssembleOptions): Uint8Array {
  const file = options.file ?? '<inline>';
  // `asm` is pure: the last source's result is reused (callers that render several formats ask again).
  if (lastSt && lastSt.text === text && lastSt.arch === options.arch && lastSt.file === file) {
    if (lastSt.error) throw lastSt.error;
    return lastSt.bytes!.slice();
  }
  try {
    const bytes = assembleSt(text, options.arch, file);
    lastSt = { text, arch: options.arch, file, bytes };
    return bytes.slice();
  } catch (e) {
    if (e instanceof SeccompToolsError) lastSt = { text, arch: options.arch, file, error: e };
    throw e;
  }
}

let lastSt: { text: string; arch: StArch; file: string; bytes?: Uint8Array; error?: SeccompToolsError } | undefined;

function assembleSt(text: string, arch: StArch, file: string): Uint8Array {
  const options = { arch };
  const { tokens, unknown } = scanSeccompTools(text, options.arch);
  const fmt = (tok: AsmToken, msg: string) => stFormatError(text, file, tok, msg);
  if (unknown.length) {
    const msg = unknown.map((t) => fmt(t, `unknown token ${rubyInspectString(t.str)}`)).join('\n');
    throw new SeccompToolsError('ST_UNKNOWN_TOKEN', msg, { kind: 'input' });
  }
  const big = stBigEndian(options.arch);
  if (tokens.length === 0) return new Uint8Array(0);
  const { rules, tables } = parserFor('seccomp-tools');
  const toks = tokens.map((t) => ({ ...t, value: t as V }));
  const stmts: Stmt[] = drive(tables, rules, toks, (pos) => {
    const ctx: Ctx = {
      dialect: 'seccomp-tools',
      bigEndian: big,
      stArch: options.arch,
      get read() { return pos.read; },
      tokens: toks,
      last: (off = 0) => {
        const i = pos.read - 1 + off;
        return toks[i < 0 ? toks.length + i : i];
      },
      raise: (msg, off = 0, code = 'ST_PARSE') => {
        throw new SeccompToolsError(code, fmt(ctx.last(off), msg));
      },
    };
    return ctx;
  }, (ctx) => {
    throw new SeccompToolsError('ST_PARSE', fmt(ctx.last(), `unexpected string ${rubyInspectString(ctx.last().str)}`));
  });
  const symbols = new Map<string, [AsmToken, number]>();
  const prog = compile(stmts, {
    dialect: 'seccomp-tools',
    dup: (s) => {
      throw new SeccompToolsError('ST_DUPLICATE_LABEL', fmt(s, `duplicate label '${s.str}'`) + fmt(symbols.get(s.str)![0], 'previously defined here'));
    },
    fail: (tok, msg, code) => {
      throw new SeccompToolsError(code, fmt(tok as AsmToken, msg));
    },
    symbols,
  });
  const out = new Uint8Array(prog.length * 8);
  const view = new DataView(out.buffer);
  prog.forEach((ins, i) => {
    if (ins.k === false) throw new SeccompToolsError('ST_CRASH', 'seccomp-tools 1.7.1 crashes on this source (TypeError: no implicit conversion of false into Integer)', { crash: true, hint: 'ARCH_* constants must be written in upper case for seccomp-tools' });
    view.setUint16(i * 8, ins.code, !big);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k, !big);
  });
  return out;
}

interface CompileHooks {
  dialect: Dialect;
  dup: (s: AsmToken) => never;
  fail: (tok: Target, msg: string, code: string, hint?: string) => never;
  symbols: Map<string, [AsmToken, number]>;
}

type RawIns = { code: number; jt: number; jf: number; k: number | false };

/** Resolves labels and emits instructions (seccomp-tools' compiler, in both dialects). */
function compile(stmts: Stmt[], h: CompileHooks): RawIns[] {
  const sw = h.dialect === 'syswall';
  const symbols = h.symbols;
  stmts.forEach((s, idx) => {
    const seen = new Set<string>();
    for (const t of s.symbols) {
      if (seen.has(t.str)) continue;
      seen.add(t.str);
      if (symbols.has(t.str)) h.dup(t);
      symbols.set(t.str, [t, idx]);
    }
  });
  const resolve = (idx: number, sym: Target): number => {
    if (sym === 'next' || sym.str === 'next') return 0;
    const s = symbols.get(sym.str);
    if (!s) {
      if (sym.str === String(parseInt(sym.str, 10)) && /^\d+$/.test(sym.str)) {
        return Number(sym.str);
      }
      return h.fail(sym, `Cannot find label '${sym.str}'`, 'ASM_UNDEFINED_LABEL');
    }
    const dis = s[1] - idx - 1;
    if (dis < 0) h.fail(sym, `Does not support backward jumping to '${sym.str}'`, 'ASM_BACKWARD_JUMP', 'seccomp BPF only jumps forward');
    return dis;
  };
  const dists = stmts.map((s, idx) => {
    if (s.type !== 'if') return undefined;
    const d = [resolve(idx, s.jt), resolve(idx, s.jf)];
    if (sw) {
      for (const [dist, sym] of [[d[0], s.jt], [d[1], s.jf]] as const) {
        if (idx + 1 + dist >= stmts.length) h.fail(sym, `jump target '${sym === 'next' ? 'next' : sym.str}' is past the end of the program`, 'ASM_JUMP_PAST_END', 'the last statement must be a return');
      }
    }
    return d;
  });
  return stmts.map((s, idx): RawIns => {
    switch (s.type) {
      case 'noop':
        return { code: C.BPF_JMP | C.BPF_JA, jt: 0, jf: 0, k: 0 };
      case 'alu': {
        const op = ALU_CODE[s.op.slice(0, -1)];
        return s.src.k === 'X' ? { code: C.BPF_ALU | op | C.BPF_X, jt: 0, jf: 0, k: 0 } : { code: C.BPF_ALU | op | C.BPF_K, jt: 0, jf: 0, k: toI(s.src) };
      }
      case 'assign': {
        const { dst, src } = s;
        if (src === 'neg') return { code: C.BPF_ALU | C.BPF_NEG, jt: 0, jf: 0, k: 0 };
        if (dst.k === 'A' && src.k === 'X') return { code: C.BPF_MISC | C.BPF_TXA, jt: 0, jf: 0, k: 0 };
        if (dst.k === 'X' && src.k === 'A') return { code: C.BPF_MISC | C.BPF_TAX, jt: 0, jf: 0, k: 0 };
        if (dst.k === 'mem') return { code: src.k === 'X' ? C.BPF_STX : C.BPF_ST, jt: 0, jf: 0, k: dst.idx };
        const ld = dst.k === 'X' ? C.BPF_LDX : C.BPF_LD;
        if (src.k === 'len') return { code: ld | C.BPF_LEN, jt: 0, jf: 0, k: 0 };
        if (src.k === 'const') return { code: ld | C.BPF_IMM, jt: 0, jf: 0, k: src.v };
        if (src.k === 'mem') return { code: ld | C.BPF_MEM, jt: 0, jf: 0, k: src.idx };
        if (src.k === 'data') return { code: ld | C.BPF_ABS, jt: 0, jf: 0, k: src.off };
        return { code: ld, jt: 0, jf: 0, k: 0 };
      }
      case 'ret':
        if (s.val.k === 'A') return { code: C.BPF_RET | C.BPF_A, jt: 0, jf: 0, k: 0 };
        return { code: C.BPF_RET | C.BPF_K, jt: 0, jf: 0, k: toI(s.val) };
      case 'if': {
        const [jt0, jf0] = dists[idx]!;
        if (s.cmp === null || jt0 === jf0) return { code: C.BPF_JMP | C.BPF_JA, jt: 0, jf: 0, k: jt0 };
        for (const [dis, sym] of [[jt0, s.jt], [jf0, s.jf]] as const) {
          if (dis > 255) h.fail(sym, `Does not support jumping farther than 255, got: ${dis}`, 'ASM_JUMP_TOO_FAR', 'add an intermediate `goto` (unconditional jumps have no limit)');
        }
        const [op, val] = s.cmp;
        const [jop, jt, jf] = JMP_CODE[op](jt0, jf0);
        const x = val.k === 'X';
        return { code: C.BPF_JMP | jop | (x ? C.BPF_X : C.BPF_K), jt, jf, k: x ? 0 : toI(val) };
      }
    }
  });
}

const ALU_CODE: Record<string, number> = {
  '+': C.BPF_ADD, '-': C.BPF_SUB, '*': C.BPF_MUL, '/': C.BPF_DIV, '|': C.BPF_OR, '&': C.BPF_AND,
  '<<': C.BPF_LSH, '>>': C.BPF_RSH, '^': C.BPF_XOR, '%': C.BPF_MOD,
};

const JMP_CODE: Record<string, (t: number, f: number) => [number, number, number]> = {
  '==': (t, f) => [C.BPF_JEQ, t, f],
  '!=': (t, f) => [C.BPF_JEQ, f, t],
  '>=': (t, f) => [C.BPF_JGE, t, f],
  '<=': (t, f) => [C.BPF_JGT, f, t],
  '>': (t, f) => [C.BPF_JGT, t, f],
  '<': (t, f) => [C.BPF_JGE, f, t],
  '&': (t, f) => [C.BPF_JSET, t, f],
};
