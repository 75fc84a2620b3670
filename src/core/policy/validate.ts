/**
 * Validation of the policy IR: everything that cannot be valid when built
 * (out-of-range errno/data, argument indexes, values wider than the compare,
 * too many conditions, unknown arches or syscall names, mask misuse) is
 * rejected with a message naming the rule and condition.
 */
import { PolicyError, type SourceLocation } from '../errors.js';
import { ARCH_NAMES } from '../arch/arches.js';
import { isKnownSyscall, suggestSyscall } from '../arch/syscalls.js';
import { ACTION_KINDS, actionHasData } from '../bpf/actions.js';
import { formatAction, maxActionData } from './actions.js';
import type { Action, CmpOp, Condition, Policy, Rule } from './types.js';

const OPS: readonly CmpOp[] = ['NE', 'LT', 'LE', 'EQ', 'GE', 'GT', 'MASKED_EQ'];
const U64 = 0xffffffffffffffffn;
const U32 = 0xffffffffn;
const FLAG_KEYS = ['tsync', 'log', 'specAllow', 'waitKillableRecv'];

/** One problem found by {@link policyProblems}. */
export interface PolicyProblem {
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
}

/** Describes a rule for messages: `rule 3 (openat, from $.syscalls[1])`. */
export function describeRule(rule: Rule, index: number): string {
  const from = rule.origin?.location?.path ? `, from ${rule.origin.location.path}` : '';
  return `rule ${index} (${String(rule.syscall)}${from})`;
}

function checkAction(a: Action, what: string, out: PolicyProblem[], location?: SourceLocation): void {
  if (!a || !ACTION_KINDS.includes(a.kind)) {
    out.push({ code: 'BAD_ACTION', message: `${what}: unknown action kind "${String(a?.kind)}"`, location });
    return;
  }
  if (a.data === undefined) return;
  if (!Number.isInteger(a.data) || a.data < 0) {
    out.push({ code: 'BAD_ACTION', message: `${what}: action data ${a.data} is not a non-negative integer`, location });
  } else if (!actionHasData(a.kind)) {
    if (a.data !== 0) out.push({ code: 'BAD_ACTION', message: `${what}: ${a.kind} carries no data (got ${a.data})`, location });
  } else if (a.data > maxActionData(a.kind)) {
    out.push({
      code: 'POLICY_RANGE',
      message: `${what}: ${a.kind} data ${a.data} is out of range (0..${maxActionData(a.kind)})`,
      location,
    });
  }
}

function checkCondition(c: Condition, what: string, out: PolicyProblem[], location?: SourceLocation): void {
  if (!Number.isInteger(c.arg) || c.arg < 0 || c.arg > 5) out.push({ code: 'ARG_INDEX', message: `${what}: argument index ${c.arg} is out of range (0..5)`, location });
  if (!OPS.includes(c.op)) out.push({ code: 'UNKNOWN_OP', message: `${what}: unknown operator "${String(c.op)}"`, location });
  if (c.width !== undefined && c.width !== 32 && c.width !== 64) out.push({ code: 'BAD_WIDTH', message: `${what}: width must be 32 or 64, got ${String(c.width)}`, location });
  const max = c.width === 32 ? U32 : U64;
  const bits = c.width === 32 ? 32 : 64;
  const checkValue = (v: unknown, name: string) => {
    if (typeof v !== 'bigint') out.push({ code: 'POLICY_TYPE', message: `${what}: ${name} must be a bigint, got ${typeof v}`, location });
    else if (v < 0n || v > max) out.push({ code: 'POLICY_RANGE', message: `${what}: ${name} ${v} does not fit in ${bits} bits unsigned (0..${max})`, location });
  };
  checkValue(c.value, 'value');
  if (c.op === 'MASKED_EQ') {
    if (c.mask === undefined) out.push({ code: 'MISSING_MASK', message: `${what}: MASKED_EQ needs a mask`, location });
    else checkValue(c.mask, 'mask');
  } else if (c.mask !== undefined) {
    out.push({ code: 'UNEXPECTED_MASK', message: `${what}: a mask is only valid with MASKED_EQ, not ${c.op}`, location });
  }
}

