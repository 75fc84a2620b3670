/**
 * First-match rule lists -> syswall's union rules.
 *
 * minijail (per syscall) and Kafel (across a policy) take the action of the
 * FIRST rule whose argument expression matches. syswall's IR has
 * libseccomp's semantics: the rules of a syscall form a union, and rules of
 * different actions must not overlap (libseccomp resolves overlaps by "the
 * tightest bound wins", which is not first-match). So each first-match rule
 * `i` becomes `C_i AND NOT (C_j for every earlier j with another action)`:
 * the regions of different actions are then disjoint and each covers exactly
 * the inputs the first-match list gives that action. Regions whose action is
 * the default action are left out (the default covers them).
 *
 * Expressions are kept in disjunctive normal form over literals (one argument
 * compared with a constant). A conjunction becomes IR rules by grouping its
 * literals per argument and writing each argument's value set as a union of
 * single conditions (libseccomp allows one comparison per argument per rule):
 * exactly, through interval arithmetic or ternary (value/mask) patterns, so a
 * set like `1 <= a0 <= 5` becomes a few MASKED_EQ blocks.
 */
import { PolicyError, type SourceLocation } from '../errors.js';
import { actionsEqual } from '../policy/actions.js';
import { conditionHolds } from '../policy/evaluate.js';
import type { Action, CmpOp, Condition, Rule, RuleOrigin } from '../policy/types.js';

/**
 * A literal operator: the IR's, with the IR's meaning (policy/evaluate.ts:
 * MASKED_EQ is `(arg & mask) == (value & mask)`, as libseccomp compiles it),
 * plus MASKED_NE, its negation. A reader whose language means
 * `(arg & mask) == value` literally (Kafel) writes FALSE when `value` has
 * bits outside `mask`.
 */
export type LitOp = CmpOp | 'MASKED_NE';

/** One argument compared with a constant. */
export interface Lit {
  readonly arg: number;
  readonly op: LitOp;
  readonly value: bigint;
  readonly mask?: bigint;
}

/** A conjunction of literals; `[]` is true. */
export type Conj = readonly Lit[];
/** A disjunction of conjunctions; `[]` is false, `[[]]` is true. */
export type Dnf = readonly Conj[];

export const TRUE: Dnf = [[]];
export const FALSE: Dnf = [];

/** Limit on intermediate DNF size and on the rules one syscall may expand to. */
export const MAX_TERMS = 4096;

const NEG: Record<LitOp, LitOp> = { EQ: 'NE', NE: 'EQ', LT: 'GE', GE: 'LT', LE: 'GT', GT: 'LE', MASKED_EQ: 'MASKED_NE', MASKED_NE: 'MASKED_EQ' };

/** The negation of a literal. */
export function negateLit(l: Lit): Lit {
  return { ...l, op: NEG[l.op] };
}

function litKey(l: Lit): string {
  return `${l.arg}:${l.op}:${l.value}:${l.mask ?? ''}`;
}

/** Most (entry, earlier entry) pairs {@link firstMatchToRules} compares for one syscall. */
export const MAX_FIRST_MATCH_WORK = 20_000_000;

/** Thrown when an expansion grows past {@link MAX_TERMS}. */
export class TooComplexError extends Error {}

function conjAnd(a: Conj, b: Conj): Conj | undefined {
  const out = new Map<string, Lit>();
  for (const l of [...a, ...b]) out.set(litKey(l), l);
  const lits = [...out.values()];
  for (const l of lits) if (out.has(litKey(negateLit(l)))) return undefined;
  const eqs = new Map<number, bigint>();
  for (const l of lits) {
    if (l.op !== 'EQ') continue;
    const prev = eqs.get(l.arg);
    if (prev !== undefined && prev !== l.value) return undefined;
    eqs.set(l.arg, l.value);
  }
  return lits;
}

/** `a AND b`. */
export function dnfAnd(a: Dnf, b: Dnf, bits: 32 | 64): Dnf {
  const out: Conj[] = [];
  const seen = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      const c = conjAnd(x, y);
      if (!c || !conjSatisfiable(c, bits)) continue;
      const k = c.map(litKey).sort().join('&');
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(c);
      if (out.length > MAX_TERMS) throw new TooComplexError();
    }
  }
  return out;
}

