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
 * - {@link sandboxGuard}: the filter installed before every program a
 *   command runs under: it refuses terminal input injection (ioctl
 *   TIOCSTI/TIOCLINUX) and signals to the process group (kill(0, ...)).
 * - {@link withListenerGuard}: the prefix every supervised program carries,
 *   refusing seccomp(SECCOMP_SET_MODE_FILTER) with NEW_LISTENER in the
 *   kernel, so that nothing in the sandbox can create a second listener and
 *   answer its own notifications.
 * - {@link holdUnreachable}: this process is non-dumpable while a sandbox it
 *   started is alive, and never starts its inspector on SIGUSR1 once it has
 *   started one.
 *
 * isolationSupport and holdUnreachable live in isolation-support.ts
 * (re-exported here), without the program analysis this module loads:
 * `syswall run`'s start-up needs only them.
 */
import { ARCHES, type ArchInfo, type ArchName } from '../core/arch/arches.js';
import { syscallNumber } from '../core/arch/syscalls.js';
import * as C from '../core/bpf/constants.js';
import { argWordOffset } from '../core/bpf/data.js';
import { jump, loadAbs, readsInitialRegisters, ret, stmt, type Instruction } from '../core/bpf/instruction.js';
import { runProgram } from '../core/bpf/interpreter.js';
import { runnableArches } from '../core/policy/recording.js';
import { analyzeProgram, archDecisionFor, segmentFor } from '../core/symbolic/symbolic.js';
import { SyswallError } from '../core/errors.js';
import { hostArch } from './host.js';

export { isolationSupport, holdUnreachable, type IsolationSupport } from './isolation-support.js';

const EBUSY = 16;

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

/** One test on the low 32 bits of an argument (the kernel reads these as unsigned int). */
export type GuardTest =
  | { readonly arg: number; readonly op: 'eq' | 'set'; readonly value: number }
  | { readonly arg: number; readonly op: 'in'; readonly values: readonly number[] };

/** One call a guard answers in the kernel before the program sees it. */
export interface GuardCase {
  /** The syscall, on every arch of the guard that has it. */
  readonly syscall: string;
  /** Only on these arches (default: every arch of the guard), for calls whose argument values differ by arch. */
  readonly arches?: readonly ArchName[];
  /** Tests on arguments, all of which must hold. */
  readonly tests: readonly GuardTest[];
  /** The return value (a SECCOMP_RET_* action with its data). */
  readonly ret: number;
}

/**
 * `program` behind a prefix that answers the calls of `cases` on `arches`
 * (x32 numbers under the x86_64 token included) and hands every other call to
 * `program` unchanged, with A and X as at a program's start (reset to 0
 * where the program reads them before writing them).
 */
