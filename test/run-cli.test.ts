/**
 * `syswall run` against the real kernel: the CLI runs in a child process,
 * the filter loads in its helper child (never in the test runner).
 */
import { spawn as nodeSpawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectCleanError, runCli } from './helpers/cli.js';
import { compileFixture, tempDir } from './helpers/runtime.js';

let dir: string;
let strictVictim: string;
let strictQuiet: string;
let trapVictim: string;

/** Writes a syswall-format profile (compact actions) and returns its path. */
function profile(name: string, body: object): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ comment: `test profile ${name}`, ...body }));
  return file;
}
const ruleProfile = (name: string, action: string, names = ['mkdir', 'mkdirat']) =>
  profile(name, { defaultAction: 'allow', syscalls: [{ names, action }] });

/** Kernel log lines (audit type=1326, seccomp) for a pid; waits for kauditd to print them. */
/** The command's pid as the host (and the audit log) numbers it, from `run -v`. */
function commandPid(stderr: string): number {
  const m = /^syswall: command pid (\d+) /m.exec(stderr);
  if (!m) throw new Error(`no "command pid" line in: ${stderr}`);
  return Number(m[1]);
}

async function seccompLogLines(pid: number, code: string): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('dmesg', [], { encoding: 'utf8' });
    if (r.error) throw new Error(`dmesg is needed for the LOG tests: ${r.error.message} (install util-linux)`);
    const lines = r.stdout.split('\n').filter((l) => l.includes('type=1326') && l.includes(` pid=${pid} `) && l.includes(`code=${code}`));
    if (lines.length) return lines;
    await new Promise((res) => setTimeout(res, 100));
  }
  return [];
}

beforeAll(() => {
  dir = tempDir('syswall-run-');
  strictVictim = compileFixture('strict-victim.c', join(dir, 'strict-victim'), ['-static', '-nostdlib', '-fno-stack-protector']);
  strictQuiet = compileFixture('strict-victim.c', join(dir, 'strict-quiet'), ['-static', '-nostdlib', '-fno-stack-protector', '-DNO_OPEN']);
  trapVictim = compileFixture('trap-victim.c', join(dir, 'trap-victim'));
});

