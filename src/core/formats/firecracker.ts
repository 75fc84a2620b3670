/**
 * Firecracker seccompiler JSON: a map of thread name to
 * `{default_action, filter_action, filter: [{syscall, comment, args: [{index,
 * type, op, val, comment}]}]}`. Import (one thread) and export.
 *
 * Semantics follow seccompiler with its libseccomp backend (Firecracker
 * since 2025): the rules of a thread are OR'd, the args of a rule ANDed, each
 * arg is one libseccomp comparison. A `qword` arg compares all 64 bits. For
 * a `dword` arg `eq` compares the low 32 bits only (seccompiler rewrites it
 * to `masked_eq 0xffffffff`, because musl leaves garbage in the upper half);
 * syswall writes that as a 32-bit EQ condition. The other `dword` operators
 * are libseccomp's 64-bit comparisons with a value below 2^32.
 */
import { findArch, resolveArch } from '../arch/arches.js';
import { isKnownSyscall, syscallName } from '../arch/syscalls.js';
import { PolicyError } from '../errors.js';
import { formatAction } from '../policy/actions.js';
import { MAX_ERRNO } from '../arch/errno.js';
import type { Action, CmpOp, Condition, Policy, Rule } from '../policy/types.js';
import { validatePolicy } from '../policy/validate.js';
import { stringifyJson, type JsonValue } from './export.js';
import { parseJson, type JsonNode } from './json-parse.js';
import { JsonReader, type Field, type PolicyWarning } from './reader.js';
import type { ImportResult } from './textsrc.js';

/** Options of {@link importFirecracker}. */
export interface FirecrackerImportOptions {
  file?: string;
  /** Which thread's filter to import; required when the file has several. */
  thread?: string;
  /** Target arch (default x86_64; Firecracker builds one file per target). */
  arch?: string;
}

const OPS: Record<string, CmpOp> = { eq: 'EQ', ne: 'NE', lt: 'LT', le: 'LE', gt: 'GT', ge: 'GE' };
const U32 = 0xffffffffn;

/** The thread names of a Firecracker filter file, in file order. */
export function firecrackerThreads(text: string, file?: string): string[] {
  const root = parseJson(text, file !== undefined ? { file } : {});
  const r = new JsonReader(file);
  if (root.type !== 'object') throw r.error('POLICY_TYPE', 'expected an object mapping thread names to filters', root, '$');
  return root.entries.map((e) => e.key);
}

function readAction(r: JsonReader, f: Field): Action {
  const n = f.node;
  if (n.type === 'string') {
    switch (n.value) {
      case 'allow': return { kind: 'ALLOW' };
      case 'kill_thread': return { kind: 'KILL_THREAD' };
      case 'kill_process': return { kind: 'KILL_PROCESS' };
      case 'log': return { kind: 'LOG' };
      case 'trap': return { kind: 'TRAP', data: 0 };
    }
    throw r.error('UNKNOWN_ACTION', `unknown action "${n.value}"`, n, f.path, 'expected "allow", "kill_thread", "kill_process", "log", "trap", {"errno": N} or {"trace": N}');
  }
  if (n.type === 'object') {
    const o = r.object(n, f.path, ['errno', 'trace']);
    if (o.size !== 1) throw r.error('UNKNOWN_ACTION', 'expected exactly one of "errno" or "trace"', n, f.path);
    const [key, field] = [...o][0];
    const v = r.uintNumber(field, 32);
    if (key === 'errno') {
      if (v > MAX_ERRNO) throw r.error('POLICY_RANGE', `errno ${v} is out of range (0..${MAX_ERRNO})`, field.node, field.path);
      return { kind: 'ERRNO', data: v };
    }
    if (v > 0xffff) throw r.error('POLICY_RANGE', `trace value ${v} is out of range (0..65535)`, field.node, field.path);
    return { kind: 'TRACE', data: v };
  }
  throw r.error('POLICY_TYPE', `expected an action (a string or {"errno": N} / {"trace": N}), found ${n.type}`, n, f.path);
}

