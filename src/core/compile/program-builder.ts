/**
 * A label-resolving program builder and the bytecode passes.
 *
 * Code is built as symbolic instructions whose jumps name their targets
 * (labels), never offsets. The lossless passes run on that form until none
 * of them changes anything (each returns whether it did; see
 * {@link ProgramBuilder.optimize} for why that always ends). Then
 * {@link ProgramBuilder.assemble} lays the code out, turns labels into
 * relative offsets and splits conditional jumps that reach past 255
 * instructions (a `ja` trampoline after the jump).
 */
import * as C from '../bpf/constants.js';
import { isConditionalJump, isJump, isReturn, isUnconditionalJump, type Instruction } from '../bpf/instruction.js';
import { CompileError } from '../errors.js';

/** A label: a position in the program, bound with {@link ProgramBuilder.bind}. */
export interface Label {
  readonly id: number;
  readonly name?: string;
}

/** A symbolic instruction: for jumps, targets are labels; JA uses `t`. */
export interface SymInstr {
  code: number;
  k: number;
  t?: Label;
  f?: Label;
}

type Item = { kind: 'label'; label: Label } | { kind: 'ins'; ins: SymInstr };
type InsItem = Extract<Item, { kind: 'ins' }>;

/** The farthest a conditional jump reaches (jt and jf are 8-bit). */
const MAX_COND_JUMP = 255;
const isCond = (code: number) => isConditionalJump({ code });
const isJa = (code: number) => isUnconditionalJump({ code });
const isRet = (code: number) => isReturn({ code });

/** What the passes did. */
export interface PassReport {
  /** Rounds until no pass changed anything (the last round changes nothing). */
  rounds: number;
  /** Jump targets moved past a `ja`. */
  threaded: number;
  /** Unreachable instructions removed. */
  deadRemoved: number;
  /** Jumps sent to a later identical `ret` (the earlier one then dies when nothing else reaches it). */
  sharedReturns: number;
  /** Conditional jumps with equal targets turned into `ja`, and `ja`s to the next instruction removed. */
  uselessJumps: number;
}

/** What layout did. */
export interface AssembleReport {
  /** Conditional jumps split with `ja` trampolines because a target was more than 255 instructions away. */
  longJumps: number;
  /** Layout rounds (each split moves what follows, so layout repeats until nothing is split). */
  rounds: number;
}

export class ProgramBuilder {
  private items: Item[] = [];
  private nextLabel = 0;

  newLabel(name?: string): Label {
    return { id: this.nextLabel++, name };
  }

  bind(label: Label): void {
    this.items.push({ kind: 'label', label });
  }

  stmt(code: number, k: number): void {
    this.items.push({ kind: 'ins', ins: { code, k: k >>> 0 } });
  }

  ret(value: number): void {
    this.stmt(C.BPF_RET | C.BPF_K, value);
  }

  loadAbs(offset: number): void {
    this.stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, offset);
  }

  jump(code: number, k: number, t: Label, f: Label): void {
    this.items.push({ kind: 'ins', ins: { code, k: k >>> 0, t, f } });
  }

  ja(target: Label): void {
    this.items.push({ kind: 'ins', ins: { code: C.BPF_JMP | C.BPF_JA, k: 0, t: target } });
  }

  /** Instructions emitted so far. */
  get length(): number {
    let n = 0;
    for (const it of this.items) if (it.kind === 'ins') n++;
    return n;
  }

  /**
   * Runs the lossless passes until a round changes nothing. This ends:
   * every change lowers (instruction count, conditional jumps, total `ja`
   * hops behind jump targets, jump targets that are a `ret` with an
   * identical `ret` after it) in lexicographic order, and none raises an
   * earlier component.
   */
  optimize(): PassReport {
    const report: PassReport = { rounds: 0, threaded: 0, deadRemoved: 0, sharedReturns: 0, uselessJumps: 0 };
    for (;;) {
      report.rounds++;
      const threaded = threadJumps(this.items, this.nextLabel);
      const shared = shareReturns(this.items, this.nextLabel);
      const dead = removeDeadCode(this.items, this.nextLabel);
      const useless = removeUselessJumps(this.items, this.nextLabel);
      report.threaded += threaded;
      report.sharedReturns += shared;
      report.deadRemoved += dead;
      report.uselessJumps += useless;
      if (threaded + shared + dead + useless === 0) return report;
    }
  }

  /**
   * Lays out the program and resolves labels; splits conditional jumps that
   * reach past 255 instructions, all of them in one round, repeated until
   * none is left (each split moves what follows). This ends: a split side's
   * new target is a trampoline right after the jump and `ja` reaches any
   * distance, so each side of a conditional jump is split at most once. Programs
   * already above the kernel's limit are refused before any layout work.
   */
  assemble(report?: AssembleReport): Instruction[] {
    const count = this.length;
    if (count > C.BPF_MAXINSNS) {
      throw new CompileError('TOO_LARGE', `the policy compiles to at least ${count} instructions, above the kernel's limit of ${C.BPF_MAXINSNS}`, {
        hint: 'remove argument conditions, merge rules, or split the policy into stacked filters',
      });
    }
    let items = this.items.slice();
    const trampolines = new Set<Label>();
    for (;;) {
      if (report) report.rounds++;
      const pos = labelPositions(items);
      const next = splitLongJumps(items, pos, trampolines, () => this.newLabel());
      if (next === items) {
        this.items = items;
        return encode(items, pos);
      }
      if (report) report.longJumps = trampolines.size;
      items = next;
    }
  }
}

