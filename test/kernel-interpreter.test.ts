/**
 * Differential test against the running kernel: the interpreter must decide
 * exactly as seccomp(2) does, and the validator must accept exactly what
 * seccomp(2) accepts.
 *
 * Filters are only ever loaded in children of a small C harness
 * (test/kernel/seccomp-run.c, compiled with gcc at test time), one child per
 * case, never in the test runner. Random programs return distinct ERRNO
 * values, so the errno the syscall fails with names the `ret` the kernel
 * reached. Syscalls the filter lets through are harmless (getpid and
 * friends) or unimplemented numbers (ENOSYS). Set SYSWALL_KERNEL_SEED to
 * replay a failing seed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as C from '../src/core/bpf/constants.js';
import { encodeProgram } from '../src/core/bpf/codec.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import type { SeccompData } from '../src/core/bpf/data.js';
import { runProgram, traceProgram } from '../src/core/bpf/interpreter.js';
import { compileProgram } from '../src/core/bpf/jit.js';
import { validateProgram } from '../src/core/bpf/validate.js';
import { ROOT } from './helpers/cli.js';
import {
  AUDIT_ARCH_X86_64,
  BOGUS_NRS,
  HARMLESS_NRS,
  Rng,
  constantPool,
  mutateProgram,
  randomInput,
  randomProgram,
} from './helpers/random-bpf.js';

const ENOSYS = 38;
const SIGSYS = 31;
const MAX_ERRNO = 4095;

let dir: string;
let harness: string;

beforeAll(() => {
  if (process.platform !== 'linux') throw new Error('the kernel differential test needs Linux with seccomp');
  const probe = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('gcc is needed to build the kernel test harness: install build-essential (apt-get install build-essential)');
  }
  dir = mkdtempSync(join(tmpdir(), 'syswall-kernel-'));
  harness = join(dir, 'seccomp-run');
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-Werror', '-o', harness, join(ROOT, 'test', 'kernel', 'seccomp-run.c')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling test/kernel/seccomp-run.c failed (install build-essential and linux-libc-dev):\n${cc.stderr}`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Case {
  program: readonly Instruction[];
  /** Empty: load only. */
  inputs: readonly SeccompData[];
}

