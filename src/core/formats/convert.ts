/**
 * Raw profile -> policy IR, with the runtimes' semantics:
 *
 * - `compat: 'runc'` (default for OCI, Docker and containers-common input):
 *   a rule with two or more conditions on the same argument index becomes
 *   one rule per condition (OR'd), as runc and crun do; the native arch is
 *   always part of the filter (libseccomp adds it).
 * - `compat: 'strict'` (default for syswall's own format): conditions of a
 *   rule are ANDed as written; arches are exactly those listed.
 * - Both: a rule whose action (with its errno) equals the default action is
 *   dropped and reported (runc skips it, libseccomp refuses it); unknown
 *   syscall names are reported as warnings and left out, or are errors with
 *   `strictNames`.
 */
import type { Compat } from '../defaults.js';
import { PolicyError, type SourceLocation } from '../errors.js';
import { findArch, type ArchInfo, type ArchName } from '../arch/arches.js';
import { isKnownSyscall, suggestSyscall, syscallName, syscallNumber } from '../arch/syscalls.js';
import { actionsEqual, formatAction, OCI_ACTIONS, parseAction } from '../policy/actions.js';
import { errnoNumber, MAX_ERRNO } from '../arch/errno.js';
import { expandGroup, isGroupReference } from '../policy/groups.js';
import type { Action, CmpOp, Condition, Policy, PolicyFlags, Rule } from '../policy/types.js';
import { validatePolicy } from '../policy/validate.js';
import type { ResolvedContext } from './context.js';
import type { Located, PolicyWarning } from './reader.js';
import type { RawArg, RawProfile, RawRule } from './raw.js';

/** How OCI-family input is interpreted. */
export type { Compat };

/** Options of {@link rawToPolicy}. */
export interface ConvertOptions {
  compat: Compat;
  strictNames: boolean;
  context: ResolvedContext;
}

/** OCI `SCMP_CMP_*` names -> IR operators. */
export const OCI_OPS: Readonly<Record<string, CmpOp>> = Object.freeze({
  SCMP_CMP_NE: 'NE', SCMP_CMP_LT: 'LT', SCMP_CMP_LE: 'LE', SCMP_CMP_EQ: 'EQ', SCMP_CMP_GE: 'GE', SCMP_CMP_GT: 'GT', SCMP_CMP_MASKED_EQ: 'MASKED_EQ',
});

/** OCI `SECCOMP_FILTER_FLAG_*` names -> IR flag keys. */
export const OCI_FLAGS: Readonly<Record<string, keyof PolicyFlags>> = Object.freeze({
  SECCOMP_FILTER_FLAG_TSYNC: 'tsync', SECCOMP_FILTER_FLAG_LOG: 'log', SECCOMP_FILTER_FLAG_SPEC_ALLOW: 'specAllow', SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 'waitKillableRecv',
});

function err(code: string, message: string, at: { location: SourceLocation }, hint?: string): PolicyError {
  return new PolicyError(code, message, { location: at.location, hint });
}

