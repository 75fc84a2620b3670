/** `syswall compile`: outputs, arches, stats, and one clean line for each kind of bad input. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeProgram } from '../src/core/bpf/codec.js';
import { runProgram } from '../src/core/bpf/interpreter.js';
import { ARCHES } from '../src/core/arch/arches.js';
import { CLI, ROOT, expectCleanError, runCli } from './helpers/cli.js';

const DOCKER = join(ROOT, 'data', 'profiles', 'docker-default.json');
const dir = mkdtempSync(join(tmpdir(), 'syswall-compile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

const oci = (syscalls: unknown[], extra: Record<string, unknown> = {}) => ({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls, ...extra });

describe('syswall compile: Docker default profile', () => {
  const cases: { arch: string; arches: string[]; endian: 'little' | 'big' }[] = [
    { arch: 'x86_64', arches: ['x86_64', 'x86', 'x32'], endian: 'little' },
    { arch: 'aarch64', arches: ['aarch64', 'arm'], endian: 'little' },
    { arch: 's390x', arches: ['s390x', 's390'], endian: 'big' },
  ];
  for (const c of cases) {
    it(`--arch ${c.arch}: raw in the arch's byte order, stats on stderr`, () => {
      const out = join(dir, `docker-${c.arch}.bpf`);
      const r = runCli(['compile', DOCKER, '--arch', c.arch, '--kernel', '6.8', '--stats', '-o', out]);
      expect(r.stderr).not.toMatch(/error/);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      const bytes = new Uint8Array(readFileSync(out));
      expect(bytes.length % 8).toBe(0);
      // ld [4] (A = arch) first, in the arch's byte order
      expect([...bytes.subarray(0, 8)]).toEqual(c.endian === 'big' ? [0, 0x20, 0, 0, 0, 0, 0, 4] : [0x20, 0, 0, 0, 4, 0, 0, 0]);
      const program = decodeProgram(bytes, { endian: c.endian });
      const arch = ARCHES[c.arch as keyof typeof ARCHES];
      // getpid-like allowed call, and an arch the filter does not know is killed
      expect(runProgram(program, { nr: 0, arch: 0x12345678 }, c.endian)).toBe(0);
      expect(runProgram(program, { nr: 0xffffffff, arch: arch.token }, c.endian)).not.toBe(0);
      const m = new RegExp(`length (\\d+) instructions, compiled in [\\d.]+ ms`).exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(Number(m![1])).toBe(program.length);
      // mean/max with arguments 0, mean/max worst case, the range bound, cacheable, argument-dependent
      for (const a of c.arches) expect(r.stderr).toMatch(new RegExp(`^${a} +nr 0\\.\\.470 +471 +[\\d.]+ +\\d+ +[\\d.]+ +\\d+ +[\\d.]+/\\d+ +(\\d+|0 \\(never\\)) +\\d+$`, 'm'));
      expect(r.stderr).toMatch(/^bound: /m);
    });
  }

  it('--stats --json gives a JSON report with the numbers', () => {
    const out = join(dir, 'd.bpf');
    const r = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--stats', '--json', '-o', out]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.arches).toEqual(['x86_64', 'x86', 'x32']);
    expect(j.output).toBe(out);
    expect(j.instructions).toBeUndefined();
    expect(j.stats.length).toBe(readFileSync(out).length / 8);
    const [x64, x86, x32] = j.stats.arches;
    expect(x64.rangeStats.count).toBe(471);
    expect(x64.rangeStats.cacheable).toBeGreaterThan(250);
    expect(x86.rangeStats.cacheable).toBeGreaterThan(250);
    expect(x32.rangeStats.cacheable).toBe(0);
    expect(x64.rangeStats.zero.mean).toBeGreaterThan(1);
    expect(typeof j.stats.compileMs).toBe('number');
  });

  it('--arch A,B sets the filter arches exactly', () => {
    const r = runCli(['compile', DOCKER, '--arch', 'x86_64,x86', '--kernel', '6.8', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).arches).toEqual(['x86_64', 'x86']);
  });

  it('writes raw to a pipe by default, and reads stdin', () => {
    const r = spawnSync(process.execPath, [CLI, 'compile', '-', '--arch', 'x86_64', '--kernel', '6.8'], { input: readFileSync(DOCKER), cwd: ROOT });
    expect(r.status).toBe(0);
    const file = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--format', 'hex']);
    const hexBytes = Buffer.from(file.stdout.replace(/\s+/g, ''), 'hex');
    expect(Buffer.compare(r.stdout, hexBytes)).toBe(0);
  });

  it('prints c, pfc, disasm and the resolved policy', () => {
    const c = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--format', 'c']);
    expect(c.stdout).toMatch(/static struct sock_filter filter\[\] = \{\n\t\/\* 0000 \*\/ BPF_STMT\(BPF_LD \| BPF_W \| BPF_ABS, offsetof\(struct seccomp_data, arch\)\),/);
    expect(c.stdout).toContain('static struct sock_fprog filter_prog = {');
    const pfc = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--format', 'pfc']);
    expect(pfc.stdout).toContain('# filter for arch x86_64 (3221225534)');
    expect(pfc.stdout).toMatch(/if \(\$syscall == 135\) {2}# personality\n {2}if \(/);
    const dis = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--format', 'disasm']);
    expect(dis.stdout).toMatch(/^ line {2}CODE/);
    const ociOut = runCli(['compile', DOCKER, '--arch', 'aarch64', '--kernel', '6.8', '--format', 'oci']);
    expect(ociOut.status).toBe(0);
    expect(JSON.parse(ociOut.stdout).architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    const sw = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--format', 'syswall']);
    expect(JSON.parse(sw.stdout).architectures).toEqual(['x86_64', 'x86', 'x32']);
  });

  it('--caps changes the resolution', () => {
    const decide = (args: string[], nr: number) => {
      const r = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--format', 'json', ...args]);
      expect(r.status).toBe(0);
      return runProgram(JSON.parse(r.stdout).instructions, { nr, arch: ARCHES.x86_64.token });
    };
    expect(decide([], 165)).toBe(0x50001); // mount: EPERM without CAP_SYS_ADMIN
    expect(decide(['--caps', 'ALL'], 165)).toBe(0x7fff0000);
    expect(decide(['--caps', 'CAP_SYS_ADMIN'], 165)).toBe(0x7fff0000);
  });

  it('--frequencies and --enosys are accepted', () => {
    const freq = write('freq.txt', '# counts\nread 1000\nwrite 800\nnot_a_syscall 3\n');
    const r = runCli(['compile', DOCKER, '--arch', 'x86_64', '--kernel', '6.8', '--frequencies', freq, '--enosys', 'none', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^syswall: warning: .*unknown syscall "not_a_syscall"/m);
  });
});

describe('syswall compile: warnings', () => {
  it('lists unknown syscall names in one warning and compiles the rest', () => {
    const p = write('unknown.json', oci([{ names: ['read', 'frobnicate', 'fooo_bar'], action: 'SCMP_ACT_ALLOW' }]));
    const r = runCli(['compile', p, '--format', 'hex']);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n').filter((l) => /unknown syscall/.test(l))).toEqual([
      'syswall: warning: 2 unknown syscall names left out: frobnicate, fooo_bar (--strict-names makes this an error)',
    ]);
  });
});

describe('syswall compile: bad input gives one clean line and exit 2', () => {
  const bad: { name: string; content?: unknown; args?: string[]; expect: RegExp }[] = [
    { name: 'malformed JSON', content: '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [}\n}\n', expect: /bad\.json:3:\d+: .*/ },
    { name: 'unknown op', content: oci([{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_FOO' }] }]), expect: /\$\.syscalls\[0\]\.args\[0\]\.op: unknown operator "SCMP_CMP_FOO"/ },
    { name: 'unknown action', content: oci([{ names: ['read'], action: 'SCMP_ACT_PERHAPS' }]), expect: /\$\.syscalls\[0\]\.action: unknown action "SCMP_ACT_PERHAPS"/ },
    { name: 'unknown arch in the policy', content: oci([], { architectures: ['SCMP_ARCH_VAX'] }), expect: /unknown architecture "SCMP_ARCH_VAX"/ },
    { name: 'unknown arch on the command line', content: oci([]), args: ['--arch', 'vax'], expect: /vax/ },
    { name: 'errnoRet on a non-errno action', content: oci([{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }]), expect: /errnoRet is only valid with SCMP_ACT_ERRNO/ },
    {
      name: 'more than 6 args',
      content: oci([{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [0, 1, 2, 3, 4, 5, 0].map((i) => ({ index: i, value: 1, op: 'SCMP_CMP_EQ' })) }]),
      expect: /args.*(6|six)/,
    },
    { name: 'arg index above 5', content: oci([{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }]), expect: /index/ },
    {
      name: 'both architectures and archMap',
      content: { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }], syscalls: [] },
      expect: /architectures.*archMap|archMap.*architectures/,
    },
    { name: 'unknown syscall name with --strict-names', content: oci([{ names: ['read', 'frobnicate'], action: 'SCMP_ACT_ALLOW' }]), args: ['--strict-names'], expect: /unknown syscall "frobnicate"/ },
    { name: 'unknown format', content: oci([]), args: ['--format', 'elf'], expect: /unknown format "elf"/ },
    { name: 'unknown compat mode', content: oci([]), args: ['--compat', 'lax'], expect: /unknown --compat mode "lax"/ },
    { name: 'bad kernel version', content: oci([]), args: ['--kernel', 'six'], expect: /invalid --kernel "six"/ },
  ];
  for (const c of bad) {
    it(c.name, () => {
      const p = write('bad.json', c.content);
      const r = runCli(['compile', p, '--format', 'hex', ...(c.args ?? [])]);
      const line = expectCleanError(r, 2);
      expect(line).toMatch(c.expect);
    });
  }

  it('a missing file', () => {
    const line = expectCleanError(runCli(['compile', join(dir, 'nope.json')]), 2);
    expect(line).toMatch(/cannot read .*nope\.json: no such file or directory/);
  });

  it('a policy above 4096 instructions says how big it got', () => {
    const rules = Array.from({ length: 3000 }, (_, i) => ({ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: i * 7 + 1, op: 'SCMP_CMP_EQ' }] }));
    const p = write('huge.json', oci(rules));
    const line = expectCleanError(runCli(['compile', p, '-o', join(dir, 'huge.bpf')]), 2);
    expect(line).toMatch(/the policy compiles to (at least )?\d{4,} instructions, above the kernel's limit of 4096/);
  }, 240_000);
});
