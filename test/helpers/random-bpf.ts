/**
 * Seeded generators of random seccomp BPF programs and inputs, shared by the
 * interpreter property tests and the kernel differential test.
 *
 * Programs are kernel-valid by construction (forward in-range jumps, legal
 * opcodes and constants, scratch memory written before read as the kernel's
 * check wants) and look like real filters: they load nr, arch and argument
 * words, compare them against constants that the inputs also use (so both
 * branches get taken), do some arithmetic, and return distinct values so the
 * path taken is visible from the result.
 */
import * as C from '../../src/core/bpf/constants.js';
import type { Instruction } from '../../src/core/bpf/instruction.js';
import type { SeccompData } from '../../src/core/bpf/data.js';
import { validateProgram } from '../../src/core/bpf/validate.js';

/** Small fast seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.u32() / 0x100000000) * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;

/** x86_64 syscalls that ignore their arguments and return >= 0: harmless to really execute. */
export const HARMLESS_NRS: readonly number[] = [39, 110, 102, 104, 107, 108, 186, 24, 111];
/** Numbers no x86_64 kernel implements (ENOSYS when allowed). */
export const BOGUS_NRS: readonly number[] = [1000, 1001, 1023, 4000, 0x40000400, 0x7fffffff, 0x80000000, 0xffffffff];

export interface ProgramOptions {
  /** Length range (the final `ret` included). Default 2..48, occasionally up to 400. */
  minLength?: number;
  maxLength?: number;
  /** Load the instruction pointer words too (not for kernel tests). Default false. */
  allowIp?: boolean;
  /** Return values: `kernel` = distinct ERRNOs plus a few ALLOW/KILL/TRAP; `any` = random u32. Default `kernel`. */
  returns?: 'kernel' | 'any';
}

const ALU_OPS = [C.BPF_ADD, C.BPF_SUB, C.BPF_MUL, C.BPF_DIV, C.BPF_AND, C.BPF_OR, C.BPF_XOR, C.BPF_LSH, C.BPF_RSH];
const JMP_OPS = [C.BPF_JEQ, C.BPF_JGT, C.BPF_JGE, C.BPF_JSET];

/** Constants programs compare with and inputs are built from. */
export function constantPool(rng: Rng): number[] {
  const pool = [
    ...HARMLESS_NRS,
    ...BOGUS_NRS,
    AUDIT_ARCH_X86_64,
    AUDIT_ARCH_I386,
    0,
    1,
    2,
    31,
    32,
    33,
    64,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0xfffffffe,
  ];
  for (let i = 0; i < 6; i++) pool.push(rng.u32());
  for (let i = 0; i < 4; i++) pool.push(rng.int(0, 300));
  return pool;
}

function jumpOffset(rng: Rng, max: number): number {
  const m = Math.min(255, max);
  if (m <= 0) return 0;
  return rng.chance(0.6) ? rng.int(0, Math.min(3, m)) : rng.int(0, m);
}

/** A random kernel-valid program. */
export function randomProgram(rng: Rng, pool: readonly number[], options: ProgramOptions = {}): Instruction[] {
  const minLength = options.minLength ?? 2;
  const maxLength = options.maxLength ?? (rng.chance(0.1) ? 400 : 48);
  const n = rng.int(minLength, Math.max(minLength, maxLength));
  const wordOffsets = [0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60];
  if (options.allowIp) wordOffsets.push(8, 12);
  let errno = 1 + rng.int(0, 3000);
  const retValue = (): number => {
    if (options.returns === 'any') return rng.u32();
    const r = rng.u32() % 100;
    if (r < 72) return (C.SECCOMP_RET_ERRNO | (errno++ % 4095 + 1)) >>> 0;
    if (r < 82) return C.SECCOMP_RET_ALLOW;
    if (r < 86) return C.SECCOMP_RET_KILL_PROCESS;
    if (r < 90) return C.SECCOMP_RET_KILL_THREAD;
    return (C.SECCOMP_RET_TRAP | rng.int(0, 0xffff)) >>> 0;
  };
  const k = (): number => (rng.chance(0.85) ? rng.pick(pool) : rng.u32());
  const out: Instruction[] = [];
  const ins = (code: number, kk = 0, jt = 0, jf = 0): Instruction => ({ code, jt, jf, k: kk >>> 0 });
  for (let pc = 0; pc < n - 1; pc++) {
    const room = n - 2 - pc; // largest offset that still lands on an instruction
    const r = rng.u32() % 1000;
    let next: Instruction;
    if (r < 200) next = ins(C.BPF_LD | C.BPF_W | C.BPF_ABS, rng.chance(0.4) ? 0 : rng.pick(wordOffsets));
    else if (r < 430) next = ins(C.BPF_JMP | rng.pick(JMP_OPS) | C.BPF_K, k(), jumpOffset(rng, room), jumpOffset(rng, room));
    else if (r < 470) next = ins(C.BPF_JMP | rng.pick(JMP_OPS) | C.BPF_X, 0, jumpOffset(rng, room), jumpOffset(rng, room));
    else if (r < 490) next = ins(C.BPF_JMP | C.BPF_JA, room <= 0 ? 0 : rng.chance(0.7) ? rng.int(0, Math.min(3, room)) : rng.int(0, room));
    else if (r < 590) {
      const op = rng.pick(ALU_OPS);
      let kk = k();
      if (op === C.BPF_DIV && kk === 0) kk = 3;
      if (op === C.BPF_LSH || op === C.BPF_RSH) kk = rng.int(0, 31);
      next = ins(C.BPF_ALU | op | C.BPF_K, kk);
    } else if (r < 640) next = ins(C.BPF_ALU | rng.pick(ALU_OPS) | C.BPF_X);
    else if (r < 650) next = ins(C.BPF_ALU | C.BPF_NEG);
    else if (r < 690) next = ins(rng.pick([C.BPF_LD, C.BPF_LDX]) | C.BPF_IMM, k());
    else if (r < 700) next = ins(rng.pick([C.BPF_LD, C.BPF_LDX]) | C.BPF_W | C.BPF_LEN);
    else if (r < 750) next = ins(rng.pick([C.BPF_ST, C.BPF_STX]), rng.int(0, 15));
    else if (r < 800) next = ins(rng.pick([C.BPF_LD, C.BPF_LDX]) | C.BPF_MEM, rng.int(0, 15));
    else if (r < 860) next = ins(C.BPF_MISC | rng.pick([C.BPF_TAX, C.BPF_TXA]));
    else if (r < 990) next = ins(C.BPF_RET | C.BPF_K, retValue());
    else next = ins(C.BPF_RET | C.BPF_A);
    out.push(next);
  }
  out.push(ins(C.BPF_RET | C.BPF_K, retValue()));
  return repairScratchReads(out);
}

