/**
 * Lexer of seccomp-tools' assembly language. Besides plain assembly it reads
 * `syswall disasm` / `seccomp-tools disasm` output: the header lines are
 * skipped and the ` NNNN: 0xCC 0xJT 0xJF 0xKKKKKKKK` columns are dropped
 * (the line label `NNNN:` is kept), so disassembly re-assembles.
 */
import { AsmError } from '../../errors.js';

export type TokenType =
  | 'nl' | 'eof' | 'label' | 'word' | 'num' | 'punct' | 'op';

export interface Token {
  type: TokenType;
  /** Source text (for `label`, without the colon; for `num`, as written). */
  text: string;
  /** Numeric value for `num` (masked to 32 bits). */
  value?: number;
  line: number;
  col: number;
}

/** Lexer output: tokens and the comment text of each line (1-based line -> text after `#`). */
export interface LexResult {
  tokens: Token[];
  comments: Map<number, string>;
}

const HEADER_RE = /^\s*line\s+CODE\s+JT\s+JF\s+K\s*$/;
const RULE_RE = /^\s*=+\s*$/;
const COLUMNS_RE = /^(\s*\w+:)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x[0-9a-f]{8})(?=\s)/i;

// Longest operators first.
const OPS = ['<<=', '>>=', '==', '!=', '>=', '<=', '+=', '-=', '*=', '/=', '|=', '&=', '^=', '%=', '<<', '>>', '>', '<', '=', '&', '!', '?', ':', '(', ')', '[', ']', '+', '-', '*', '/', '|', '^', '%'];

/** Splits assembly source into tokens. Throws {@link AsmError} on an unknown character sequence. */
export function lex(source: string, file = '<inline>'): LexResult {
  const tokens: Token[] = [];
  const comments = new Map<number, string>();
  const lines = source.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const lineNo = li + 1;
    let text = lines[li];
    if (HEADER_RE.test(text) || RULE_RE.test(text)) text = '';
    const m = COLUMNS_RE.exec(text);
    if (m) text = m[1] + ' '.repeat(m[2].length) + text.slice(m[0].length);
    let i = 0;
    const n = text.length;
    while (i < n) {
      const ch = text[i];
      if (ch === ' ' || ch === '\t' || ch === '\r') { i++; continue; }
      const col = i + 1;
      if (ch === '#') {
        comments.set(lineNo, text.slice(i + 1).trim());
        break;
      }
      const rest = text.slice(i);
      if (rest.startsWith('/* no-op */')) {
        tokens.push({ type: 'word', text: '/* no-op */', line: lineNo, col });
        i += 11;
        continue;
      }
      // Label definition: \w+ immediately followed by ':' (not '::').
      let mm = /^(\w+):/.exec(rest);
      if (mm && mm[1].toLowerCase() === 'invalid' && /^\s*\d+:\s*$/.test(text.slice(0, i))) {
        throw new AsmError('ASM_INVALID_LINE', 'cannot assemble an "invalid:" line of a disassembly', {
          location: { file, line: lineNo, column: col },
          hint: 'fix or remove that instruction',
        });
      }
      if (mm) {
        tokens.push({ type: 'label', text: mm[1], line: lineNo, col });
        i += mm[0].length;
        continue;
      }
      // Numbers: decimal or 0x hex, optionally negative (only where a '-' cannot be an operator).
      mm = /^-?(0x[0-9a-fA-F]+|[0-9]+)(?![\w.])/.exec(rest);
      if (mm && (ch !== '-' || canStartNegative(tokens, lineNo))) {
        const neg = mm[0].startsWith('-');
        let v = BigInt(mm[1]);
        if (neg) v = -v;
        const value = Number(BigInt.asUintN(32, v));
        tokens.push({ type: 'num', text: mm[0], value, line: lineNo, col });
        i += mm[0].length;
        continue;
      }
      mm = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?/.exec(rest);
      if (mm) {
        tokens.push({ type: 'word', text: mm[0], line: lineNo, col });
        i += mm[0].length;
        continue;
      }
      mm = /^\d\w*/.exec(rest);
      if (mm) {
        // A bare numeric word such as a label reference `0005` is lexed as a number above; this is e.g. `0xABCZ`.
        throw new AsmError('ASM_UNKNOWN_TOKEN', `unknown token "${mm[0]}"`, { location: { file, line: lineNo, column: col } });
      }
      const op = OPS.find((o) => rest.startsWith(o));
      if (op) {
        tokens.push({ type: ['(', ')', '[', ']', '?', ':', '!'].includes(op) ? 'punct' : 'op', text: op, line: lineNo, col });
        i += op.length;
        continue;
      }
      const word = /^\S+/.exec(rest)![0];
      throw new AsmError('ASM_UNKNOWN_TOKEN', `unknown token "${word}"`, { location: { file, line: lineNo, column: col } });
    }
    tokens.push({ type: 'nl', text: '\n', line: lineNo, col: text.length + 1 });
  }
  tokens.push({ type: 'eof', text: '<end of input>', line: lines.length, col: 1 });
  return { tokens, comments };
}

function canStartNegative(tokens: Token[], line: number): boolean {
  const prev = tokens[tokens.length - 1];
  if (!prev || prev.line !== line) return true;
  // After '=', '(', comparison, assignment operators or 'return': a negative literal.
  return prev.type === 'op' || prev.type === 'punct' || (prev.type === 'word' && /^return$/i.test(prev.text)) || prev.type === 'label';
}