function readArg(r: JsonReader, af: Field): Condition {
  const a = r.object(af.node, af.path, ['index', 'type', 'op', 'val', 'comment']);
  const idxF = r.required(a, 'index', af.node, af.path);
  const index = r.uintNumber(idxF, 32);
  if (index > 5) throw r.error('ARG_INDEX', `argument index ${index} is out of range; expected 0..5`, idxF.node, idxF.path);
  const typeF = r.required(a, 'type', af.node, af.path);
  const type = r.string(typeF);
  if (type !== 'dword' && type !== 'qword') throw r.error('BAD_ARG_TYPE', `unknown argument type "${type}"`, typeF.node, typeF.path, 'expected "dword" (32-bit) or "qword" (64-bit)');
  const valF = r.required(a, 'val', af.node, af.path);
  const val = r.uint(valF, 64);
  if (type === 'dword' && val > U32) throw r.error('POLICY_RANGE', `val ${val} does not fit a dword (32 bits)`, valF.node, valF.path, 'use "type": "qword" for 64-bit values');
  const opF = r.required(a, 'op', af.node, af.path);
  if (a.has('comment')) r.string(a.get('comment')!);
  if (opF.node.type === 'object') {
    const o = r.object(opF.node, opF.path, ['masked_eq']);
    const mF = r.required(o, 'masked_eq', opF.node, opF.path);
    const mask = r.uint(mF, 64);
    if (type === 'dword' && mask > U32) throw r.error('POLICY_RANGE', `masked_eq mask ${mask} does not fit a dword (32 bits)`, mF.node, mF.path);
    return { arg: index, op: 'MASKED_EQ', mask, value: val };
  }
  const op = r.string(opF);
  const cmp = OPS[op];
  if (!cmp) throw r.error('UNKNOWN_OP', `unknown operator "${op}"`, opF.node, opF.path, 'expected "eq", "ne", "lt", "le", "gt", "ge" or {"masked_eq": MASK}');
  if (type === 'dword' && cmp === 'EQ') return { arg: index, op: 'EQ', value: val, width: 32 };
  return { arg: index, op: cmp, value: val };
}

/**
 * Imports one thread's filter from Firecracker seccompiler JSON. Throws
 * {@link PolicyError} naming the JSON path and line:column; when the file has
 * several threads and none is chosen, the error lists them.
 */
export function importFirecracker(text: string, options: FirecrackerImportOptions = {}): ImportResult & { thread: string } {
  const file = options.file;
  const root: JsonNode = parseJson(text, file !== undefined ? { file } : {});
  const r = new JsonReader(file);
  if (root.type !== 'object') throw r.error('POLICY_TYPE', 'expected an object mapping thread names to filters', root, '$');
  const threads = root.entries.map((e) => e.key);
  if (threads.length === 0) throw r.error('FIRECRACKER_NO_THREAD', 'the file defines no thread filter', root, '$');
  let thread = options.thread;
  if (thread === undefined) {
    if (threads.length > 1) throw r.error('FIRECRACKER_THREAD', `the file has ${threads.length} thread filters (${threads.join(', ')}); choose one`, root, '$', `pass --thread ${threads[0]} (or another of: ${threads.join(', ')})`);
    thread = threads[0];
  }
  const entry = root.entries.find((e) => e.key === thread);
  if (!entry) throw r.error('FIRECRACKER_THREAD', `no thread "${thread}" in the file; it has ${threads.join(', ')}`, root, '$');
  const path = `$[${JSON.stringify(thread)}]`;
  const t = r.object(entry.value, path, ['default_action', 'filter_action', 'filter']);
  const defaultAction = readAction(r, r.required(t, 'default_action', entry.value, path));
  const filterAction = readAction(r, r.required(t, 'filter_action', entry.value, path));
  const arch = resolveArch(options.arch ?? 'x86_64');
  const rules: Rule[] = [];
  const warnings: PolicyWarning[] = [];
  const fl = t.get('filter');
  for (const rf of fl ? r.array(fl) : []) {
    const o = r.object(rf.node, rf.path, ['syscall', 'comment', 'args']);
    const sF = r.required(o, 'syscall', rf.node, rf.path);
    const name = r.string(sF);
    if (!isKnownSyscall(name)) throw r.error('UNKNOWN_SYSCALL', `unknown syscall "${name}"`, sF.node, sF.path);
    const comment = o.has('comment') ? r.string(o.get('comment')!) : undefined;
    const argsF = o.get('args');
    const conditions = argsF ? r.array(argsF).map((af) => readArg(r, af)) : [];
    if (conditions.length > 6) throw r.error('TOO_MANY_ARGS', `${conditions.length} argument conditions; at most 6 are allowed`, argsF!.node, argsF!.path);
    const seen = new Set<number>();
    for (const c of conditions) {
      if (seen.has(c.arg)) throw r.error('SAME_ARG_TWICE', `argument ${c.arg} is compared twice in one rule; seccompiler (libseccomp) refuses this`, argsF!.node, argsF!.path, 'split the rule into several rules, or use one masked_eq');
      seen.add(c.arg);
    }
    rules.push({ syscall: name, action: filterAction, conditions, origin: { location: r.loc(rf.node, rf.path), ...(comment ? { comment } : {}) } });
  }
  const policy = validatePolicy({ defaultAction, badArchAction: { kind: 'KILL_PROCESS' }, arches: [arch.name], rules });
  return { policy, warnings, thread };
}