describe('syswall run: the default profile runs ordinary programs', () => {
  it('ls /', () => {
    const r = runCli(['run', '--', 'ls', '/']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toContain('etc');
  });
  it("sh -c 'echo hi | cat'", () => {
    const r = runCli(['run', '--', 'sh', '-c', 'echo hi | cat']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'hi\n', '']);
  });
  it("python3 -c 'print(1)'", () => {
    const r = runCli(['run', '--', 'python3', '-c', 'print(1)']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '1\n', '']);
  });
  it('node -e 1', () => {
    const r = runCli(['run', '--', 'node', '-e', 'console.log(process.pid > 0)']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'true\n', '']);
  });
  it('filters the command: Seccomp 2 and no_new_privs in /proc', () => {
    const r = runCli(['run', '--', 'grep', '-E', '^(Seccomp|NoNewPrivs):', '/proc/self/status']);
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(r.stdout).toMatch(/Seccomp:\s+2/);
  });
  it('denies what Docker denies (EPERM), e.g. unshare of a user namespace', () => {
    const r = runCli(['run', '--', 'unshare', '-U', 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });
  it('passes the exit code, stdin and stdout through', () => {
    const r = runCli(['run', '--', 'sh', '-c', 'read x; echo "got $x"; exit 7'], { input: 'abc\n' });
    expect([r.status, r.stdout]).toEqual([7, 'got abc\n']);
  });
  it('a command killed by signal N exits 128+N', () => {
    const r = runCli(['run', '--', 'sh', '-c', 'kill -TERM $$']);
    expect(r.status).toBe(143);
    expect(r.stderr).toBe('');
  });
  it('relays SIGTERM to the command', async () => {
    const child = nodeSpawn(process.execPath, [CLI, 'run', '--', 'sh', '-c', 'echo ready; exec sleep 60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((res) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && res()));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(143);
  });
});

describe('syswall run: actions behave as the kernel documents', () => {
  it('ERRNO: a deny rule on mkdir fails it with the chosen errno (EACCES)', () => {
    const target = join(dir, 'errno-dir');
    const r = runCli(['run', '-p', ruleProfile('errno.json', 'errno(EACCES)'), '--', 'sh', '-c', `mkdir ${target}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(existsSync(target)).toBe(false);
  });

  it('KILL_PROCESS: the command dies of SIGSYS, syswall says so and exits 159', () => {
    const target = join(dir, 'kill-dir');
    const r = runCli(['run', '--profile', ruleProfile('kill.json', 'kill-process'), '--', 'mkdir', target]);
    expect(r.status).toBe(159);
    // The exact syscall comes from the kernel's audit record when /dev/kmsg is readable (root); else the policy's candidates.
    expect(r.stderr).toMatch(/^syswall: killed by seccomp \(SIGSYS\): KILL_PROCESS( on mkdir(at)? \(x86_64 nr \d+\)| on mkdir(at)? \(\w+ nr \d+\))?\nhint: rerun with `syswall run --explain ...` to see which syscall was denied\n$/);
    expect(existsSync(target)).toBe(false);
  });

  it('grandchildren are filtered too', () => {
    const target = join(dir, 'grandchild-dir');
    const r = runCli(['run', '-p', ruleProfile('kill2.json', 'kill-process'), '--', 'sh', '-c', `sh -c 'mkdir ${target}'; echo "status $?"`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('status 159\n');
    expect(existsSync(target)).toBe(false);
  });

  it('TRAP: SIGSYS with si_code SYS_SECCOMP and the trap value in si_errno; unhandled, it kills', () => {
    const p = ruleProfile('trap.json', 'trap(7)', ['getppid']);
    const handled = runCli(['run', '-p', p, '--', trapVictim, 'handle']);
    expect(handled.status).toBe(0);
    const nr = spawnSync('sh', ['-c', 'printf "#include <sys/syscall.h>\\nSYS_getppid" | gcc -E -P - | tail -1'], { encoding: 'utf8' }).stdout.trim();
    expect(handled.stdout).toMatch(new RegExp(`^signo=31 code=1 syscall=${nr} arch=0x[0-9a-f]+ errno=7\nreturned\n$`));
    const unhandled = runCli(['run', '-p', p, '--', trapVictim]);
    expect(unhandled.status).toBe(159);
    expect(unhandled.stdout).not.toContain('returned');
    expect(unhandled.stderr).toMatch(/^syswall: killed by seccomp \(SIGSYS\): TRAP\n/);
  });

  it('LOG: the syscall runs and the kernel logs it (audit type=1326, code=0x7ffc0000)', async () => {
    expect(readFileSync('/proc/sys/kernel/seccomp/actions_logged', 'utf8')).toMatch(/\blog\b/);
    const target = join(dir, 'log-dir');
    const r = runCli(['run', '-v', '-p', ruleProfile('log.json', 'log'), '--', 'mkdir', target]);
    expect(r.status).toBe(0);
    expect(existsSync(target)).toBe(true);
    const lines = await seccompLogLines(commandPid(r.stderr), '0x7ffc0000');
    expect(lines.length).toBeGreaterThan(0);
  });

  it('--flag log logs the ERRNO denials too (code=0x50000)', async () => {
    const target = join(dir, 'flaglog-dir');
    const r = runCli(['run', '-v', '--flag', 'log', '-p', ruleProfile('errno-eperm.json', 'errno(EPERM)'), '--', 'mkdir', target]);
    expect(r.status).toBe(1);
    const lines = await seccompLogLines(commandPid(r.stderr), '0x50000'); // the audit record carries the action without its data
    expect(lines.length).toBeGreaterThan(0);
  });

  it('--flag spec-allow and --flag log reach seccomp(2) (seen with strace)', () => {
    const out = join(dir, 'strace.txt');
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=seccomp', '-o', out, process.execPath, CLI, 'run', '--flag', 'spec-allow', '--flag', 'log', '--', 'true'], { encoding: 'utf8' });
    if (r.error) throw new Error(`strace is needed for this test: ${r.error.message} (apt-get install strace)`);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/seccomp\(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG\|SECCOMP_FILTER_FLAG_SPEC_ALLOW, \{len=\d+/);
  });
});

describe('syswall run: --strict, --allow, --deny', () => {
  it('--strict kills a child that calls open after start', () => {
    const r = runCli(['run', '--strict', '--', strictVictim]);
    expect(r.stdout).toBe('started\n');
    expect(r.status).toBe(159);
    expect(r.stderr).toMatch(/^syswall: killed by seccomp \(SIGSYS\): strict mode(, on open(at)? \(\w+ nr \d+\))?\n/);
    const q = runCli(['run', '--strict', '--', strictQuiet]);
    expect([q.status, q.stdout]).toEqual([0, 'started\nsurvived\n']);
  });

  it("--deny @network-io makes python3 -c 'import socket; socket.socket()' fail", () => {
    const ok = runCli(['run', '--', 'python3', '-c', 'import socket; socket.socket(); print("made")']);
    expect(ok.stdout).toBe('made\n');
    const r = runCli(['run', '--deny', '@network-io', '--', 'python3', '-c', 'import socket; socket.socket()']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PermissionError: \[Errno 1\] Operation not permitted/);
  });

  it('--allow lifts a default-profile denial; --deny wins over --allow', () => {
    const allowed = runCli(['run', '--allow', 'unshare,@mount', '--', 'unshare', '-U', 'true']);
    expect(allowed.status).toBe(0);
    const both = runCli(['run', '--allow', 'unshare', '--deny', 'unshare', '--', 'unshare', '-U', 'true']);
    expect(both.status).toBe(1);
  });

  it('--arch x86_64 makes 32-bit syscalls fail (bad-arch action) while 64-bit programs run', () => {
    const r = runCli(['run', '--arch', 'x86_64', '--', 'true']);
    expect(r.status).toBe(0);
  });

  it('runs a raw program from syswall compile output', () => {
    const prog = join(dir, 'allow.bpf');
    writeFileSync(prog, Buffer.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f])); // ret ALLOW (little-endian)
    const r = runCli(['run', '-p', prog, '--', 'sh', '-c', 'echo ran']);
    expect([r.status, r.stdout]).toEqual([0, 'ran\n']);
  });
});

describe('syswall run: failure paths fail closed', () => {
  const marker = () => join(dir, `never-${Math.random().toString(36).slice(2)}`);

  it('a missing profile file', () => {
    const m = marker();
    const line = expectCleanError(runCli(['run', '-p', join(dir, 'nope.json'), '--', 'touch', m]), 2);
    expect(line).toMatch(/cannot read profile .*nope\.json: no such file/);
    expect(existsSync(m)).toBe(false);
  });

  it('a profile that does not parse, and one that does not compile', () => {
    const m = marker();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_FOO"}]}');
    expect(expectCleanError(runCli(['run', '-p', bad, '--', 'touch', m]), 2)).toMatch(/bad\.json:1:\d+: \$\.syscalls\[0\]\.action: unknown action "SCMP_ACT_FOO"/);
    const mixed = profile('mixed.json', { defaultAction: 'allow', architectures: ['x86_64', 's390x'] });
    expect(expectCleanError(runCli(['run', '-p', mixed, '--', 'touch', m]), 2)).toMatch(/mixed\.json: x86_64 is little-endian but s390x is big-endian/);
    const other = profile('other.json', { defaultAction: 'allow', architectures: ['aarch64'] });
    expect(expectCleanError(runCli(['run', '-p', other, '--', 'touch', m]), 2)).toMatch(/not this host's arch/);
    expect(existsSync(m)).toBe(false);
  });

  it('a command that does not exist: "cannot exec", 127; not executable: 126', () => {
    expect(expectCleanError(runCli(['run', '--', 'no-such-command-xyz']), 127)).toBe('syswall: error: cannot exec no-such-command-xyz: No such file or directory');
    expect(expectCleanError(runCli(['run', '--', '/etc/passwd']), 126)).toMatch(/cannot exec \/etc\/passwd: Permission denied/);
  });

  it('a missing native build', () => {
    const m = marker();
    const r = runCli(['run', '--', 'touch', m], { env: { ...process.env, SYSWALL_NATIVE_DIR: join(dir, 'no-native') } });
    expect(expectCleanError(r, 1)).toMatch(/native runtime is not built: syswall_addon.node not found/); // the isolation probe loads the addon first
    expect(existsSync(m)).toBe(false);
  });

  it('--no-nnp without CAP_SYS_ADMIN (as nobody)', () => {
    const m = marker();
    const r = runCli(['run', '--no-nnp', '--', 'sh', '-c', `echo > ${m}`], { uid: 65534, gid: 65534 });
    expect(expectCleanError(r, 1)).toMatch(/needs CAP_SYS_ADMIN/);
    expect(existsSync(m)).toBe(false);
  });

  it.each([
    [['run'], /no command given/],
    [['run', 'ls'], /unexpected operand "ls" before --/],
    [['run', '--flag', 'bogus', '--', 'true'], /unknown --flag "bogus"/],
    [['run', '--strict', '-p', 'default', '--', 'true'], /--strict cannot be combined/],
    [['run', '--deny', '@nope', '--', 'true'], /unknown syscall group "@nope"/],
    [['run', '--deny', 'mkdri', '--', 'true'], /--deny: unknown syscall "mkdri"/],
    [['run', '--arch', 'aarch64', '--', 'true'], /does not include this host's arch/],
    [['run', '--arch', 'vax', '--', 'true'], /vax/],
    [['run', '--bogus', '--', 'true'], /run: .*bogus/],
  ])('bad usage %j', (args, re) => {
    expect(expectCleanError(runCli(args), 2)).toMatch(re);
  });

  it('--help', () => {
    const r = runCli(['run', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: syswall run /);
    expect(r.stdout).toContain('Examples:');
  });
});

describe('what raised the SIGSYS', () => {
  it('names the rule/default actions before the bad-arch action', async () => {
    const { sigsysCandidates } = await import('../src/cli/commands/run-compile.js');
    const { policy } = await import('../src/core/policy/builder.js');
    expect(sigsysCandidates(policy({ default: 'allow', arches: ['x86_64'] }).trap('getppid').killProcess('mkdir').build(), undefined)).toEqual(['KILL_PROCESS', 'TRAP']);
    expect(sigsysCandidates(policy({ default: 'allow', arches: ['x86_64'] }).build(), undefined)).toEqual(['KILL_THREAD (the bad-arch action: a syscall of an arch the filter does not cover)']);
    expect(sigsysCandidates(undefined, [{ code: 0x06, jt: 0, jf: 0, k: 0x80000000 }, { code: 0x06, jt: 0, jf: 0, k: 0x00030005 }])).toEqual(['KILL_PROCESS', 'TRAP']);
  });
});