/** Instruction index of every bound label. */
function labelPositions(items: readonly Item[]): Map<number, number> {
  const pos = new Map<number, number>();
  let pc = 0;
  for (const it of items) {
    if (it.kind === 'label') pos.set(it.label.id, pc);
    else pc++;
  }
  return pos;
}

function where(pos: ReadonlyMap<number, number>, l: Label): number {
  const p = pos.get(l.id);
  if (p === undefined) throw new CompileError('UNBOUND_LABEL', `internal: unbound label ${l.name ?? l.id}`, { kind: 'runtime' });
  return p;
}

/** One layout round: returns `items` itself when no jump is too long, else a new list with trampolines. */
function splitLongJumps(items: Item[], pos: ReadonlyMap<number, number>, trampolines: Set<Label>, newLabel: () => Label): Item[] {
  let out: Item[] | undefined;
  let pc = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind === 'ins' && isCond(it.ins.code)) {
      const ins = it.ins;
      const dt = where(pos, ins.t!) - pc - 1;
      const df = where(pos, ins.f!) - pc - 1;
      if (dt < 0 || df < 0) throw new CompileError('BACKWARD_JUMP', `internal: backward jump at instruction ${pc}`, { kind: 'runtime' });
      if (dt > MAX_COND_JUMP || df > MAX_COND_JUMP) {
        const far = (d: number, l: Label) => {
          if (d <= MAX_COND_JUMP) return l;
          if (trampolines.has(l)) throw new CompileError('LAYOUT', `internal: jump at instruction ${pc} split twice`, { kind: 'runtime' });
          const t = newLabel();
          trampolines.add(t);
          return t;
        };
        out ??= items.slice(0, i);
        const lt = far(dt, ins.t!);
        const lf = far(df, ins.f!);
        out.push({ kind: 'ins', ins: { code: ins.code, k: ins.k, t: lt, f: lf } });
        if (lt !== ins.t) out.push({ kind: 'label', label: lt }, { kind: 'ins', ins: { code: C.BPF_JMP | C.BPF_JA, k: 0, t: ins.t } });
        if (lf !== ins.f) out.push({ kind: 'label', label: lf }, { kind: 'ins', ins: { code: C.BPF_JMP | C.BPF_JA, k: 0, t: ins.f } });
        pc++;
        continue;
      }
    }
    out?.push(it);
    if (it.kind === 'ins') pc++;
  }
  return out ?? items;
}

/** Final encoding with relative offsets. */
function encode(items: readonly Item[], pos: ReadonlyMap<number, number>): Instruction[] {
  const out: Instruction[] = [];
  for (const it of items) {
    if (it.kind !== 'ins') continue;
    const { code, k, t, f } = it.ins;
    const pc = out.length;
    if (isCond(code)) out.push({ code, k: k >>> 0, jt: where(pos, t!) - pc - 1, jf: where(pos, f!) - pc - 1 });
    else if (isJa(code)) out.push({ code, k: where(pos, t!) - pc - 1, jt: 0, jf: 0 });
    else out.push({ code, k: k >>> 0, jt: 0, jf: 0 });
  }
  return out;
}

/** For each label id, the index of the instruction it points at (skipping labels); undefined at the end or unbound. */
class Targets {
  private readonly at: Int32Array;
  constructor(items: readonly Item[], labelCount: number) {
    this.at = new Int32Array(labelCount).fill(-1);
    let first = 0;
    for (let i = 0; i < items.length; i++) {
      if (items[i].kind === 'label') continue;
      for (let k = first; k < i; k++) this.at[(items[k] as Extract<Item, { kind: 'label' }>).label.id] = i;
      first = i + 1;
    }
  }

  get(id: number): number | undefined {
    const v = this.at[id];
    return v < 0 ? undefined : v;
  }
}

/**
 * Jump threading: a jump to a `ja X` goes to X instead (following chains;
 * they end because every jump goes forward); a jump to a RET is left alone
 * (the RET is one instruction either way). Returns the targets moved.
 * Before: `jeq #1, L1, L2 ... L1: ja L3`   After: `jeq #1, L3, L2`.
 */
