/**
 * Symbolic 32-bit values of a classic BPF program: constants, words of
 * `seccomp_data` (word `i` = bytes `4i..4i+3`), and ALU combinations of them.
 * Expressions are hash-consed (one object per distinct expression) so they can
 * be used as memo keys by their `id`.
 */

/** ALU operators in classic BPF (kernel spellings without `BPF_`). */
export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'or' | 'and' | 'lsh' | 'rsh' | 'xor';

/** A symbolic 32-bit value. */
export type Expr =
  | { readonly id: number; readonly t: 'const'; readonly v: number }
  | { readonly id: number; readonly t: 'word'; readonly w: number }
  | { readonly id: number; readonly t: 'op'; readonly op: AluOp; readonly a: Expr; readonly b: Expr }
  | { readonly id: number; readonly t: 'neg'; readonly a: Expr };

const FULL = 0xffffffff;

/** Interning table for expressions. One per analysis, so ids stay small. */
export class ExprPool {
  private readonly table = new Map<string, Expr>();
  private next = 0;

  private intern(key: string, make: (id: number) => Expr): Expr {
    let e = this.table.get(key);
    if (!e) {
      e = make(this.next++);
      this.table.set(key, e);
    }
    return e;
  }

  /** The constant `v` (taken modulo 2^32). */
  c(v: number): Expr {
    const u = v >>> 0;
    return this.intern('c' + u, (id) => ({ id, t: 'const', v: u }));
  }

  /** Word `w` (0..15) of seccomp_data. */
  word(w: number): Expr {
    return this.intern('w' + w, (id) => ({ id, t: 'word', w }));
  }

  /** `-a` with constant folding. */
  neg(a: Expr): Expr {
    if (a.t === 'const') return this.c(-a.v);
    return this.intern('n' + a.id, (id) => ({ id, t: 'neg', a }));
  }

  /**
   * `a op b` with constant folding and the identities that keep common
   * patterns recognisable (`and 0xffffffff`, `add 0`, nested `and`s, ...).
   * Division by a constant 0 is the caller's business (it never reaches here).
   */
  op(op: AluOp, a: Expr, b: Expr): Expr {
    if (a.t === 'const' && b.t === 'const') return this.c(aluConst(op, a.v, b.v));
    if (b.t === 'const') {
      const k = b.v;
      switch (op) {
        case 'add': case 'sub': case 'or': case 'xor': case 'lsh': case 'rsh':
          if (k === 0) return a;
          break;
        case 'mul': case 'div':
          if (k === 1) return a;
          if (op === 'mul' && k === 0) return this.c(0);
          break;
        case 'and':
          if (k === FULL) return a;
          if (k === 0) return this.c(0);
          if (a.t === 'op' && a.op === 'and' && a.b.t === 'const') return this.op('and', a.a, this.c(a.b.v & k));
          break;
        default:
          break;
      }
      if ((op === 'lsh' || op === 'rsh') && k >= 32) return this.c(0);
    }
    return this.intern(`o${op}${a.id},${b.id}`, (id) => ({ id, t: 'op', op, a, b }));
  }
}

/** Evaluates an ALU operation on two unsigned 32-bit numbers as the kernel does. */
export function aluConst(op: AluOp, a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  switch (op) {
    case 'add': return (a + b) >>> 0;
    case 'sub': return (a - b) >>> 0;
    case 'mul': return Math.imul(a, b) >>> 0;
    case 'div': return b === 0 ? 0 : Math.floor(a / b) >>> 0;
    case 'mod': return b === 0 ? a : (a % b) >>> 0;
    case 'or': return (a | b) >>> 0;
    case 'and': return (a & b) >>> 0;
    case 'xor': return (a ^ b) >>> 0;
    // Shift amounts from X are masked to 5 bits, as the eBPF ALU32 conversion of the kernel does; constant shifts >= 32 are rejected by the checker.
    case 'lsh': return b >= 32 ? 0 : (a << b) >>> 0;
    case 'rsh': return b >= 32 ? 0 : a >>> b;
  }
}

/** Evaluates `e` on concrete seccomp_data words. */
export function evalExpr(e: Expr, words: ArrayLike<number>): number {
  switch (e.t) {
    case 'const': return e.v;
    case 'word': return words[e.w] >>> 0;
    case 'neg': return (-evalExpr(e.a, words)) >>> 0;
    case 'op': return aluConst(e.op, evalExpr(e.a, words), evalExpr(e.b, words));
  }
}

/** Words of seccomp_data an expression reads. */
export function exprWords(e: Expr, out: Set<number> = new Set()): Set<number> {
  switch (e.t) {
    case 'word': out.add(e.w); break;
    case 'neg': exprWords(e.a, out); break;
    case 'op': exprWords(e.a, out); exprWords(e.b, out); break;
    default: break;
  }
  return out;
}

const OP_SYMBOL: Record<AluOp, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%', or: '|', and: '&', lsh: '<<', rsh: '>>', xor: '^' };

/** Renders an expression with a word-naming function, e.g. `(args[0] >> 4) & 0xf`. */
export function formatExpr(e: Expr, wordName: (w: number) => string, top = true): string {
  switch (e.t) {
    case 'const': return '0x' + e.v.toString(16);
    case 'word': return wordName(e.w);
    case 'neg': return '-' + formatExpr(e.a, wordName, false);
    case 'op': {
      const s = `${formatExpr(e.a, wordName, false)} ${OP_SYMBOL[e.op]} ${formatExpr(e.b, wordName, false)}`;
      return top ? s : `(${s})`;
    }
  }
}
