/**
 * The terminal a command inherits (issue 12, follow-up): with TIOCSTI a
 * command pushes characters into the input queue of its controlling
 * terminal, and the shell that started syswall reads and runs them,
 * unconfined, once the sandbox has ended. test/attack/pty_harness.c stands in
 * for that shell: a pseudo-terminal of the test's own, the command as a new
 * session on it, and, after it exits, the input a shell would now read.
 * docs/security.md ("Nothing of ours is reachable") names this test.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { C } from '../helpers/bpf.js';
import { CLI } from '../helpers/cli.js';
import { attackUser, compileAttack, ROOT_RUNNER, sharedDir, type Runner } from '../helpers/attack.js';
import { sandboxGuard } from '../../src/node/isolation.js';
import { runProgram } from '../../src/core/bpf/interpreter.js';
import { ARCHES } from '../../src/core/arch/arches.js';

let bin: Record<string, string> = {};
let runners: Runner[] = [];
let allowAll = '';

beforeAll(() => {
  runners = [ROOT_RUNNER, attackUser()];
  const dir = sharedDir('syswall-attack-tty-');
  bin = Object.fromEntries(['tiocsti', 'pty_harness'].map((p) => [p, compileAttack(p, dir)]));
  allowAll = join(dir, 'allow-all.json');
  writeFileSync(allowAll, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [] }));
});

/** Runs cmd on a fresh terminal as `who`; returns what the harness printed. */
function onTerminal(who: Runner, cmd: string[]): string {
  const r = spawnSync(bin.pty_harness, cmd, { encoding: 'utf8', timeout: 60_000, ...(who.uid !== 0 ? { uid: who.uid, gid: who.gid } : {}) });
  if (r.status !== 0) throw new Error(`pty_harness failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The kernel's switch for TIOCSTI without CAP_SYS_ADMIN (Linux 6.2+; before, always allowed). */
function legacyTiocsti(): boolean {
  try {
    return readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'utf8').trim() === '1';
  } catch {
    return true;
  }
}

describe.concurrent('TIOCSTI into the inherited terminal', () => {
  it('control (root, unconfined): the injected line waits in the terminal for the shell', ({ expect }) => {
    const out = onTerminal(ROOT_RUNNER, [bin.tiocsti]);
    expect(out).toMatch(/injected 14 bytes through an inherited fd/);
    expect(out).toMatch(/^queued input: echo INJECTED$/m);
  });

  it('control (the unprivileged user, unconfined): as the kernel\'s legacy_tiocsti says', ({ expect }) => {
    const out = onTerminal(runners[1], [bin.tiocsti]);
    if (legacyTiocsti()) expect(out).toMatch(/^queued input: echo INJECTED$/m);
    else expect(out).toMatch(/TIOCSTI on fd 0: Input\/output error/);
  });

  describe.for([0, 1])('as runner %s (root, then the unprivileged user)', (which) => {
    it.for(['run', 'run --explain', 'record -o /dev/null', 'run --profile ALLOW-ALL'])('syswall %s: refused, nothing queued', (mode, { expect }) => {
      const args = mode.split(' ').map((a) => (a === 'ALLOW-ALL' ? allowAll : a));
      const out = onTerminal(runners[which], [process.execPath, CLI, ...args, '--', bin.tiocsti]);
      expect(out).toMatch(/TIOCSTI on fd 0: Operation not permitted/);
      expect(out).toMatch(/TIOCSTI \(upper bits set\) on fd 0: Operation not permitted/);
      expect(out).toMatch(/^contained\r?$/m);
      expect(out).toMatch(/^queued input: \(none\)$/m);
    });
  });
});

describe('the guard filter', () => {
  it('answers ioctl TIOCSTI and TIOCLINUX and kill(0, ...) with EPERM on every host arch (low 32 bits), and allows everything else', ({ expect }) => {
    const guard = sandboxGuard();
    const run = (arch: number, nr: number, a0: bigint, a1: bigint) => runProgram(guard, { nr, arch, ip: 0n, args: [a0, a1, 0n, 0n, 0n, 0n] }, 'little') >>> 0;
    const EPERM = (C.SECCOMP_RET_ERRNO | 1) >>> 0;
    for (const [arch, nr] of [[ARCHES.x86_64.token, 16], [ARCHES.x86.token, 54], [ARCHES.x86_64.token, 514 | 0x40000000]] as const) {
      expect(run(arch, nr, 0n, 0x5412n)).toBe(EPERM);
      expect(run(arch, nr, 7n, 0x5412n | (0xdeadn << 32n))).toBe(EPERM);
      expect(run(arch, nr, 0n, 0x541cn)).toBe(EPERM);
      expect(run(arch, nr, 0n, 0x5413n)).toBe(C.SECCOMP_RET_ALLOW); // TIOCGWINSZ
      expect(run(arch, nr, 0n, 0x5401n)).toBe(C.SECCOMP_RET_ALLOW); // TCGETS
    }
    for (const [arch, nr] of [[ARCHES.x86_64.token, 62], [ARCHES.x86.token, 37], [ARCHES.x86_64.token, 62 | 0x40000000]] as const) {
      expect(run(arch, nr, 0n, 10n)).toBe(EPERM); // kill(0, SIGUSR1)
      expect(run(arch, nr, 0xffffffff_00000000n, 9n)).toBe(EPERM); // the pid is an int: low 32 bits
      expect(run(arch, nr, 2n, 10n)).toBe(C.SECCOMP_RET_ALLOW); // a pid in the sandbox
      expect(run(arch, nr, 0xffffffffn, 10n)).toBe(C.SECCOMP_RET_ALLOW); // kill(-1): the namespace only
    }
    expect(run(ARCHES.x86_64.token, 317, 1n, 8n)).toBe(C.SECCOMP_RET_ALLOW); // the listener is the program's prefix's business
    expect(run(ARCHES.x86_64.token, 39, 0n, 0x5412n)).toBe(C.SECCOMP_RET_ALLOW); // getpid
    expect(run(ARCHES.aarch64.token, 29, 0n, 0x5412n)).toBe(C.SECCOMP_RET_ALLOW); // an arch the host does not run: the policy decides
    // Arches whose request numbers differ: the guard uses theirs.
    const ppc = sandboxGuard([ARCHES.ppc64le]);
    expect(runProgram(ppc, { nr: 54, arch: ARCHES.ppc64le.token, ip: 0n, args: [0n, 0x80017472n, 0n, 0n, 0n, 0n] }, 'little') >>> 0).toBe(EPERM);
    expect(runProgram(ppc, { nr: 54, arch: ARCHES.ppc64le.token, ip: 0n, args: [0n, 0x5412n, 0n, 0n, 0n, 0n] }, 'little') >>> 0).toBe(C.SECCOMP_RET_ALLOW);
  });
});
