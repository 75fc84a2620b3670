/**
 * The filter equivalent to seccomp's strict mode (SECCOMP_MODE_STRICT), which
 * has no BPF of its own: the kernel then allows only read, write, exit and
 * the arch's sigreturn call and kills the thread on anything else. `dump`
 * shows this program for a strict-mode install, as seccomp-tools does.
 *
 * Which sigreturn: the kernel's `__NR_seccomp_sigreturn`, i.e. `sigreturn`
 * on x86 (i386), s390 and s390x and for 32-bit ppc tasks, `rt_sigreturn`
 * everywhere else (asm-generic/seccomp.h).
 */
import type { ArchInfo } from '../arch/arches.js';
import { syscallNumber } from '../arch/syscalls.js';
import { BpfError } from '../errors.js';
import * as C from './constants.js';
import type { Instruction } from './instruction.js';
import { jump, loadAbs, ret } from './instruction.js';

const SIGRETURN_ARCHES = new Set(['x86', 's390', 's390x', 'ppc']);

/** The syscalls strict mode allows on `arch`, in the kernel's order. */
export function strictModeSyscalls(arch: ArchInfo): string[] {
  return ['read', 'write', 'exit', SIGRETURN_ARCHES.has(arch.name) ? 'sigreturn' : 'rt_sigreturn'];
}

/**
 * `A = sys_number`, one `==` test per allowed syscall jumping to
 * `return ALLOW`, else `return KILL` (KILL_THREAD): 7 instructions.
 */
export function strictModeProgram(arch: ArchInfo): Instruction[] {
  const nrs = strictModeSyscalls(arch).map((n) => {
    const nr = syscallNumber(arch, n);
    if (nr === undefined) throw new BpfError('STRICT_UNKNOWN_SYSCALL', `${n} has no number on ${arch.name}`, { kind: 'runtime' });
    return nr;
  });
  const n = nrs.length;
  return [
    loadAbs(C.SECCOMP_DATA_NR),
    ...nrs.map((nr, i) => jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, nr, n - i, 0)),
    ret(C.SECCOMP_RET_KILL_THREAD),
    ret(C.SECCOMP_RET_ALLOW),
  ];
}
