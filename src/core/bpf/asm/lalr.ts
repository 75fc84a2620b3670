/**
 * A small LALR(1) parser generator and driver, used by the assembler.
 *
 * Tables are built once per grammar (LR(0) automaton, then LALR(1)
 * lookaheads propagated to a fixed point) and the driver follows the
 * conventions of Racc, the parser generator seccomp-tools' assembler is
 * built with, because they decide *where* an error is reported:
 * - a state that can only reduce by one rule reduces without reading the
 *   next token (so a semantic check in that reduction sees the token before);
 * - otherwise the most frequent reduction of a state is its default action,
 *   taken for any token without an entry (so some reductions run before a
 *   syntax error is noticed);
 * - shift/reduce conflicts resolve to shift, reduce/reduce to the earlier rule.
 * An LALR parser never shifts past the first token that cannot continue a
 * valid input, so syntax errors point at that token.
 */

export const EOF = '$end';

export interface Rule<V, C> {
  readonly lhs: string;
  readonly rhs: readonly string[];
  /** Semantic action; without one the value is that of the first symbol (undefined for an empty rule). */
  readonly action?: (values: V[], ctx: C) => V;
}

export type Action = { kind: 'shift'; to: number } | { kind: 'reduce'; rule: number } | { kind: 'accept' } | { kind: 'error' };

export interface Tables {
  /** Per state: explicit actions by terminal (empty when the default applies to every token). */
  readonly action: readonly ReadonlyMap<string, Action>[];
  /** Per state: the action for any terminal without an entry. */
  readonly defaults: readonly Action[];
  /** Per state: successor on a nonterminal. */
  readonly goto: readonly ReadonlyMap<string, number>[];
  /** Terminals of the grammar. */
  readonly terminals: ReadonlySet<string>;
}

interface Item {
  rule: number;
  dot: number;
}

