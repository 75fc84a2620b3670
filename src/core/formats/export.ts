/**
 * Exporting a policy back to OCI `linux.seccomp` JSON, Docker/moby JSON and
 * syswall's own JSON format. OCI and Docker output round-trips: parsing it
 * back (with the same context) gives the same rules. What OCI cannot say (a
 * bad-arch action other than KILL_THREAD, TRAP data, a 32-bit compare other
 * than EQ/MASKED_EQ, several ANDed conditions on one argument, numbers
 * without a name) is an error unless `lossy` is set; syswall's format says
 * everything.
 */
import { PolicyError } from '../errors.js';
import { findArch, type ArchInfo } from '../arch/arches.js';
import { syscallName } from '../arch/syscalls.js';
import { actionValue, formatAction, ociActionName } from '../policy/actions.js';
import type { Action, Condition, Policy, Rule } from '../policy/types.js';
import { validatePolicy } from '../policy/validate.js';
import { MOBY_NATIVE, MOBY_NATIVE_TO_SECCOMP } from './context.js';
import { OCI_FLAGS } from './convert.js';

/** Options of the exporters. */
export interface ExportOptions {
  /** Drop what the format cannot express instead of throwing. */
  lossy?: boolean;
  /** Indentation (default 2; 0 for one line). */
  indent?: number;
}

/** A JSON value that may hold bigints (written as exact integers). */
export type JsonValue = string | number | bigint | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/** JSON.stringify with exact bigint output; `undefined` properties are skipped. */
export function stringifyJson(value: JsonValue, indent = 2): string {
  const pad = (d: number) => (indent > 0 ? '\n' + ' '.repeat(indent * d) : '');
  const sep = indent > 0 ? ': ' : ':';
  const walk = (v: JsonValue, d: number): string => {
    if (v === null) return 'null';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new PolicyError('EXPORT_NUMBER', `cannot write ${v} as JSON`);
      return String(v);
    }
    if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return '[' + v.map((x) => pad(d + 1) + walk(x, d + 1)).join(',') + pad(d) + ']';
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined) as [string, JsonValue][];
    if (entries.length === 0) return '{}';
    return '{' + entries.map(([k, x]) => pad(d + 1) + JSON.stringify(k) + sep + walk(x, d + 1)).join(',') + pad(d) + '}';
  };
  return walk(value, 0) + (indent > 0 ? '\n' : '');
}

function lossy(options: ExportOptions, message: string, hint = 'syswall\'s own format keeps it (--format syswall, convert --to syswall); a lossy export drops it (--lossy)'): void {
  if (!options.lossy) throw new PolicyError('EXPORT_UNREPRESENTABLE', message, { hint });
}

function ociArg(c: Condition, what: string, options: ExportOptions): { [k: string]: JsonValue } | undefined {
  if (c.width === 32) {
    if (c.op === 'EQ') return { index: c.arg, value: 0xffffffffn, valueTwo: c.value, op: 'SCMP_CMP_MASKED_EQ' };
    if (c.op === 'MASKED_EQ') return { index: c.arg, value: c.mask ?? 0n, valueTwo: c.value, op: 'SCMP_CMP_MASKED_EQ' };
    lossy(options, `${what}: a 32-bit ${c.op} compare has no OCI equivalent`);
  }
  if (c.op === 'MASKED_EQ') return { index: c.arg, value: c.mask ?? 0n, valueTwo: c.value, op: 'SCMP_CMP_MASKED_EQ' };
  return { index: c.arg, value: c.value, op: `SCMP_CMP_${c.op}` };
}

function syscallText(rule: Rule, primary: ArchInfo, what: string, options: ExportOptions, numbersOk: boolean): string | number | undefined {
  if (typeof rule.syscall === 'string') return rule.syscall;
  if (numbersOk) return rule.syscall;
  const name = syscallName(primary, rule.syscall);
  if (name === undefined) {
    lossy(options, `${what}: syscall number ${rule.syscall} has no name on ${primary.name}`);
    return undefined;
  }
  return name;
}

interface Group {
  key: string;
  names: (string | number)[];
  rule: Rule;
  args?: JsonValue[];
}

function groupRules(policy: Policy, options: ExportOptions, format: 'oci' | 'docker' | 'syswall'): Group[] {
  const primary = findArch(policy.arches[0])!;
  const groups: Group[] = [];
  policy.rules.forEach((rule, i) => {
    const what = `rule ${i} (${String(rule.syscall)})`;
    if (format !== 'syswall') {
      if (rule.action.kind === 'TRAP' && (rule.action.data ?? 0) !== 0) lossy(options, `${what}: OCI has no TRAP value (${formatAction(rule.action)})`);
      const idx = rule.conditions.map((c) => c.arg);
      if (new Set(idx).size !== idx.length) lossy(options, `${what}: several conditions on one argument are ANDed here, but runc would OR them`);
    }
    const name = syscallText(rule, primary, what, options, format === 'syswall');
    if (name === undefined) return;
    let args: JsonValue[] | undefined;
    if (rule.conditions.length > 0) {
      if (format === 'syswall') args = rule.conditions.map(syswallArg);
      else args = rule.conditions.map((c) => ociArg(c, what, options)).filter((x): x is { [k: string]: JsonValue } => x !== undefined);
    }
    const comment = format === 'oci' ? undefined : rule.origin?.comment;
    const key = stringifyJson({ a: actionValue(rule.action), args: args ?? null, comment: comment ?? null }, 0);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.names.push(name);
    else groups.push({ key, names: [name], rule, ...(args ? { args } : {}) });
  });
  return groups;
}

