/**
 * `syswall run --explain`: say exactly which syscall a policy denied.
 *
 * The policy is compiled twice. The program the child runs keeps every
 * ALLOW and LOG decision in the kernel (so allowed calls stay in the kernel's
 * action cache and run at full speed) and turns every other decision
 * (ERRNO, KILL_*, TRAP, TRACE, USER_NOTIF, bad arch) into USER_NOTIF. The
 * supervisor then evaluates the *original* program on the same seccomp_data
 * to learn the decision the policy makes, prints one strace-like line, and
 * applies that decision faithfully:
 *
 * - ERRNO(n): the call fails with n;
 * - KILL_PROCESS, KILL_THREAD and TRAP: the process is killed with SIGKILL
 *   (which no handler can catch: a SIGSYS sent from user space could be, and
 *   user space cannot kill one thread or raise the kernel's synchronous
 *   SIGSYS); the call never runs, and `syswall run --explain` exits as a
 *   seccomp kill would (159);
 * - TRACE and USER_NOTIF: with no tracer or supervisor the kernel returns
 *   ENOSYS, and so do we.
 */
import { writeSync } from 'node:fs';
import type { ArchInfo } from '../core/arch/arches.js';
import { archesByToken } from '../core/arch/arches.js';
import { IPC_SUBCALLS, isKnownSyscall, SOCKETCALL_SUBCALLS } from '../core/arch/syscalls.js';
import * as C from '../core/bpf/constants.js';
import { errnoWhy, openOutput, type OutputFile } from './output.js';
import { runProgram } from '../core/bpf/interpreter.js';
import { compilePolicy, type CompileOptions, type CompiledFilter } from '../core/compile/index.js';
import { formatReturn } from '../core/decode/format.js';
import { decodeReturn, isPermissive } from '../core/bpf/actions.js';
import { actionFromValue, actionValue, formatAction } from '../core/policy/actions.js';
import { conditionHolds } from '../core/policy/evaluate.js';
import { ERRNO } from '../core/arch/errno.js';
import type { Policy, Rule } from '../core/policy/types.js';
import type { Decision, SyscallEvent } from './supervisor.js';
import type { Instruction } from '../core/bpf/instruction.js';

const ENOSYS = ERRNO.ENOSYS;
const ENOSYS_DEFAULT_BY = 'default for syscalls the table does not know';

/** One explained call (also the JSON line written with `--explain-json`). */
export interface ExplainedCall {
  pid: number;
  arch: string | null;
  syscall: string;
  nr: number;
  args: string[];
  text: string;
  action: string;
  /** The rule that decided, e.g. `rule 12 ($.syscalls[11])`, or `default action` / `bad arch`. */
  by: string;
  outcome: string;
}

export interface ExplainOptions {
  /** Where the lines go (default: process.stderr's fd 2). */
  write?: (line: string) => void;
  /** Also write one JSON object per call to this file. */
  jsonPath?: string;
  /**
   * A guard to put in front of both programs (e.g. the built-in default's
   * socketcall guard): `deny` is what it returns, the routed program's copy
   * answers USER_NOTIF instead so the call is explained too.
   */
  guard?: (program: readonly Instruction[], deny: number) => Instruction[];
}

/** An explain session: the program to run, the callback, and the summary. */
export interface ExplainSession {
  /** The filter the child runs (denials become USER_NOTIF). */
  readonly filter: CompiledFilter;
  /** The filter as the policy wrote it (used to decide). */
  readonly original: CompiledFilter;
  onSyscall(event: SyscallEvent): Decision;
  /** Counts per syscall and action. */
  readonly counts: Map<string, number>;
  /** Summary lines for the end of the run. */
  summary(): string[];
  close(): void;
}


/**
 * The policy compiled with every decision that is not ALLOW or LOG turned
 * into USER_NOTIF: what `--explain` and `checkProfile` run. Nothing else is
 * added: the supervisor holds the listener before the command runs (see
 * native/helper_exec.c), so no call of ours needs a pass, and spawn() puts
 * the listener guard in front (src/node/isolation.ts).
 */
export function routedFilter(policy: Policy, compileOptions: CompileOptions = {}): CompiledFilter {
  return compilePolicy(policy, { ...compileOptions, mapAction: (v) => (isPermissive(v) ? v : C.SECCOMP_RET_USER_NOTIF) });
}

