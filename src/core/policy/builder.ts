/**
 * A fluent, typed builder for policies:
 *
 * ```ts
 * const p = policy({ default: errno('EPERM'), arches: ['x86_64', 'x86', 'x32'] })
 *   .allow('read', 'write', '@basic-io')
 *   .errno('EACCES', 'mkdir', arg(1).gt(0o700))
 *   .kill('ptrace')
 *   .notify('openat')
 *   .build();
 * ```
 *
 * Each method takes syscalls (names, `@group`s or native numbers) and
 * argument conditions; the conditions apply to every syscall of that call.
 * Names are checked when the method is called (with a did-you-mean hint);
 * `build()` validates the whole policy.
 */
import { PolicyError } from '../errors.js';
import { resolveArch, type ArchName } from '../arch/arches.js';
import { isKnownSyscall, suggestSyscall } from '../arch/syscalls.js';
import { actionsEqual, parseAction } from './actions.js';
import { parseErrno, type ErrnoName } from '../arch/errno.js';
import { expandGroup, isGroupReference, type GroupName } from './groups.js';
import type { SyscallName } from './syscall-names.generated.js';
import type { Action, CmpOp, Condition, Policy, PolicyFlags, Rule } from './types.js';
import { validatePolicy } from './validate.js';

export type { SyscallName } from './syscall-names.generated.js';

/** A syscall for the builder: a name, a group such as `@mount`, or a number on the first arch. */
export type SyscallSpec = SyscallName | GroupName | number;

/** Action keywords the builder accepts as strings. */
export type ActionKeyword = 'allow' | 'log' | 'notify' | 'kill' | 'kill-thread' | 'kill-process' | 'trap' | 'errno';

/** An action: an {@link Action} object, a keyword, or `errno(EPERM)`, `errno(38)`, `trap(3)`, `trace(5)`. */
export type ActionSpec = Action | ActionKeyword | `errno(${ErrnoName})` | `errno(${number})` | `trap(${number})` | `trace(${number})`;

/** What a builder method takes: syscalls, lists of syscalls, and conditions. */
export type RuleItem = SyscallSpec | readonly SyscallSpec[] | Condition;

/** Options of {@link policy}. */
export interface PolicyOptions {
  /** The action for syscalls no rule matches. */
  default: ActionSpec;
  /** Arches the filter covers (libseccomp names or aliases); the first is the native one for numbers. Default `['x86_64']`. */
  arches?: readonly (ArchName | string)[];
  /** Action for other arches (and x32 calls in an x86_64-only filter). Default KILL_THREAD, as libseccomp. */
  badArch?: ActionSpec;
  /** What {@link PolicyBuilder.deny} uses. Default `errno(EPERM)`. */
  deny?: ActionSpec;
  /** Set no_new_privs before loading (default true). */
  noNewPrivs?: boolean;
  flags?: PolicyFlags;
  listenerPath?: string;
  listenerMetadata?: string;
  comment?: string;
}

/** Turns an {@link ActionSpec} into an {@link Action}. */
export function actionFromSpec(spec: ActionSpec): Action {
  if (typeof spec === 'object') return validatePolicyAction(spec);
  return parseAction(spec);
}

function validatePolicyAction(a: Action): Action {
  // Reuse parseAction's range checks.
  return a.data === undefined ? parseAction(a.kind) : parseAction(a.kind, a.data);
}

/** An argument of the syscall, for building conditions: `arg(1).gt(0o700)`. */
export class ArgRef {
  /** @param index 0..5  @param width 64 (whole argument) or 32 (low half only) */
  constructor(readonly index: number, readonly width: 32 | 64 = 64) {
    if (!Number.isInteger(index) || index < 0 || index > 5) {
      throw new PolicyError('ARG_INDEX', `argument index ${index} is out of range; expected 0..5`);
    }
  }

  /** Compare only the low 32 bits of the argument (the upper half is ignored). */
  u32(): ArgRef {
    return new ArgRef(this.index, 32);
  }

