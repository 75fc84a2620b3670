/**
 * The compiler: policy -> per-arch rule databases -> decision diagrams ->
 * search trees over syscall-number ranges -> optimised BPF.
 */
import { ARCHES, X32_SYSCALL_BIT, resolveArch, type ArchInfo, type Endian } from '../arch/arches.js';
import { isKnownSyscall, suggestSyscall, syscallName, syscallNumber, syscallTable } from '../arch/syscalls.js';
import { ERRNO } from '../arch/errno.js';
import * as C from '../bpf/constants.js';
import type { Instruction } from '../bpf/instruction.js';
import { CompileError } from '../errors.js';
import { actionValue as actionToValue } from '../policy/actions.js';
import type { Policy, Rule } from '../policy/types.js';
import { DiagramBuilder, type DNode, type DTest } from './decision.js';
import { mergeRanges, optimalGroupTree, type GroupLeaf, type GroupTree, type Range } from './layout.js';
import { ProgramBuilder, type Label } from './program-builder.js';
import { buildArchDb, type ResolvedRule } from './rule-db.js';

/** How syscalls the policy does not mention are treated when the default action denies. */
export type EnosysMode = 'none' | 'runc' | 'unknown';

export interface CompileOptions {
  /** Override the policy's arches. */
  arches?: readonly string[];
  /**
   * `unknown` (default): ERRNO(ENOSYS) for every syscall number our table does
   * not know for the arch; `runc`: ENOSYS above the highest syscall number the
   * policy mentions (runc's stub); `none`: the default action for everything
   * (libseccomp's behaviour). Only applies when the default action denies.
   */
  enosys?: EnosysMode;
  /** Syscall frequencies (name -> relative count) to weight the search tree. */
  frequencies?: Readonly<Record<string, number>>;
  /** Rewrite every leaf action (e.g. route denials to USER_NOTIF for --explain). */
  mapAction?: (value: number) => number;
  /** Skip the rule-level simplification and the bytecode passes (for tests). */
  optimize?: boolean;
}

export interface CompileStats {
  /** Program length in instructions. */
  length: number;
  /** Milliseconds spent compiling. */
  compileMs: number;
  /** Number of (arch, syscall) decisions. */
  decisions: number;
}

/** A compiled filter: instructions plus what is needed to load and describe it. */
export interface CompiledFilter {
  readonly instructions: Instruction[];
  readonly arches: readonly ArchInfo[];
  readonly endian: Endian;
  /** seccomp(2) SECCOMP_FILTER_FLAG_* bits the policy asks for (NEW_LISTENER added when USER_NOTIF is used). */
  readonly flags: number;
  readonly noNewPrivs: boolean;
  readonly stats: CompileStats;
  /** Non-fatal findings, e.g. syscall names no arch of the policy knows. */
  readonly warnings: string[];
  /** True if some leaf returns USER_NOTIF. */
  readonly usesNotify: boolean;
}

const ENOSYS = ERRNO.ENOSYS;

function describeRule(rule: Rule, index: number): string {
  const where = rule.origin?.location?.path ?? (rule.origin?.index !== undefined ? `syscalls[${rule.origin.index}]` : `rule ${index + 1}`);
  return `${where} (${typeof rule.syscall === 'number' ? '#' + rule.syscall : rule.syscall} -> ${rule.action.kind}${rule.action.data !== undefined && rule.action.kind !== 'ALLOW' ? '(' + rule.action.data + ')' : ''})`;
}

/** Milliseconds from a monotonic clock where the platform has one (core is platform-neutral). */
function now(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? perf.now() : Date.now();
}

interface Section {
  token: number;
  parts: ArchInfo[];
  ranges: Range<DNode>[];
}

