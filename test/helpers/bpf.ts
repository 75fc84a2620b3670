/**
 * Hand-built seccomp programs for runtime tests (the compiler is tested
 * elsewhere): an arch check, then one `jeq nr` per rule, then a default action.
 */
import * as C from '../../src/core/bpf/constants.js';
import { jump, loadAbs, ret, stmt, type Instruction } from '../../src/core/bpf/instruction.js';
import { encodeProgram } from '../../src/core/bpf/codec.js';
import { requireSyscallNumber } from '../../src/core/arch/syscalls.js';
import { X32_SYSCALL_BIT } from '../../src/core/arch/arches.js';
import { hostArch } from '../../src/node/host.js';

export interface Rule {
  /** Syscall names (absent ones on this arch are skipped). */
  names: string[];
  action: number;
}

/** Host syscall numbers of the given names that exist on this arch. */
export function hostNumbers(names: string[]): number[] {
  const arch = hostArch();
  const out: number[] = [];
  for (const n of names) {
    try {
      out.push(requireSyscallNumber(arch, n));
    } catch {
      /* absent on this arch */
    }
  }
  return out;
}

/** `arch == host ? (nr in rule -> action ...) : KILL_PROCESS`, with x32 numbers killed on x86_64. */
export function ruleProgram(rules: Rule[], defaultAction: number = C.SECCOMP_RET_ALLOW): Instruction[] {
  const arch = hostArch();
  const p: Instruction[] = [
    loadAbs(C.SECCOMP_DATA_ARCH),
    jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, arch.token, 1, 0),
    ret(C.SECCOMP_RET_KILL_PROCESS),
    loadAbs(C.SECCOMP_DATA_NR),
  ];
  if (arch.name === 'x86_64') {
    p.push(jump(C.BPF_JMP | C.BPF_JGE | C.BPF_K, X32_SYSCALL_BIT, 0, 1), ret(C.SECCOMP_RET_KILL_PROCESS));
  }
  for (const rule of rules) {
    for (const nr of hostNumbers(rule.names)) p.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, nr, 0, 1), ret(rule.action));
  }
  p.push(ret(defaultAction));
  return p;
}

/** Bytes of {@link ruleProgram}. */
export function ruleProgramBytes(rules: Rule[], defaultAction?: number): Uint8Array {
  return encodeProgram(ruleProgram(rules, defaultAction), hostArch().endian);
}

/** An allow-everything program. */
export const ALLOW_ALL: Instruction[] = [ret(C.SECCOMP_RET_ALLOW)];

/** A program the kernel rejects (a jump past the end, no return). */
export const INVALID_PROGRAM: Instruction[] = [jump(C.BPF_JMP | C.BPF_JA, 5, 0, 0), stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, 0)];

export { C };
