/**
 * The built-in default against Docker's known holes (issue 12, item 9), the
 * bypass lint of `run --profile`, and `--deny` as an operation (item 10).
 * Controls: the same attacks against Docker's profile as Docker resolves it
 * (compiled by syswall exactly as libseccomp would), where they get through.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { compileAttack, ROOT_RUNNER, runAs, sharedDir } from '../helpers/attack.js';

const DOCKER = join(ROOT, 'data', 'profiles', 'docker-default.json');
let sf64 = '';
let sf32 = '';

beforeAll(() => {
  const dir = sharedDir('syswall-default-attack-');
  sf64 = compileAttack('socket_families', dir);
  const out = join(dir, 'socket_families32');
  const r = spawnSync('gcc', ['-m32', '-static', '-nostdlib', '-fno-stack-protector', '-fno-pic', '-O1', '-o', out, join(ROOT, 'test', 'attack', 'socket_families.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc -m32 (i386 code, no libc) failed: ${r.stderr}`);
  sf32 = out;
});

describe('an AF_VSOCK socket, which Docker\'s default means to deny', () => {
  it('control: Docker\'s profile lets one through the upper half of the family (x86_64) and through socketcall (i386)', () => {
    const a = runAs(ROOT_RUNNER, ['run', '--quiet', '--profile', DOCKER, '--', sf64]);
    expect(a.stdout).toMatch(/x86_64 socket\(AF_VSOCK \| 1 << 32\): fd \d+/);
    expect(a.stdout).toMatch(/x86_64 socket\(AF_VSOCK\): errno 1/);
    const b = runAs(ROOT_RUNNER, ['run', '--quiet', '--profile', DOCKER, '--', sf32]);
    expect(b.stdout).toMatch(/i386 socketcall\(SYS_SOCKET, AF_VSOCK\): fd \d+/);
    expect(b.stdout).toMatch(/i386 socket\(AF_VSOCK\): errno 1/);
  });

  it('the built-in default denies both, and still gives AF_INET sockets to direct calls', () => {
    const a = runAs(ROOT_RUNNER, ['run', '--', sf64]);
    expect(a.stdout).toMatch(/x86_64 socket\(AF_VSOCK \| 1 << 32\): errno 1/);
    expect(a.stdout).toMatch(/x86_64 socket\(AF_INET\): fd \d+/);
    const b = runAs(ROOT_RUNNER, ['run', '--', sf32]);
    expect(b.stdout).toMatch(/i386 socketcall\(SYS_SOCKET, AF_VSOCK\): errno 1/);
    // The family is out of reach through socketcall: every family is refused there (docs/runtime.md).
    expect(b.stdout).toMatch(/i386 socketcall\(SYS_SOCKET, AF_INET\): errno 1/);
    expect(b.stdout).toMatch(/i386 socket\(AF_INET\): fd \d+/);
  });

  it('--explain explains the socketcall denial instead of letting it through', () => {
    const r = runAs(ROOT_RUNNER, ['run', '--explain', '--', sf32]);
    expect(r.stdout).toMatch(/i386 socketcall\(SYS_SOCKET, AF_VSOCK\): errno 1/);
    // The decoder shows socketcall(SYS_SOCKET, ...) as the call it makes.
    expect(r.stderr).toMatch(/\] socket\(AF_VSOCK, SOCK_STREAM, 0\) = -1 EPERM/);
  });
});

describe('run --profile P: one line per bypass-class lint finding, unless --quiet', () => {
  it('names the upper-half and socketcall bypasses of Docker\'s profile at their lines', () => {
    const r = runAs(ROOT_RUNNER, ['run', '--profile', DOCKER, '--', 'true']);
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.some((l) => /^syswall: warning: .*docker-default\.json:\d+:\d+: UPPER_HALF_BYPASS \(x86_64 socket\): /.test(l))).toBe(true);
    expect(lines.some((l) => /^syswall: warning: .*docker-default\.json:\d+:\d+: SOCKETCALL_BYPASS \(x86 socketcall\): /.test(l))).toBe(true);
    expect(lines.every((l) => l.startsWith('syswall: warning: '))).toBe(true);
    expect(runAs(ROOT_RUNNER, ['run', '--quiet', '--profile', DOCKER, '--', 'true']).stderr).toBe('');
  });

  it('says nothing for the built-in default (it has no such finding)', () => {
    const r = runAs(ROOT_RUNNER, ['run', '--', 'true']);
    expect(r.stderr).toBe('');
  });

  it('finds a missing x32 guard in a raw program too', () => {
    const dir = sharedDir('syswall-default-attack-');
    const asm = join(dir, 'nox32.asm');
    // x86_64 arch check, then deny mkdir by number only: x32 numbers (with bit 30) pass.
    writeFileSync(asm, 'A = arch\nif (A != ARCH_X86_64) goto kill\nA = sys_number\nif (A == 83) goto deny\nreturn ALLOW\ndeny:\nreturn ERRNO(1)\nkill:\nreturn KILL\n');
    const bpf = join(dir, 'nox32.bpf');
    expect(runAs(ROOT_RUNNER, ['asm', asm, '-o', bpf]).status).toBe(0);
    const r = runAs(ROOT_RUNNER, ['run', '--profile', bpf, '--', 'true']);
    expect(r.stderr).toMatch(/^syswall: warning: .*nox32\.bpf: X32_BYPASS/m);
  });
});

describe('--deny NAME denies the operation (its family), with one line saying what was added; --exact opts out', () => {
  const viaMkdirat = (target: string) => ['/usr/bin/python3', '-c', `import os; os.mkdir(${JSON.stringify(target)}, dir_fd=os.open('/', os.O_RDONLY))`];

  it('--deny mkdir also denies mkdirat: a mkdirat is refused', () => {
    const target = join(sharedDir('syswall-default-attack-'), 'made');
    const r = runAs(ROOT_RUNNER, ['run', '--deny', 'mkdir', '--', ...viaMkdirat(target)]);
    expect(r.stderr).toMatch(/^syswall: --deny also denies mkdirat \(the same operation; --exact denies only the names given\)$/m);
    expect(r.status).not.toBe(0);
    expect(existsSync(target)).toBe(false);
  });

  it('control: --exact denies only mkdir, and the mkdirat gets through', () => {
    const target = join(sharedDir('syswall-default-attack-'), 'made');
    const r = runAs(ROOT_RUNNER, ['run', '--exact', '--deny', 'mkdir', '--', ...viaMkdirat(target)]);
    expect(r.stderr).not.toMatch(/also denies/);
    expect(r.status).toBe(0);
    expect(existsSync(target)).toBe(true);
  });

  it('--deny chown names fchownat, lchown and the chown32 family; --deny rmdir only the AT_REMOVEDIR unlinkat', () => {
    const r = runAs(ROOT_RUNNER, ['run', '--deny', 'chown,rmdir', '--', 'true']);
    const line = /^syswall: --deny also denies (.*) \(the same operations/m.exec(r.stderr)![1];
    for (const n of ['fchown', 'lchown', 'fchownat', 'chown32', 'fchown32', 'lchown32', 'unlinkat (arg2 & 0x200 == 0x200)']) expect(line).toContain(n);
    const dir = sharedDir('syswall-default-attack-');
    const sub = join(dir, 'sub');
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    spawnSync('mkdir', [sub]);
    const rm = runAs(ROOT_RUNNER, ['run', '--deny', 'rmdir', '--', 'sh', '-c', `rm ${file}; rmdir ${sub}`]);
    expect(existsSync(file), 'unlinkat of a file is not rmdir').toBe(false);
    expect(existsSync(sub), 'rmdir (unlinkat with AT_REMOVEDIR) is denied').toBe(true);
    expect(rm.status).not.toBe(0);
  });
});
