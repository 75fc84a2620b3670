/**
 * Seccomp actions: exact return values, decoding, formatting and parsing of
 * OCI names (`SCMP_ACT_ERRNO`) and the compact forms syswall accepts
 * (`errno(EPERM)`, `trace(5)`, `kill-process`).
 */
import { PolicyError, SyswallError } from '../errors.js';
import { errnoName, parseErrno } from '../arch/errno.js';
import { ACTION_KINDS, ACTIONS, actionHasData, actionInfoOf, returnValue } from '../bpf/actions.js';
import type { Action, ActionKind } from './types.js';

/** The action part (high 16 bits) of each action's return value (from the one action table, bpf/actions.ts). */
export const ACTION_BASE: Readonly<Record<ActionKind, number>> = Object.freeze(
  Object.fromEntries(ACTION_KINDS.map((k) => [k, ACTIONS[k].value])) as Record<ActionKind, number>,
);

/** The largest data value an action kind accepts (ERRNO: 4095, TRAP/TRACE: 65535, others: 0). */
export function maxActionData(kind: ActionKind): number {
  return ACTIONS[kind].maxData;
}

/** The exact 32-bit value a filter returns for `a` (unsigned). */
export function actionValue(a: Action): number {
  if (!Object.prototype.hasOwnProperty.call(ACTIONS, a.kind)) throw new PolicyError('BAD_ACTION', `unknown action kind "${String(a.kind)}"`);
  return returnValue(a.kind, actionHasData(a.kind) ? (a.data ?? 0) : 0);
}

/**
 * Decodes a filter return value. Data bits of actions without data are
 * ignored (as the kernel does); an unknown action field is an error (the
 * kernel would treat it as KILL_PROCESS).
 */
export function actionFromValue(v: number): Action {
  const value = v >>> 0;
  const info = actionInfoOf(value);
  if (!info) throw new SyswallError('UNKNOWN_ACTION_VALUE', `0x${value.toString(16).padStart(8, '0')} is not a seccomp action (the kernel treats it as KILL_PROCESS)`);
  return actionHasData(info.kind) ? { kind: info.kind, data: value & 0xffff } : { kind: info.kind };
}

/** True if two actions return the same value (KILL == KILL_THREAD, ERRNO without data == ERRNO(0)). */
export function actionsEqual(a: Action, b: Action): boolean {
  return actionValue(a) === actionValue(b);
}

/** Options of {@link formatAction}. */
export interface FormatActionOptions {
  /** Print ERRNO data as a name where one is known: `ERRNO(EPERM)`. */
  errnoNames?: boolean;
}

/** `ALLOW`, `ERRNO(1)`, `TRAP(0)`, `TRACE(5)`, `KILL_PROCESS`, ... */
export function formatAction(a: Action, options: FormatActionOptions = {}): string {
  if (!actionHasData(a.kind)) return a.kind;
  const data = a.data ?? 0;
  if (a.kind === 'ERRNO' && options.errnoNames) {
    const name = errnoName(data);
    if (name) return `ERRNO(${name})`;
  }
  return `${a.kind}(${data})`;
}

/** OCI action names (runtime-spec `LinuxSeccompAction`) and the kind each means. */
export const OCI_ACTIONS: Readonly<Record<string, ActionKind>> = Object.freeze({
  SCMP_ACT_KILL: 'KILL_THREAD',
  SCMP_ACT_KILL_THREAD: 'KILL_THREAD',
  SCMP_ACT_KILL_PROCESS: 'KILL_PROCESS',
  SCMP_ACT_TRAP: 'TRAP',
  SCMP_ACT_ERRNO: 'ERRNO',
  SCMP_ACT_TRACE: 'TRACE',
  SCMP_ACT_ALLOW: 'ALLOW',
  SCMP_ACT_LOG: 'LOG',
  SCMP_ACT_NOTIFY: 'USER_NOTIF',
});

/** The OCI name for an action kind (KILL_THREAD is written `SCMP_ACT_KILL_THREAD`). */
export function ociActionName(kind: ActionKind): string {
  switch (kind) {
    case 'USER_NOTIF': return 'SCMP_ACT_NOTIFY';
    default: return `SCMP_ACT_${kind}`;
  }
}

