/** CLI tests of `syswall disasm` and `syswall asm`: recorded seccomp-tools outputs, formats, and bad input. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expectCleanError, ROOT, runCli } from './helpers/cli.js';

const FIX = join(ROOT, 'test', 'fixtures', 'seccomp-tools');
const tmp = mkdtempSync(join(tmpdir(), 'syswall-sectools-'));
const put = (name: string, data: string | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

describe('syswall disasm', () => {
  it.each([
    ['DEF-CON-2020-bdooos.bpf', 'DEF-CON-2020-bdooos.disasm.txt', ['--arch', 'aarch64']],
    ['DEF-CON-2020-bdooos.bpf', 'DEF-CON-2020-bdooos.disasm.txt', []], // arch inferred from the program
    ['libseccomp.bpf', 'libseccomp.disasm.txt', ['-a', 'amd64']],
    ['asm-example.asm.bpf', 'asm-example.disasm.txt', ['--arch', 'x86_64']],
  ])('%s %j matches seccomp-tools byte for byte', (bin, txt, flags) => {
    const r = runCli(['disasm', join(FIX, bin), ...flags]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(FIX, txt), 'utf8'));
  });

  it('prefixes names when --arch differs from the checked arch', () => {
    const r = runCli(['disasm', join(FIX, 'DEF-CON-2020-bdooos.bpf'), '--arch', 'x86_64', '--no-bpf']);
    expect(r.stdout.split('\n')[3]).toBe('0003: if (A == aarch64.ioctl) goto 0017');
  });

  it('--asm-able output assembles back to the same bytes; so does stdin and -o', () => {
    const d = runCli(['disasm', join(FIX, 'libseccomp.bpf'), '--asm-able']);
    const src = put('l.asm', d.stdout);
    const out = join(tmp, 'l.bpf');
    const a = runCli(['asm', src, '-o', out, '--arch', 'x86_64']);
    expect(a.status).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(join(FIX, 'libseccomp.bpf')));
    const piped = runCli(['disasm', '-', '-a', 'x86_64'], { input: readFileSync(join(FIX, 'libseccomp.bpf')) });
    expect(piped.stdout).toBe(readFileSync(join(FIX, 'libseccomp.disasm.txt'), 'utf8'));
  });

  it('--json', () => {
    const r = runCli(['disasm', join(FIX, 'libseccomp.bpf'), '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.arch).toBe('x86_64');
    expect(j.instructions[4]).toMatchObject({ line: 4, code: 0x15, jt: 4, jf: 0, k: 1, text: 'if (A == write) goto 0009', arch: 'x86_64' });
  });

  it('reads hex text (asm --format hex output)', () => {
    const hex = runCli(['asm', join(FIX, 'asm-example.asm'), '--format', 'hex', '-a', 'x86_64']);
    const r = runCli(['disasm', put('ex.hex', hex.stdout), '-a', 'x86_64']);
    expect(r.stdout).toBe(readFileSync(join(FIX, 'asm-example.disasm.txt'), 'utf8'));
  });

  it('big-endian s390x: detected without --arch, rejected with a little-endian --arch', () => {
    const file = join(tmp, 'be.bpf');
    const be = runCli(['asm', put('be.asm', 'A = arch\nif (A != ARCH_S390X) goto k\nA = args[0] >> 32\nreturn ALLOW\nk: return KILL\n'), '-a', 's390x', '-o', file]);
    expect(be.status).toBe(0);
    expect([...readFileSync(file).subarray(0, 8)]).toEqual([0, 0x20, 0, 0, 0, 0, 0, 4]);
    const ok = runCli(['disasm', file, '--no-bpf']);
    expect(ok.stdout).toBe('0000: A = arch\n0001: if (A != ARCH_S390X) goto 0004\n0002: A = args[0] >> 32\n0003: return ALLOW\n0004: return KILL\n');
    const line = expectCleanError(runCli(['disasm', file, '--arch', 'x86_64']));
    expect(line).toMatch(/looks big-endian, but x86_64 is little-endian/);
  });

  it.each([
    ['empty file', '', /empty input/],
    ['text that is no program', 'x'.repeat(12), /cannot tell what this input is/],
    ['jump out of range', Buffer.from([0x15, 0, 9, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]), /instruction 0: jump to line 10 is past the end of the program \(2 instructions\)/],
  ])('bad input: %s', (_n, data, re) => {
    expect(expectCleanError(runCli(['disasm', put('bad.bpf', data as string), '-a', 'x86_64']))).toMatch(re);
  });

  it('bad input: missing file, unknown arch', () => {
    expect(expectCleanError(runCli(['disasm', join(tmp, 'nope.bpf')]))).toMatch(/cannot read .*nope\.bpf: no such file/);
    expect(expectCleanError(runCli(['disasm', join(FIX, 'libseccomp.bpf'), '--arch', 'vax']))).toMatch(/unknown architecture "vax"/);
  });

  it('invalid opcodes render as invalid lines (no crash)', () => {
    const r = runCli(['disasm', put('inv.bpf', Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0])), '-a', 'x86_64', '--no-bpf']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^0000: invalid: LD\|IND .*\n0001: invalid: unknown MISC operation .*\n0002: return KILL\n$/);
  });
});

describe('syswall asm', () => {
  it('assembles the seccomp-tools README example to its bytes (raw when piped)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bin', 'syswall.cjs'), 'asm', join(FIX, 'asm-example.asm'), '-a', 'amd64']);
    expect(r.status).toBe(0);
    expect(r.stdout).toEqual(readFileSync(join(FIX, 'asm-example.asm.bpf')));
  });

  it('formats: inspect, c_array, hex', () => {
    const f = join(FIX, 'asm-example.asm');
    expect(runCli(['asm', f, '-f', 'inspect']).stdout).toBe('"\\x1D\\x00\\x00\\a\\x00\\x00\\x00\\x00 \\x00\\x00\\x00\\x10\\x00\\x00\\x00\\x15\\x00\\x06\\x00#\\x01\\x00\\x00E\\x00\\x02\\x007\\x13\\x00\\x00 \\x00\\x00\\x00\\x00\\x00\\x00\\x00 \\x00\\x00\\x00\\f\\x00\\x00\\x00\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00 \\x00\\x00\\x00\\x04\\x00\\x00\\x00\\x06\\x00\\x00\\x009\\x05\\x05\\x00\\x06\\x00\\x00\\x00\\x00\\x00\\x00\\x00"\n');
    expect(runCli(['asm', f, '-f', 'carray']).stdout).toMatch(/^unsigned char bpf\[\] = \{29,0,0,7,0,0,0,0,32,.*,6,0,0,0,0,0,0,0\};\n$/);
    expect(runCli(['asm', f, '-f', 'hex']).stdout.split('\n')[0]).toBe('1d 00 00 07 00 00 00 00');
  });

  it.each([
    ['unknown token', 'A = sys_number\nif (A == 1) gotoo x\n', /^syswall: error: .*bad\.asm:2:13: unknown token "gotoo"$/],
    ['unknown mnemonic', 'A = 1\nfrob A\n', /bad\.asm:2:1: unknown token "frob"/],
    ['undefined label', 'goto missing\nreturn A\n', /bad\.asm:1:6: Cannot find label 'missing'/],
    ['duplicate label', 'a: A = 1\na: return A\n', /bad\.asm:2:1: duplicate label 'a'/],
    ['backward jump', 'a: A = 1\ngoto a\nreturn A\n', /bad\.asm:2:6: Does not support backward jumping to 'a'/],
    ['jump > 255', 'if (A == 1) goto f\n' + 'A = 0\n'.repeat(300) + 'f: return A\n', /Does not support jumping farther than 255, got: 300/],
    ['unknown syscall for the arch', 'A = sys_number\nif (A == open) goto x\nx: return ALLOW\n', /bad\.asm:2:10: syscall 'open' doesn't exist on aarch64/],
  ])('bad input: %s', (_n, src, re) => {
    const r = runCli(['asm', put('bad.asm', src), '-a', 'aarch64']);
    expect(expectCleanError(r)).toMatch(re);
  });

  it('bad usage: unknown format, assembly for an arch without template', () => {
    expect(expectCleanError(runCli(['asm', join(FIX, 'asm-example.asm'), '-f', 'pdf']))).toMatch(/unknown output format "pdf"/);
    expect(expectCleanError(runCli(['asm', join(FIX, 'asm-example.asm'), '-f', 'assembly', '-a', 'riscv64']))).toMatch(/no template for riscv64/);
  });
});
