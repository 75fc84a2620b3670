/**
 * The attack suite (issue 12): a sandboxed command that is hostile, as root
 * and as an unprivileged user, tries to reach an unconfined syswall process
 * or to take the supervisor's place. Every attack fails against syswall; each
 * one is also run against an unconfined control (a parent of the same user
 * waiting for its child, as syswall's Node process used to) to show that it
 * works there, so these tests cannot pass by not attacking.
 * docs/security.md names the guarantee each test checks.
 */
import { spawn as nodeSpawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { C } from '../helpers/bpf.js';
import { notifyProgram } from '../helpers/notify.js';
import { CLI } from '../helpers/cli.js';
import { attackUser, compileAttack, control, ROOT_RUNNER, runAsAsync, sharedDir, type Runner } from '../helpers/attack.js';
import type { CliResult } from '../helpers/cli.js';
import { spawn } from '../../src/node/spawn.js';
import { explainSession } from '../../src/node/explain.js';
import { recordCommand } from '../../src/node/record.js';
import { applyOverrides, loadProfile, programForHost } from '../../src/node/policy-source.js';
import { collect } from '../helpers/runtime.js';

const PROGRAMS = ['ptrace_escape', 'procmem_escape', 'vmwrite_escape', 'control_parent', 'control_supervisor', 'listener_takeover', 'sendmsg_fd5', 'sigsys_survivor', 'reaper', 'fd_leak'];
let bin: Record<string, string> = {};
let runners: Runner[] = [];
let killProfile = '';

beforeAll(() => {
  runners = [ROOT_RUNNER, attackUser()];
  const dir = sharedDir('syswall-attack-bin-');
  // Static, so that they start even under a policy that denies close(2).
  bin = Object.fromEntries(PROGRAMS.map((p) => [p, compileAttack(p, dir, ['-static'])]));
  killProfile = join(dir, 'kill-getppid.json');
  writeFileSync(killProfile, JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }],
  }));
});

/** Every live descendant of `pid` (from the PPid fields of /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const m = /^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${e}/status`, 'utf8'));
      if (m) parent.set(Number(e), Number(m[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** The pids the attack program listed as its targets ("targets: 1"). */