/** Reads an action name plus optional errnoRet (number or, in syswall files, an errno name). */
function toAction(raw: RawProfile, name: Located<string>, ret: Located<number | string> | undefined, retKey: string): Action {
  let kind = OCI_ACTIONS[name.value];
  let action: Action | undefined;
  if (!kind && raw.kind === 'syswall') {
    try {
      action = parseAction(name.value);
      kind = action.kind;
    } catch {
      /* reported below */
    }
  }
  if (!kind) {
    throw err('UNKNOWN_ACTION', `unknown action "${name.value}"`, name, `expected one of ${Object.keys(OCI_ACTIONS).join(', ')}${raw.kind === 'syswall' ? ' or a compact form such as errno(EPERM), trap(3), kill-process' : ''}`);
  }
  if (ret === undefined) {
    if (action) return action;
    return kind === 'ERRNO' || kind === 'TRACE' ? { kind, data: 1 } : kind === 'TRAP' ? { kind, data: 0 } : { kind };
  }
  if (kind !== 'ERRNO' && kind !== 'TRACE') {
    throw err('ERRNO_RET_NOT_ALLOWED', `${retKey} is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${name.value}`, ret, 'runtimes refuse an errno for other actions; remove it');
  }
  if (action && /\(/.test(name.value)) throw err('ERRNO_RET_CONFLICT', `${retKey} conflicts with the value given in "${name.value}"`, ret);
  let data: number;
  if (typeof ret.value === 'string') {
    const n = errnoNumber(ret.value);
    if (n === undefined) throw err('BAD_ERRNO', `unknown errno name "${ret.value}"`, ret, 'use a name such as EPERM or ENOSYS, or a number');
    data = n;
  } else data = ret.value;
  const max = kind === 'ERRNO' ? MAX_ERRNO : 0xffff;
  if (data > max) throw err('POLICY_RANGE', `${retKey} ${data} is out of range for ${kind}; expected 0..${max}`, ret);
  return { kind, data };
}

/** The containers-common `errno`/`defaultErrno` string (a name) as a located number. */
function ccErrno(e: Located<string>, key: string): Located<number> {
  const t = e.value.trim();
  const n = /^\d+$/.test(t) ? Number(t) : errnoNumber(t);
  if (n === undefined) throw err('BAD_ERRNO', `${key}: unknown errno name "${e.value}"`, e, 'use a name such as EPERM or ENOSYS');
  return { value: n, location: e.location };
}

function toArch(raw: RawProfile, a: Located<string>, native: ArchInfo): ArchInfo {
  if (a.value === 'SCMP_ARCH_NATIVE') return native;
  const info = raw.kind === 'syswall' ? findArch(a.value) : findArch(a.value)?.scmpName === a.value ? findArch(a.value) : undefined;
  if (!info) {
    const near = findArch(a.value.replace(/^SCMP_ARCH_/i, ''));
    throw err('UNKNOWN_ARCH', `unknown architecture "${a.value}"`, a, near ? `did you mean "${near.scmpName}"?` : 'expected an SCMP_ARCH_* name such as SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64');
  }
  return info;
}

function toCondition(raw: RawProfile, a: RawArg, warnings: PolicyWarning[]): Condition {
  let op: CmpOp | undefined = OCI_OPS[a.op.value];
  if (!op && raw.kind === 'syswall') {
    const short = a.op.value.trim().toUpperCase().replace(/-/g, '_');
    op = (Object.values(OCI_OPS) as string[]).includes(short) ? (short as CmpOp) : undefined;
  }
  if (!op) throw err('UNKNOWN_OP', `unknown operator "${a.op.value}"`, a.op, `expected one of ${Object.keys(OCI_OPS).join(', ')}`);
  const width = a.width?.value;
  const limit = width === 32 ? 0xffffffffn : 0xffffffffffffffffn;
  const fit = (v: Located<bigint>, what: string) => {
    if (v.value > limit) throw err('POLICY_RANGE', `${what} ${v.value} does not fit the 32-bit compare (max 4294967295)`, v);
  };
  if (op === 'MASKED_EQ') {
    fit(a.value, 'mask');
    const value = a.valueTwo ?? { value: 0n, location: a.value.location };
    fit(value, 'value');
    const c: Condition = { arg: a.index.value, op, mask: a.value.value, value: value.value };
    return width ? { ...c, width } : c;
  }
  fit(a.value, 'value');
  if (a.valueTwo && a.valueTwo.value !== 0n) {
    warnings.push({ code: 'VALUE_TWO_IGNORED', severity: 'warning', location: a.valueTwo.location, message: `valueTwo is ignored for ${a.op.value} (only SCMP_CMP_MASKED_EQ uses it)` });
  }
  const c: Condition = { arg: a.index.value, op, value: a.value.value };
  return width ? { ...c, width } : c;
}

/** Converts a read (and, for supersets, resolved) profile to the policy IR. */
export function rawToPolicy(raw: RawProfile, rules: readonly RawRule[], architectures: Located<string>[] | undefined, options: ConvertOptions, warnings: PolicyWarning[]): Policy {
  const { compat, strictNames, context } = options;
  const native = context.arch;

  // Default action (containers-common's defaultErrno overrides defaultErrnoRet).
  const defRet = raw.defaultErrno ? ccErrno(raw.defaultErrno, 'defaultErrno') : raw.defaultErrnoRet;
  const defaultAction = toAction(raw, raw.defaultAction, defRet, raw.defaultErrno ? 'defaultErrno' : 'defaultErrnoRet');
  const badArchAction = raw.badArchAction ? toAction(raw, raw.badArchAction, raw.badArchErrnoRet, 'badArchErrnoRet') : { kind: 'KILL_THREAD' as const };
  if (raw.badArchErrnoRet && !raw.badArchAction) throw err('ERRNO_RET_NOT_ALLOWED', 'badArchErrnoRet needs badArchAction', raw.badArchErrnoRet);
  if (compat === 'runc' && defaultAction.kind === 'USER_NOTIF') {
    warnings.push({ code: 'RUNC_REJECTS', severity: 'warning', location: raw.defaultAction.location, message: 'runc refuses SCMP_ACT_NOTIFY as the default action' });
  }

  // Arches.
  const arches: ArchName[] = [];
  const listed = (architectures ?? []).map((a) => toArch(raw, a, native));
  if (compat === 'runc' && raw.kind !== 'syswall') {
    arches.push(native.name);
    if (listed.length > 0 && !listed.includes(native)) {
      warnings.push({ code: 'NATIVE_ARCH_ADDED', severity: 'info', location: architectures?.[0]?.location, message: `the native arch ${native.name} is not listed; runc (libseccomp) adds it to the filter` });
    }
  }
  for (const a of listed) if (!arches.includes(a.name)) arches.push(a.name);
  if (arches.length === 0) arches.push(native.name);
  const primary = findArch(arches[0])!;

  // Flags.
  let flags: PolicyFlags | undefined;
  for (const f of raw.flags ?? []) {
    const key = OCI_FLAGS[f.value];
    if (!key) throw err('UNKNOWN_FLAG', `unknown seccomp flag "${f.value}"`, f, `expected one of ${Object.keys(OCI_FLAGS).join(', ')}`);
    flags = { ...flags, [key]: true };
  }

  // Custom groups (syswall format).
  const custom: Record<string, string[]> = {};
  for (const [g, members] of raw.groups ?? []) custom[g] = members.map((m) => m.value);
  for (const [g, members] of raw.groups ?? []) {
    for (const m of members) {
      if (isGroupReference(m.value)) {
        if (!custom[m.value]) expandGroupAt(m.value, custom, m);
      } else if (!isKnownSyscall(m.value)) nameProblem(m.value, m, strictNames, warnings, `group ${g}`);
    }
  }

  const out: Rule[] = [];
  const unknownSeen = new Set<string>();
  for (const rule of rules) {
    const ret = rule.errno ? ccErrno(rule.errno, 'errno') : rule.errnoRet;
    const action = toAction(raw, rule.action, ret, rule.errno ? 'errno' : 'errnoRet');
    const conditions = rule.args.map((a) => toCondition(raw, a, warnings));

    // Names: resolve groups, numbers; report unknown names.
    const names: { name: string | number; location: SourceLocation; group?: string }[] = [];
    for (const n of rule.names) {
      if (typeof n.value === 'number') {
        if (syscallName(primary, n.value) === undefined) {
          warnings.push({ code: 'UNKNOWN_SYSCALL_NUMBER', severity: 'warning', location: n.location, message: `syscall number ${n.value} is not in the ${primary.name} table; it is used as given` });
        }
        names.push({ name: n.value, location: n.location });
      } else if (raw.kind === 'syswall' && isGroupReference(n.value)) {
        for (const m of expandGroupAt(n.value, custom, n)) {
          if (isKnownSyscall(m)) names.push({ name: m, location: n.location, group: n.value });
        }
      } else if (!isKnownSyscall(n.value)) {
        if (!unknownSeen.has(n.value)) nameProblem(n.value, n, strictNames, warnings);
        unknownSeen.add(n.value);
      } else {
        names.push({ name: n.value, location: n.location });
      }
    }

    if (actionsEqual(action, defaultAction)) {
      warnings.push({
        code: 'RULE_EQUALS_DEFAULT', severity: 'info', location: rule.action.location,
        message: `rule syscalls[${rule.index}] has the default action ${formatAction(action)} and is dropped (runc skips it; libseccomp refuses it)`,
        names: names.map((x) => String(x.name)),
      });
      continue;
    }
    if (compat === 'runc' && action.kind === 'USER_NOTIF' && names.some((x) => x.name === 'write')) {
      warnings.push({ code: 'RUNC_REJECTS', severity: 'warning', location: rule.action.location, message: 'runc refuses SCMP_ACT_NOTIFY for write (it needs write to pass the listener fd)' });
    }

    let condSets: Condition[][] = [conditions];
    const counts = new Map<number, number>();
    for (const c of conditions) counts.set(c.arg, (counts.get(c.arg) ?? 0) + 1);
    const repeated = [...counts].filter(([, n]) => n > 1).map(([i]) => i);
    if (repeated.length > 0) {
      if (compat === 'runc') {
        condSets = conditions.map((c) => [c]);
        warnings.push({
          code: 'SAME_ARG_SPLIT', severity: 'warning', location: rule.argsField ? locOf(rule.argsField, rule) : undefined,
          message: `rule syscalls[${rule.index}] has several conditions on argument ${repeated.join(', ')}; as in runc, each of its ${conditions.length} conditions becomes its own rule (OR), not an AND`,
          names: names.map((x) => String(x.name)),
        });
      } else {
        warnings.push({ code: 'SAME_ARG_AND', severity: 'info', location: rule.argsField ? locOf(rule.argsField, rule) : undefined, message: `rule syscalls[${rule.index}] has several conditions on argument ${repeated.join(', ')}; they are ANDed (strict mode; libseccomp itself refuses this)` });
      }
    }
    for (const n of names) {
      for (const set of condSets) {
        const origin: Rule['origin'] = { index: rule.index, location: n.location, ...(rule.comment !== undefined ? { comment: rule.comment } : {}), ...(n.group ? { group: n.group } : {}) };
        out.push({ syscall: n.name, action, conditions: set, origin });
      }
    }
  }

  // Names absent on every arch of the filter (kept; the compiler treats them as absent).
  const absent = [...new Set(out.map((r) => r.syscall).filter((s): s is string => typeof s === 'string'))].filter((s) => arches.every((a) => syscallNumber(findArch(a)!, s) === undefined));
  if (absent.length > 0) {
    warnings.push({ code: 'SYSCALL_ABSENT', severity: 'info', message: `${absent.length} syscall${absent.length > 1 ? 's' : ''} exist on none of the filter's arches (${arches.join(', ')}): ${absent.slice(0, 12).join(', ')}${absent.length > 12 ? ', ...' : ''}`, names: absent });
  }

  const policy: { -readonly [K in keyof Policy]: Policy[K] } = { defaultAction, badArchAction, arches, rules: out };
  if (raw.noNewPrivs !== undefined) policy.noNewPrivs = raw.noNewPrivs;
  if (flags) policy.flags = flags;
  if (raw.listenerPath) policy.listenerPath = raw.listenerPath.value;
  if (raw.listenerMetadata) policy.listenerMetadata = raw.listenerMetadata.value;
  if (raw.comment !== undefined) policy.comment = raw.comment;
  if (!raw.listenerPath && out.some((r) => r.action.kind === 'USER_NOTIF')) {
    warnings.push({ code: 'NOTIFY_WITHOUT_LISTENER', severity: 'info', message: 'rules use SCMP_ACT_NOTIFY but no listenerPath is set; a supervisor must take the listener fd some other way' });
  }
  validatePolicy(policy);
  return policy;
}

function locOf(f: { node: { line: number; column: number }; path: string }, rule: RawRule): SourceLocation {
  const file = rule.action.location.file;
  const l: SourceLocation = { line: f.node.line, column: f.node.column, path: f.path };
  if (file !== undefined) l.file = file;
  return l;
}

function expandGroupAt(name: string, custom: Record<string, string[]>, at: Located<unknown>): string[] {
  try {
    return expandGroup(name, { custom });
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(e.code, e.detail, { location: at.location, hint: e.hint });
    throw e;
  }
}

function nameProblem(name: string, at: Located<unknown>, strict: boolean, warnings: PolicyWarning[], where?: string): void {
  const hint = suggestSyscall(name);
  if (strict) {
    throw err('UNKNOWN_SYSCALL', `unknown syscall "${name}"${where ? ` in ${where}` : ''}`, at, hint ?? 'not in syswall\'s syscall table; without --strict-names it is reported and left out');
  }
  warnings.push({ code: 'UNKNOWN_SYSCALL', severity: 'warning', location: at.location, message: `unknown syscall "${name}"${where ? ` in ${where}` : ''} is left out${hint ? ` (${hint})` : ''}`, names: [name] });
}