  private num(v: number | bigint, what: string): bigint {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new PolicyError('POLICY_RANGE', `${what} ${v} is not a safe integer; use a bigint`);
    let b = BigInt(v);
    const bits = BigInt(this.width);
    const lim = 1n << bits;
    if (b < 0n) {
      if (b < -(lim >> 1n)) throw new PolicyError('POLICY_RANGE', `${what} ${v} is out of range for ${this.width} bits`);
      b += lim; // two's complement, as C's sign extension
    }
    if (b >= lim) throw new PolicyError('POLICY_RANGE', `${what} ${v} does not fit in ${this.width} bits`);
    return b;
  }

  private cmp(op: CmpOp, v: number | bigint): Condition {
    const c: Condition = { arg: this.index, op, value: this.num(v, 'value') };
    return this.width === 32 ? { ...c, width: 32 } : c;
  }

  /** arg == v (negative numbers are sign-extended to the compare width, e.g. -100 = AT_FDCWD). */
  eq(v: number | bigint): Condition { return this.cmp('EQ', v); }
  /** arg != v */
  ne(v: number | bigint): Condition { return this.cmp('NE', v); }
  /** arg < v (unsigned) */
  lt(v: number | bigint): Condition { return this.cmp('LT', v); }
  /** arg <= v (unsigned) */
  le(v: number | bigint): Condition { return this.cmp('LE', v); }
  /** arg > v (unsigned) */
  gt(v: number | bigint): Condition { return this.cmp('GT', v); }
  /** arg >= v (unsigned) */
  ge(v: number | bigint): Condition { return this.cmp('GE', v); }
  /** (arg & mask) == value */
  maskedEq(mask: number | bigint, value: number | bigint): Condition {
    const c: Condition = { arg: this.index, op: 'MASKED_EQ', mask: this.num(mask, 'mask'), value: this.num(value, 'value') };
    return this.width === 32 ? { ...c, width: 32 } : c;
  }
  /** All bits of `mask` are set: (arg & mask) == mask. */
  bitsSet(mask: number | bigint): Condition { return this.maskedEq(mask, mask); }
  /** No bit of `mask` is set: (arg & mask) == 0. */
  bitsClear(mask: number | bigint): Condition { return this.maskedEq(mask, 0); }
}

/** Argument `i` (0..5) of the syscall. */
export function arg(i: number): ArgRef {
  return new ArgRef(i);
}

function isCondition(x: unknown): x is Condition {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'op' in x && 'arg' in x;
}

/** Builds a {@link Policy} step by step; see the module documentation. */
export class PolicyBuilder {
  private readonly rules: Rule[] = [];
  private readonly defaultAction: Action;
  private readonly denyAction: Action;

  constructor(private readonly options: PolicyOptions) {
    if (!options || options.default === undefined) throw new PolicyError('MISSING_DEFAULT', 'policy() needs a default action', { hint: "e.g. policy({ default: errno('EPERM') })" });
    this.defaultAction = actionFromSpec(options.default);
    this.denyAction = actionFromSpec(options.deny ?? { kind: 'ERRNO', data: 1 });
    for (const a of options.arches ?? []) resolveArch(a);
  }