/** `a OR b`. */
export function dnfOr(a: Dnf, b: Dnf): Dnf {
  if (a.length + b.length > MAX_TERMS) throw new TooComplexError();
  return [...a, ...b];
}

/** `NOT a`. */
export function dnfNot(a: Dnf, bits: 32 | 64): Dnf {
  let acc: Dnf = TRUE;
  for (const c of a) {
    if (c.length === 0) return FALSE;
    acc = dnfAnd(acc, c.map((l) => [negateLit(l)]), bits);
    if (acc.length === 0) return FALSE;
  }
  return acc;
}

// ---- per-argument value sets -------------------------------------------------

interface Pattern {
  v: bigint;
  m: bigint;
}

function allOnes(bits: 32 | 64): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** Aligned blocks covering [lo, hi] as value/mask patterns. */
function rangePatterns(lo: bigint, hi: bigint, bits: 32 | 64): Pattern[] {
  const all = allOnes(bits);
  const out: Pattern[] = [];
  while (lo <= hi) {
    let size = 1n;
    while (size <= all && (lo & (size * 2n - 1n)) === 0n && lo + size * 2n - 1n <= hi) size *= 2n;
    out.push({ v: lo, m: all ^ (size - 1n) });
    lo += size;
    if (lo > all) break;
  }
  return out;
}

function litPatterns(l: Lit, bits: 32 | 64): Pattern[] {
  const all = allOnes(bits);
  const v = l.value & all;
  const m = (l.mask ?? all) & all;
  const perBit = (mask: bigint, val: bigint): Pattern[] => {
    const out: Pattern[] = [];
    for (let b = 0n; b < BigInt(bits); b++) {
      const bit = 1n << b;
      if (mask & bit) out.push({ v: ~val & bit, m: bit });
    }
    return out;
  };
  switch (l.op) {
    case 'EQ': return [{ v, m: all }];
    case 'NE': return perBit(all, v);
    case 'MASKED_EQ': return [{ v: v & m, m }];
    case 'MASKED_NE': return perBit(m, v & m);
    case 'LT': return v === 0n ? [] : rangePatterns(0n, v - 1n, bits);
    case 'LE': return rangePatterns(0n, v, bits);
    case 'GT': return v === all ? [] : rangePatterns(v + 1n, all, bits);
    case 'GE': return rangePatterns(v, all, bits);
  }
}

function patternSubsumes(big: Pattern, small: Pattern): boolean {
  return (big.m & small.m) === big.m && (small.v & big.m) === big.v;
}

function intersectPatterns(a: Pattern[], b: Pattern[]): Pattern[] {
  const out: Pattern[] = [];
  for (const p of a) {
    for (const q of b) {
      if (((p.v ^ q.v) & p.m & q.m) !== 0n) continue;
      const r = { v: (p.v & p.m) | (q.v & q.m), m: p.m | q.m };
      if (out.some((o) => patternSubsumes(o, r))) continue;
      for (let i = out.length - 1; i >= 0; i--) if (patternSubsumes(r, out[i])) out.splice(i, 1);
      out.push(r);
      if (out.length > MAX_TERMS) throw new TooComplexError();
    }
  }
  return out;
}

/** One alternative for an argument: a condition, or `null` for "any value". */
type Alt = Condition | null;

function singleLitAlts(l: Lit, bits: 32 | 64): Alt[] {
  const all = allOnes(bits);
  const v = l.value & all;
  switch (l.op) {
    case 'EQ':
    case 'NE': return [{ arg: l.arg, op: l.op, value: v }];
    case 'LT': return v === 0n ? [] : [{ arg: l.arg, op: 'LT', value: v }];
    case 'LE': return v === all ? [null] : [{ arg: l.arg, op: 'LE', value: v }];
    case 'GT': return v === all ? [] : [{ arg: l.arg, op: 'GT', value: v }];
    case 'GE': return v === 0n ? [null] : [{ arg: l.arg, op: 'GE', value: v }];
    case 'MASKED_EQ': {
      const m = (l.mask ?? all) & all;
      if (m === 0n) return [null];
      if (m === all) return [{ arg: l.arg, op: 'EQ', value: v }];
      return [{ arg: l.arg, op: 'MASKED_EQ', mask: m, value: v & m }];
    }
    case 'MASKED_NE': {
      const m = (l.mask ?? all) & all;
      if (m === 0n) return [];
      if (m === all) return [{ arg: l.arg, op: 'NE', value: v }];
      return patternsToAlts(l.arg, litPatterns(l, bits), bits);
    }
  }
}