const COMPACT: Readonly<Record<string, ActionKind>> = Object.freeze({
  allow: 'ALLOW', log: 'LOG', notify: 'USER_NOTIF', user_notif: 'USER_NOTIF', trace: 'TRACE', errno: 'ERRNO', trap: 'TRAP',
  kill: 'KILL_THREAD', kill_thread: 'KILL_THREAD', kill_process: 'KILL_PROCESS',
});

/**
 * Parses an action: an OCI name (`SCMP_ACT_ERRNO`, `SCMP_ACT_KILL` =
 * KILL_THREAD), a kernel-style name (`KILL_PROCESS`, `USER_NOTIF`) or a compact
 * form (`allow`, `errno(EPERM)`, `errno(38)`, `trap(3)`, `trace(5)`,
 * `kill-process`), case-insensitive. `data` supplies the value for a bare
 * ERRNO/TRAP/TRACE (OCI `errnoRet`); a bare ERRNO or TRACE defaults to EPERM
 * (1) as in runc, a bare TRAP to 0.
 */
export function parseAction(text: string, data?: number | string): Action {
  const t = text.trim();
  const m = /^([A-Za-z_-]+)\s*(?:\(\s*([^()]*?)\s*\))?$/.exec(t);
  if (!m) throw badAction(text);
  const word = m[1].toLowerCase().replace(/-/g, '_');
  let kind: ActionKind | undefined;
  if (word.startsWith('scmp_act_')) kind = OCI_ACTIONS[word.toUpperCase()];
  else kind = COMPACT[word] ?? (ACTION_KINDS as readonly string[]).find((k) => k.toLowerCase() === word) as ActionKind | undefined;
  if (!kind) throw badAction(text);
  const arg = m[2] !== undefined && m[2] !== '' ? m[2] : data;
  if (!actionHasData(kind)) {
    if (arg !== undefined) throw new PolicyError('BAD_ACTION', `action ${kind} takes no value (got ${String(arg)})`, { hint: 'only ERRNO, TRAP and TRACE carry a value' });
    return { kind };
  }
  if (arg === undefined) return { kind, data: kind === 'TRAP' ? 0 : 1 };
  if (kind === 'ERRNO') return { kind, data: parseErrno(arg, 'ERRNO value') };
  const n = typeof arg === 'number' ? arg : /^(0x[0-9a-f]+|\d+)$/i.test(arg) ? Number(arg) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new PolicyError('BAD_ACTION', `${kind} value ${String(arg)} is not an integer in 0..65535`);
  return { kind, data: n };
}

function badAction(text: string): PolicyError {
  return new PolicyError('UNKNOWN_ACTION', `unknown action "${text}"`, {
    hint: `expected one of ${Object.keys(OCI_ACTIONS).join(', ')} or allow, log, notify, errno(EPERM), trap(N), trace(N), kill-thread, kill-process`,
  });
}

/** The ALLOW action. */
export const ACT_ALLOW: Action = Object.freeze({ kind: 'ALLOW' });
/** The LOG action. */
export const ACT_LOG: Action = Object.freeze({ kind: 'LOG' });
/** The USER_NOTIF action. */
export const ACT_NOTIFY: Action = Object.freeze({ kind: 'USER_NOTIF' });
/** The KILL_THREAD action (`SCMP_ACT_KILL`). */
export const ACT_KILL_THREAD: Action = Object.freeze({ kind: 'KILL_THREAD' });
/** The KILL_PROCESS action. */
export const ACT_KILL_PROCESS: Action = Object.freeze({ kind: 'KILL_PROCESS' });

/** ERRNO(e); `e` is a number or a name such as `'EPERM'`. */
export function errno(e: number | string = 1): Action {
  return { kind: 'ERRNO', data: parseErrno(e) };
}
/** TRAP(n). */
export function trap(n = 0): Action {
  return parseAction('TRAP', n);
}
/** TRACE(n). */
export function trace(n = 0): Action {
  return parseAction('TRACE', n);
}