  /** Adds rules: `action` for each syscall given, when all conditions given hold. */
  rule(action: ActionSpec, ...items: RuleItem[]): this {
    const act = actionFromSpec(action);
    const syscalls: { syscall: string | number; group?: string }[] = [];
    const conditions: Condition[] = [];
    const add = (s: SyscallSpec) => {
      if (typeof s === 'number') {
        if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new PolicyError('BAD_SYSCALL_NUMBER', `syscall number ${s} is not an unsigned 32-bit integer`);
        syscalls.push({ syscall: s });
      } else if (typeof s !== 'string') {
        throw new PolicyError('POLICY_TYPE', `expected a syscall name, number or condition, got ${typeof s}`);
      } else if (isGroupReference(s)) {
        for (const m of expandGroup(s)) syscalls.push({ syscall: m, group: s });
      } else if (!isKnownSyscall(s)) {
        throw new PolicyError('UNKNOWN_SYSCALL', `unknown syscall "${s}"`, { hint: suggestSyscall(s) ?? 'run `syswall syscalls` to list the names' });
      } else syscalls.push({ syscall: s });
    };
    for (const it of items) {
      if (isCondition(it)) conditions.push(it);
      else if (Array.isArray(it)) (it as readonly SyscallSpec[]).forEach(add);
      else add(it as SyscallSpec);
    }
    if (syscalls.length === 0) throw new PolicyError('NO_SYSCALL', 'a rule needs at least one syscall');
    if (conditions.length > 6) throw new PolicyError('TOO_MANY_ARGS', `${conditions.length} conditions; at most 6 are allowed`);
    for (const s of syscalls) {
      this.rules.push({ syscall: s.syscall, action: act, conditions: [...conditions], ...(s.group ? { origin: { group: s.group } } : {}) });
    }
    return this;
  }

  /** ALLOW */
  allow(...items: RuleItem[]): this { return this.rule({ kind: 'ALLOW' }, ...items); }
  /** LOG (allow and log) */
  log(...items: RuleItem[]): this { return this.rule({ kind: 'LOG' }, ...items); }
  /** USER_NOTIF (a supervisor decides) */
  notify(...items: RuleItem[]): this { return this.rule({ kind: 'USER_NOTIF' }, ...items); }
  /** KILL_THREAD, as libseccomp's SCMP_ACT_KILL */
  kill(...items: RuleItem[]): this { return this.rule({ kind: 'KILL_THREAD' }, ...items); }
  /** KILL_THREAD */
  killThread(...items: RuleItem[]): this { return this.rule({ kind: 'KILL_THREAD' }, ...items); }
  /** KILL_PROCESS */
  killProcess(...items: RuleItem[]): this { return this.rule({ kind: 'KILL_PROCESS' }, ...items); }
  /** TRAP(0): SIGSYS; use `rule(trap(n), ...)` for another value */
  trap(...items: RuleItem[]): this { return this.rule({ kind: 'TRAP', data: 0 }, ...items); }
  /** TRACE(msg): notify a ptrace tracer with `msg` */
  trace(msg: number, ...items: RuleItem[]): this { return this.rule(actionFromSpec(`trace(${msg})`), ...items); }
  /** ERRNO(e): fail with errno `e` (a name such as 'EACCES' or a number) */
  errno(e: ErrnoName | number, ...items: RuleItem[]): this { return this.rule({ kind: 'ERRNO', data: parseErrno(e) }, ...items); }
  /** The policy's deny action (option `deny`, default ERRNO(EPERM)). */
  deny(...items: RuleItem[]): this { return this.rule(this.denyAction, ...items); }

  /** The validated policy. Rules whose action equals the default action are left out (they change nothing, and libseccomp refuses them). */
  build(): Policy {
    const o = this.options;
    const arches = (o.arches ?? ['x86_64']).map((a) => resolveArch(a).name);
    const p: { -readonly [K in keyof Policy]: Policy[K] } = {
      defaultAction: this.defaultAction,
      badArchAction: o.badArch !== undefined ? actionFromSpec(o.badArch) : { kind: 'KILL_THREAD' },
      arches: [...new Set(arches)],
      rules: this.rules.filter((r) => !actionsEqual(r.action, this.defaultAction)).concat(),
    };
    if (o.noNewPrivs !== undefined) p.noNewPrivs = o.noNewPrivs;
    if (o.flags) p.flags = { ...o.flags };
    if (o.listenerPath !== undefined) p.listenerPath = o.listenerPath;
    if (o.listenerMetadata !== undefined) p.listenerMetadata = o.listenerMetadata;
    if (o.comment !== undefined) p.comment = o.comment;
    return validatePolicy(p);
  }
}

/** Starts a policy: `policy({ default: 'allow' }).kill('ptrace').build()`. */
export function policy(options: PolicyOptions): PolicyBuilder {
  return new PolicyBuilder(options);
}