function patternsToAlts(arg: number, ps: Pattern[], bits: 32 | 64): Alt[] {
  const all = allOnes(bits);
  return ps.map((p) => (p.m === 0n ? null : p.m === all ? { arg, op: 'EQ', value: p.v } : { arg, op: 'MASKED_EQ', mask: p.m, value: p.v }));
}

function intervalAlts(arg: number, lits: Lit[], bits: 32 | 64): Alt[] | undefined {
  const all = allOnes(bits);
  let lo = 0n;
  let hi = all;
  const holes: bigint[] = [];
  for (const l of lits) {
    const v = l.value & all;
    switch (l.op) {
      case 'EQ': lo = lo > v ? lo : v; hi = hi < v ? hi : v; break;
      case 'LT': if (v === 0n) return []; hi = hi < v - 1n ? hi : v - 1n; break;
      case 'LE': hi = hi < v ? hi : v; break;
      case 'GT': if (v === all) return []; lo = lo > v + 1n ? lo : v + 1n; break;
      case 'GE': lo = lo > v ? lo : v; break;
      case 'NE': holes.push(v); break;
      default: return undefined;
    }
  }
  if (lo > hi) return [];
  const hs = [...new Set(holes)].filter((h) => h >= lo && h <= hi).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (lo === 0n && hi === all && hs.length === 1) return [{ arg, op: 'NE', value: hs[0] }];
  const intervals: [bigint, bigint][] = [];
  let cur = lo;
  for (const h of hs) {
    if (h > cur) intervals.push([cur, h - 1n]);
    cur = h + 1n;
  }
  if (cur <= hi && !(hs.length > 0 && hs[hs.length - 1] === all)) intervals.push([cur, hi]);
  const out: Alt[] = [];
  for (const [a, b] of intervals) {
    if (a === 0n && b === all) out.push(null);
    else if (a === b) out.push({ arg, op: 'EQ', value: a });
    else if (a === 0n) out.push({ arg, op: 'LE', value: b });
    else if (b === all) out.push({ arg, op: 'GE', value: a });
    else out.push(...patternsToAlts(arg, rangePatterns(a, b, bits), bits));
  }
  return out;
}

/** The value set of the literals on one argument, as alternatives. */
function argAlts(arg: number, lits: Lit[], bits: 32 | 64): Alt[] {
  if (lits.length === 1) return singleLitAlts(lits[0], bits);
  const iv = intervalAlts(arg, lits, bits);
  if (iv) return iv;
  let acc: Pattern[] = [{ v: 0n, m: 0n }];
  for (const l of lits) {
    acc = intersectPatterns(acc, litPatterns(l, bits));
    if (acc.length === 0) return [];
  }
  return patternsToAlts(arg, acc, bits);
}

function byArg(c: Conj): Map<number, Lit[]> {
  const m = new Map<number, Lit[]>();
  for (const l of c) {
    const list = m.get(l.arg) ?? [];
    list.push(l);
    m.set(l.arg, list);
  }
  return m;
}

/** True when some argument values satisfy every literal of `c`. */
export function conjSatisfiable(c: Conj, bits: 32 | 64): boolean {
  for (const [arg, lits] of byArg(c)) if (argAlts(arg, lits, bits).length === 0) return false;
  return true;
}

/** A conjunction as condition lists whose union is the conjunction (one condition per argument each). */
export function conjToConditions(c: Conj, bits: 32 | 64): Condition[][] {
  let acc: Condition[][] = [[]];
  for (const [arg, lits] of [...byArg(c)].sort((a, b) => a[0] - b[0])) {
    const alts = argAlts(arg, lits, bits);
    if (alts.length === 0) return [];
    const next: Condition[][] = [];
    for (const prefix of acc) for (const alt of alts) next.push(alt ? [...prefix, alt] : prefix);
    if (next.length > MAX_TERMS) throw new TooComplexError();
    acc = next;
  }
  return acc;
}

// ---- first-match lists -------------------------------------------------------