/** Every problem in `p`, empty when it is valid. */
export function policyProblems(p: Policy): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  checkAction(p.defaultAction, 'default action', out);
  checkAction(p.badArchAction, 'bad-arch action', out);
  if (!Array.isArray(p.arches) || p.arches.length === 0) out.push({ code: 'NO_ARCHES', message: 'the policy has no arches; name at least one (e.g. x86_64)' });
  const seen = new Set<string>();
  for (const a of p.arches ?? []) {
    if (!(ARCH_NAMES as readonly string[]).includes(a)) out.push({ code: 'UNKNOWN_ARCH', message: `unknown arch "${String(a)}" (expected one of ${ARCH_NAMES.join(', ')})` });
    if (seen.has(a)) out.push({ code: 'DUPLICATE_ARCH', message: `arch ${a} is listed twice` });
    seen.add(a);
  }
  for (const k of Object.keys(p.flags ?? {})) if (!FLAG_KEYS.includes(k)) out.push({ code: 'UNKNOWN_FLAG', message: `unknown flag "${k}" (expected ${FLAG_KEYS.join(', ')})` });
  if (p.listenerMetadata !== undefined && p.listenerPath === undefined) out.push({ code: 'LISTENER_METADATA_WITHOUT_PATH', message: 'listenerMetadata is set without listenerPath' });
  (p.rules ?? []).forEach((rule, i) => {
    const what = describeRule(rule, i);
    const loc = rule.origin?.location;
    if (typeof rule.syscall === 'number') {
      if (!Number.isInteger(rule.syscall) || rule.syscall < 0 || rule.syscall > 0xffffffff) out.push({ code: 'BAD_SYSCALL_NUMBER', message: `${what}: syscall number ${rule.syscall} is not an unsigned 32-bit integer`, location: loc });
    } else if (typeof rule.syscall !== 'string' || rule.syscall === '') {
      out.push({ code: 'NO_SYSCALL', message: `${what}: the syscall is missing`, location: loc });
    } else if (!isKnownSyscall(rule.syscall)) {
      const hint = suggestSyscall(rule.syscall);
      out.push({ code: 'UNKNOWN_SYSCALL', message: `${what}: unknown syscall "${rule.syscall}"${hint ? ` (${hint})` : ''}`, location: loc });
    }
    checkAction(rule.action, what, out, loc);
    if (!Array.isArray(rule.conditions)) {
      out.push({ code: 'POLICY_TYPE', message: `${what}: conditions must be an array`, location: loc });
      return;
    }
    if (rule.conditions.length > 6) out.push({ code: 'TOO_MANY_ARGS', message: `${what}: ${rule.conditions.length} conditions; at most 6 are allowed`, location: loc });
    rule.conditions.forEach((c, j) => checkCondition(c, `${what} condition ${j} (arg ${c.arg} ${c.op})`, out, loc));
  });
  return out;
}

/**
 * Throws a {@link PolicyError} for the first problem of `p` (the message
 * says how many more there are); returns `p` when it is valid.
 */
export function validatePolicy<P extends Policy>(p: P): P {
  const problems = policyProblems(p);
  if (problems.length > 0) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new PolicyError(first.code, first.message + more, first.location ? { location: first.location } : {});
  }
  return p;
}

/** Formats a rule as `openat: ERRNO(13) if arg1 > 0x1c0`. */
export function formatRule(rule: Rule): string {
  const conds = rule.conditions.map(formatCondition).join(' && ');
  return `${String(rule.syscall)}: ${formatAction(rule.action)}${conds ? ` if ${conds}` : ''}`;
}

/** Formats a condition as `arg1 > 0x1c0`, `(arg0 & 0x7e020000) == 0x0`, `arg2.u32 == 0x5`. */
export function formatCondition(c: Condition): string {
  const a = `arg${c.arg}${c.width === 32 ? '.u32' : ''}`;
  const v = '0x' + c.value.toString(16);
  const sym: Record<string, string> = { NE: '!=', LT: '<', LE: '<=', EQ: '==', GE: '>=', GT: '>' };
  return c.op === 'MASKED_EQ' ? `(${a} & 0x${(c.mask ?? 0n).toString(16)}) == ${v}` : `${a} ${sym[c.op]} ${v}`;
}
