/**
 * `syswall run` and the runtime API at their edges (issue 13 item 6, issue 18
 * papercuts, issue 12 item 8): the 4,096-instruction limit, a policy that
 * denies execve, hints only where they work, explain's attribution, the help
 * text, the README's sample, and loadFilter with a listener.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectCleanError, ROOT, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/runtime.js';
import { encodeProgram } from '../src/core/bpf/codec.js';
import { loadAbs, ret } from '../src/core/bpf/instruction.js';
import * as C from '../src/core/bpf/constants.js';
import { command as runCommand } from '../src/cli/commands/run.js';

let dir = '';
beforeAll(() => {
  dir = tempDir('syswall-papercuts-');
});

/** A valid program of n instructions: n - 1 loads, then ALLOW. */
function program(n: number): Uint8Array {
  return encodeProgram([...Array.from({ length: n - 1 }, () => loadAbs(C.SECCOMP_DATA_NR)), ret(C.SECCOMP_RET_ALLOW)], 'little');
}

describe('the 4,096-instruction limit (BPF_MAXINSNS, defined once in src/core and generated into the C code)', () => {
  it('a 4,096-instruction program runs under syswall run --profile prog.bpf', () => {
    const f = join(dir, 'p4096.bpf');
    writeFileSync(f, program(4096));
    const r = runCli(['run', '--profile', f, '--', 'sh', '-c', 'echo ran']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('ran\n');
  });

  it('4,097 is refused with the size named, by syswall and by the helper alone', () => {
    const f = join(dir, 'p4097.bpf');
    writeFileSync(f, program(4097));
    expect(expectCleanError(runCli(['run', '--profile', f, '--', 'true']), 2)).toMatch(/4097 instructions.*at most 4096/);
    const h = spawnSync(join(ROOT, 'build', 'Release', 'syswall-helper'), ['exec', f, '--', 'true'], { encoding: 'utf8' });
    expect(h.status).toBe(125);
    expect(h.stderr).toMatch(/larger than 4096 instructions \(32768 bytes\)/);
  });
});

describe('a policy that denies execve', () => {
  it('gets one clear line (exit 2) instead of a crash', () => {
    const p = join(dir, 'deny-all.json');
    writeFileSync(p, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] }));
    const line = expectCleanError(runCli(['run', '--profile', p, '--', 'true']), 2);
    expect(line).toMatch(/the policy denies execve \(and write, exit_group\) that any command needs$/);
  });

  it('names only what it denies', () => {
    const p = join(dir, 'deny-execve.json');
    writeFileSync(p, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ERRNO' }] }));
    expect(expectCleanError(runCli(['run', '--profile', p, '--', 'true']), 2)).toMatch(/the policy denies execve that any command needs$/);
  });
});

describe('hints that work, and explain attributions that are true', () => {
  it('after a seccomp kill under a compiled program, no --explain hint (it needs a policy)', () => {
    const f = join(dir, 'kill.bpf');
    // kill mkdir (83) and mkdirat (258), allow the rest: arch is not checked, fine for this host.
    writeFileSync(f, encodeProgram([
      loadAbs(C.SECCOMP_DATA_NR),
      { code: C.BPF_JMP | C.BPF_JEQ | C.BPF_K, jt: 2, jf: 0, k: 83 },
      { code: C.BPF_JMP | C.BPF_JEQ | C.BPF_K, jt: 1, jf: 0, k: 258 },
      ret(C.SECCOMP_RET_ALLOW),
      ret(C.SECCOMP_RET_KILL_PROCESS),
    ], 'little'));
    const r = runCli(['run', '--quiet', '--profile', f, '--', 'mkdir', join(dir, 'k')]);
    expect(r.status).toBe(159);
    expect(r.stderr).toMatch(/^syswall: killed by seccomp \(SIGSYS\)/m);
    expect(r.stderr).not.toMatch(/--explain/);
    const strict = runCli(['run', '--strict', '--', 'true']);
    expect(strict.stderr).not.toMatch(/--explain/);
  });

  it('a known syscall denied by a default of ENOSYS is "default action", not "the table does not know"', () => {
    const p = join(dir, 'enosys-default.json');
    writeFileSync(p, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['execve', 'brk', 'arch_prctl', 'access', 'openat', 'newfstatat', 'close', 'read', 'pread64', 'mprotect', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'getrandom', 'munmap', 'exit_group', 'write', 'fstat'], action: 'SCMP_ACT_ALLOW' }] }));
    const r = runCli(['run', '--explain', '--profile', p, '--', 'true']);
    expect(r.stderr).toMatch(/\] mmap\(.*ENOSYS.*by default action\)/);
    expect(r.stderr).not.toMatch(/mmap.*table does not know/);
  });

  it('the launcher\'s own calls are never blamed on the command (the first explained call is the command\'s)', () => {
    const r = runCli(['run', '--explain', '--deny', 'close', '--', '/bin/true']);
    const first = r.stderr.split('\n').find((l) => /\] \w+\(/.test(l));
    // /bin/true closes its own fds; nothing before its execve shows up.
    expect(first === undefined || /\] close\(/.test(first)).toBe(true);
    expect(r.stderr).not.toMatch(/sendmsg/);
  });

  it('--explain-json onto a directory is one clear line', () => {
    expect(expectCleanError(runCli(['run', '--explain-json', dir, '--', 'true']), 2)).toMatch(/cannot write .*: is a directory/);
  });
});