/** Compiles a policy to a seccomp BPF program. */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledFilter {
  const t0 = now();
  const warnings: string[] = [];
  const archNames = options.arches ?? policy.arches;
  if (archNames.length === 0) throw new CompileError('NO_ARCH', 'the policy names no architecture');
  const arches: ArchInfo[] = [];
  for (const n of archNames) {
    const a = resolveArch(n);
    if (!arches.includes(a)) arches.push(a);
  }
  const endian = arches[0].endian;
  const mixed = arches.find((a) => a.endian !== endian);
  if (mixed) {
    throw new CompileError('MIXED_ENDIAN', `${arches[0].name} is ${endian}-endian but ${mixed.name} is ${mixed.endian}-endian; one filter cannot serve both`, {
      hint: 'compile one filter per byte order (the kernel only ever runs filters of its own)',
    });
  }
  const native = arches[0];
  const optimize = options.optimize !== false;
  const mapAction = options.mapAction ?? ((v: number) => v);

  // Resolve rules: names, numbers, action values.
  const resolved: ResolvedRule[] = [];
  const unknownNames = new Set<string>();
  policy.rules.forEach((rule, index) => {
    const action = actionToValue(rule.action);
    if (typeof rule.syscall === 'number') {
      const name = syscallName(native, rule.syscall);
      if (name) resolved.push({ rule, index, action, name });
      else resolved.push({ rule, index, action, number: rule.syscall });
    } else if (isKnownSyscall(rule.syscall)) {
      resolved.push({ rule, index, action, name: rule.syscall });
    } else {
      unknownNames.add(rule.syscall);
    }
  });
  if (unknownNames.size) {
    const list = [...unknownNames].map((n) => {
      const s = suggestSyscall(n);
      return s ? `${n} (${s})` : n;
    });
    warnings.push(`unknown syscall name${unknownNames.size > 1 ? 's' : ''} ignored: ${list.join(', ')}`);
  }

  const describe = (i: number) => describeRule(policy.rules[i], i);
  const diagrams = new DiagramBuilder();
  const defaultValue = mapAction(actionToValue(policy.defaultAction));
  const badArchValue = mapAction(actionToValue(policy.badArchAction));
  const defaultLeaf = diagrams.leaf(defaultValue);
  const badArchLeaf = diagrams.leaf(badArchValue);
  const defaultDenies = !(policy.defaultAction.kind === 'ALLOW' || policy.defaultAction.kind === 'LOG' || policy.defaultAction.kind === 'TRACE' || (policy.defaultAction.kind === 'ERRNO' && policy.defaultAction.data === ENOSYS));
  const enosysMode: EnosysMode = options.enosys ?? 'unknown';
  const enosysLeaf = diagrams.leaf(mapAction((C.SECCOMP_RET_ERRNO | ENOSYS) >>> 0));

  // One decision diagram per (arch, nr).
  const perArch = new Map<ArchInfo, Map<number, DNode>>();
  const absentByArch = new Map<ArchInfo, Set<string>>();
  let decisionCount = 0;
  for (const arch of arches) {
    const skipped = new Set<string>();
    const db = buildArchDb(arch, resolved, native, describe, skipped);
    absentByArch.set(arch, skipped);
    const map = new Map<number, DNode>();
    for (const sys of db.syscalls.values()) {
      const what = `${syscallName(arch, sys.nr) ?? '#' + sys.nr} on ${arch.name}`;
      let d: DNode = sys.chains === null ? diagrams.leaf(sys.action) : diagrams.fromDbTree(sys.chains, defaultLeaf, what);
      if (optimize) d = diagrams.simplify(d, what);
      if (options.mapAction) d = remapLeaves(diagrams, d, mapAction);
      map.set(sys.nr >>> 0, d);
      decisionCount++;
    }
    perArch.set(arch, map);
  }
  for (const [arch, names] of absentByArch) {
    const real = [...names].filter((n) => !n.startsWith('#'));
    if (real.length && arches.length === 1) warnings.push(`not on ${arch.name}, ignored: ${real.join(', ')}`);
  }

  // Sections: one per arch token; x86_64 and x32 share one.
  const sections: Section[] = [];
  for (const arch of arches) {
    const existing = sections.find((s) => s.token === arch.token);
    if (existing) existing.parts.push(arch);
    else sections.push({ token: arch.token, parts: [arch], ranges: [] });
  }
  for (const sec of sections) {
    sec.ranges = sectionRanges(sec, perArch, policy, resolved, {
      defaultLeaf,
      badArchLeaf,
      enosysLeaf,
      enosys: defaultDenies ? enosysMode : 'none',
      frequencies: options.frequencies,
    });
  }

  // Code generation.
  const b = new ProgramBuilder();
  const retLabels = new Map<number, Label>();
  const retLabel = (v: number) => {
    let l = retLabels.get(v);
    if (!l) {
      l = b.newLabel(`ret ${v}`);
      retLabels.set(v, l);
    }
    return l;
  };
  b.loadAbs(C.SECCOMP_DATA_ARCH);
  const secLabels = sections.map((_, i) => b.newLabel(`section ${i}`));
  const badArch = b.newLabel('bad arch');
  sections.forEach((sec, i) => {
    const next = i + 1 < sections.length ? b.newLabel() : badArch;
    b.jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, sec.token, secLabels[i], next);
    if (next !== badArch) b.bind(next);
  });
  b.bind(badArch);
  b.ret(badArchValue);

  let usesNotify = false;
  for (let i = 0; i < sections.length; i++) {
    const sec = sections[i];
    b.bind(secLabels[i]);
    b.loadAbs(C.SECCOMP_DATA_NR);
    const dagLabels = new Map<DNode, Label>();
    const decisionLabel = (d: DNode): Label => {
      if (d.kind === 'leaf') return retLabel(d.value);
      let l = dagLabels.get(d);
      if (!l) {
        l = b.newLabel('dag');
        dagLabels.set(d, l);
      }
      return l;
    };
    // The search tree over ranges; leaves may fold narrow holes into `jeq` exceptions.
    const { tree } = optimalGroupTree(sec.ranges, optimize ? 6 : 0, 2, diagramCost);
    emitTree(b, tree, sec.ranges, decisionLabel);
    // Argument diagrams used by this section.
    const decisions = sec.ranges.map((r) => r.decision);
    const roots = [...new Set(decisions.filter((d): d is DTest => d.kind === 'test'))];
    emitDiagrams(b, roots, decisionLabel);
    // Return pool for this section.
    for (const [v, l] of retLabels) {
      b.bind(l);
      b.ret(v);
      if (v >>> 0 === C.SECCOMP_RET_USER_NOTIF) usesNotify = true;
    }
    // Later sections get their own pool (short jumps).
    retLabels.clear();
  }
  if (optimize) b.optimize();
  const instructions = b.assemble();
  if (instructions.length > C.BPF_MAXINSNS) {
    throw new CompileError('TOO_LARGE', `the policy compiles to ${instructions.length} instructions, above the kernel's limit of ${C.BPF_MAXINSNS}`, {
      hint: 'remove argument conditions, merge rules, or split the policy into stacked filters',
    });
  }

  let flags = 0;
  if (policy.flags?.tsync) flags |= C.SECCOMP_FILTER_FLAG_TSYNC;
  if (policy.flags?.log) flags |= C.SECCOMP_FILTER_FLAG_LOG;
  if (policy.flags?.specAllow) flags |= C.SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (usesNotify) {
    flags |= C.SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if (policy.flags?.waitKillableRecv) flags |= C.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    if (policy.flags?.tsync) flags |= C.SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  const t1 = now();
  return {
    instructions,
    arches,
    endian,
    flags,
    noNewPrivs: policy.noNewPrivs !== false,
    stats: { length: instructions.length, compileMs: t1 - t0, decisions: decisionCount },
    warnings,
    usesNotify,
  };
}

