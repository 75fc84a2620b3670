/** `syswall-helper exec` used on its own (the production path without Node). */
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, writeFileSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALLOW_ALL, C, INVALID_PROGRAM, ruleProgramBytes } from './helpers/bpf.js';
import { HELPER, tempDir } from './helpers/runtime.js';
import { toProgramBytes } from '../src/node/spawn.js';

let dir: string;
let allow: string;
beforeAll(() => {
  if (!existsSync(HELPER)) throw new Error(`${HELPER} is missing: the native build failed (apt-get install build-essential python3 && npm rebuild)`);
  dir = tempDir('syswall-helper-');
  allow = join(dir, 'allow.bpf');
  writeFileSync(allow, toProgramBytes(ALLOW_ALL));
});

function helper(args: string[], opts: Parameters<typeof spawnSync>[2] = {}) {
  const r = spawnSync(HELPER, ['exec', ...args], { encoding: 'utf8', ...opts });
  return { status: r.status, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('syswall-helper exec', () => {
  it('runs PROG.bpf -- CMD under the filter and passes the exit code through', () => {
    expect(helper([allow, '--', '/bin/true'])).toMatchObject({ status: 0, stderr: '' });
    const r = helper([allow, '--', 'sh', '-c', 'grep ^Seccomp: /proc/self/status; exit 7']);
    expect(r.status).toBe(7);
    expect(r.stdout).toMatch(/Seccomp:\s+2/);
  });

  it('reads the program from an inherited fd and closes it before exec', () => {
    const fd = openSync(allow, 'r');
    try {
      const r = helper(['--fd', '3', '--', 'sh', '-c', 'test -e /proc/self/fd/3 && echo open || echo closed'], { stdio: ['ignore', 'pipe', 'pipe', fd] });
      expect(r).toMatchObject({ status: 0, stdout: 'closed\n' });
    } finally {
      closeSync(fd);
    }
  });

  it('applies deny rules (mkdir -> EACCES)', () => {
    const prog = join(dir, 'deny-mkdir.bpf');
    writeFileSync(prog, ruleProgramBytes([{ names: ['mkdir', 'mkdirat'], action: C.SECCOMP_RET_ERRNO | 13 }]));
    const r = helper([prog, '--', 'mkdir', join(dir, 'x')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Permission denied');
  });

  it('exits 127 with "cannot exec" for a missing command', () => {
    expect(helper([allow, '--', 'syswall-no-such-command'])).toMatchObject({ status: 127, stderr: 'syswall-helper: cannot exec syswall-no-such-command: No such file or directory\n' });
  });

  it('writes one fail\\tSTAGE\\tERRNO\\tMESSAGE line to --report-fd (the errno as a number: TypeScript names it)', () => {
    const report = join(dir, 'report.txt');
    const fd = openSync(report, 'w');
    try {
      const r = helper([allow, '--report-fd', '3', '--', 'syswall-no-such-command'], { stdio: ['ignore', 'pipe', 'pipe', fd] });
      expect(r).toMatchObject({ status: 127, stderr: '' });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(report, 'utf8')).toBe('fail\texec\t2\tcannot exec syswall-no-such-command\n');
  });

  it('fails closed (125) on invalid programs: the command never runs', () => {
    const marker = join(dir, 'marker');
    const cases: [string, Uint8Array, RegExp][] = [
      ['invalid.bpf', toProgramBytes(INVALID_PROGRAM), /the kernel rejected the filter .*Invalid argument/],
      ['short.bpf', new Uint8Array(13), /not a multiple of 8 bytes/],
      ['empty.bpf', new Uint8Array(0), /is empty/],
      ['huge.bpf', new Uint8Array(8 * 4097), /larger than 4096 instructions/],
    ];
    for (const [name, bytes, msg] of cases) {
      const prog = join(dir, name);
      writeFileSync(prog, bytes);
      const r = helper([prog, '--', 'touch', marker]);
      expect(r.status, name).toBe(125);
      expect(r.stderr, name).toMatch(msg);
      expect(existsSync(marker), name).toBe(false);
    }
    expect(helper([join(dir, 'missing.bpf'), '--', 'touch', marker])).toMatchObject({ status: 125 });
    expect(existsSync(marker)).toBe(false);
  });

  it('reports --no-nnp without CAP_SYS_ADMIN clearly', () => {
    const marker = join(dir, 'marker-nnp');
    // The program comes on an fd opened here: the temp dir is private to root.
    const fd = openSync(allow, 'r');
    let r;
    try {
      r = helper(['--no-nnp', '--fd', '3', '--', 'touch', marker], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe', fd] });
    } finally {
      closeSync(fd);
    }
    expect(r.status).toBe(125);
    expect(r.stderr).toBe('syswall-helper: installing a filter without no_new_privs (--no-nnp) needs CAP_SYS_ADMIN: Permission denied\n');
    expect(existsSync(marker)).toBe(false);
  });

  it('usage errors exit 125 with one line; --help exits 0', () => {
    for (const args of [[], ['--bogus', allow, '--', 'true'], [allow], ['--', 'true'], ['--strict', allow, '--', 'true'], ['--flags', 'x', allow, '--', 'true'], ['--fd', '99', '--', 'true']]) {
      const r = helper(args);
      expect(r.status, args.join(' ')).toBe(125);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const h = helper(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Usage: syswall-helper exec');
  });

  it('rejects unknown filter flags with EINVAL', () => {
    const r = helper(['--flags', '0x80000000', allow, '--', 'true']);
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('flags 0x80000000');
  });
});