/** Prepares `--explain` for a policy. */
export function explainSession(policy: Policy, compileOptions: CompileOptions = {}, options: ExplainOptions = {}): ExplainSession {
  let original = compilePolicy(policy, compileOptions);
  let filter = routedFilter(policy, compileOptions);
  if (options.guard) {
    const deny = actionValue(policy.defaultAction);
    original = { ...original, instructions: options.guard(original.instructions, isPermissive(deny) ? (C.SECCOMP_RET_ERRNO | 1) >>> 0 : deny) };
    filter = { ...filter, instructions: options.guard(filter.instructions, C.SECCOMP_RET_USER_NOTIF) };
  }
  const write = options.write ?? ((line: string) => writeSync(2, line + '\n'));
  let json: OutputFile | undefined = options.jsonPath ? openOutput(options.jsonPath) : undefined;
  const counts = new Map<string, number>();

  const onSyscall = (ev: SyscallEvent): Decision => {
    const v = explainCall(policy, original, ev);
    const key = `${ev.name}\t${v.call.action}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    write(`syswall: ${v.text}`);
    if (json) {
      // A full disk must not change the decision (the policy's action is still applied): say so once and stop writing.
      try {
        json.write(JSON.stringify(v.call) + '\n');
      } catch (e) {
        json.abort();
        json = undefined;
        write(`syswall: error: cannot write ${options.jsonPath}: ${errnoWhy(e).why} (--explain-json stops here; the command goes on under the same policy)`);
      }
    }
    return v.decision;
  };

  return {
    filter,
    original,
    onSyscall,
    counts,
    summary() {
      if (counts.size === 0) return ['syswall: explain: no syscall was denied'];
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const lines = [`syswall: explain: ${total} denied call${total === 1 ? '' : 's'}:`];
      for (const [key, n] of [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
        const [name, label] = key.split('\t');
        lines.push(`syswall:   ${String(n).padStart(6)}  ${name} ${label}`);
      }
      return lines;
    },
    close() {
      json?.commit();
    },
  };
}

/** The policy's verdict on one routed call, as `run --explain` and the seccomp agent report it. */
export interface ExplainVerdict {
  /** False when the policy allows the call (it was routed anyway): let it continue, nothing to explain. */
  readonly denied: boolean;
  readonly decision: Decision;
  readonly call: ExplainedCall;
  /** `[pid N] mkdir("/x", 0777) = -1 EPERM (Operation not permitted) (ERRNO(EPERM) by rule 3 ($.syscalls[2]))`. */
  readonly text: string;
}

/** Options of {@link explainCall}. */
export interface ExplainCallOptions {
  /** How to name an ENOSYS no rule gave (default: the `unknown` ENOSYS mode's wording). */
  enosysBy?: string;
}

/**
 * Decides a routed call by the policy's original program (evaluated on the
 * call's seccomp_data, registers only) and words it: the decision to apply,
 * the JSON record and the line.
 */
export function explainCall(policy: Policy, original: { readonly instructions: readonly Instruction[]; readonly endian: CompiledFilter['endian'] }, ev: SyscallEvent, options: ExplainCallOptions = {}): ExplainVerdict {
  const arch = ev.arch ?? archesByToken(ev.archToken)[0];
  const endian = arch?.endian ?? original.endian;
  const value = runProgram(original.instructions, { nr: ev.nr, arch: ev.archToken, ip: ev.ip, args: ev.args }, endian) >>> 0;
  const action = actionFromValue(value);
  let by = attribute(policy, arch, ev, value);
  if (options.enosysBy && by === ENOSYS_DEFAULT_BY) by = options.enosysBy;
  let decision: Decision;
  let outcome: string;
  let denied = true;
  switch (action.kind) {
    case 'ERRNO':
      decision = { errno: action.data ?? 0 };
      outcome = formatReturn({ errno: action.data ?? 0 });
      break;
    case 'ALLOW':
    case 'LOG':
      decision = { continue: true };
      outcome = '= (allowed)';
      denied = false;
      break;
    case 'TRACE':
    case 'USER_NOTIF':
      decision = { errno: ENOSYS };
      outcome = `${formatReturn({ errno: ENOSYS })} [${action.kind}: no tracer or supervisor]`;
      break;
    default: // KILL_PROCESS, KILL_THREAD, TRAP
      decision = { kill: true };
      outcome = `= ? killed by seccomp${action.kind === 'KILL_PROCESS' ? '' : ` (${action.kind} acts on the whole process under --explain)`}`;
  }
  const label = formatAction(action, { errnoNames: true });
  // Reading the caller's memory only when there is something to explain.
  const text = denied ? safeFormat(ev) : `${ev.name}(...)`;
  const call: ExplainedCall = {
    pid: ev.pid, arch: arch?.name ?? null, syscall: ev.name, nr: ev.nr, args: ev.args.map((a) => '0x' + a.toString(16)),
    text, action: label, by, outcome,
  };
  return { denied, decision, call, text: `[pid ${ev.pid}] ${text} ${outcome} (${label} by ${by})` };
}

function safeFormat(ev: SyscallEvent): string {
  try {
    return ev.format();
  } catch {
    return `${ev.name}(${ev.args.map((a) => '0x' + a.toString(16)).join(', ')})`;
  }
}

/** Which rule made the decision (best effort: the first rule for the syscall whose conditions hold and whose action gave `value`). */
function attribute(policy: Policy, arch: ArchInfo | undefined, ev: SyscallEvent, value: number): string {
  if (!arch || !policy.arches.includes(arch.name)) return 'bad arch (the policy does not cover this arch)';
  const bits = arch.bits;
  for (let i = 0; i < policy.rules.length; i++) {
    const r: Rule = policy.rules[i];
    // On multiplexing arches socket/IPC rules also match socketcall/ipc with a0 = the sub-call (a0 conditions replaced).
    const muxed = (ev.name === 'socketcall' && typeof r.syscall === 'string' && SOCKETCALL_SUBCALLS[r.syscall] === Number(ev.args[0])) ||
      (ev.name === 'ipc' && typeof r.syscall === 'string' && IPC_SUBCALLS[r.syscall] === Number(ev.args[0] & 0xffffn));
    const matchesName = typeof r.syscall === 'number' ? r.syscall === ev.nr : r.syscall === ev.name || muxed;
    if (!matchesName) continue;
    if (!r.conditions.every((c) => (muxed && c.arg === 0) || conditionHolds(c, ev.args[c.arg] ?? 0n, bits))) continue;
    if (actionValue(r.action) !== value) continue;
    const where = r.origin?.location?.path ?? (r.origin?.index !== undefined ? `syscalls[${r.origin.index}]` : r.origin?.comment);
    return `rule ${i + 1}${where ? ` (${where})` : ''}`;
  }
  const d = decodeReturn(value);
  // ENOSYS is the compiler's answer for numbers its table does not know; a known syscall got the default action.
  if (d.kind === 'ERRNO' && d.data === ENOSYS && !isKnownSyscall(ev.name) && (policy.defaultAction.kind !== 'ERRNO' || policy.defaultAction.data !== ENOSYS)) return ENOSYS_DEFAULT_BY;
  return 'default action';
}