/** Expected instructions of a diagram's code (each test: a load and a jump; branches equally likely). */
const diagramCostMemo = new WeakMap<DNode, number>();
function diagramCost(d: DNode): number {
  if (d.kind === 'leaf') return 0;
  const hit = diagramCostMemo.get(d);
  if (hit !== undefined) return hit;
  const c = 2 + (diagramCost(d.t) + diagramCost(d.f)) / 2;
  diagramCostMemo.set(d, c);
  return c;
}

function remapLeaves(diagrams: DiagramBuilder, d: DNode, map: (v: number) => number): DNode {
  const memo = new Map<DNode, DNode>();
  const walk = (n: DNode): DNode => {
    const hit = memo.get(n);
    if (hit) return hit;
    const r = n.kind === 'leaf' ? diagrams.leaf(map(n.value)) : diagrams.test(n.offset, n.mask, n.op, n.k, walk(n.t), walk(n.f));
    memo.set(n, r);
    return r;
  };
  return walk(d);
}

interface RangeContext {
  defaultLeaf: DNode;
  badArchLeaf: DNode;
  enosysLeaf: DNode;
  enosys: EnosysMode;
  frequencies?: Readonly<Record<string, number>>;
}

const MAX32 = 0xffffffff;

/** Computes a section's ranges over the whole 32-bit nr space. */
function sectionRanges(sec: Section, perArch: Map<ArchInfo, Map<number, DNode>>, policy: Policy, resolved: ResolvedRule[], ctx: RangeContext): Range<DNode>[] {
  // Paint decisions over [0, 2^32-1]; later paints win. Collected first, then
  // resolved over the elementary intervals between all paint boundaries.
  const paints: { lo: number; hi: number; d: DNode }[] = [{ lo: 0, hi: MAX32, d: ctx.defaultLeaf }];
  const paint = (lo: number, hi: number, d: DNode) => {
    if (lo <= hi) paints.push({ lo, hi, d });
  };
  const hasX86_64 = sec.parts.includes(ARCHES.x86_64);
  const hasX32 = sec.parts.includes(ARCHES.x32);
  // Which part of the nr space belongs to which arch.
  const domainOf = (arch: ArchInfo): [number, number] => {
    if (arch.x32) return [X32_SYSCALL_BIT, MAX32 - 1];
    if (arch === ARCHES.x86_64 && hasX32) return [0, X32_SYSCALL_BIT - 1];
    return [0, MAX32 - 1];
  };
  // ENOSYS for numbers the table does not know (or above the policy's highest).
  if (ctx.enosys !== 'none') {
    for (const arch of sec.parts) {
      const [dlo, dhi] = domainOf(arch);
      if (ctx.enosys === 'unknown') {
        const known = syscallTable(arch).map((e) => e.nr).filter((n) => n >= dlo && n <= dhi);
        let from = dlo;
        for (const n of [...new Set(known)].sort((a, b) => a - b)) {
          if (n > from) paint(from, n - 1, ctx.enosysLeaf);
          from = n + 1;
        }
        paint(from, dhi, ctx.enosysLeaf);
      } else {
        let max = -1;
        for (const r of resolved) {
          const nr = r.name !== undefined ? syscallNumber(arch, r.name) : arch === sec.parts[0] ? r.number : undefined;
          if (nr !== undefined && nr >= dlo && nr <= dhi) max = Math.max(max, nr);
        }
        if (arch.socketcall !== undefined && resolved.some((r) => r.name === 'socketcall' || r.name === 'ipc')) max = Math.max(max, arch.ipc!);
        if (max >= 0) paint(max + 1, dhi, ctx.enosysLeaf);
      }
    }
  }
  // x86_64 without x32 sends x32 numbers to the bad-arch action (nr -1 excepted), and vice versa.
  if (hasX86_64 && !hasX32) paint(X32_SYSCALL_BIT, MAX32 - 1, ctx.badArchLeaf);
  if (hasX32 && !hasX86_64) paint(0, X32_SYSCALL_BIT - 1, ctx.badArchLeaf);
  // The rules' decisions.
  for (const arch of sec.parts) {
    const [dlo, dhi] = domainOf(arch);
    for (const [nr, d] of perArch.get(arch)!) {
      if (nr >= dlo && nr <= dhi) paint(nr, nr, d);
    }
  }
  const bounds = [...new Set(paints.flatMap((p) => [p.lo, p.hi + 1]))].filter((b) => b <= MAX32).sort((a, b) => a - b);
  const index = (b: number) => {
    let lo = 0;
    let hi = bounds.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid] <= b) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const cell: DNode[] = new Array(bounds.length);
  for (const p of paints) for (let i = index(p.lo), end = index(p.hi); i <= end; i++) cell[i] = p.d;
  const segs = bounds.map((lo, i) => ({ lo, hi: i + 1 < bounds.length ? bounds[i + 1] - 1 : MAX32, d: cell[i] }));
  // Weights: one per syscall number up to the table's highest (or a frequency), a little for the rest.
  const weightAt: { lo: number; hi: number; w: number }[] = [];
  for (const arch of sec.parts) {
    const [dlo] = domainOf(arch);
    const table = syscallTable(arch);
    // Numbers a little past the table's end are as likely as holes in it (new syscalls).
    const maxNr = table.length ? table[table.length - 1].nr : dlo;
    weightAt.push({ lo: dlo, hi: maxNr, w: 1 });
  }
  const freq = ctx.frequencies;
  const ranges: Range<DNode>[] = segs.map((s) => {
    let w = 0.01;
    for (const wa of weightAt) {
      const lo = Math.max(wa.lo, s.lo);
      const hi = Math.min(wa.hi, s.hi);
      if (lo <= hi) w += (hi - lo + 1) * wa.w;
    }
    if (freq) {
      for (const arch of sec.parts) {
        for (let nr = s.lo; nr <= Math.min(s.hi, s.lo + 4096); nr++) {
          const name = syscallName(arch, nr);
          if (name && freq[name]) w += freq[name];
        }
      }
    }
    return { lo: s.lo, hi: s.hi, decision: s.d, weight: w };
  });
  void policy;
  return mergeRanges(ranges);
}

