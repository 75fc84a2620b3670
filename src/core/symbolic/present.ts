/**
 * Presentation helpers shared by explain, diff and lint: action names, word
 * names per arch (arg hi/lo by byte order), condition rendering, and arch
 * views (x86_64 and x32 share a token and are split at nr bit 30).
 */
import { archesByToken, X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { syscallTable } from '../arch/syscalls.js';
import { actionName, normalizeAction } from '../bpf/actions.js';
import { formatExpr, type Expr } from './expr.js';
import { NR_WORD, ARCH_WORD, type ArchDecision, type NrSegment, type OpaqueCond, type Region } from './symbolic.js';
import { toIntervals, type WordSet } from './wordset.js';

const FULL = 0xffffffff;

/** Names a region's returned value (an action, or the expression of `ret A`). */
export function valueName(e: Expr, wordName: (w: number) => string): string {
  return e.t === 'const' ? actionName(e.v) : `ret ${formatExpr(e, wordName)}`;
}

/** A comparable key of a returned value (normalised action, or the expression). */
export function valueKey(e: Expr, wordName: (w: number) => string = (w) => `w${w}`): string {
  return e.t === 'const' ? 'a' + normalizeAction(e.v) : 'e' + formatExpr(e, wordName);
}

/** One arch as the user sees it: x86_64 and x32 are separate views of one token. */
export interface ArchView {
  /** Display name: an arch name, `arch 0x...` for unknown tokens, or `other arches`. */
  readonly name: string;
  readonly info?: ArchInfo;
  readonly token: number | null;
  /** nr range of this view within the token. */
  readonly nrLo: number;
  readonly nrHi: number;
}

/** Views of one arch decision. */
export function viewsOf(token: number | null): ArchView[] {
  if (token === null) return [{ name: 'other arches', token, nrLo: 0, nrHi: FULL }];
  const infos = archesByToken(token);
  const x32 = infos.find((i) => i.x32);
  const main = infos.find((i) => !i.x32);
  if (main && x32) {
    return [
      { name: main.name, info: main, token, nrLo: 0, nrHi: X32_SYSCALL_BIT - 1 },
      { name: x32.name, info: x32, token, nrLo: X32_SYSCALL_BIT, nrHi: FULL },
    ];
  }
  if (main) return [{ name: main.name, info: main, token, nrLo: 0, nrHi: FULL }];
  return [{ name: `arch 0x${token.toString(16)}`, token, nrLo: 0, nrHi: FULL }];
}

/** Word names for an arch: `nr`, `arch`, `ip`, `args[i]` with `.hi`/`.lo`, or `data[off]` when the byte order is unknown. */
export function wordNamer(info: ArchInfo | undefined): (w: number) => string {
  return (w) => {
    if (w === NR_WORD) return 'nr';
    if (w === ARCH_WORD) return 'arch';
    if (!info) return `data[${w * 4}]`;
    const hiFirst = info.endian === 'big';
    const isHi = (w % 2 === 0) === hiFirst;
    const base = w < 4 ? 'ip' : `args[${(w - 4) >> 1}]`;
    if (info.bits === 32 && !isHi) return base;
    return `${base}.${isHi ? 'hi' : 'lo'}`;
  };
}

/** 64-bit (or 32-bit) number as hex. */
export function hexBig(v: bigint | number): string {
  return '0x' + v.toString(16);
}

/** Renders a word set as a condition on `name`, e.g. `args[1] > 0x1ff`. */
export function formatWordSet(name: string, s: WordSet): string {
  const parts: string[] = [];
  if (s.lo === s.hi) parts.push(`${name} == ${hexBig(s.lo)}`);
  else if (s.lo === 0 && s.hi !== FULL) parts.push(`${name} <= ${hexBig(s.hi)}`);
  else if (s.hi === FULL && s.lo !== 0) parts.push(`${name} >= ${hexBig(s.lo)}`);
  else if (s.lo !== 0 || s.hi !== FULL) parts.push(`${name} in [${hexBig(s.lo)}, ${hexBig(s.hi)}]`);
  if (s.mask && s.lo !== s.hi) parts.push(`${name} & ${hexBig(s.mask)} == ${hexBig(s.value)}`);
  for (const n of s.ne) parts.push(`${name} & ${hexBig(n.m)} != ${hexBig(n.v)}`);
  if (s.excluded.length > 4) parts.push(`${name} not in {${s.excluded.map(hexBig).join(', ')}}`);
  else for (const p of s.excluded) parts.push(`${name} != ${hexBig(p)}`);
  return parts.join(' && ');
}

const MAX64 = (1n << 64n) - 1n;

/** A 64-bit interval condition: `== v`, `<= b`, `>= a` or `in [a, b]`. */
export function formatInterval(name: string, a: bigint, b: bigint, max: bigint = MAX64): string {
  if (a === b) return `${name} == ${hexBig(a)}`;
  if (a === 0n) return `${name} <= ${hexBig(b)}`;
  if (b === max) return `${name} >= ${hexBig(a)}`;
  return `${name} in [${hexBig(a)}, ${hexBig(b)}]`;
}

/** Renders a region's conditions for an arch (64-bit args combined from their words where possible). */
export function formatRegion(r: Pick<Region, 'words' | 'opaque'>, info: ArchInfo | undefined): string {
  const name = wordNamer(info);
  const { args, others } = argWords(r, info);
  const parts: string[] = others.map(({ word, set }) => formatWordSet(name(word), set));
  for (const [arg, { hi, lo }] of args) {
    const argName = `args[${arg}]`;
    const combined = combine64(hi, lo);
    if (combined) {
      parts.push(combined.map(([a, b]) => formatInterval(argName, a, b)).join(' || '));
      continue;
    }
    if (!hi && lo && info?.bits === 32) parts.push(formatWordSet(argName, lo));
    else if (!hi && lo && lo.lo === 0 && lo.hi === FULL && lo.excluded.length === 0) parts.push(formatWordSet(argName, lo)); // masks on the low word only: exact on the 64-bit value
    else {
      if (hi) parts.push(formatWordSet(`${argName}.hi`, hi));
      if (lo) parts.push(formatWordSet(`${argName}.lo`, lo));
    }
  }
  for (const o of r.opaque) parts.push(formatOpaque(o, name));
  return parts.join(' && ');
}

/** An opaque predicate as text. */
export function formatOpaque(o: OpaqueCond, name: (w: number) => string): string {
  const a = formatExpr(o.pred.a, name);
  const b = formatExpr(o.pred.b, name);
  switch (o.pred.op) {
    case 'eq': return `${a} ${o.holds ? '==' : '!='} ${b}`;
    case 'gt': return o.holds ? `${a} > ${b}` : `${a} <= ${b}`;
    case 'ge': return o.holds ? `${a} >= ${b}` : `${a} < ${b}`;
    case 'set': return o.holds ? `(${a} & ${b}) != 0` : `(${a} & ${b}) == 0`;
  }
}

/** A 64-bit argument's (hi, lo) constraint as 64-bit intervals, when it is one (<= 16 pieces). */
export function combine64(hi: WordSet | undefined, lo: WordSet | undefined): [bigint, bigint][] | undefined {
  const his = hi ? toIntervals(hi, 16) : [[0, FULL] as [number, number]];
  const los = lo ? toIntervals(lo, 16) : [[0, FULL] as [number, number]];
  if (!his || !los) return undefined;
  const out: [bigint, bigint][] = [];
  const loFull = los.length === 1 && los[0][0] === 0 && los[0][1] === FULL;
  for (const [h1, h2] of his) {
    if (loFull) {
      out.push([BigInt(h1) << 32n, (BigInt(h2) << 32n) | 0xffffffffn]);
      continue;
    }
    if (h2 - h1 > 16) return undefined;
    for (let h = h1; h <= h2; h++) for (const [l1, l2] of los) out.push([(BigInt(h) << 32n) | BigInt(l1), (BigInt(h) << 32n) | BigInt(l2)]);
  }
  if (out.length > 16) return undefined;
  return mergeIntervals(out);
}

/** Sorted union of 64-bit intervals, touching ones merged. */
export function mergeIntervals(ivs: readonly (readonly [bigint, bigint])[]): [bigint, bigint][] {
  const sorted = [...ivs].sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const merged: [bigint, bigint][] = [];
  for (const iv of sorted) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last[1] + 1n) last[1] = iv[1] > last[1] ? iv[1] : last[1];
    else merged.push([iv[0], iv[1]]);
  }
  return merged;
}

