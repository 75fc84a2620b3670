/**
 * Detects libseccomp 2.5.4 code-generation defects in a reference program, so
 * the differential test can tell "syswall decides differently" from
 * "libseccomp's BPF contradicts its own rules".
 *
 * A forward data-flow pass computes, for every instruction, which value the
 * accumulator may hold: the data word it was loaded from and any AND mask. A
 * well-formed compiler output compares one known word at each jump. Two
 * defects show up in libseccomp 2.5.4's output:
 * - `stale-accumulator`: a jump reached with different words in A (a level's
 *   next sibling is reached from deep inside the previous sibling's subtree
 *   without reloading its argument word);
 * - `missing-nr-load`: a syscall-number comparison made while A still holds
 *   the arch token (the `ld [0]` was attached to a syscall that is absent on
 *   that arch and so never emitted).
 * The returned list names the defective jump instructions on the given path.
 */
import type { Instruction } from '../../src/core/bpf/instruction.js';
import { ARCHES } from '../../src/core/arch/arches.js';

const TOKENS = new Set(Object.values(ARCHES).map((a) => a.token >>> 0));

export function referenceDefects(program: readonly Instruction[], path: readonly number[]): string[] {
  const states: Set<string>[] = program.map(() => new Set());
  states[0].add('none');
  for (let pc = 0; pc < program.length; pc++) {
    const ins = program[pc];
    const inS = states[pc];
    if (inS.size === 0) continue;
    const cls = ins.code & 7;
    let out = inS;
    if (ins.code === 0x20) out = new Set([`w${ins.k}`]);
    else if (cls === 0 || cls === 1 || cls === 4 || cls === 7) {
      if (ins.code === 0x54) out = new Set([...inS].map((s) => `${s}&${ins.k.toString(16)}`));
      else if (cls !== 1) out = new Set(['computed']);
    }
    const add = (target: number) => {
      if (target < program.length) for (const s of out) states[target].add(s);
    };
    if (cls === 5) {
      if ((ins.code & 0xf0) === 0) add(pc + 1 + ins.k);
      else {
        add(pc + 1 + ins.jt);
        add(pc + 1 + ins.jf);
      }
    } else if (cls !== 6) add(pc + 1);
  }
  const found: string[] = [];
  for (const pc of path) {
    const ins = program[pc];
    if ((ins.code & 7) !== 5 || (ins.code & 0xf0) === 0) continue;
    const s = states[pc];
    if (s.size > 1) found.push(`stale-accumulator@${pc}`);
    if (s.size === 1 && s.has('w4') && !TOKENS.has(ins.k >>> 0)) found.push(`missing-nr-load@${pc}`);
  }
  return found;
}

/** Executed path of a program (simple evaluator for the instructions libseccomp emits). */
export function pathOf(program: readonly Instruction[], words: Uint32Array): number[] {
  const path: number[] = [];
  let A = 0;
  for (let pc = 0; pc < program.length; pc++) {
    path.push(pc);
    const { code, k, jt, jf } = program[pc];
    if (code === 0x20) A = words[k >> 2];
    else if (code === 0x54) A = (A & k) >>> 0;
    else if (code === 0x15) pc += A === k ? jt : jf;
    else if (code === 0x25) pc += A > k ? jt : jf;
    else if (code === 0x35) pc += A >= k ? jt : jf;
    else if (code === 0x45) pc += A & k ? jt : jf;
    else if (code === 0x05) pc += k;
    else if (code === 0x06) break;
  }
  return path;
}
