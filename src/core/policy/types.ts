/**
 * The policy IR: a filter has a default action, a bad-arch action, a set of
 * arches, attributes, and rules. A rule is an action for one syscall, taken
 * when all of its conditions (0..6, at most one... per argument in libseccomp
 * mode) hold. Terminology (as in libseccomp and seccompiler):
 * condition -> rule (AND of conditions) -> filter (per syscall, the union of its rules).
 */
import type { ArchName } from '../arch/arches.js';
import type { SourceLocation } from '../errors.js';

import type { ActionKind } from '../bpf/actions.js';

/** The eight seccomp actions (the action table: bpf/actions.ts). */
export type { ActionKind };

/** An action; `data` (0..65535) is meaningful for TRAP, ERRNO and TRACE. */
export interface Action {
  readonly kind: ActionKind;
  readonly data?: number;
}

/** Argument comparison operators (libseccomp's SCMP_CMP_*; all unsigned). */
export type CmpOp = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';

/**
 * One argument comparison. `value` is an unsigned 64-bit number (or 32-bit
 * when `width` is 32). For MASKED_EQ the test is `(arg & mask) == value`
 * with libseccomp's semantics: bits of `value` outside `mask` are ignored,
 * i.e. `(arg & mask) == (value & mask)`. `mask` is required for MASKED_EQ
 * and not allowed for the other operators.
 * `width: 32` compares only the low 32 bits of the argument (ignores the
 * upper half entirely; libseccomp lacks this); the default, 64, compares the
 * whole argument on 64-bit arches (on 32-bit arches only the low word exists).
 */
export interface Condition {
  readonly arg: number;
  readonly op: CmpOp;
  readonly value: bigint;
  readonly mask?: bigint;
  readonly width?: 32 | 64;
}

/** Where a rule came from, for error messages and lint findings. */
export interface RuleOrigin {
  /** Index of the rule in the input (e.g. OCI `syscalls[i]`). */
  index?: number;
  location?: SourceLocation;
  comment?: string;
  /** The syscall group (`@mount`) the rule was expanded from, if any. */
  group?: string;
}

/** A rule: `action` for `syscall` when all `conditions` hold. */
export interface Rule {
  /** A syscall name, or a number on the policy's native (first) arch. */
  readonly syscall: string | number;
  readonly action: Action;
  readonly conditions: readonly Condition[];
  readonly origin?: RuleOrigin;
}

/** seccomp(2) filter flags a policy can ask for. */
export interface PolicyFlags {
  tsync?: boolean;
  log?: boolean;
  specAllow?: boolean;
  waitKillableRecv?: boolean;
}

/** A complete, validated policy. */
export interface Policy {
  readonly defaultAction: Action;
  /** Returned when seccomp_data.arch matches no arch of the filter (and for x32 calls in an x86_64-only filter). */
  readonly badArchAction: Action;
  /** Arches the filter covers; the first is the "native" arch for numeric syscalls. Must be non-empty. */
  readonly arches: readonly ArchName[];
  readonly rules: readonly Rule[];
  /** Set no_new_privs before loading (default true). */
  readonly noNewPrivs?: boolean;
  readonly flags?: PolicyFlags;
  /** OCI listenerPath / listenerMetadata, kept for export. */
  readonly listenerPath?: string;
  readonly listenerMetadata?: string;
  /** Free text carried from the input (syswall format `comment`). */
  readonly comment?: string;
}
