/**
 * Code generation for the assembler: resolves labels, `next` and relative
 * numeric targets, applies seccomp-tools' rules (only forward jumps; a
 * conditional whose two targets coincide becomes `JA`; conditional distances
 * at most 255) and emits instructions.
 */
import { AsmError } from '../../errors.js';
import * as C from '../constants.js';
import type { Instruction } from '../instruction.js';
import type { Statement, Target } from './parser.js';
import type { Token } from './lexer.js';

/** Emits the program for parsed statements. */
export function generate(stmts: readonly Statement[], file = '<inline>'): Instruction[] {
  const labels = new Map<string, { index: number; tok: Token }>();
  const err = (tok: Token, msg: string, code: string, hint?: string): never => {
    throw new AsmError(code, msg, { location: { file, line: tok.line, column: tok.col }, ...(hint ? { hint } : {}) });
  };
  stmts.forEach((s, index) => {
    for (const l of s.labels) {
      const prev = labels.get(l.text);
      if (prev) err(l, `duplicate label '${l.text}'`, 'ASM_DUPLICATE_LABEL', `previously defined at ${file}:${prev.tok.line}:${prev.tok.col}`);
      labels.set(l.text, { index, tok: l });
    }
  });
  const resolve = (from: number, t: Target): number => {
    let to: number;
    if (t.text === 'next') to = from + 1;
    else {
      const l = labels.get(t.text);
      if (l) to = l.index;
      else if (/^\d+$/.test(t.text)) to = from + 1 + Number(t.text);
      else return err(t.tok, `Cannot find label '${t.text}'`, 'ASM_UNDEFINED_LABEL');
    }
    if (to <= from) err(t.tok, `Does not support backward jumping to '${t.text}'`, 'ASM_BACKWARD_JUMP', 'seccomp BPF only jumps forward');
    if (to >= stmts.length) err(t.tok, `jump target '${t.text}' is past the end of the program`, 'ASM_JUMP_PAST_END');
    return to - from - 1;
  };
  return stmts.map((s, i): Instruction => {
    if (s.kind === 'ins') return { ...s.ins, k: s.ins.k >>> 0 };
    if (s.kind === 'ja') return { code: C.BPF_JMP | C.BPF_JA, jt: 0, jf: 0, k: resolve(i, s.target) };
    const jt = resolve(i, s.t);
    const jf = resolve(i, s.f);
    if (jt === jf) return { code: C.BPF_JMP | C.BPF_JA, jt: 0, jf: 0, k: jt };
    for (const [d, t] of [[jt, s.t], [jf, s.f]] as const) {
      if (d > 255) err(t.tok, `Does not support jumping farther than 255, got: ${d}`, 'ASM_JUMP_TOO_FAR', 'add an intermediate `goto` (unconditional jumps have no limit)');
    }
    return { code: C.BPF_JMP | s.op | s.src, jt, jf, k: s.k >>> 0 };
  });
}
