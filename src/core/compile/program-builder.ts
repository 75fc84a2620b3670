/**
 * A label-resolving program builder and the bytecode passes.
 *
 * Code is built as symbolic instructions whose jumps name their targets
 * (labels), never offsets. Passes run on that form to a fixed point; then
 * {@link ProgramBuilder.assemble} lays the code out, turns labels into
 * relative offsets and splits conditional jumps that reach past 255
 * instructions (a `ja` trampoline after the jump).
 */
import * as C from '../bpf/constants.js';
import { isConditionalJump, isUnconditionalJump, isReturn, type Instruction } from '../bpf/instruction.js';
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

  /** Runs the lossless bytecode passes to a fixed point. */
  optimize(): void {
    for (let round = 0; round < 50; round++) {
      let changed = false;
      changed = threadJumps(this.items) || changed;
      changed = removeDeadCode(this.items) || changed;
      changed = removeUselessJumps(this.items) || changed;
      if (!changed) break;
    }
  }

  /**
   * Lays out the program and resolves labels; splits conditional jumps that
   * reach past 255 instructions (all of them in one pass, repeated until none
   * is left, since each split moves what follows). Programs already above the
   * kernel's limit are refused before any layout work.
   */
  assemble(): Instruction[] {
    let items = this.items.slice();
    const count = items.reduce((n, it) => n + (it.kind === 'ins' ? 1 : 0), 0);
    if (count > C.BPF_MAXINSNS) {
      throw new CompileError('TOO_LARGE', `the policy compiles to at least ${count} instructions, above the kernel's limit of ${C.BPF_MAXINSNS}`, {
        hint: 'remove argument conditions, merge rules, or split the policy into stacked filters',
      });
    }
    for (let round = 0; ; round++) {
      if (round > 1000) throw new CompileError('LAYOUT', 'internal: could not lay out long jumps', { kind: 'runtime' });
      const pos = new Map<number, number>();
      let pc = 0;
      for (const it of items) {
        if (it.kind === 'label') pos.set(it.label.id, pc);
        else pc++;
      }
      const where = (l: Label) => {
        const p = pos.get(l.id);
        if (p === undefined) throw new CompileError('UNBOUND_LABEL', `internal: unbound label ${l.name ?? l.id}`, { kind: 'runtime' });
        return p;
      };
      // Split every conditional jump that reaches too far.
      let split = 0;
      const next: Item[] = [];
      pc = 0;
      for (const it of items) {
        if (it.kind !== 'ins' || !isConditionalJump(it.ins)) {
          next.push(it);
          if (it.kind === 'ins') pc++;
          continue;
        }
        const ins = it.ins;
        const dt = where(ins.t!) - pc - 1;
        const df = where(ins.f!) - pc - 1;
        if (dt < 0 || df < 0) throw new CompileError('BACKWARD_JUMP', `internal: backward jump at instruction ${pc}`, { kind: 'runtime' });
        pc++;
        if (dt <= 255 && df <= 255) {
          next.push(it);
          continue;
        }
        split++;
        const lt = dt > 255 ? this.newLabel() : ins.t!;
        const lf = df > 255 ? this.newLabel() : ins.f!;
        next.push({ kind: 'ins', ins: { code: ins.code, k: ins.k, t: lt, f: lf } });
        if (dt > 255) next.push({ kind: 'label', label: lt }, { kind: 'ins', ins: { code: C.BPF_JMP | C.BPF_JA, k: 0, t: ins.t } });
        if (df > 255) next.push({ kind: 'label', label: lf }, { kind: 'ins', ins: { code: C.BPF_JMP | C.BPF_JA, k: 0, t: ins.f } });
      }
      items = next;
      if (split > 0) continue;
      const out: Instruction[] = [];
      pc = 0;
      for (const it of items) {
        if (it.kind !== 'ins') continue;
        const ins = it.ins;
        if (isConditionalJump(ins)) {
          out.push({ code: ins.code, k: ins.k >>> 0, jt: where(ins.t!) - pc - 1, jf: where(ins.f!) - pc - 1 });
        } else if (isUnconditionalJump(ins)) {
          out.push({ code: ins.code, k: where(ins.t!) - pc - 1, jt: 0, jf: 0 });
        } else {
          out.push({ code: ins.code, k: ins.k >>> 0, jt: 0, jf: 0 });
        }
        pc++;
      }
      this.items = items;
      return out;
    }
  }
}

