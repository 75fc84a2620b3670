/**
 * The one seccomp action table: every action the kernel knows, its return
 * value (the SECCOMP_RET_* action field), its kernel macro, whether it
 * carries data, and the one decoder of a filter's return value as the
 * kernel reads it. Everything that names, encodes or decodes an action
 * (policies, disassembly, assembly, analysis, C output, the runtime) goes
 * through here.
 */
import { MAX_ERRNO } from '../arch/errno.js';
import * as C from './constants.js';

/** Every action kind, strictest first (the order stacked filters use). */
export const ACTION_KINDS = ['KILL_PROCESS', 'KILL_THREAD', 'TRAP', 'ERRNO', 'USER_NOTIF', 'TRACE', 'LOG', 'ALLOW'] as const;

/** A seccomp action kind, with the kernel's spelling (`KILL_THREAD` is the old `KILL`). */
export type ActionKind = (typeof ACTION_KINDS)[number];

/** What the table says about one action. */
export interface ActionInfo {
  readonly kind: ActionKind;
  /** The action field of the return value (`SECCOMP_RET_ERRNO` = 0x00050000). */
  readonly value: number;
  /** The kernel macro, `SECCOMP_RET_ERRNO`. */
  readonly macro: string;
  /** Short name in listings and reports: `KILL` for KILL_THREAD, as seccomp-tools and the kernel's audit log write it. */
  readonly short: string;
  /** Largest data value the kernel uses (ERRNO: MAX_ERRNO; TRAP/TRACE: 16 bits; the others ignore data: 0). */
  readonly maxData: number;
}

function info(kind: ActionKind, value: number, short: string, maxData: number): ActionInfo {
  return Object.freeze({ kind, value: value >>> 0, macro: `SECCOMP_RET_${kind}`, short, maxData });
}

/** The table, by kind. */
export const ACTIONS: Readonly<Record<ActionKind, ActionInfo>> = Object.freeze({
  KILL_PROCESS: info('KILL_PROCESS', C.SECCOMP_RET_KILL_PROCESS, 'KILL_PROCESS', 0),
  KILL_THREAD: info('KILL_THREAD', C.SECCOMP_RET_KILL_THREAD, 'KILL', 0),
  TRAP: info('TRAP', C.SECCOMP_RET_TRAP, 'TRAP', 0xffff),
  ERRNO: info('ERRNO', C.SECCOMP_RET_ERRNO, 'ERRNO', MAX_ERRNO),
  USER_NOTIF: info('USER_NOTIF', C.SECCOMP_RET_USER_NOTIF, 'USER_NOTIF', 0),
  TRACE: info('TRACE', C.SECCOMP_RET_TRACE, 'TRACE', 0xffff),
  LOG: info('LOG', C.SECCOMP_RET_LOG, 'LOG', 0),
  ALLOW: info('ALLOW', C.SECCOMP_RET_ALLOW, 'ALLOW', 0),
});

const BY_VALUE = new Map<number, ActionInfo>(Object.values(ACTIONS).map((a) => [a.value, a]));

/** True if the kind carries data in the low 16 bits (ERRNO, TRAP, TRACE). */
export function actionHasData(kind: ActionKind): boolean {
  return ACTIONS[kind].maxData > 0;
}

/** The action of a return value, or undefined when its action field is none the kernel knows. */
export function actionInfoOf(value: number): ActionInfo | undefined {
  return BY_VALUE.get((value & C.SECCOMP_RET_ACTION_FULL) >>> 0);
}

/** A return value as the kernel reads it. */
export interface DecodedReturn {
  readonly kind: ActionKind;
  /** The data the kernel uses: the errno (capped at MAX_ERRNO) for ERRNO, the 16 bits for TRAP/TRACE, 0 otherwise. */
  readonly data: number;
  /** False when the action field is unknown (the kernel then kills the process). */
  readonly known: boolean;
}

/**
 * Decodes a filter's return value as the kernel does (kernel/seccomp.c):
 * an unknown action field is KILL_PROCESS, ERRNO data above MAX_ERRNO is
 * MAX_ERRNO, data of actions without data is ignored.
 */
export function decodeReturn(value: number): DecodedReturn {
  const a = actionInfoOf(value);
  if (!a) return { kind: 'KILL_PROCESS', data: 0, known: false };
  const data = value & C.SECCOMP_RET_DATA;
  return { kind: a.kind, data: Math.min(data, a.maxData), known: true };
}

/** The return value of an action kind with data (data is masked to what the kind carries). */
export function returnValue(kind: ActionKind, data = 0): number {
  const a = ACTIONS[kind];
  return (a.value | (a.maxData > 0 ? data & C.SECCOMP_RET_DATA : 0)) >>> 0;
}

/** The canonical value of what the kernel does for `value`: two values behave the same iff these are equal. */
export function normalizeAction(value: number): number {
  const d = decodeReturn(value);
  return returnValue(d.kind, d.data);
}

/** Short action name: `ALLOW`, `ERRNO(1)`, `KILL`, `KILL_PROCESS`, `TRAP`, `TRACE(5)`, `LOG`, `USER_NOTIF`. */
export function actionName(value: number): string {
  const d = decodeReturn(value);
  if (!d.known) return `KILL_PROCESS (unknown action 0x${(value >>> 0).toString(16)})`;
  const a = ACTIONS[d.kind];
  if (d.kind === 'TRAP') return d.data ? `TRAP(${d.data})` : 'TRAP';
  return a.maxData > 0 ? `${a.short}(${d.data})` : a.short;
}

/** True when the kernel lets the syscall run (ALLOW, LOG). */
export function isPermissive(value: number): boolean {
  const k = decodeReturn(value).kind;
  return k === 'ALLOW' || k === 'LOG';
}

/** True when the action sends SIGSYS (KILL_PROCESS, KILL_THREAD, TRAP). */
export function raisesSigsys(value: number): boolean {
  const k = decodeReturn(value).kind;
  return k === 'KILL_PROCESS' || k === 'KILL_THREAD' || k === 'TRAP';
}