/** Builds LALR(1) tables. Rule 0 must be the start rule `S' -> start` (its action is never run). */
export function buildTables<V, C>(rules: readonly Rule<V, C>[]): Tables {
  const nonterminals = new Set(rules.map((r) => r.lhs));
  const terminals = new Set<string>([EOF]);
  for (const r of rules) for (const s of r.rhs) if (!nonterminals.has(s)) terminals.add(s);
  const byLhs = new Map<string, number[]>();
  rules.forEach((r, i) => {
    const l = byLhs.get(r.lhs) ?? [];
    l.push(i);
    byLhs.set(r.lhs, l);
  });

  // Nullable and FIRST sets.
  const nullable = new Set<string>();
  const first = new Map<string, Set<string>>();
  for (const n of nonterminals) first.set(n, new Set());
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of rules) {
      const f = first.get(r.lhs)!;
      let allNull = true;
      for (const s of r.rhs) {
        if (terminals.has(s)) {
          if (!f.has(s)) { f.add(s); changed = true; }
          allNull = false;
          break;
        }
        for (const t of first.get(s)!) if (!f.has(t)) { f.add(t); changed = true; }
        if (!nullable.has(s)) { allNull = false; break; }
      }
      if (allNull && !nullable.has(r.lhs)) { nullable.add(r.lhs); changed = true; }
    }
  }
  /** FIRST of a symbol string followed by lookahead set `la`. */
  const firstOf = (syms: readonly string[], la: ReadonlySet<string>): Set<string> => {
    const out = new Set<string>();
    for (const s of syms) {
      if (terminals.has(s)) { out.add(s); return out; }
      for (const t of first.get(s)!) out.add(t);
      if (!nullable.has(s)) return out;
    }
    for (const t of la) out.add(t);
    return out;
  };

  // LR(0) automaton.
  const key = (items: Item[]) => items.map((i) => `${i.rule}.${i.dot}`).sort().join(' ');
  const closure0 = (kernel: Item[]): Item[] => {
    const out = kernel.slice();
    const seen = new Set(out.map((i) => `${i.rule}.${i.dot}`));
    for (let k = 0; k < out.length; k++) {
      const it = out[k];
      const s = rules[it.rule].rhs[it.dot];
      if (s === undefined || !nonterminals.has(s)) continue;
      for (const r of byLhs.get(s)!) {
        const kk = `${r}.0`;
        if (!seen.has(kk)) { seen.add(kk); out.push({ rule: r, dot: 0 }); }
      }
    }
    return out;
  };
  const kernels: Item[][] = [[{ rule: 0, dot: 0 }]];
  const index = new Map<string, number>([[key(kernels[0]), 0]]);
  const trans: Map<string, number>[] = [];
  for (let st = 0; st < kernels.length; st++) {
    const items = closure0(kernels[st]);
    const next = new Map<string, Item[]>();
    for (const it of items) {
      const s = rules[it.rule].rhs[it.dot];
      if (s === undefined) continue;
      const l = next.get(s) ?? [];
      l.push({ rule: it.rule, dot: it.dot + 1 });
      next.set(s, l);
    }
    const t = new Map<string, number>();
    for (const [s, kernel] of next) {
      const kk = key(kernel);
      let to = index.get(kk);
      if (to === undefined) {
        to = kernels.length;
        kernels.push(kernel);
        index.set(kk, to);
      }
      t.set(s, to);
    }
    trans.push(t);
  }

  // LALR(1) lookaheads of kernel items, propagated to a fixed point.
  const la: Map<string, Set<string>>[] = kernels.map((k) => new Map(k.map((i) => [`${i.rule}.${i.dot}`, new Set<string>()])));
  la[0].get('0.0')!.add(EOF);
  /** LR(1) closure of a state's kernel with its current lookaheads: item key -> lookaheads. */
  const closure1 = (st: number): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    const work: string[] = [];
    for (const [k, s] of la[st]) { out.set(k, new Set(s)); work.push(k); }
    while (work.length) {
      const k = work.pop()!;
      const [r, d] = k.split('.').map(Number);
      const s = rules[r].rhs[d];
      if (s === undefined || !nonterminals.has(s)) continue;
      const f = firstOf(rules[r].rhs.slice(d + 1), out.get(k)!);
      for (const rr of byLhs.get(s)!) {
        const kk = `${rr}.0`;
        let set = out.get(kk);
        let grew = false;
        if (!set) { set = new Set(); out.set(kk, set); grew = true; }
        for (const t of f) if (!set.has(t)) { set.add(t); grew = true; }
        if (grew) work.push(kk);
      }
    }
    return out;
  };
  const closures: Map<string, Set<string>>[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (let st = 0; st < kernels.length; st++) {
      const cl = closure1(st);
      closures[st] = cl;
      for (const [k, set] of cl) {
        const [r, d] = k.split('.').map(Number);
        const s = rules[r].rhs[d];
        if (s === undefined) continue;
        const to = trans[st].get(s)!;
        const target = la[to].get(`${r}.${d + 1}`)!;
        for (const t of set) if (!target.has(t)) { target.add(t); changed = true; }
      }
    }
  }

  // Actions, resolved and packed the way Racc does.
  const action: Map<string, Action>[] = [];
  const defaults: Action[] = [];
  const gotoT: Map<string, number>[] = [];
  for (let st = 0; st < kernels.length; st++) {
    const cl = closures[st];
    const shifts: string[] = [];
    const reduces: { rule: number; la: Set<string> }[] = [];
    for (const [k, set] of cl) {
      const [r, d] = k.split('.').map(Number);
      const s = rules[r].rhs[d];
      if (s === undefined) reduces.push({ rule: r, la: set });
      else if (terminals.has(s) && !shifts.includes(s)) shifts.push(s);
    }
    reduces.sort((a, b) => a.rule - b.rule);
    const g = new Map<string, number>();
    for (const [s, to] of trans[st]) if (nonterminals.has(s)) g.set(s, to);
    gotoT.push(g);
    const act = new Map<string, Action>();
    let def: Action | undefined;
    if (reduces.some((r) => r.rule === 0)) {
      // S' -> start . : accept at the end of input.
      act.set(EOF, { kind: 'accept' });
      for (const s of shifts) act.set(s, { kind: 'shift', to: trans[st].get(s)! });
      def = { kind: 'error' };
    } else if (reduces.length === 0) {
      for (const s of shifts) act.set(s, { kind: 'shift', to: trans[st].get(s)! });
      def = { kind: 'error' };
    } else if (reduces.length === 1 && shifts.length === 0) {
      def = { kind: 'reduce', rule: reduces[0].rule };
    } else {
      for (const r of reduces) for (const t of r.la) if (!act.has(t)) act.set(t, { kind: 'reduce', rule: r.rule });
      for (const s of shifts) act.set(s, { kind: 'shift', to: trans[st].get(s)! });
      const count = new Map<number, number>();
      for (const a of act.values()) if (a.kind === 'reduce') count.set(a.rule, (count.get(a.rule) ?? 0) + 1);
      let best = -1;
      let bestN = 0;
      for (const [r, n] of [...count].sort((a, b) => a[0] - b[0])) if (n > bestN) { best = r; bestN = n; }
      if (best >= 0) {
        for (const [t, a] of [...act]) if (a.kind === 'reduce' && a.rule === best) act.delete(t);
        def = { kind: 'reduce', rule: best };
      } else def = { kind: 'error' };
    }
    action.push(act);
    defaults.push(def);
  }
  return { action, defaults, goto: gotoT, terminals };
}

