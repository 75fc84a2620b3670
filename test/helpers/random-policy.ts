/** Random policies and inputs for differential tests (deterministic from a seed). */
import { ARCHES, resolveArch, X32_SYSCALL_BIT, type ArchName } from '../../src/core/arch/arches.js';
import { syscallNumber } from '../../src/core/arch/syscalls.js';
import type { Action, CmpOp, Condition, Policy, Rule } from '../../src/core/policy/types.js';

/** A small deterministic PRNG (xorshift32) so failures reproduce from the seed. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => next() % n,
    pick: <T>(a: readonly T[]): T => a[next() % a.length],
    big: () => (BigInt(next()) << 32n) | BigInt(next()),
    chance: (p: number) => next() / 0x100000000 < p,
  };
}

const LE_GROUPS: ArchName[][] = [['x86_64'], ['x86'], ['x32'], ['x86_64', 'x86', 'x32'], ['x86_64', 'x32'], ['aarch64', 'arm'], ['riscv64'], ['mipsel', 'mipsel64', 'mipsel64n32'], ['ppc64le'], ['x86', 'x86_64']];
const BE_GROUPS: ArchName[][] = [['s390x', 's390'], ['s390x'], ['ppc64', 'ppc'], ['mips', 'mips64', 'mips64n32'], ['parisc', 'parisc64'], ['mips64']];
const NAMES = ['read', 'write', 'openat', 'open', 'close', 'mmap', 'mprotect', 'socket', 'connect', 'accept', 'sendto', 'recvmsg', 'semop', 'shmat', 'msgget', 'clone', 'kill', 'ioctl', 'fcntl', 'prctl', 'mkdir', 'personality', 'futex', 'getpid', 'chown32', '_llseek', 'exit_group', 'socketcall', 'ipc', 'fstat'];
const OPS: CmpOp[] = ['NE', 'LT', 'LE', 'EQ', 'GE', 'GT', 'MASKED_EQ'];
const M64 = (1n << 64n) - 1n;
const SPECIAL = [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 0x7fffffffffffffffn, 0x8000000000000000n, M64, M64 - 1n, 0xffffffff00000000n];

export function randomAction(r: ReturnType<typeof rng>): Action {
  switch (r.int(8)) {
    case 0: return { kind: 'KILL_PROCESS' };
    case 1: return { kind: 'KILL_THREAD' };
    case 2: return { kind: 'TRAP' };
    case 3: return { kind: 'ERRNO', data: r.int(4096) };
    case 4: return { kind: 'TRACE', data: r.int(65536) };
    case 5: return { kind: 'LOG' };
    case 6: return { kind: 'ALLOW' };
    default: return { kind: 'ERRNO', data: 1 + r.int(3) };
  }
}

function randomValue(r: ReturnType<typeof rng>): bigint {
  const c = r.int(4);
  if (c === 0) return r.pick(SPECIAL);
  if (c === 1) return BigInt(r.int(16));
  if (c === 2) return (r.pick(SPECIAL) + BigInt(r.int(3)) - 1n) & M64;
  return r.big();
}

export function randomPolicy(seed: number): Policy {
  const r = rng(seed);
  const arches = r.pick(r.chance(0.7) ? LE_GROUPS : BE_GROUPS);
  const names = Array.from({ length: 1 + r.int(4) }, () => r.pick(NAMES));
  const defaultAction = randomAction(r);
  const rules: Rule[] = [];
  const n = r.int(10);
  for (let i = 0; i < n; i++) {
    const conditions: Condition[] = [];
    const nc = r.chance(0.25) ? 0 : r.int(7);
    const used = new Set<number>();
    for (let j = 0; j < nc; j++) {
      const arg = r.int(6);
      if (used.has(arg)) continue;
      used.add(arg);
      const op = r.pick(OPS);
      conditions.push(op === 'MASKED_EQ' ? { arg, op, mask: r.chance(0.5) ? r.pick(SPECIAL) : r.big(), value: randomValue(r) } : { arg, op, value: randomValue(r) });
    }
    conditions.sort((a, b) => a.arg - b.arg);
    let action = randomAction(r);
    if (action.kind === defaultAction.kind && action.data === defaultAction.data) action = { kind: action.kind === 'ALLOW' ? 'LOG' : 'ALLOW' };
    rules.push({ syscall: r.pick(names), action, conditions });
  }
  return { defaultAction, badArchAction: r.pick([{ kind: 'KILL_THREAD' }, { kind: 'KILL_PROCESS' }, { kind: 'ERRNO', data: 9 }] as Action[]), arches, rules };
}

/** Inputs around every constant the policy compares, for every arch and rule syscall. */
export function inputsFor(p: Policy, seed: number, count: number) {
  const r = rng(seed ^ 0x9e3779b9);
  const values = new Set<bigint>(SPECIAL);
  for (const rule of p.rules) {
    for (const c of rule.conditions) {
      for (const v of [c.value, c.mask ?? 0n]) {
        for (const d of [-1n, 0n, 1n]) values.add((v + d) & M64);
        values.add(v & 0xffffffffn);
        values.add((v >> 32n) << 32n);
        values.add((((v >> 32n) + 1n) << 32n | (v & 0xffffffffn)) & M64);
      }
    }
  }
  const vals = [...values];
  const out: { arch: number; nr: number; args: bigint[]; endian: 'little' | 'big' }[] = [];
  const arches = p.arches.map((a) => resolveArch(a));
  for (let i = 0; i < count; i++) {
    const arch = r.chance(0.05) ? ARCHES.arm : r.pick(arches);
    let nr: number;
    const c = r.int(10);
    if (c < 6) {
      const name = r.pick(p.rules.length ? p.rules.map((x) => x.syscall as string) : ['read']);
      nr = syscallNumber(arch, name) ?? (arch.socketcall ?? r.int(500));
      if (r.chance(0.3) && arch.socketcall !== undefined) nr = r.pick([arch.socketcall, arch.ipc!]);
    } else if (c === 6) nr = r.int(600);
    else if (c === 7) nr = (X32_SYSCALL_BIT + r.int(600)) >>> 0;
    else if (c === 8) nr = 0xffffffff;
    else nr = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000]);
    const args = Array.from({ length: 6 }, () => (r.chance(0.8) ? r.pick(vals) : r.big()));
    out.push({ arch: arch.token, nr, args, endian: arches[0].endian });
  }
  return out;
}