function syswallArg(c: Condition): JsonValue {
  const base: { [k: string]: JsonValue } = c.op === 'MASKED_EQ'
    ? { index: c.arg, value: c.mask ?? 0n, valueTwo: c.value, op: 'SCMP_CMP_MASKED_EQ' }
    : { index: c.arg, value: c.value, op: `SCMP_CMP_${c.op}` };
  if (c.width === 32) base.width = 32;
  return base;
}

function actionFields(a: Action, format: 'oci' | 'docker' | 'syswall', retKey: string): { [k: string]: JsonValue } {
  if (format === 'syswall' && a.kind === 'TRAP' && (a.data ?? 0) !== 0) return { action: formatAction(a).toLowerCase() };
  const out: { [k: string]: JsonValue } = { action: ociActionName(a.kind) };
  if (a.kind === 'ERRNO' || a.kind === 'TRACE') out[retKey] = a.data ?? 1;
  return out;
}

function flagsOf(p: Policy): string[] | undefined {
  const on = Object.entries(OCI_FLAGS).filter(([, k]) => p.flags?.[k]).map(([name]) => name);
  return on.length > 0 ? on : undefined;
}

function common(policy: Policy, options: ExportOptions, format: 'oci' | 'docker' | 'syswall'): { [k: string]: JsonValue | undefined } {
  validatePolicy(policy);
  const d = actionFields(policy.defaultAction, format, 'defaultErrnoRet');
  const out: { [k: string]: JsonValue | undefined } = { defaultAction: d.action, defaultErrnoRet: d.defaultErrnoRet };
  if (format !== 'syswall') {
    if (policy.badArchAction.kind !== 'KILL_THREAD') lossy(options, `the bad-arch action ${formatAction(policy.badArchAction)} cannot be expressed (runtimes use KILL_THREAD)`);
    if (policy.defaultAction.kind === 'TRAP' && (policy.defaultAction.data ?? 0) !== 0) lossy(options, `the default action ${formatAction(policy.defaultAction)} cannot be expressed (OCI has no TRAP value)`);
    if (policy.noNewPrivs === false) lossy(options, 'noNewPrivs: false cannot be expressed (OCI sets no_new_privs in process.noNewPrivileges)');
  }
  const arches = policy.arches.map((a) => findArch(a)!);
  if (format === 'docker' && MOBY_NATIVE[arches[0].name] !== undefined && MOBY_NATIVE_TO_SECCOMP[MOBY_NATIVE[arches[0].name]!] === arches[0].scmpName) {
    out.archMap = [{ architecture: arches[0].scmpName, subArchitectures: arches.length > 1 ? arches.slice(1).map((a) => a.scmpName) : null }];
  } else {
    out.architectures = arches.map((a) => (format === 'syswall' ? a.name : a.scmpName));
  }
  out.flags = flagsOf(policy);
  out.listenerPath = policy.listenerPath;
  out.listenerMetadata = policy.listenerMetadata;
  return out;
}

/** The policy as an OCI `linux.seccomp` object (values as bigint). */
export function toOciObject(policy: Policy, options: ExportOptions = {}): { [k: string]: JsonValue | undefined } {
  const out = common(policy, options, 'oci');
  out.syscalls = groupRules(policy, options, 'oci').map((g) => ({ names: g.names, ...actionFields(g.rule.action, 'oci', 'errnoRet'), args: g.args }));
  return out;
}

/** OCI runtime-spec `linux.seccomp` JSON text. Throws `EXPORT_UNREPRESENTABLE` for what OCI cannot say unless `lossy`. */
export function exportOci(policy: Policy, options: ExportOptions = {}): string {
  return stringifyJson(toOciObject(policy, options) as JsonValue, options.indent ?? 2);
}

/**
 * Docker/moby JSON text: `archMap` with the first arch and the others as
 * sub-architectures (so moby resolves it back on that host arch), rule
 * comments kept. Parse it back with `context.arch` = the policy's first arch.
 */
export function exportDocker(policy: Policy, options: ExportOptions = {}): string {
  const out = common(policy, options, 'docker');
  out.syscalls = groupRules(policy, options, 'docker').map((g) => ({ names: g.names, ...actionFields(g.rule.action, 'docker', 'errnoRet'), args: g.args, comment: g.rule.origin?.comment }));
  return stringifyJson(out as JsonValue, options.indent ?? 2);
}

/** syswall's own JSON format: everything the IR holds (bad-arch action, noNewPrivs, 32-bit compares, numbers, comments). */
export function exportSyswall(policy: Policy, options: ExportOptions = {}): string {
  const base = common(policy, options, 'syswall');
  const out: { [k: string]: JsonValue | undefined } = { comment: policy.comment, ...base };
  const ba = actionFields(policy.badArchAction, 'syswall', 'badArchErrnoRet');
  out.badArchAction = ba.action;
  out.badArchErrnoRet = ba.badArchErrnoRet;
  if (policy.noNewPrivs !== undefined) out.noNewPrivs = policy.noNewPrivs;
  out.syscalls = groupRules(policy, options, 'syswall').map((g) => ({ names: g.names, ...actionFields(g.rule.action, 'syswall', 'errnoRet'), args: g.args, comment: g.rule.origin?.comment }));
  return stringifyJson(out as JsonValue, options.indent ?? 2);
}
