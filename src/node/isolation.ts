/**
 * Keeping the sandboxed command away from syswall's own processes (the threat
 * model is in docs/security.md).
 *
 * - {@link isolationSupport}: whether this host lets syswall-helper start the
 *   command in new PID and mount namespaces (with a user namespace when it
 *   lacks CAP_SYS_ADMIN), probed once per process.
 * - {@link reachingSyscalls}: the syscalls a program allows that reach other
 *   processes (ptrace, process_vm_*); without namespaces such programs are
 *   refused.
 * - {@link withListenerGuard}: the prefix every supervised program carries,
 *   refusing seccomp(SECCOMP_SET_MODE_FILTER) with NEW_LISTENER in the kernel,
 *   so that nothing in the sandbox can create a second listener and answer
 *   its own notifications.
 * - {@link holdNonDumpable}: this process is non-dumpable while a sandbox it
 *   started is alive.
 */
import type { ArchInfo } from '../core/arch/arches.js';
import { syscallNumber } from '../core/arch/syscalls.js';
import * as C from '../core/bpf/constants.js';
import { argWordOffset } from '../core/bpf/data.js';
import { jump, loadAbs, ret, stmt, type Instruction } from '../core/bpf/instruction.js';
import { runProgram } from '../core/bpf/interpreter.js';
import { runnableArches } from '../core/policy/recording.js';
import { analyzeProgram, archDecisionFor, segmentFor } from '../core/symbolic/symbolic.js';
import { SyswallError } from '../core/errors.js';
import { errnoLabel } from './errors.js';
import { hostArch } from './host.js';
import { hasCapability, isolationProbe, setDumpable } from './native.js';

const CAP_SYS_ADMIN = 21;
const EBUSY = 16;

/** What the host allows for the sandbox's isolation. */
export interface IsolationSupport {
  /** The command can run in its own PID and mount namespaces with a fresh /proc. */
  readonly namespaces: boolean;
  /** That needs a user namespace (this process lacks CAP_SYS_ADMIN). */
  readonly userNamespace: boolean;
  /** Why not, when `namespaces` is false: the failing step and errno. */
  readonly reason?: string;
}

const probed = new Map<boolean, IsolationSupport>();

/**
 * Whether syswall-helper can isolate a command started by this process (or,
 * with `asOtherUser`, by a process that lacks CAP_SYS_ADMIN: spawn's `uid`
 * option). Probed once (a child in new namespaces mounts a /proc and exits).
 */
export function isolationSupport(asOtherUser = false): IsolationSupport {
  const userns = asOtherUser || !hasCapability(CAP_SYS_ADMIN);
  const cached = probed.get(userns);
  if (cached) return cached;
  const r = isolationProbe(userns);
  const what = userns ? 'a user namespace with PID and mount namespaces' : 'PID and mount namespaces';
  const support: IsolationSupport = r.ok
    ? { namespaces: true, userNamespace: userns }
    : { namespaces: false, userNamespace: userns, reason: `this host refuses ${what} (${r.step}: ${errnoLabel(r.errno)})` };
  probed.set(userns, support);
  return support;
}

/** Syscalls (by name) that give one process access to another's memory or registers. */
export const REACHING_SYSCALLS = ['ptrace', 'process_vm_readv', 'process_vm_writev'] as const;

/**
 * Which of `names` the program lets run (ALLOW or LOG) for some argument
 * values, on any of `arches` (exactly: the symbolic engine's decision
 * function, src/core/symbolic).
 */
export function letsThrough(program: readonly Instruction[], names: readonly string[], arches: readonly ArchInfo[] = runnableArches(hostArch())): string[] {
  const an = analyzeProgram(program, { archTokens: arches.map((a) => a.token) });
  const out = new Set<string>();
  for (const arch of arches) {
    const d = archDecisionFor(an, arch.token);
    for (const name of names) {
      const nr = syscallNumber(arch, name);
      if (nr === undefined) continue;
      const lets = segmentFor(d, nr).regions.some((r) => {
        if (r.value.t !== 'const') return true; // a computed return value: assume the worst
        const act = (r.value.v & C.SECCOMP_RET_ACTION_FULL) >>> 0;
        return act === C.SECCOMP_RET_ALLOW || act === C.SECCOMP_RET_LOG;
      });
      if (lets) out.add(name);
    }
  }
  return names.filter((n) => out.has(n));
}

/**
 * The syscalls of {@link REACHING_SYSCALLS} that `program` lets through on
 * any arch this host runs. Such a program, run without a PID namespace, lets
 * the command reach this user's other processes; syswall refuses it there.
 */
export function reachingSyscalls(program: readonly Instruction[], arches: readonly ArchInfo[] = runnableArches(hostArch())): string[] {
  return letsThrough(program, REACHING_SYSCALLS, arches);
}

/** Syscalls every command needs from its first instruction: the exec itself, and to report and exit. */
export const ESSENTIAL_SYSCALLS = ['execve', 'write', 'exit_group'] as const;

/**
 * When `program` denies execve on this host's arch for every argument value,
 * the message saying so (with write and exit_group when they are denied too),
 * else undefined: no command can start under such a filter.
 */
