/**
 * Test helpers for the supervisor: hand-built BPF programs (arch check, then
 * USER_NOTIF for the named syscalls, ALLOW for the rest) and a runner that
 * collects a sandboxed child's output.
 */
import { hostArch } from '../../src/node/host.js';
import * as C from '../../src/core/bpf/constants.js';
import { jump, loadAbs, ret, stmt, type Instruction } from '../../src/core/bpf/instruction.js';
import { syscallNumber } from '../../src/core/arch/syscalls.js';
import { X32_SYSCALL_BIT } from '../../src/core/arch/arches.js';

export const PY = '/usr/bin/python3';

/** `ld arch; jne host -> kill; ld nr; [x32 -> kill]; nr in names -> USER_NOTIF (or `action`); else ALLOW`. */
export function notifyProgram(names: readonly string[], action: number = C.SECCOMP_RET_USER_NOTIF): Instruction[] {
  const arch = hostArch();
  const nrs = names.map((n) => {
    const nr = syscallNumber(arch, n);
    if (nr === undefined) throw new Error(`${n} does not exist on ${arch.name}`);
    return nr;
  });
  const body: Instruction[] = [loadAbs(0)];
  if (arch.name === 'x86_64') body.push(jump(C.BPF_JMP | C.BPF_JGE | C.BPF_K, X32_SYSCALL_BIT, 0, 0)); // patched below
  const x32At = arch.name === 'x86_64' ? body.length - 1 : -1;
  nrs.forEach((nr, i) => body.push(jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, nr, nrs.length - i, 0)));
  body.push(ret(C.SECCOMP_RET_ALLOW)); // allow
  body.push(ret(action)); // notify
  body.push(ret(C.SECCOMP_RET_KILL_PROCESS)); // kill
  const killAt = body.length - 1;
  if (x32At >= 0) body[x32At] = jump(C.BPF_JMP | C.BPF_JGE | C.BPF_K, X32_SYSCALL_BIT, killAt - x32At - 1, 0);
  // ld arch; jeq host ? next : kill
  const head: Instruction[] = [stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, 4), jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, arch.token, 0, body.length - 1)];
  return [...head, ...body];
}

/** Collects a readable stream as text. */
export function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((res) => {
    if (!stream) return res('');
    let s = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (s += d));
    stream.on('end', () => res(s));
    stream.on('error', () => res(s));
  });
}