function targetsOf(stdout: string): number[] {
  const m = /^targets:(.*)$/m.exec(stdout);
  return m ? m[1].trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

type Mode = 'run' | 'run --explain' | 'record';

/**
 * One attack under syswall: as root through the Node API (what `syswall run`
 * does, without a Node start-up per attack), as the unprivileged user
 * through the CLI (so that syswall's own Node process is that user's too:
 * the same-user case).
 */
async function attack(who: Runner, mode: Mode, deny: string[], cmd: string[]): Promise<CliResult> {
  if (who.uid !== 0) {
    const args = mode === 'record' ? ['record', '-o', '/dev/null'] : mode === 'run' ? ['run'] : ['run', '--explain'];
    return runAsAsync(who, [...args, ...(deny.length && mode !== 'record' ? ['--deny', deny.join(',')] : []), '--', ...cmd]);
  }
  const [c, ...a] = cmd;
  if (mode === 'record') {
    const h = recordCommand(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    const [stdout, stderr, done] = await Promise.all([collect(h.stdout as never), collect(h.stderr as never), h.done]);
    return { status: done.result.exitCode, signal: done.result.signal, stdout, stderr };
  }
  const policy = applyOverrides(loadProfile('default').policy, { deny });
  const lines: string[] = [];
  const session = mode === 'run --explain' ? explainSession(policy, {}, { write: (l) => lines.push(l) }) : undefined;
  const program = session ? session.filter : programForHost(policy).compiled!;
  const p = spawn(c, a, { program: program.instructions, flags: program.flags, stdio: ['ignore', 'pipe', 'pipe'], ...(session ? { onSyscall: session.onSyscall } : {}) });
  const [stdout, stderr, r] = await Promise.all([collect(p.stdout), collect(p.stderr), p.result]);
  if (p.supervisor) await (await p.supervisor).done;
  return { status: r.exitCode, signal: r.signal, stdout, stderr: stderr + lines.map((l) => l + '\n').join('') };
}

describe.concurrent('attacks (all at once)', () => {
describe.concurrent.each([0, 1])('as runner %s (root, then an unprivileged user)', (which) => {
  const who = () => runners[which];
  const dirFor = () => sharedDir('syswall-attack-', who());

  describe('escape through the parent: ptrace (issue 12, attack 1)', () => {
    it('works against an unconfined control: the parent runs our mkdir', ({ expect }) => {
      const marker = join(dirFor(), 'escaped');
      const r = control(who(), bin.reaper, [bin.control_parent, bin.ptrace_escape, marker, 'PARENT']);
      expect(r.stdout, r.stderr).toMatch(/attached; injected mkdir: done/);
      expect(existsSync(marker)).toBe(true);
    });

    it.for(['run', 'run --explain', 'record'] as Mode[])('fails under syswall %s (the default profile allows ptrace; mkdir is denied)', async (mode, { expect }) => {
      const marker = join(dirFor(), 'escaped');
      const r = await attack(who(), mode, ['mkdir', 'mkdirat'], [bin.ptrace_escape, marker]);
      expect(r.stdout, r.stderr).toMatch(/^contained$/m);
      // The command sees only the sandbox's init (pid 1) and itself: nothing of syswall's.
      expect(targetsOf(r.stdout)).toEqual([1]);
      expect(r.stdout).toMatch(/pid 1: PTRACE_ATTACH failed: Operation not permitted/);
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('escape through the parent: /proc/PID/mem (attack 2)', () => {
    it('works against an unconfined control: shellcode in the parent makes the directory and exits 42', ({ expect }) => {
      const marker = join(dirFor(), 'escaped');
      const r = control(who(), bin.reaper, [bin.control_parent, bin.procmem_escape, marker, 'PARENT']);
      expect(r.status, r.stdout + r.stderr).toBe(42);
      expect(existsSync(marker)).toBe(true);
    });

    it.for(['run', 'run --explain'] as Mode[])('fails under syswall %s with ptrace and process_vm_* denied', async (mode, { expect }) => {
      const marker = join(dirFor(), 'escaped');
      const r = await attack(who(), mode, ['mkdir', 'mkdirat', 'ptrace', 'process_vm_readv', 'process_vm_writev'], [bin.procmem_escape, marker]);
      expect(r.stdout, r.stderr).toMatch(/^contained$/m);
      expect(r.stdout).toMatch(/pid 1: cannot (read \/proc\/1\/syscall|open \/proc\/1\/mem for writing): (Operation not permitted|Permission denied)/);
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('escape through the parent: process_vm_writev (attack 3)', () => {
    it('works against an unconfined control', ({ expect }) => {
      const r = control(who(), bin.reaper, [bin.control_parent, bin.vmwrite_escape, 'ADDR', 'PARENT']);
      expect(r.stdout).toMatch(/wrote 1 byte/);
      expect(r.status).toBe(42);
    });

    it.for(['run', 'run --explain'] as Mode[])('fails under syswall %s (the default profile allows process_vm_writev)', async (mode, { expect }) => {
      const r = await attack(who(), mode, [], [bin.vmwrite_escape, '400000']);
      expect(r.stdout, r.stderr).toMatch(/^contained$/m);
      expect(r.stdout).toMatch(/pid 1: process_vm_writev: Operation not permitted/);
    });
  });

  describe('taking the supervisor over: kill it, install our own listener, CONTINUE our own mkdir (attack 4)', () => {
    it('works against an unconfined naive supervisor', ({ expect }) => {
      const marker = join(dirFor(), 'escaped');
      const r = control(who(), bin.reaper, [bin.control_supervisor, bin.listener_takeover, marker, 'PARENT']);
      expect(r.stdout, r.stderr).toMatch(/own listener: fd \d+/);
      expect(existsSync(marker)).toBe(true);
    });

    it('fails under syswall run --explain --deny mkdir,mkdirat: the supervisor is unreachable and a second listener is refused', async ({ expect }) => {
      const marker = join(dirFor(), 'escaped');
      const r = await attack(who(), 'run --explain', ['mkdir', 'mkdirat'], [bin.listener_takeover, marker]);
      expect(r.stdout, r.stderr).toMatch(/own listener: Device or resource busy/);
      expect(r.stdout).toMatch(/mkdir: Operation not permitted/);
      expect(r.stderr).toMatch(/\] mkdir\(".*escaped", 0755\) = -1 EPERM/);
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('the launcher exemption: sendmsg on fd 5 under --explain --deny sendmsg (attack 5)', () => {
    it('works unconfined', ({ expect }) => {
      const r = control(who(), bin.reaper, [bin.sendmsg_fd5]);
      expect(r.stdout).toMatch(/ESCAPED/);
    });

    it('is denied and reported: no call passes the filter for our plumbing', async ({ expect }) => {
      const r = await attack(who(), 'run --explain', ['sendmsg'], [bin.sendmsg_fd5]);
      expect(r.stdout, r.stderr).toMatch(/sendmsg\(5, \.\.\., MSG_NOSIGNAL\): Operation not permitted/);
      expect(r.stderr).toMatch(/\] sendmsg\(5, 0x[0-9a-f]+, MSG_NOSIGNAL\) = -1 EPERM/);
      expect(r.status).toBe(1);
    });
  });

  describe('a policy that denies close leaks no launcher fd into the command (attack 7)', () => {
    it('the leak check finds an inherited fd in an unconfined control', ({ expect }) => {
      const r = spawnSync(bin.fd_leak, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      expect(r.stdout).toMatch(/LEAK fd 3 -> (pipe|socket):/);
    });

    it.for(['run', 'run --explain', 'record'] as Mode[])('%s (close and close_range denied where the mode denies): only stdio reaches the command', async (mode, { expect }) => {
      const r = await attack(who(), mode, mode === 'record' ? [] : ['close', 'close_range'], [bin.fd_leak]);
      expect(r.stdout, r.stderr).toMatch(/^contained$/m);
      expect(r.stdout).not.toMatch(/LEAK/);
    });
  });
});

describe.concurrent('the CLI end to end (root): the same guarantees through `syswall run`', () => {
  it('run --deny mkdir,mkdirat: ptrace of everything visible fails', async ({ expect }) => {
    const marker = join(sharedDir('syswall-attack-'), 'escaped');
    const r = await runAsAsync(ROOT_RUNNER, ['run', '--deny', 'mkdir,mkdirat', '--', bin.ptrace_escape, marker]);
    expect(r.stdout, r.stderr).toMatch(/^contained$/m);
    expect(targetsOf(r.stdout)).toEqual([1]);
    expect(existsSync(marker)).toBe(false);
  });

  it('run --explain --deny mkdir,mkdirat: no listener takeover', async ({ expect }) => {
    const marker = join(sharedDir('syswall-attack-'), 'escaped');
    const r = await runAsAsync(ROOT_RUNNER, ['run', '--explain', '--deny', 'mkdir,mkdirat', '--', bin.listener_takeover, marker]);
    expect(r.stdout, r.stderr).toMatch(/own listener: Device or resource busy/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe.concurrent('a KILL decision cannot be survived with a SIGSYS handler (attack 6)', () => {
  const N = 200;
  it('against the old supervisor logic (check SigCgt, then send SIGSYS) some children survive', async ({ expect }) => {
    // What src/node/supervisor.ts did before: SIGSYS when /proc says it is not caught, else SIGKILL.
    const oldKill = (tid: number) => {
      let sig: NodeJS.Signals = 'SIGKILL';
      try {
        const st = readFileSync(`/proc/${tid}/status`, 'utf8');
        const mask = (f: string) => BigInt('0x' + new RegExp(`^${f}:\\s*([0-9a-f]+)`, 'm').exec(st)![1]);
        if (((mask('SigBlk') | mask('SigIgn') | mask('SigCgt')) & (1n << 30n)) === 0n) sig = 'SIGSYS';
      } catch {
        return;
      }
      try {
        process.kill(tid, sig);
      } catch {
        // gone
      }
    };
    // Children until one survives (about 1 in 50 here), at most 1000.
    const p = spawn(bin.sigsys_survivor, ['1000', '40', '--until-survived'], {
      program: notifyProgram(['getppid']),
      stdio: ['ignore', 'pipe', 'inherit'],
      onSyscall: (ev) => {
        oldKill(ev.pid);
        return { errno: 'EPERM' };
      },
    });
    const [out] = await Promise.all([collect(p.stdout), p.result]);
    const m = /survived (\d+) of (\d+)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1]), out).toBeGreaterThan(0);
  });

  it.for([0, 1])('syswall run --explain with a KILL_PROCESS rule: none survives (runner %s)', async (which, { expect }) => {
    const r = await runAsAsync(runners[which], ['run', '--explain', '--profile', killProfile, '--', bin.sigsys_survivor, String(N)]);
    expect(r.stdout, r.stderr).toMatch(new RegExp(`survived 0 of ${N} \\(killed ${N}\\)`));
    expect(r.status).toBe(0);
  });

  it('spawn({ onSyscall }) with { kill: true }: none survives', async ({ expect }) => {
    const p = spawn(bin.sigsys_survivor, [String(N)], { program: notifyProgram(['getppid']), stdio: ['ignore', 'pipe', 'inherit'], onSyscall: () => ({ kill: true }) });
    const [out] = await Promise.all([collect(p.stdout), p.result]);
    expect(out).toMatch(new RegExp(`survived 0 of ${N} \\(killed ${N}\\)`));
  });
});

describe.concurrent('the supervisor dies: the command dies with it, and no routed call is ever allowed', () => {
  it('SIGKILL to syswall run --explain ends every process of the sandbox', async ({ expect }) => {
    const dir = sharedDir('syswall-attack-');
    const child = nodeSpawn(process.execPath, [CLI, 'run', '--explain', '--deny', 'mkdir,mkdirat', '--', 'sh', '-c', `while :; do mkdir ${join(dir, 'x')} 2>/dev/null; sleep 0.05; done`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // Wait for a notification round trip, so the supervisor is really in charge.
    for (let i = 0; i < 3000 && !/\] mkdir\(/.test(err); i++) await new Promise((res) => setTimeout(res, 10));
    expect(err).toMatch(/\] mkdir\(/);
    const sandbox = descendants(child.pid!); // launcher, init, sh, ...
    expect(sandbox.length).toBeGreaterThanOrEqual(3);
    child.kill('SIGKILL');
    // Alive: still listed and not a zombie (a process can vanish between the two reads).
    const alive = () => sandbox.filter((pid) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    for (let i = 0; i < 300 && alive().length > 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(alive()).toEqual([]);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('with the listener closed (stop()), a second listener is still refused by the guard and denied calls fail with ENOSYS', async ({ expect }) => {
    const marker = join(sharedDir('syswall-attack-'), 'escaped');
    const p = spawn(bin.listener_takeover, [marker, '--no-kill'], {
      program: notifyProgram(['mkdir', 'mkdirat']),
      stdio: ['ignore', 'pipe', 'inherit'],
      onSyscall: () => ({ errno: 'EPERM' }),
    });
    // Stop supervising before the command runs: the listener is closed, as if the supervisor had died.
    (await p.supervisor!).stop();
    const [out] = await Promise.all([collect(p.stdout), p.result]);
    expect(out).toMatch(/own listener: Device or resource busy/);
    expect(out).toMatch(/mkdir: Function not implemented/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe.concurrent('without namespaces (the host refuses them): a warning line, and profiles that reach other processes are refused', () => {
  // A syswall inside syswall: Docker's default profile denies the inner one's namespaces, as a container would.
  it.for([0, 1])('the default profile (it allows ptrace and process_vm_*) is refused; one that denies them runs after the warning (runner %s)', async (which, { expect }) => {
    const inner = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
    const script = `${inner} run -- true; echo "status=$?"; ${inner} run --deny ptrace,process_vm_readv,process_vm_writev -- sh -c 'echo ran'`;
    const r = await runAsAsync(runners[which], ['run', '--', 'sh', '-c', script]);
    const warning = /^syswall: warning: no PID namespace \(this host refuses .*namespaces.*\): the command can see and signal this user's other processes$/gm;
    expect(r.stderr.match(warning), r.stderr).toHaveLength(2);
    expect(r.stderr).toMatch(/^syswall: error: run: the filter allows ptrace, process_vm_readv, process_vm_writev, and without a PID namespace/m);
    expect(r.stdout).toBe('status=2\nran\n');
  });
});

describe.concurrent('the listener guard', () => {
  it('answers seccomp(SET_MODE_FILTER, NEW_LISTENER) with EBUSY on every host arch and leaves everything else to the program', async ({ expect }) => {
    const { withListenerGuard } = await import('../../src/node/isolation.js');
    const { runProgram } = await import('../../src/core/bpf/interpreter.js');
    const { ARCHES } = await import('../../src/core/arch/arches.js');
    const prog = withListenerGuard([{ code: C.BPF_RET | C.BPF_K, jt: 0, jf: 0, k: C.SECCOMP_RET_ALLOW }]);
    const run = (arch: number, nr: number, a0: bigint, a1: bigint) => runProgram(prog, { nr, arch, ip: 0n, args: [a0, a1, 0n, 0n, 0n, 0n] }, 'little') >>> 0;
    const EBUSY = (C.SECCOMP_RET_ERRNO | 16) >>> 0;
    for (const [arch, nr] of [[ARCHES.x86_64.token, 317], [ARCHES.x86.token, 354], [ARCHES.x86_64.token, 317 | 0x40000000]] as const) {
      expect(run(arch, nr, 1n, 8n)).toBe(EBUSY);
      expect(run(arch, nr, 1n, 0xffffffff_00000008n)).toBe(EBUSY); // only the low 32 bits count, as in the kernel
      expect(run(arch, nr, 0xffffffff_00000001n, 8n)).toBe(EBUSY);
      expect(run(arch, nr, 1n, 1n)).toBe(C.SECCOMP_RET_ALLOW); // TSYNC alone
      expect(run(arch, nr, 2n, 8n)).toBe(C.SECCOMP_RET_ALLOW); // another op
    }
    expect(run(ARCHES.x86_64.token, 39, 1n, 8n)).toBe(C.SECCOMP_RET_ALLOW);
  });
});
});