function threadJumps(items: Item[], labelCount: number): number {
  const at = new Targets(items, labelCount);
  let changed = 0;
  const follow = (l: Label): Label => {
    let cur = l;
    let idx = at.get(cur.id);
    while (idx !== undefined) {
      const ins = (items[idx] as InsItem).ins;
      if (!isJa(ins.code)) break;
      const nextIdx = at.get(ins.t!.id);
      if (nextIdx !== undefined && nextIdx <= idx) throw new CompileError('BACKWARD_JUMP', 'internal: backward ja', { kind: 'runtime' });
      cur = ins.t!;
      idx = nextIdx;
    }
    return cur;
  };
  for (const it of items) {
    if (it.kind !== 'ins') continue;
    const ins = it.ins;
    for (const side of ['t', 'f'] as const) {
      const l = ins[side];
      if (!l) continue;
      const nl = follow(l);
      if (nl !== l) {
        ins[side] = nl;
        changed++;
      }
    }
  }
  return changed;
}

/**
 * Shared returns: a jump to `ret K` goes to the last identical `ret K` of the
 * program when that is within a conditional jump's reach (later passes only
 * remove code, so the distance never grows again). The earlier `ret` then
 * dies unless an instruction falls through into it. Returns the jumps moved.
 * Before: `jeq #5, L1, L2; L1: ret #0; ...; L3: ret #0`  After: `jeq #5, L3, L2`.
 */
function shareReturns(items: Item[], labelCount: number): number {
  const at = new Targets(items, labelCount);
  const pcOf = new Int32Array(items.length);
  const lastRet = new Map<number, { index: number; label: Label; pc: number }>();
  let pc = 0;
  const pending: Label[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind === 'label') {
      pending.push(it.label);
      continue;
    }
    pcOf[i] = pc;
    if (isRet(it.ins.code) && pending.length) lastRet.set(it.ins.k, { index: i, label: pending[0], pc });
    pending.length = 0;
    pc++;
  }
  let moved = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind !== 'ins' || !isJump({ code: it.ins.code })) continue;
    const ins = it.ins;
    const from = pcOf[i];
    for (const side of ['t', 'f'] as const) {
      const l = ins[side];
      if (!l) continue;
      const idx = at.get(l.id);
      if (idx === undefined) continue;
      const target = (items[idx] as InsItem).ins;
      if (!isRet(target.code)) continue;
      const last = lastRet.get(target.k);
      if (!last || last.index <= idx) continue;
      if (isCond(ins.code) && last.pc - from - 1 > MAX_COND_JUMP) continue;
      ins[side] = last.label;
      moved++;
    }
  }
  return moved;
}

/** Dead code: instructions no path reaches. Returns how many were removed. Before: `ret #0; ld [0]; L: ...`  After: `ret #0; L: ...`. */
function removeDeadCode(items: Item[], labelCount: number): number {
  const at = new Targets(items, labelCount);
  const live = new Set<number>();
  const first = items.findIndex((it) => it.kind === 'ins');
  const stack = first >= 0 ? [first] : [];
  while (stack.length) {
    let i = stack.pop()!;
    while (i < items.length) {
      const it = items[i];
      if (it.kind === 'label') {
        i++;
        continue;
      }
      if (live.has(i)) break;
      live.add(i);
      const { code, t, f } = it.ins;
      if (isRet(code)) break;
      if (isJa(code)) {
        i = at.get(t!.id) ?? items.length;
        continue;
      }
      if (isCond(code)) {
        for (const l of [t!, f!]) {
          const target = at.get(l.id);
          if (target !== undefined) stack.push(target);
        }
        break;
      }
      i++;
    }
  }
  let removed = 0;
  let w = 0;
  for (let i = 0; i < items.length; i++) {
    if (items[i].kind === 'ins' && !live.has(i)) {
      removed++;
      continue;
    }
    items[w++] = items[i];
  }
  items.length = w;
  return removed;
}

/**
 * Useless jumps: a conditional jump whose targets are the same instruction
 * becomes `ja`; a `ja` to the very next instruction is removed. Returns the
 * number of jumps changed.
 */
function removeUselessJumps(items: Item[], labelCount: number): number {
  let changed = 0;
  const at = new Targets(items, labelCount);
  for (const it of items) {
    if (it.kind !== 'ins' || !isCond(it.ins.code)) continue;
    if (at.get(it.ins.t!.id) === at.get(it.ins.f!.id)) {
      it.ins = { code: C.BPF_JMP | C.BPF_JA, k: 0, t: it.ins.t };
      changed++;
    }
  }
  // A `ja` whose target is the next instruction, with only labels between.
  let w = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind === 'ins' && isJa(it.ins.code)) {
      let j = i + 1;
      while (j < items.length && items[j].kind === 'label') j++;
      if (at.get(it.ins.t!.id) === j) {
        changed++;
        continue;
      }
    }
    items[w++] = it;
  }
  items.length = w;
  return changed;
}