export function essentialDenial(program: readonly Instruction[]): string | undefined {
  const host = hostArch();
  // Fast path (every run): execve with zero arguments allowed.
  const nr = syscallNumber(host, 'execve');
  if (nr !== undefined) {
    const v = runProgram(program, { nr, arch: host.token, ip: 0n, args: [0n, 0n, 0n, 0n, 0n, 0n] }, host.endian) >>> 0;
    const act = (v & C.SECCOMP_RET_ACTION_FULL) >>> 0;
    if (act === C.SECCOMP_RET_ALLOW || act === C.SECCOMP_RET_LOG) return undefined;
  }
  const allowed = new Set(letsThrough(program, ESSENTIAL_SYSCALLS, [host]));
  if (allowed.has('execve')) return undefined;
  const others = ESSENTIAL_SYSCALLS.filter((n) => n !== 'execve' && !allowed.has(n));
  return `the policy denies execve${others.length ? ` (and ${others.join(', ')})` : ''} that any command needs`;
}

/** SECCOMP_SET_MODE_FILTER, seccomp(2)'s first argument. */
const SECCOMP_SET_MODE_FILTER = 1;

/**
 * `program` behind a prefix that answers seccomp(SECCOMP_SET_MODE_FILTER,
 * flags with SECCOMP_FILTER_FLAG_NEW_LISTENER, ...) with ERRNO(EBUSY) on every
 * arch of `arches` (the kernel's own answer while a listener lives), and hands
 * every other call to `program` unchanged (A and X reset to 0, as at a
 * program's start). Only the low 32 bits of the two arguments are compared:
 * the kernel reads both as unsigned int. Another route to a listener does not
 * exist: prctl(PR_SET_SECCOMP) installs filters without one.
 */
export function withListenerGuard(program: readonly Instruction[], arches: readonly ArchInfo[] = runnableArches(hostArch())): Instruction[] {
  // Per arch: the seccomp numbers (x32 calls arrive under the x86_64 token with the x32 bit set).
  const byToken = new Map<number, number[]>();
  for (const a of arches) {
    const nr = syscallNumber(a, 'seccomp');
    if (nr === undefined) continue;
    const list = byToken.get(a.token) ?? [];
    if (!list.includes(nr)) list.push(nr);
    byToken.set(a.token, list);
  }
  const endian = hostArch().endian;
  const lo0 = argWordOffset(0, 'lo', endian);
  const lo1 = argWordOffset(1, 'lo', endian);
  // Layout: ld arch; [jeq token_i -> section_i]; ja start
  //   section_i: ld nr; [jeq seccomp_nr -> check]; ja start
  //   check: ld a0; jeq SET_MODE_FILTER ? +1 : start; ld a1; jset NEW_LISTENER ? deny : start
  //   deny: ret ERRNO(EBUSY)
  //   start: ld #0; ldx #0; program...
  const tokens = [...byToken.keys()];
  const sections = tokens.map((t) => byToken.get(t)!);
  const headLen = 1 + tokens.length + 1;
  const sectionLen = (nrs: number[]) => 1 + nrs.length + 1;
  const sectionAt: number[] = [];
  let at = headLen;
  for (const nrs of sections) {
    sectionAt.push(at);
    at += sectionLen(nrs);
  }
  const checkAt = at;
  const denyAt = checkAt + 4;
  const startAt = denyAt + 1;
  const out: Instruction[] = [];
  const rel = (target: number) => {
    const off = target - out.length - 1;
    if (off < 0 || off > 255) throw new SyswallError('GUARD_LAYOUT', `listener guard: jump offset ${off} out of range`, { kind: 'runtime' });
    return off;
  };
  out.push(loadAbs(C.SECCOMP_DATA_ARCH));
  tokens.forEach((t, i) => out.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, t, rel(sectionAt[i]), 0)));
  out.push(jump(C.BPF_JMP | C.BPF_JA | C.BPF_K, rel(startAt), 0, 0));
  for (const nrs of sections) {
    out.push(loadAbs(C.SECCOMP_DATA_NR));
    for (const nr of nrs) out.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, nr >>> 0, rel(checkAt), 0));
    out.push(jump(C.BPF_JMP | C.BPF_JA | C.BPF_K, rel(startAt), 0, 0));
  }
  out.push(loadAbs(lo0));
  out.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, SECCOMP_SET_MODE_FILTER, 0, rel(startAt)));
  out.push(loadAbs(lo1));
  out.push(jump(C.BPF_JMP | C.BPF_JSET | C.BPF_K, C.SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, rel(startAt)));
  out.push(ret((C.SECCOMP_RET_ERRNO | EBUSY) >>> 0));
  out.push(stmt(C.BPF_LD | C.BPF_IMM, 0));
  out.push(stmt(C.BPF_LDX | C.BPF_IMM, 0));
  const total = out.length + program.length;
  if (total > C.BPF_MAXINSNS) {
    throw new SyswallError('PROGRAM_TOO_LARGE', `the program has ${program.length} instructions; with the ${out.length}-instruction listener guard a supervised sandbox needs it would have ${total}, over the kernel's ${C.BPF_MAXINSNS}`, { kind: 'input' });
  }
  return [...out, ...program];
}

let holders = 0;
let previous = true;

/**
 * Makes this process non-dumpable (nothing of the same user, without
 * CAP_SYS_PTRACE, can trace it or open its /proc/PID/mem) until the returned
 * release is called by every holder; then restores what it was.
 */
export function holdNonDumpable(): () => void {
  if (holders++ === 0) previous = setDumpable(false);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && previous) setDumpable(true);
  };
}