/**
 * A region's word constraints split into argument halves (for an arch, whose
 * byte order says which word of an argument is its high half) and the other
 * words (nr, arch, ip, and arguments when the arch is unknown).
 */
export function argWords(r: Pick<Region, 'words'>, info: ArchInfo | undefined): { args: [number, { hi?: WordSet; lo?: WordSet }][]; others: { word: number; set: WordSet }[] } {
  const byArg = new Map<number, { hi?: WordSet; lo?: WordSet }>();
  const others: { word: number; set: WordSet }[] = [];
  for (const { word, set } of r.words) {
    if (word < 4 || !info) {
      others.push({ word, set });
      continue;
    }
    const arg = (word - 4) >> 1;
    const e = byArg.get(arg) ?? {};
    if ((word % 2 === 0) === (info.endian === 'big')) e.hi = set;
    else e.lo = set;
    byArg.set(arg, e);
  }
  return { args: [...byArg].sort((x, y) => x[0] - y[0]), others };
}

/** Segments of an arch decision clipped to a view's nr range. */
export function clipSegments(d: ArchDecision, view: ArchView): NrSegment[] {
  const out: NrSegment[] = [];
  for (const s of d.segments) {
    if (s.hi < view.nrLo || s.lo > view.nrHi) continue;
    out.push({ ...s, lo: Math.max(s.lo, view.nrLo), hi: Math.min(s.hi, view.nrHi) });
  }
  return out;
}

/** Named syscalls of a view with numbers in [lo, hi] (sorted by number). */
export function namedSyscalls(view: ArchView, lo: number, hi: number): { name: string; nr: number }[] {
  if (!view.info) return [];
  return syscallTable(view.info).filter((e) => e.nr >= lo && e.nr <= hi);
}

/** `nr N` or `nr A-B` (hex above 0xffff). */
export function nrRangeName(lo: number, hi: number): string {
  const f = (n: number) => (n > 0xffff ? hexBig(n) : String(n));
  if (lo === hi) return lo === 0xffffffff ? 'nr -1' : `nr ${f(lo)}`;
  return `nr ${f(lo)}-${f(hi)}`;
}