/** Options of {@link exportFirecracker}. */
export interface FirecrackerExportOptions {
  /** Thread name (default "main"). */
  thread?: string;
  /** Drop what cannot be expressed (with a warning) instead of throwing. */
  lossy?: boolean;
  indent?: number;
}

function fcAction(a: Action): JsonValue {
  switch (a.kind) {
    case 'ALLOW': return 'allow';
    case 'KILL_THREAD': return 'kill_thread';
    case 'KILL_PROCESS': return 'kill_process';
    case 'LOG': return 'log';
    case 'TRAP': return 'trap';
    case 'ERRNO': return { errno: a.data ?? 1 };
    case 'TRACE': return { trace: a.data ?? 0 };
    default: return null;
  }
}

/**
 * Writes a policy as Firecracker seccompiler JSON with one thread. Returns
 * the text and the warnings for every loss of meaning (with `lossy`);
 * without `lossy` a loss throws `EXPORT_UNREPRESENTABLE`.
 */
export function exportFirecracker(policy: Policy, options: FirecrackerExportOptions = {}): { text: string; warnings: string[] } {
  validatePolicy(policy);
  const warnings: string[] = [];
  const loss = (m: string) => {
    if (!options.lossy) throw new PolicyError('EXPORT_UNREPRESENTABLE', m, { hint: 'pass --lossy (convert) to write the rest and report what was dropped' });
    warnings.push(m);
  };
  const actions = new Map<string, Action>();
  for (const r of policy.rules) actions.set(formatAction(r.action), r.action);
  if (actions.size > 1) loss(`Firecracker has one filter_action per thread; the policy's rules use ${[...actions.keys()].join(', ')} (keeping ${formatAction(policy.rules[0].action)} rules only)`);
  const filterAction = policy.rules[0]?.action ?? { kind: 'ALLOW' as const };
  for (const a of [policy.defaultAction, filterAction]) if (a.kind === 'USER_NOTIF') loss('Firecracker has no user-notify action');
  if (a32(policy.defaultAction) || a32(filterAction)) loss('Firecracker has no TRAP value; trap is written without it');
  if (policy.arches.length > 1) warnings.push(`Firecracker filters are compiled for one target arch; the arch list (${policy.arches.join(', ')}) is not written`);
  if (policy.badArchAction.kind !== 'KILL_PROCESS') warnings.push(`the bad-arch action ${formatAction(policy.badArchAction)} is not written (seccompiler kills the process on an arch mismatch)`);
  const primary = findArch(policy.arches[0])!;
  const filter: JsonValue[] = [];
  policy.rules.forEach((rule, i) => {
    if (formatAction(rule.action) !== formatAction(filterAction)) return;
    const what = `rule ${i} (${String(rule.syscall)})`;
    const name = typeof rule.syscall === 'string' ? rule.syscall : syscallName(primary, rule.syscall);
    if (name === undefined) return loss(`${what}: syscall number ${String(rule.syscall)} has no name on ${primary.name}; dropped`);
    const args: JsonValue[] = [];
    for (const c of rule.conditions) {
      if (c.width === 32) {
        if (c.op === 'EQ') args.push({ index: c.arg, type: 'dword', op: 'eq', val: c.value });
        else if (c.op === 'MASKED_EQ' && (c.mask ?? 0n) <= U32) args.push({ index: c.arg, type: 'dword', op: { masked_eq: c.mask ?? 0n }, val: c.value & (c.mask ?? 0n) });
        else if (c.op === 'MASKED_EQ') args.push({ index: c.arg, type: 'dword', op: { masked_eq: (c.mask ?? 0n) & U32 }, val: c.value & (c.mask ?? 0n) & U32 });
        else return loss(`${what}: a 32-bit ${c.op} compare has no Firecracker equivalent (dword ${c.op.toLowerCase()} compares 64 bits); rule dropped`);
      } else if (c.op === 'MASKED_EQ') {
        args.push({ index: c.arg, type: 'qword', op: { masked_eq: c.mask ?? 0n }, val: c.value & (c.mask ?? 0n) });
      } else {
        args.push({ index: c.arg, type: 'qword', op: c.op.toLowerCase(), val: c.value });
      }
    }
    const comment = rule.origin?.comment;
    filter.push({ syscall: name, ...(comment ? { comment } : {}), ...(args.length ? { args } : {}) });
  });
  const out: JsonValue = { [options.thread ?? 'main']: { default_action: fcAction(policy.defaultAction), filter_action: fcAction(filterAction), filter } };
  return { text: stringifyJson(out, options.indent ?? 2), warnings };
}

function a32(a: Action): boolean {
  return a.kind === 'TRAP' && (a.data ?? 0) !== 0;
}