function emitTree(b: ProgramBuilder, tree: GroupTree<DNode>, ranges: Range<DNode>[], decisionLabel: (d: DNode) => Label): void {
  // Leaves with exceptions get a small block of `jeq`s, emitted after the tree.
  const pending: { label: Label; leaf: GroupLeaf<DNode> }[] = [];
  const leafLabel = (leaf: GroupLeaf<DNode>): Label => {
    if (!leaf.exceptions.length) return decisionLabel(leaf.decision);
    const label = b.newLabel('exceptions');
    pending.push({ label, leaf });
    return label;
  };
  const emitPending = () => {
    for (const { label, leaf } of pending) {
      b.bind(label);
      leaf.exceptions.forEach((e, idx) => {
        const last = idx === leaf.exceptions.length - 1;
        const next = last ? decisionLabel(leaf.decision) : b.newLabel();
        b.jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, e.nr, decisionLabel(e.decision), next);
        if (!last) b.bind(next);
      });
    }
  };
  if ('leaf' in tree) {
    b.ja(leafLabel(tree.leaf));
    emitPending();
    return;
  }
  type Split = Extract<GroupTree<DNode>, { split: number }>;
  const walk = (t: Split) => {
    const sub = (s: GroupTree<DNode>): Label => ('leaf' in s ? leafLabel(s.leaf) : b.newLabel());
    const lt = sub(t.left);
    const rt = sub(t.right);
    b.jump(C.BPF_JMP | C.BPF_JGE | C.BPF_K, ranges[t.split].lo, rt, lt);
    if ('split' in t.left) {
      b.bind(lt);
      walk(t.left);
    }
    if ('split' in t.right) {
      b.bind(rt);
      walk(t.right);
    }
  };
  walk(tree);
  emitPending();
}

