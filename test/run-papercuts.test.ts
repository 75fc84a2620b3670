/**
 * `syswall run` and the runtime API at their edges (issue 13 item 6, issue 18
 * papercuts, issue 12 item 8): the 4,096-instruction limit, a policy that
 * denies execve, hints only where they work, explain's attribution, the help
 * text, the README's sample, and loadFilter with a listener.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('--deny execve is named as the cause, with the flag to change', () => {
    const r = runCli(['run', '--exact', '--deny', 'mkdir,execve', '--', 'true']);
    expect(expectCleanError(r, 2)).toBe('syswall: error: run: --deny mkdir,execve denies execve that any command needs');
    expect(r.stderr).toMatch(/^hint: take execve out of --deny/m);
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

  it('the launcher\'s own calls are never blamed on the command: a static program that closes nothing shows no denial', () => {
    // The launcher closes its fds (close_range, or close per fd) before it
    // execs the command; busybox-static's `true` calls neither.
    const r = runCli(['run', '--explain', '--deny', 'close,close_range', '--', 'busybox', 'true']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^syswall: explain: no syscall was denied$/m);
    expect(r.stderr).not.toMatch(/\] \w+\(/);
    // Control: the same denial is explained when the command itself closes an fd.
    const c = runCli(['run', '--explain', '--deny', 'close,close_range', '--', 'busybox', 'sh', '-c', 'exec 3</dev/null; exec 3<&-; true']);
    expect(c.stderr).toMatch(/\] close\(3\) = -1 EPERM .*by rule \d+ \(--deny\)/);
  });

  it('--explain-json onto a directory is one clear line', () => {
    expect(expectCleanError(runCli(['run', '--explain-json', dir, '--', 'true']), 2)).toMatch(/cannot write .*: is a directory/);
  });

  it('--explain-json onto a full device: one error line, and the policy\'s kill is still applied (it was answered EPERM)', () => {
    const p = join(dir, 'kill-mkdir.json');
    writeFileSync(p, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
    const target = join(dir, 'never-made');
    const r = runCli(['run', '--explain-json', '/dev/full', '--profile', p, '--', 'mkdir', target]);
    expect(r.status, r.stderr).toBe(159);
    expect(existsSync(target)).toBe(false);
    expect(r.stderr.match(/^syswall: error: .*$/gm)).toEqual(['syswall: error: cannot write /dev/full: no space left on device (--explain-json stops here; the command goes on under the same policy)']);
    expect(r.stderr).not.toMatch(/onSyscall threw|answered with EPERM/);
  });
});

describe('run --help and docs/runtime.md', () => {
  it('docs/runtime.md documents every option of run, and calls none "reserved" or unimplemented', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'runtime.md'), 'utf8');
    for (const name of Object.keys(runCommand.options)) expect(doc, `--${name}`).toMatch(new RegExp(`--${name}\\b`));
    expect(doc).not.toMatch(/reserved|not (yet )?implemented|coming soon/i);
  });

  it('the usage line lists every option', () => {
    const usage = runCommand.usage.split('\n\n')[0];
    for (const [name, spec] of Object.entries(runCommand.options)) {
      const forms = [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])];
      expect(forms.some((f) => usage.includes(f)), `${name} in: ${usage}`).toBe(true);
    }
    expect(usage).toContain('--debug');
  });
});

describe('issue 13 leftovers: run -v, and a minijail @frequency under run --profile', () => {
  /** A minijail policy busybox-static's `true` runs under, with @frequency weights that reshape the filter. */
  function weighted(): { policy: string; plain: string } {
    const rules = ['execve', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'brk', 'mprotect', 'readlink', 'prctl', 'getuid', 'read', 'write', 'exit_group', 'rt_sigreturn',
      'close', 'dup2', 'fcntl', 'getpid', 'getppid', 'getrandom', 'newfstatat', 'rt_sigaction', 'rt_sigprocmask', 'uname']
      .map((n) => `${n}: 1`).join('\n');
    writeFileSync(join(dir, 'w.frequency'), 'getuid: 1000\nrt_sigreturn: 500\nexit_group: 300\n');
    const policy = join(dir, 'w.policy');
    const plain = join(dir, 'plain.policy');
    writeFileSync(policy, `@frequency ./w.frequency\n${rules}\n`);
    writeFileSync(plain, `${rules}\n`);
    return { policy, plain };
  }

  it('-v prints the settings in effect before the command runs: profile, dialect, arches, default and ENOSYS answers, flags', () => {
    const { policy } = weighted();
    const r = runCli(['run', '-v', '--flag', 'log', '--profile', policy, '--', 'busybox', 'sh', '-c', 'echo command-ran >&2']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const ran = lines.indexOf('command-ran');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const source = at(/^syswall: profile .*w\.policy: minijail input \(.+\); enosys=unknown arch=x86_64 kernel=\d+\.\d+ caps=docker-default\(14\)$/);
    const filter = at(/^syswall: filter: \d+ instructions for x86_64; default action KILL_THREAD; ERRNO\(ENOSYS\) for syscalls syswall's table does not know; bad arch KILL_THREAD; @frequency weights for 3 syscalls$/);
    const flags = at(/^syswall: seccomp flags LOG; no_new_privs on$/);
    for (const i of [source, filter, flags]) {
      expect(i, r.stderr).toBeGreaterThanOrEqual(0);
      expect(i, r.stderr).toBeLessThan(ran);
    }
    // The built-in default: its file, arches and ENOSYS default; an allow-by-default policy has no ENOSYS answers.
    const d = runCli(['run', '-v', '--', 'true']);
    expect(d.stderr).toMatch(/^syswall: built-in profile default \(.*x86_64\.json\): syswall input .*enosys=unknown/m);
    expect(d.stderr).toMatch(/^syswall: filter: \d+ instructions for x86_64, x86, x32; default action ERRNO\(EPERM\); ERRNO\(ENOSYS\) for syscalls syswall's table does not know; bad arch KILL_THREAD$/m);
    const allow = join(dir, 'allow.json');
    writeFileSync(allow, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' }));
    const a = runCli(['run', '-v', '--no-nnp', '--explain', '--profile', allow, '--', 'true']);
    expect(a.stderr).toMatch(/: oci input \(.*\); enosys=none compat=runc /);
    expect(a.stderr).toMatch(/; default action ALLOW; no ENOSYS answers; /);
    expect(a.stderr).toMatch(/^syswall: seccomp flags NEW_LISTENER \(NEW_LISTENER: --explain supervises the denials\); no_new_privs off \(--no-nnp\)$/m);
    // A compiled program is loaded as given; strict mode says what it allows.
    const bpf = join(dir, 'w.bpf');
    expect(runCli(['compile', policy, '-o', bpf]).status).toBe(0);
    const p = runCli(['run', '-v', '--profile', bpf, '--', 'busybox', 'true']);
    expect(p.stderr).toMatch(/^syswall: profile .*w\.bpf: raw program \(.+\), \d+ instructions, loaded as given\nsyswall: seccomp flags none; no_new_privs on$/m);
    expect(runCli(['run', '-v', '--strict', '--', 'busybox', 'true']).stderr).toMatch(/^syswall: strict mode \(SECCOMP_MODE_STRICT\): read, write, exit and rt_sigreturn only$/m);
  });

  it('the filter run --profile loads for a minijail policy is the one compile makes, @frequency weights included (seen by dump)', () => {
    const { policy, plain } = weighted();
    const compiled = (f: string) => runCli(['compile', f, '--format', 'disasm']).stdout;
    // Control: the weights change the program.
    expect(compiled(policy)).not.toBe(compiled(plain));
    // dump captures every filter installed below it: the launcher's guard first, the command's last.
    const d = runCli(['dump', '--', process.execPath, CLI, 'run', '-q', '--profile', policy, '--', 'busybox', 'true']);
    expect(d.status, d.stderr).toBe(0);
    const last = d.stdout.split(/^# filter \d+: .*\n/m).at(-1)!;
    expect(last.trimEnd()).toBe(compiled(policy).trimEnd());
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

it('CLI is the package\'s bin, as users run it', () => expect(CLI).toBe(join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin.syswall)));
