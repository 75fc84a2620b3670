/**
 * The range bound: how few instructions a filter with a given decision
 * function can execute per syscall, in the model every seccomp compiler we
 * compare (libseccomp, syswall) works in.
 *
 * The decision function comes from the program itself (the exact symbolic
 * analysis), so the bound is the same for every program that decides alike:
 * syswall's `--enosys none` output and libseccomp's output of the same policy
 * get the same bound.
 *
 * Per arch, over a set S of N consecutive syscall numbers (default 0..470
 * plus the arch base), the numbers are cut into m maximal runs ("ranges")
 * with one decision. Adjacent runs whose decision depends on arguments are
 * counted as one run (their argument functions may be equal; merging only
 * lowers the bound, so it stays a bound for any program). Then, for a program
 * that loads the arch, compares it, loads nr, searches nr with a tree of
 * `jge`/`jgt` comparisons whose leaves are whole ranges, and returns:
 *
 * - every syscall pays `ld arch`, one arch comparison, `ld nr` and `ret`
 *   (4; 3 when the decision does not depend on nr);
 * - an argument-dependent decision pays at least one argument load and one
 *   comparison (2): for a fixed nr every input follows one path until the
 *   first data-dependent jump, so every path must contain both;
 * - **mean** >= 4 + H + 2 a, where H is the Shannon entropy of the ranges'
 *   shares of S (no comparison tree over them has a smaller expected depth)
 *   and a the share of argument-dependent numbers;
 * - **max** >= 4 + ceil(log2(m + 3 k)), k the number of argument-dependent
 *   ranges (Kraft's inequality with those leaves 2 comparisons deeper).
 *
 * It is a bound for that model only: a leaf that covers several ranges and
 * picks out single numbers with `jeq` (which both compilers do) can go below
 * it on policies with many one-number holes.
 */
import type { ArchInfo } from '../arch/arches.js';
import type { Instruction } from '../bpf/instruction.js';
import { analyzeProgram, archDecisionFor, constantValue, type ProgramAnalysis } from '../symbolic/symbolic.js';

/** Instructions every syscall pays in the model: ld arch, one arch compare, ld nr, ret. */
const FIXED_COST = 4;
/** The least an argument-dependent decision adds: one argument load and one comparison. */
const ARG_COST = 2;

/** The range bound for one arch and one set of syscall numbers. */
export interface RangeBound {
  /** Decision ranges in the set (adjacent argument-dependent runs counted once). */
  readonly ranges: number;
  /** Of those, ranges whose decision depends on arguments. */
  readonly argRanges: number;
  /** Lower bound on the mean instructions executed over the set. */
  readonly mean: number;
  /** Lower bound on the longest path over the set. */
  readonly max: number;
}

/** The program's decision function (shared by every arch's bound). */
export function decisionFunction(program: readonly Instruction[], arches: readonly ArchInfo[]): ProgramAnalysis {
  return analyzeProgram(program, { archTokens: arches.map((a) => a.token) });
}

/**
 * The range bound of `analysis` for arch token `token` over the numbers
 * `lo..hi` (inclusive, already carrying the arch base).
 */
export function rangeBound(analysis: ProgramAnalysis, token: number, lo: number, hi: number): RangeBound {
  const runs: { count: number; args: boolean; value?: number }[] = [];
  for (const seg of archDecisionFor(analysis, token).segments) {
    const a = Math.max(seg.lo, lo);
    const b = Math.min(seg.hi, hi);
    if (a > b) continue;
    const value = constantValue(seg);
    const args = value === undefined;
    const prev = runs[runs.length - 1];
    if (prev && (args ? prev.args : !prev.args && prev.value === value)) prev.count += b - a + 1;
    else runs.push({ count: b - a + 1, args, value });
  }
  const total = runs.reduce((n, r) => n + r.count, 0);
  if (total === 0) return { ranges: 0, argRanges: 0, mean: 0, max: 0 };
  let entropy = 0;
  let argShare = 0;
  for (const r of runs) {
    const p = r.count / total;
    entropy -= p * Math.log2(p);
    if (r.args) argShare += p;
  }
  const m = runs.length;
  const k = runs.filter((r) => r.args).length;
  // One decision for the whole set: no nr load or comparison is needed.
  const fixed = m === 1 ? FIXED_COST - 1 : FIXED_COST;
  const height = m === 1 ? (k ? ARG_COST : 0) : Math.ceil(Math.log2(m + (2 ** ARG_COST - 1) * k) - 1e-12);
  return { ranges: m, argRanges: k, mean: fixed + entropy + ARG_COST * argShare, max: fixed + height };
}