/** The instruction a label points at (skipping labels), or undefined at the end. */
function resolveTargets(items: Item[]): Map<number, number> {
  const at = new Map<number, number>();
  const pending: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind === 'label') pending.push(it.label.id);
    else {
      for (const id of pending) at.set(id, i);
      pending.length = 0;
    }
  }
  return at;
}

/**
 * Jump threading: a jump to a `ja X` goes to X instead; a jump to a RET is
 * left alone (the RET is one instruction either way).
 * Before: `jeq #1, L1, L2 ... L1: ja L3`   After: `jeq #1, L3, L2`.
 */
function threadJumps(items: Item[]): boolean {
  const at = resolveTargets(items);
  let changed = false;
  const follow = (l: Label): Label => {
    let cur = l;
    for (let hops = 0; hops < 64; hops++) {
      const idx = at.get(cur.id);
      if (idx === undefined) return cur;
      const it = items[idx] as { kind: 'ins'; ins: SymInstr };
      if (!isUnconditionalJump(it.ins)) return cur;
      cur = it.ins.t!;
    }
    return cur;
  };
  for (const it of items) {
    if (it.kind !== 'ins') continue;
    const ins = it.ins;
    if (ins.t) {
      const nt = follow(ins.t);
      if (nt !== ins.t) {
        ins.t = nt;
        changed = true;
      }
    }
    if (ins.f) {
      const nf = follow(ins.f);
      if (nf !== ins.f) {
        ins.f = nf;
        changed = true;
      }
    }
  }
  return changed;
}

/** Dead code: instructions no path reaches. Before: `ret #0; ld [0]; L: ...`  After: `ret #0; L: ...`. */
function removeDeadCode(items: Item[]): boolean {
  const at = resolveTargets(items);
  const live = new Set<number>();
  const stack = [items.findIndex((it) => it.kind === 'ins')];
  while (stack.length) {
    let i = stack.pop()!;
    while (i >= 0 && i < items.length) {
      if (items[i].kind === 'label') {
        i++;
        continue;
      }
      if (live.has(i)) break;
      live.add(i);
      const ins = (items[i] as { kind: 'ins'; ins: SymInstr }).ins;
      if (isReturn(ins)) break;
      if (isUnconditionalJump(ins)) {
        i = at.get(ins.t!.id) ?? -1;
        continue;
      }
      if (isConditionalJump(ins)) {
        const tt = at.get(ins.t!.id);
        const ff = at.get(ins.f!.id);
        if (tt !== undefined) stack.push(tt);
        if (ff !== undefined) stack.push(ff);
        break;
      }
      i++;
    }
  }
  let changed = false;
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i].kind === 'ins' && !live.has(i)) {
      items.splice(i, 1);
      changed = true;
    }
  }
  return changed;
}

/**
 * Useless jumps: a conditional jump whose targets are the same becomes `ja`;
 * a `ja` to the very next instruction is dropped.
 */
function removeUselessJumps(items: Item[]): boolean {
  let changed = false;
  const at = resolveTargets(items);
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind !== 'ins') continue;
    const ins = it.ins;
    if (isConditionalJump(ins) && at.get(ins.t!.id) === at.get(ins.f!.id)) {
      it.ins = { code: C.BPF_JMP | C.BPF_JA, k: 0, t: ins.t };
      changed = true;
    }
  }
  // Drop at most one `ja` to the next instruction per call (indexes shift); the fixed point loop repeats.
  const at2 = resolveTargets(items);
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind !== 'ins' || !isUnconditionalJump(it.ins)) continue;
    let j = i + 1;
    while (j < items.length && items[j].kind === 'label') j++;
    if (at2.get(it.ins.t!.id) === j) {
      items.splice(i, 1);
      return true;
    }
  }
  return changed;
}