/** One entry of a first-match list for one syscall. */
export interface FirstMatchEntry {
  readonly when: Dnf;
  readonly action: Action;
  readonly origin?: RuleOrigin;
}

/**
 * Rules with union semantics deciding exactly as the first-match list
 * `entries` followed by `defaultAction`. Throws a {@link PolicyError}
 * (`FIRST_MATCH_TOO_COMPLEX`) naming `where` when the expansion exceeds
 * {@link MAX_TERMS} terms.
 */
export function firstMatchToRules(syscall: string | number, entries: readonly FirstMatchEntry[], defaultAction: Action, bits: 32 | 64, where?: SourceLocation): Rule[] {
  const rules: Rule[] = [];
  try {
    const groups: { action: Action; region: Conj[]; origin?: RuleOrigin }[] = [];
    // Entries after an unconditional one are never reached, and a repeat of an
    // earlier entry adds nothing: both skipped, so a list of 100,000 copies is
    // linear. Otherwise the work is entries x earlier entries, bounded.
    const repeats = new Set<string>();
    let work = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const key = `${e.action.kind}:${e.action.data ?? ''}:${JSON.stringify(e.when, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
      if (repeats.has(key)) continue;
      repeats.add(key);
      if (!actionsEqual(e.action, defaultAction) && e.when.length > 0) {
        let region: Dnf = e.when;
        for (let j = 0; j < i && region.length > 0; j++) {
          if (++work > MAX_FIRST_MATCH_WORK) throw new TooComplexError();
          if (actionsEqual(entries[j].action, e.action)) continue;
          region = dnfAnd(region, dnfNot(entries[j].when, bits), bits);
        }
        if (region.length > 0) groups.push({ action: e.action, region: [...region], origin: e.origin });
      }
      if (e.when.length === 1 && e.when[0].length === 0) break;
    }
    const seen = new Set<string>();
    let count = 0;
    for (const g of groups) {
      for (const c of g.region) {
        for (const conds of conjToConditions(c, bits)) {
          const key = `${g.action.kind}:${g.action.data ?? ''}:` + conds.map((x) => `${x.arg}${x.op}${x.value}/${x.mask ?? ''}`).join(',');
          if (seen.has(key)) continue;
          seen.add(key);
          if (++count > MAX_TERMS) throw new TooComplexError();
          rules.push({ syscall, action: g.action, conditions: conds, ...(g.origin ? { origin: g.origin } : {}) });
        }
      }
    }
  } catch (e) {
    if (e instanceof TooComplexError) {
      throw new PolicyError('FIRST_MATCH_TOO_COMPLEX', `the first-match rules for ${String(syscall)} expand to more than ${MAX_TERMS} union rules`, {
        ...(where ? { location: where } : {}),
        hint: 'simplify the argument expressions (fewer negated or overlapping rules with different actions)',
      });
    }
    throw e;
  }
  // An unconditional rule replaces conditional ones in libseccomp's model; with
  // disjoint regions an unconditional rule means every other action's region is empty.
  const uncond = rules.find((r) => r.conditions.length === 0);
  if (uncond) return [uncond];
  return rules;
}

/** Evaluates a literal on argument values with the IR's evaluator (a reference for tests). */
export function evalLit(l: Lit, args: readonly bigint[], bits: 32 | 64): boolean {
  const arg = args[l.arg] ?? 0n;
  if (l.op === 'MASKED_NE') return !conditionHolds({ arg: l.arg, op: 'MASKED_EQ', value: l.value, mask: l.mask ?? allOnes(bits) }, arg, bits);
  return conditionHolds({ arg: l.arg, op: l.op, value: l.value, ...(l.mask !== undefined ? { mask: l.mask } : {}) }, arg, bits);
}

/** Evaluates a DNF on argument values. */
export function evalDnf(d: Dnf, args: readonly bigint[], bits: 32 | 64): boolean {
  return d.some((c) => c.every((l) => evalLit(l, args, bits)));
}

/** The action a first-match list takes for `args` (a reference for tests). */
export function evalFirstMatch(entries: readonly FirstMatchEntry[], defaultAction: Action, args: readonly bigint[], bits: 32 | 64): Action {
  for (const e of entries) if (evalDnf(e.when, args, bits)) return e.action;
  return defaultAction;
}