describe('run --help', () => {
  it('the usage line lists every option', () => {
    const usage = runCommand.usage.split('\n\n')[0];
    for (const [name, spec] of Object.entries(runCommand.options)) {
      const forms = [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])];
      expect(forms.some((f) => usage.includes(f)), `${name} in: ${usage}`).toBe(true);
    }
    expect(usage).toContain('--debug');
  });
});

describe('README', () => {
  it('its --explain sample is the real output (but for the pid)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /try `npx syswall run --explain --deny mkdir -- mkdir \/tmp\/x`[^\n]*\n[^\n]*\n\n```\n([\s\S]*?)```/.exec(readme);
    expect(m, 'the sample block after the --explain example').not.toBeNull();
    // The command only tries: the mkdir is denied before it reaches the file system.
    const r = runCli(['run', '--explain', '--deny', 'mkdir', '--', 'mkdir', '/tmp/x']);
    const norm = (t: string) => t.replace(/\[pid \d+\]/g, '[pid N]');
    expect(norm(r.stderr)).toBe(norm(m![1]));
  });
});

describe('loadFilter(program, { listener: true }) (issue 12, item 8)', () => {
  const entry = pathToFileURL(join(ROOT, 'dist', 'node', 'index.js')).href;
  const core = pathToFileURL(join(ROOT, 'dist', 'core', 'index.js')).href;

  it('returns a working listener with TSYNC (the kernel then needs TSYNC_ESRCH); a worker thread\'s mkdir is answered', () => {
    const target = join(dir, 'via-listener');
    const script = `
      import { loadFilter, supervise } from ${JSON.stringify(entry)};
      import { policy } from ${JSON.stringify(core)};
      import { promises as fs } from 'node:fs';
      const { listenerFd } = loadFilter(policy({ default: 'allow', arches: ['x86_64', 'x86', 'x32'] }).notify('mkdir', 'mkdirat'), { listener: true });
      const seen = [];
      const sup = supervise(listenerFd, { onSyscall: (ev) => { seen.push(ev.name); return { errno: 'EACCES' }; } });
      try { await fs.mkdir(${JSON.stringify(target)}); console.log('made'); } catch (e) { console.log(e.code); }
      console.log(seen.join(','));
      sup.stop();
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('EACCES\nmkdir\n');
  });

  it('sets nothing (not even no_new_privs) when the kernel would refuse the flags', () => {
    const script = `
      import { loadFilter } from ${JSON.stringify(entry)};
      import { readFileSync } from 'node:fs';
      import { ret } from ${JSON.stringify(core)};
      try { loadFilter([ret(0x7fff0000)], { flags: 0x40000000 }); console.log('loaded'); } catch (e) { console.log(e.code); }
      console.log(/NoNewPrivs:\\s+(\\d)/.exec(readFileSync('/proc/self/status', 'utf8'))[1], /Seccomp:\\s+(\\d)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toBe('EINVAL\n0 0\n');
  });
});

it('CLI is the built one', () => expect(CLI).toMatch(/dist\/cli\/main\.js$/));