/** Runs the cases in the harness; one output line per input (or per load-only program). */
function runKernel(cases: readonly Case[]): string[] {
  const chunks: Uint8Array[] = [];
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return b;
  };
  chunks.push(u32(cases.length));
  let expected = 0;
  for (const c of cases) {
    chunks.push(u32(c.program.length), encodeProgram(c.program, 'little'), u32(c.inputs.length));
    expected += Math.max(1, c.inputs.length);
    for (const d of c.inputs) {
      const b = new Uint8Array(56);
      const v = new DataView(b.buffer);
      v.setUint32(0, d.nr >>> 0, true);
      for (let i = 0; i < 6; i++) v.setBigUint64(8 + 8 * i, BigInt.asUintN(64, d.args?.[i] ?? 0n), true);
      chunks.push(b);
    }
  }
  const input = Buffer.concat(chunks);
  const r = spawnSync(harness, [], { input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`harness failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== expected) throw new Error(`harness printed ${lines.length} lines, expected ${expected}: ${r.stderr}`);
  return lines;
}

/** What the kernel's observable outcome should be for a filter return value (x86_64, one filter, no tracer). */
function predict(ret: number, nr: number): string {
  const action = (ret & C.SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & C.SECCOMP_RET_DATA;
  const executed = HARMLESS_NRS.includes(nr) ? 'OK' : `ERR ${ENOSYS}`;
  switch (action) {
    case C.SECCOMP_RET_ERRNO: {
      const e = Math.min(data, MAX_ERRNO);
      return e === 0 ? 'OK' : `ERR ${e}`;
    }
    case C.SECCOMP_RET_TRAP:
      return `TRAP ${data} ${nr | 0}`;
    case C.SECCOMP_RET_ALLOW:
    case C.SECCOMP_RET_LOG:
      return executed;
    case C.SECCOMP_RET_TRACE: // no tracer: the syscall fails with ENOSYS
    case C.SECCOMP_RET_USER_NOTIF: // no listener: ENOSYS
      return `ERR ${ENOSYS}`;
    default: // KILL_PROCESS, KILL_THREAD and unknown actions kill
      return `SIG ${SIGSYS}`;
  }
}

/** Normalises a harness line (drops the value a harmless syscall returned). */
function observed(line: string): string {
  return line.startsWith('OK ') ? 'OK' : line;
}

function seedFromEnv(fallback: number): number {
  const s = process.env.SYSWALL_KERNEL_SEED;
  return s ? Number(s) >>> 0 : fallback;
}

function dump(program: readonly Instruction[]): string {
  return program.map((i, pc) => `${pc}: code=0x${i.code.toString(16)} jt=${i.jt} jf=${i.jf} k=0x${(i.k >>> 0).toString(16)}`).join('\n');
}

describe('interpreter vs kernel', () => {
  it('agrees with seccomp(2) on random valid programs', () => {
    const seed = seedFromEnv((Date.now() ^ 0x5eed) >>> 0);
    const rng = new Rng(seed);
    const cases: Case[] = [];
    const pools: number[][] = [];
    for (let p = 0; p < 320; p++) {
      const pool = constantPool(rng);
      const program = randomProgram(rng, pool);
      const nrs = [...HARMLESS_NRS, ...BOGUS_NRS];
      const inputs = Array.from({ length: 6 }, () => randomInput(rng, pool, { nrs, arches: [AUDIT_ARCH_X86_64] }));
      cases.push({ program, inputs });
      pools.push(pool);
    }
    const lines = runKernel(cases);
    let i = 0;
    let checked = 0;
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let argPaths = 0;
    let longest = 0;
    for (const c of cases) {
      const fast = compileProgram(c.program, 'little');
      for (const data of c.inputs) {
        const line = lines[i++];
        const ret = runProgram(c.program, data, 'little');
        const trace = traceProgram(c.program, data, 'little');
        expect(trace.ok && trace.action).toBe(ret);
        expect(fast.run(data)).toBe(ret);
        const want = predict(ret, data.nr);
        checked++;
        const kind = want.split(' ')[0] + (want === `ERR ${ENOSYS}` ? '-ENOSYS' : '');
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (trace.reads.some((off) => off >= 16)) argPaths++;
        longest = Math.max(longest, trace.steps);
        if (observed(line) !== want && failures.length < 3) {
          failures.push(
            `kernel said "${line}", interpreter returned 0x${ret.toString(16)} (expected "${want}") for nr=${data.nr} args=[${data.args?.map((a) => '0x' + a.toString(16)).join(', ')}] path=${trace.path.join(',')}\n${dump(c.program)}`,
          );
        }
      }
    }
    if (failures.length) throw new Error(`seed ${seed} (replay with SYSWALL_KERNEL_SEED=${seed}):\n${failures.join('\n\n')}`);
    expect(checked).toBe(320 * 6);
    // Every kind of outcome, and paths through argument checks, must be well represented.
    expect(kinds.get('ERR') ?? 0).toBeGreaterThan(600);
    for (const kind of ['SIG', 'OK', 'ERR-ENOSYS', 'TRAP']) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(15);
    expect(argPaths).toBeGreaterThan(200);
    expect(longest).toBeGreaterThan(10);
  });

  it('agrees with seccomp(2) on edge semantics (shifts by X >= 32, division by X = 0, wrap-around, ret a)', () => {
    const ld = (k: number) => ({ code: C.BPF_LD | C.BPF_W | C.BPF_ABS, jt: 0, jf: 0, k });
    const s = (code: number, k = 0) => ({ code, jt: 0, jf: 0, k: k >>> 0 });
    const errnoOfA = [s(C.BPF_ALU | C.BPF_AND | C.BPF_K, 0xfff), s(C.BPF_ALU | C.BPF_OR | C.BPF_K, C.SECCOMP_RET_ERRNO), s(C.BPF_RET | C.BPF_A)];
    const programs: Instruction[][] = [
      // A = arg0 << (arg1 & 63 via X), errno = low 12 bits of A
      [ld(16), s(C.BPF_MISC | C.BPF_TAX), ld(24), s(C.BPF_MISC | C.BPF_TAX), ld(16), s(C.BPF_ALU | C.BPF_LSH | C.BPF_X), ...errnoOfA],
      [ld(24), s(C.BPF_MISC | C.BPF_TAX), ld(16), s(C.BPF_ALU | C.BPF_RSH | C.BPF_X), ...errnoOfA],
      [ld(24), s(C.BPF_MISC | C.BPF_TAX), ld(16), s(C.BPF_ALU | C.BPF_DIV | C.BPF_X), ...errnoOfA],
      [ld(24), s(C.BPF_MISC | C.BPF_TAX), ld(16), s(C.BPF_ALU | C.BPF_MUL | C.BPF_X), s(C.BPF_ALU | C.BPF_RSH | C.BPF_K, 20), ...errnoOfA],
      [ld(16), s(C.BPF_ALU | C.BPF_NEG), s(C.BPF_ALU | C.BPF_RSH | C.BPF_K, 20), ...errnoOfA],
      [ld(24), s(C.BPF_MISC | C.BPF_TAX), ld(16), s(C.BPF_ALU | C.BPF_SUB | C.BPF_X), s(C.BPF_ALU | C.BPF_RSH | C.BPF_K, 20), ...errnoOfA],
      [s(C.BPF_LD | C.BPF_W | C.BPF_LEN), s(C.BPF_LDX | C.BPF_W | C.BPF_LEN), s(C.BPF_ALU | C.BPF_ADD | C.BPF_X), ...errnoOfA],
    ];
    const shifts = [0n, 1n, 5n, 31n, 32n, 33n, 63n, 64n, 100n, 0xffffffffn, 0x100000020n];
    const values = [0n, 1n, 0x123n, 0x80000000n, 0xffffffffn, 0xdeadbeefn, 7n];
    const cases: Case[] = programs.map((program) => ({
      program,
      inputs: shifts.flatMap((b) => values.map((a) => ({ nr: 1000, arch: AUDIT_ARCH_X86_64, args: [a, b] }))),
    }));
    const lines = runKernel(cases);
    let i = 0;
    for (const c of cases) {
      for (const data of c.inputs) {
        const ret = runProgram(c.program, data);
        expect(observed(lines[i++]), `${dump(c.program)}\nargs ${data.args}`).toBe(predict(ret, data.nr));
      }
    }
  });
});

describe('validator vs kernel', () => {
  it('accepts exactly what seccomp(2) accepts (mutated programs)', () => {
    const seed = seedFromEnv((Date.now() ^ 0xbad) >>> 0);
    const rng = new Rng(seed);
    const programs: Instruction[][] = [];
    for (let p = 0; p < 700; p++) {
      const pool = constantPool(rng);
      let program = randomProgram(rng, pool, { maxLength: 24 });
      const rounds = rng.int(1, 3);
      for (let r = 0; r < rounds; r++) program = mutateProgram(rng, program);
      programs.push(program);
    }
    const lines = runKernel(programs.map((program) => ({ program, inputs: [] })));
    let accepted = 0;
    const failures: string[] = [];
    programs.forEach((program, i) => {
      const issues = validateProgram(program);
      const kernelOk = lines[i] === 'LOADED';
      if (kernelOk) accepted++;
      else if (lines[i] !== `LOADERR 22`) failures.push(`unexpected harness line ${lines[i]}\n${dump(program)}`);
      if (kernelOk !== (issues.length === 0) && failures.length < 3) {
        failures.push(`kernel ${kernelOk ? 'accepted' : 'rejected'}, validator said ${JSON.stringify(issues)}\n${dump(program)}`);
      }
    });
    if (failures.length) throw new Error(`seed ${seed} (replay with SYSWALL_KERNEL_SEED=${seed}):\n${failures.join('\n\n')}`);
    // Both outcomes must be well represented for the test to mean something.
    expect(accepted).toBeGreaterThan(70);
    expect(programs.length - accepted).toBeGreaterThan(200);
  });

  it('agrees with seccomp(2) at every rule boundary', () => {
    const s = (code: number, k = 0, jt = 0, jf = 0): Instruction => ({ code, jt, jf, k: k >>> 0 });
    const RET = s(C.BPF_RET | C.BPF_K, C.SECCOMP_RET_ALLOW);
    const programs: Instruction[][] = [
      [RET],
      Array.from({ length: C.BPF_MAXINSNS }, () => RET),
      Array.from({ length: C.BPF_MAXINSNS + 1 }, () => RET),
      ...[0, 4, 8, 12, 16, 60, 61, 62, 63, 64, 68, 0xfffff000, 0xfffff004, 0xffffffff].map((k) => [s(C.BPF_LD | C.BPF_W | C.BPF_ABS, k), RET]),
      ...[0, 15, 16].flatMap((k) => [[s(C.BPF_ST, k), s(C.BPF_LD | C.BPF_MEM, k), RET], [s(C.BPF_STX, k), s(C.BPF_LDX | C.BPF_MEM, k), RET]]),
      ...[0, 1, 31, 32].flatMap((k) => [[s(C.BPF_ALU | C.BPF_LSH | C.BPF_K, k), RET], [s(C.BPF_ALU | C.BPF_RSH | C.BPF_K, k), RET], [s(C.BPF_ALU | C.BPF_DIV | C.BPF_K, k), RET]]),
      [s(C.BPF_ALU | C.BPF_MOD | C.BPF_K, 3), RET],
      [s(C.BPF_ALU | C.BPF_MOD | C.BPF_X), RET],
      [s(C.BPF_LD | C.BPF_H | C.BPF_ABS, 0), RET],
      [s(C.BPF_LD | C.BPF_B | C.BPF_ABS, 0), RET],
      [s(C.BPF_LD | C.BPF_W | C.BPF_IND, 0), RET],
      [s(C.BPF_LDX | C.BPF_B | C.BPF_MSH, 0), RET],
      [s(C.BPF_LDX | C.BPF_W | C.BPF_ABS, 0), RET],
      [s(C.BPF_RET | C.BPF_X)],
      [s(C.BPF_RET | C.BPF_A)],
      [s(C.BPF_LD | C.BPF_W | C.BPF_LEN), s(C.BPF_LDX | C.BPF_W | C.BPF_LEN), RET],
      [s(C.BPF_JMP | C.BPF_JA, 0), RET],
      [s(C.BPF_JMP | C.BPF_JA, 1), RET],
      [s(C.BPF_JMP | C.BPF_JA, 1), RET, RET],
      [s(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, 0, 1, 0), RET],
      [s(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, 0, 0, 1), RET],
      [s(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, 0, 1, 1), RET, RET],
      [s(C.BPF_LD | C.BPF_IMM, 5)],
      // memory check quirks: a ret does not reset what is known to be written
      [s(C.BPF_ST, 3), RET, s(C.BPF_LD | C.BPF_MEM, 3), RET],
      [RET, s(C.BPF_LD | C.BPF_MEM, 3), RET],
      // unreachable read after ja is accepted (memvalid resets to all after a jump)
      [s(C.BPF_JMP | C.BPF_JA, 1), s(C.BPF_LD | C.BPF_MEM, 3), RET],
      // a write on only one branch
      [s(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, 0, 0, 1), s(C.BPF_ST, 2), s(C.BPF_LD | C.BPF_MEM, 2), RET],
      [s(C.BPF_ST, 2), s(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, 0, 0, 1), s(C.BPF_ST, 3), s(C.BPF_LD | C.BPF_MEM, 2), RET],
      [s(C.BPF_MISC | C.BPF_TAX), s(C.BPF_MISC | C.BPF_TXA), s(C.BPF_MISC | 0x08), RET],
      [s(C.BPF_ALU | C.BPF_NEG), s(C.BPF_ALU | C.BPF_NEG | C.BPF_X), RET],
      [s(C.BPF_JMP | C.BPF_JA | C.BPF_X), RET],
      [s(0x100 | C.BPF_RET | C.BPF_K)],
    ];
    const lines = runKernel(programs.map((program) => ({ program, inputs: [] })));
    programs.forEach((program, i) => {
      const issues = validateProgram(program);
      const label = program.length > 8 ? `program of ${program.length} instructions` : dump(program);
      expect(lines[i] === 'LOADED', `${label}\nvalidator: ${JSON.stringify(issues)}`).toBe(issues.length === 0);
    });
  });
});