/** Turns reads of possibly unwritten scratch cells into writes until the kernel's check passes. */
export function repairScratchReads(program: Instruction[]): Instruction[] {
  for (let round = 0; round < 64; round++) {
    const issues = validateProgram(program);
    if (issues.length === 0) return program;
    for (const issue of issues) {
      if (issue.rule !== 'mem-uninit' || issue.pc === undefined) throw new Error(`generator bug: ${issue.rule}: ${issue.message}`);
      const old = program[issue.pc];
      program[issue.pc] = { code: old.code === (C.BPF_LD | C.BPF_MEM) ? C.BPF_ST : C.BPF_STX, jt: 0, jf: 0, k: old.k };
    }
  }
  throw new Error('generator bug: scratch repair did not converge');
}

export interface InputOptions {
  /** Syscall numbers to choose from (default: the pool). */
  nrs?: readonly number[];
  /** Arch tokens to choose from (default x86_64, sometimes i386/aarch64). */
  arches?: readonly number[];
  /** Random instruction pointer (default 0). */
  ip?: boolean;
}

/** A random seccomp_data whose words often equal constants of the pool. */
export function randomInput(rng: Rng, pool: readonly number[], options: InputOptions = {}): SeccompData {
  const nr = rng.pick(options.nrs ?? pool);
  const arch = rng.pick(options.arches ?? [AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64]);
  const word = (): number => (rng.chance(0.7) ? rng.pick(pool) : rng.u32());
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) {
    const r = rng.u32() % 10;
    if (r < 2) args.push(0n);
    else if (r < 4) args.push(BigInt(word()));
    else if (r < 8) args.push((BigInt(word()) << 32n) | BigInt(word()));
    else args.push(rng.u64());
  }
  const data: SeccompData = { nr, arch, args };
  if (options.ip) data.ip = rng.u64();
  return data;
}

/** All opcodes the kernel's classic table or seccomp might see, plus junk, for mutation. */
const MUTANT_CODES: readonly number[] = [
  ...Array.from({ length: 256 }, (_, i) => i),
  0x100, 0x106, 0x8000, 0xffff,
];

/**
 * A random mutation of a program: a changed opcode, constant or jump offset,
 * a dropped final `ret`, or a program of a boundary length. Often invalid.
 */
export function mutateProgram(rng: Rng, program: readonly Instruction[]): Instruction[] {
  const out = program.map((i) => ({ ...i }));
  const n = out.length;
  const pc = rng.int(0, n - 1);
  const interestingK = [0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 31, 32, 33, 60, 61, 62, 63, 64, 68, 0xfffff000, 0xfffff004, 0xffffffff, rng.u32()];
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
    case 2:
      out[pc] = { ...out[pc], code: rng.pick(MUTANT_CODES) };
      break;
    case 3:
    case 4:
      out[pc] = { ...out[pc], k: rng.pick(interestingK) >>> 0 };
      break;
    case 5:
      out[pc] = { ...out[pc], code: rng.pick(MUTANT_CODES), k: rng.pick(interestingK) >>> 0 };
      break;
    case 6: {
      const room = n - 1 - pc;
      const off = rng.pick([room - 1, room, room + 1, 255, rng.int(0, 255)].filter((v) => v >= 0 && v <= 255));
      if (rng.chance(0.5)) out[pc] = { ...out[pc], jt: off };
      else out[pc] = { ...out[pc], jf: off };
      break;
    }
    case 7:
      if (n > 1) out.pop();
      else out[0] = { ...out[0], code: C.BPF_LD | C.BPF_IMM };
      break;
    case 8: {
      // ld/st M[k] shuffles: reads of unwritten memory, indexes >= 16.
      const code = rng.pick([C.BPF_LD | C.BPF_MEM, C.BPF_LDX | C.BPF_MEM, C.BPF_ST, C.BPF_STX]);
      out[pc] = { code, jt: 0, jf: 0, k: rng.pick([0, 1, 5, 15, 16, 31, 32]) };
      break;
    }
    default: {
      const room = n - 1 - pc;
      out[pc] = { code: C.BPF_JMP | C.BPF_JA, jt: 0, jf: 0, k: rng.pick([room - 1, room, room + 1, 0xffffffff].map((v) => Math.max(0, v) >>> 0)) };
    }
  }
  return out;
}