/** A token as the driver sees it. */
export interface DriverToken<V> {
  /** Terminal name. */
  readonly sym: string;
  /** Semantic value (the token text, for the assembler). */
  readonly value: V;
}

/** The driver's view of the input: what it read last, for error messages. */
export interface DriverContext<T> {
  /** Tokens read so far, the lookahead included (EOF is never counted). */
  readonly read: number;
  readonly tokens: readonly T[];
}

/**
 * Parses `tokens` with `tables`. `onError(ctx, at)` is called on a syntax
 * error (`at` is the offending token, or undefined at the end of input) and
 * must throw. Actions get `ctx` to report errors at tokens already read.
 */
export function drive<V, T extends DriverToken<V>, C extends DriverContext<T>>(
  tables: Tables,
  rules: readonly Rule<V, C>[],
  tokens: readonly T[],
  makeCtx: (state: { read: number }) => C,
  onError: (ctx: C, at: T | undefined, expected: string[]) => never,
): V {
  const states = [0];
  const values: V[] = [];
  const pos = { read: 0 };
  const ctx = makeCtx(pos);
  let la: T | undefined;
  let laSym: string | undefined;
  for (;;) {
    const st = states[states.length - 1];
    let act: Action;
    const row = tables.action[st];
    if (row.size === 0) act = tables.defaults[st];
    else {
      if (laSym === undefined) {
        if (pos.read < tokens.length) {
          la = tokens[pos.read++];
          laSym = la.sym;
        } else {
          la = undefined;
          laSym = EOF;
        }
      }
      act = row.get(laSym) ?? tables.defaults[st];
    }
    switch (act.kind) {
      case 'shift':
        states.push(act.to);
        values.push(la!.value);
        laSym = laSym === EOF ? EOF : undefined;
        break;
      case 'reduce': {
        const r = rules[act.rule];
        const n = r.rhs.length;
        const vals = values.splice(values.length - n, n);
        states.length -= n;
        const v = r.action ? r.action(vals, ctx) : (vals[0] as V);
        values.push(v);
        states.push(tables.goto[states[states.length - 1]].get(r.lhs)!);
        break;
      }
      case 'accept':
        return values[values.length - 1];
      case 'error':
        return onError(ctx, laSym === EOF ? undefined : la, [...row.keys()]);
    }
  }
}