/** Emits argument diagrams, each node once, loading words only when the accumulator does not hold them. */
function emitDiagrams(b: ProgramBuilder, roots: DTest[], decisionLabel: (d: DNode) => Label): void {
  // Incoming accumulator states per node: 'nr' from the search tree, or the parent's (offset, mask).
  const incoming = new Map<DTest, Set<string>>();
  const note = (n: DNode, acc: string) => {
    if (n.kind !== 'test') return;
    let s = incoming.get(n);
    const first = !s;
    if (!s) {
      s = new Set();
      incoming.set(n, s);
    }
    s.add(acc);
    if (first) {
      const out = `${n.offset}/${n.mask}`;
      note(n.t, out);
      note(n.f, out);
    }
  };
  for (const r of roots) note(r, `${C.SECCOMP_DATA_NR}/${0xffffffff}`);
  // Parents must come before children (jumps only go forward): emit in reverse
  // post-order of a depth-first walk that visits the true child first, so the
  // false child tends to follow its parent directly.
  const order: DTest[] = [];
  const seen = new Set<DTest>();
  const visit = (n: DNode) => {
    if (n.kind !== 'test' || seen.has(n)) return;
    seen.add(n);
    visit(n.t);
    visit(n.f);
    order.push(n);
  };
  for (let i = roots.length - 1; i >= 0; i--) visit(roots[i]);
  order.reverse();
  for (const n of order) {
    b.bind(decisionLabel(n));
    const ins = incoming.get(n)!;
    const single = ins.size === 1 ? [...ins][0] : undefined;
    const [inOff, inMask] = single ? single.split('/').map(Number) : [-1, 0];
    if (inOff !== n.offset || (inMask !== n.mask && inMask !== 0xffffffff)) {
      b.loadAbs(n.offset);
      if (n.mask !== 0xffffffff) b.stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, n.mask);
    } else if (inMask !== n.mask) {
      b.stmt(C.BPF_ALU | C.BPF_AND | C.BPF_K, n.mask);
    }
    const code = n.op === 'JEQ' ? C.BPF_JEQ : n.op === 'JGT' ? C.BPF_JGT : n.op === 'JGE' ? C.BPF_JGE : C.BPF_JSET;
    b.jump(C.BPF_JMP | code | C.BPF_K, n.k, decisionLabel(n.t), decisionLabel(n.f));
  }
}