export function withGuard(program: readonly Instruction[], cases: readonly GuardCase[], arches: readonly ArchInfo[] = runnableArches(hostArch())): Instruction[] {
  // The data layout of the arches guarded (the host's first; its compat arches share its byte order).
  const endian = (arches[0] ?? hostArch()).endian;
  // Per arch token: (syscall number, case) pairs.
  const byToken = new Map<number, { nr: number; c: GuardCase }[]>();
  for (const a of arches) {
    for (const c of cases) {
      if (c.arches && !c.arches.includes(a.name)) continue;
      const nr = syscallNumber(a, c.syscall);
      if (nr === undefined) continue;
      const list = byToken.get(a.token) ?? [];
      if (list.some((x) => x.nr === nr && x.c !== c)) {
        // The first check of a number decides alone (a failed check runs the program).
        throw new SyswallError('GUARD_LAYOUT', `guard: two cases for syscall ${nr} on arch ${a.name}`, { kind: 'runtime' });
      }
      if (!list.some((x) => x.nr === nr)) list.push({ nr, c });
      byToken.set(a.token, list);
    }
  }
  const tokens = [...byToken.keys()];
  // Layout: ld arch; [jeq token -> section]; ja start
  //   section: ld nr; [jeq nr -> check]; ja start
  //   check: [ld arg; jeq/jset value ? next : start]...; ret
  //   start: [ld #0; ldx #0, for a program that reads them first]; program
  const checkLen = (c: GuardCase) => c.tests.reduce((n, t) => n + (t.op === 'in' ? 1 + t.values.length : 2), 0) + 1;
  const sectionLen = (list: { nr: number }[]) => 1 + list.length + 1;
  let at = 1 + tokens.length + 1;
  const sectionAt = tokens.map((t) => {
    const here = at;
    at += sectionLen(byToken.get(t)!);
    return here;
  });
  const checkAt = new Map<GuardCase, number>();
  for (const c of cases) {
    if (![...byToken.values()].some((l) => l.some((x) => x.c === c))) continue;
    checkAt.set(c, at);
    at += checkLen(c);
  }
  const startAt = at;
  const out: Instruction[] = [];
  const rel = (target: number) => {
    const off = target - out.length - 1;
    if (off < 0 || off > 255) throw new SyswallError('GUARD_LAYOUT', `guard: jump offset ${off} out of range`, { kind: 'runtime' });
    return off;
  };
  out.push(loadAbs(C.SECCOMP_DATA_ARCH));
  tokens.forEach((t, i) => out.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, t, rel(sectionAt[i]), 0)));
  out.push(jump(C.BPF_JMP | C.BPF_JA | C.BPF_K, rel(startAt), 0, 0));
  for (const t of tokens) {
    out.push(loadAbs(C.SECCOMP_DATA_NR));
    for (const { nr, c } of byToken.get(t)!) out.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, nr >>> 0, rel(checkAt.get(c)!), 0));
    out.push(jump(C.BPF_JMP | C.BPF_JA | C.BPF_K, rel(startAt), 0, 0));
  }
  for (const c of cases) {
    if (!checkAt.has(c)) continue;
    for (const t of c.tests) {
      out.push(loadAbs(argWordOffset(t.arg, 'lo', endian)));
      if (t.op === 'in') {
        // jeq v1 ? past : next; ... jeq vk ? past : start
        t.values.forEach((v, i) => {
          const last = i === t.values.length - 1;
          out.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, v >>> 0, last ? 0 : t.values.length - 1 - i, last ? rel(startAt) : 0));
        });
      } else {
        out.push(jump(C.BPF_JMP | (t.op === 'eq' ? C.BPF_JEQ : C.BPF_JSET) | C.BPF_K, t.value >>> 0, 0, rel(startAt)));
      }
    }
    out.push(ret(c.ret >>> 0));
  }
  // A and X back to 0 for a program that reads them first (the guard's checks loaded A), and
  // not otherwise: the kernel's action cache gives up on a filter with `ld #k` on a syscall's
  // path, so every syscall would run the whole filter (docs/benchmarks.md, workload).
  const reads = readsInitialRegisters(program);
  if (reads.a) out.push(stmt(C.BPF_LD | C.BPF_IMM, 0));
  if (reads.x) out.push(stmt(C.BPF_LDX | C.BPF_IMM, 0));
  const total = out.length + program.length;
  if (total > C.BPF_MAXINSNS) {
    throw new SyswallError('PROGRAM_TOO_LARGE', `the program has ${program.length} instructions; with the ${out.length}-instruction guard syswall puts in front it would have ${total}, over the kernel's ${C.BPF_MAXINSNS}`, { kind: 'input' });
  }
  return [...out, ...program];
}

/** SECCOMP_SET_MODE_FILTER, seccomp(2)'s first argument. */
const SECCOMP_SET_MODE_FILTER = 1;
const EPERM = 1;

/**
 * seccomp(SECCOMP_SET_MODE_FILTER, flags with SECCOMP_FILTER_FLAG_NEW_LISTENER,
 * ...) answered with ERRNO(EBUSY) (the kernel's own answer while a listener
 * lives). Only the low 32 bits of the two arguments are compared, as the
 * kernel reads them. Another route to a listener does not exist:
 * prctl(PR_SET_SECCOMP) installs filters without one.
 */
const LISTENER_CASE: GuardCase = {
  syscall: 'seccomp',
  tests: [{ arg: 0, op: 'eq', value: SECCOMP_SET_MODE_FILTER }, { arg: 1, op: 'set', value: C.SECCOMP_FILTER_FLAG_NEW_LISTENER }],
  ret: (C.SECCOMP_RET_ERRNO | EBUSY) >>> 0,
};

/**
 * ioctl(fd, TIOCSTI, c) pushes c into a terminal's input queue, as if typed;
 * ioctl(fd, TIOCLINUX, TIOCL_PASTESEL...) pastes a console selection into it.
 * On a terminal the command inherited, the shell that started syswall reads
 * that input once the sandbox has ended and runs it unconfined (the kernel
 * allows TIOCSTI on one's controlling terminal unless dev.tty.legacy_tiocsti
 * is 0, and always with CAP_SYS_ADMIN). The request numbers by arch family
 * (asm-generic/ioctls.h and the arch headers that differ); the request is an
 * unsigned int, so the low 32 bits are compared.
 */
const TERMINAL_INJECTION: readonly { arches?: readonly ArchName[]; sti: number; linux: number }[] = [
  { arches: ['ppc', 'ppc64', 'ppc64le'], sti: 0x80017472, linux: 0x541c },
  { arches: ['mips', 'mipsel', 'mips64', 'mipsel64', 'mips64n32', 'mipsel64n32'], sti: 0x5472, linux: 0x5483 },
  { arches: ['sh', 'sheb'], sti: 0x40015412, linux: 0x4001541c },
];
const TERMINAL_CASES: readonly GuardCase[] = (() => {
  const special = new Set(TERMINAL_INJECTION.flatMap((t) => t.arches ?? []));
  const generic = (Object.keys(ARCHES) as ArchName[]).filter((n) => !special.has(n));
  return [{ arches: generic, sti: 0x5412, linux: 0x541c }, ...TERMINAL_INJECTION].map((t): GuardCase => ({
    syscall: 'ioctl',
    arches: t.arches ?? generic,
    tests: [{ arg: 1, op: 'in', values: [t.sti, t.linux] }],
    ret: (C.SECCOMP_RET_ERRNO | EPERM) >>> 0,
  }));
})();

/**
 * kill(0, sig) signals every process of the caller's process group, and a
 * PID namespace does not separate process groups: the command shares one
 * with syswall's own Node process and, in a pipeline or a script, with the
 * other processes of the job (a Node process among them opens its inspector
 * on SIGUSR1: code execution outside the sandbox). The command cannot name
 * that group any other way (getpgrp() reads 0 from inside the namespace; the
 * int argument is compared on its low 32 bits, as the kernel reads it).
 */
const PROCESS_GROUP_CASE: GuardCase = {
  syscall: 'kill',
  tests: [{ arg: 0, op: 'eq', value: 0 }],
  ret: (C.SECCOMP_RET_ERRNO | EPERM) >>> 0,
};

/**
 * The guard: a filter of its own that syswall-helper installs before every
 * policy's program a command runs under (spawn() hands it over with
 * `--guard`; docs/security.md). The kernel runs every installed filter and
 * keeps the most restrictive answer, so the guard only makes a policy
 * stricter (a policy that kills for these calls still kills), and it takes
 * none of the policy's 4,096 instructions. On every arch of `arches` (x32
 * included), everything else allowed:
 * - ioctl TIOCSTI and TIOCLINUX fail with EPERM: the command cannot type
 *   into the terminal it inherited (see TERMINAL_INJECTION);
 * - kill(0, sig) fails with EPERM: the command cannot signal the process
 *   group it shares with syswall and the rest of the job (see
 *   PROCESS_GROUP_CASE; kill(-1, sig) reaches only the PID namespace).
 */
export function sandboxGuard(arches: readonly ArchInfo[] = runnableArches(hostArch())): Instruction[] {
  return withGuard([ret(C.SECCOMP_RET_ALLOW)], [...TERMINAL_CASES, PROCESS_GROUP_CASE], arches);
}

/**
 * `program` behind a prefix that answers seccomp(SECCOMP_SET_MODE_FILTER,
 * flags with SECCOMP_FILTER_FLAG_NEW_LISTENER, ...) with ERRNO(EBUSY) (see
 * LISTENER_CASE): nothing in a supervised sandbox can make a second listener
 * and answer its own notifications once the supervisor is gone. A prefix of
 * the supervised program itself, not a part of {@link sandboxGuard}: the
 * guard is installed first, and would refuse the helper's own install of the
 * listener.
 */
export function withListenerGuard(program: readonly Instruction[], arches: readonly ArchInfo[] = runnableArches(hostArch())): Instruction[] {
  return withGuard(program, [LISTENER_CASE], arches);
}

/** socketcall(2)'s sub-call number of socket(2). */
const SYS_SOCKET = 1;

/**
 * `program` behind a guard that answers socketcall(SYS_SOCKET, ...) with
 * `ret` on the arches that multiplex socket calls (i386 on an x86_64 host).
 * The socket family is in memory there, out of any filter's reach, so a
 * policy that restricts socket(2) by family (Docker's default: no AF_ALG, no
 * AF_VSOCK) is open through socketcall; and a policy cannot say this itself
 * (libseccomp applies socket's rules to socketcall by dropping the family
 * condition). The built-in default runs with it.
 */
export function withSocketcallGuard(program: readonly Instruction[], ret: number, arches: readonly ArchInfo[] = runnableArches(hostArch())): Instruction[] {
  return withGuard(program, [{ syscall: 'socketcall', tests: [{ arg: 0, op: 'eq', value: SYS_SOCKET }], ret }], arches);
}
