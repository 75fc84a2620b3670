/**
 * Every limit in docs/limits.md, checked on the real binary: the input at the
 * limit is read (its normal result, or another error than the limit's), one
 * step over gives the documented error line and exit 2, and the largest
 * inputs end within the spawn's time-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, expectCleanError, ROOT, runCli, runCliAsync } from './helpers/cli.js';
import { MAX_INPUT_BYTES } from '../src/core/formats/door.js';
import { MAX_NESTING } from '../src/core/formats/textsrc.js';
import { MAX_LEVEL_TESTS } from '../src/core/compile/decision.js';
import { MAX_STDERR_LINE } from '../src/cli/stdio.js';

const DOC = readFileSync(join(ROOT, 'docs', 'limits.md'), 'utf8');
let dir: string;
const f = (n: string) => join(dir, n);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syswall-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A JSON policy of exactly `size` bytes (padded with spaces). */
function policyOfSize(size: number): string {
  const body = '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"]}';
  return body + ' '.repeat(size - body.length);
}

describe('docs/limits.md states the limits the code has', () => {
  it('names each limit with its value', () => {
    expect(DOC).toContain(`${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    expect(DOC).toContain(`${MAX_NESTING} levels`);
    expect(DOC).toContain(`${MAX_LEVEL_TESTS.toLocaleString('en-US')} argument comparisons`);
    expect(DOC).toContain(`${MAX_STDERR_LINE.toLocaleString('en-US')} characters`);
    expect(DOC).toContain('4,096 instructions');
  });
});

describe('biggest input: 4 MiB', () => {
  it('a file of exactly 4 MiB is read; one byte more is refused before it is read', async () => {
    writeFileSync(f('at.json'), policyOfSize(MAX_INPUT_BYTES));
    writeFileSync(f('over.json'), policyOfSize(MAX_INPUT_BYTES + 1));
    const [at, over] = await Promise.all([runCliAsync(['compile', f('at.json'), '--format', 'hex']), runCliAsync(['compile', f('over.json')])]);
    expect(at.status, at.stderr).toBe(0);
    expect(expectCleanError(over)).toBe(`syswall: error: ${f('over.json')}: the input is larger than 4 MiB, the most syswall reads`);
  });

  it('stdin and endless devices are cut at the limit (no unbounded read)', () => {
    const r = spawnSync('sh', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} compile - < /dev/zero`], { encoding: 'utf8', timeout: 60_000 });
    expect(expectCleanError({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr })).toBe('syswall: error: <stdin>: the input is larger than 4 MiB, the most syswall reads');
  });

  it('every command that reads a file (and run --profile) has the same limit', async () => {
    writeFileSync(f('big.bin'), new Uint8Array(MAX_INPUT_BYTES + 8));
    const rs = await Promise.all([
      runCliAsync(['disasm', f('big.bin')]),
      runCliAsync(['explain', f('big.bin')]),
      runCliAsync(['asm', f('big.bin')]),
      runCliAsync(['convert', f('big.bin'), '--to', 'oci']),
      runCliAsync(['compile', 'test/fuzz/seeds/syswall.json', '--frequencies', f('big.bin')]),
      runCliAsync(['run', '--profile', f('big.bin'), '--', 'true']),
    ]);
    for (const r of rs) expect(expectCleanError(r)).toMatch(/the input is larger than 4 MiB, the most syswall reads$/);
  });
});

describe('longest line: the whole input', () => {
  it('4 MiB on one line, in every text language: the normal result or a clean error, in bounded time', async () => {
    const M = MAX_INPUT_BYTES - 256;
    writeFileSync(f('line.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', comment: 'x'.repeat(M) }] }));
    writeFileSync(f('line.asm'), `A = arch # ${'x'.repeat(M)}\nreturn ALLOW\n`);
    writeFileSync(f('line.policy'), `read: ${'arg0 == 1 || '.repeat(Math.floor(M / 13))}arg0 == 2\n`);
    writeFileSync(f('line.kafel'), `POLICY a { ALLOW { ${'read, '.repeat(Math.floor(M / 6))}write } } USE a DEFAULT KILL\n`);
    writeFileSync(f('name.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'.repeat(M)], action: 'SCMP_ACT_ERRNO' }] }));
    const opts = { timeoutMs: 120_000 };
    const [json, asm, mj, kafel, name] = await Promise.all([
      runCliAsync(['compile', f('line.json'), '--format', 'hex'], opts),
      runCliAsync(['asm', f('line.asm'), '--arch', 'x86_64', '--format', 'hex'], opts),
      runCliAsync(['convert', f('line.policy'), '--to', 'oci', '--arch', 'x86_64'], opts),
      runCliAsync(['convert', f('line.kafel'), '--to', 'oci', '--arch', 'x86_64'], opts),
      runCliAsync(['compile', f('name.json'), '--strict-names'], opts),
    ]);
    for (const r of [json, asm, mj, kafel]) {
      expect(r.signal).toBe(null);
      expect(r.status, r.stderr).toBe(0);
    }
    // A 4 MiB unknown name: one error line, cut to the stderr limit.
    const line = expectCleanError(name);
    expect(line.length).toBeLessThan(MAX_STDERR_LINE + 50);
    expect(line).toMatch(/unknown syscall "x+\.\.\. \[\d+ more characters\]$/);
  }, 200_000);
});

describe('deepest nesting: 256 levels', () => {
  const nest = (open: string, close: string, n: number, inner: string) => open.repeat(n) + inner + close.repeat(n);

  it('JSON', async () => {
    const doc = (n: number) => `{"defaultAction": "SCMP_ACT_ALLOW", "comment": ${nest('[', ']', n - 1, '')}}`;
    writeFileSync(f('deep-ok.json'), doc(MAX_NESTING));
    writeFileSync(f('deep-over.json'), doc(MAX_NESTING + 1));
    const [ok, over] = await Promise.all([runCliAsync(['compile', f('deep-ok.json')]), runCliAsync(['compile', f('deep-over.json')])]);
    expect(expectCleanError(ok)).toMatch(/\$\.comment: expected a string, found an array/); // parsed; the next check speaks
    expect(expectCleanError(over)).toMatch(/deep-over\.json:1:\d+: malformed JSON: nesting deeper than 256 levels$/);
  });

  it('YAML (flow brackets and block levels, the top level counted as in JSON), alias references and expanded nodes', async () => {
    const run = (name: string, text: string) => {
      writeFileSync(f(name), text);
      return runCliAsync(['convert', f(name), '--input', 'spo', '--to', 'oci']);
    };
    const notSpo = /expected a SeccompProfile resource|unknown key/; // read: the next check speaks
    const [d1, d2, a1, a2, n1, n2] = await Promise.all([
      run('deep-ok.yaml', `x: ${nest('[', ']', MAX_NESTING - 1, '')}\n`),
      run('deep-over.yaml', `x: ${nest('[', ']', MAX_NESTING, '')}\n`),
      run('alias-ok.yaml', `a: &a x\nb: [${Array(10_000).fill('*a').join(', ')}]\n`),
      run('alias-over.yaml', `a: &a x\nb: [${Array(10_001).fill('*a').join(', ')}]\n`),
      run('nodes-ok.yaml', `b: [${Array(199_990).fill('x').join(', ')}]\n`),
      run('nodes-over.yaml', `b: [${Array(200_010).fill('x').join(', ')}]\n`),
    ]);
    for (const r of [d1, a1, n1]) expect(expectCleanError(r)).toMatch(notSpo);
    expect(expectCleanError(d2)).toMatch(/deep-over\.yaml:1:\d+: YAML nesting deeper than 256 levels$/);
    expect(expectCleanError(a2)).toMatch(/alias-over\.yaml:2:\d+: more than 10000 YAML alias references$/);
    expect(expectCleanError(n2)).toMatch(/nodes-over\.yaml:1:\d+: YAML expands to more than 200000 nodes \(aliases included\): an alias bomb\?$/);
  });

  it('minijail and Kafel argument expressions', async () => {
    writeFileSync(f('deep-ok.policy'), `read: arg0 == ${nest('(', ')', MAX_NESTING, '1')}\n`);
    writeFileSync(f('deep-over.policy'), `read: arg0 == ${nest('(', ')', MAX_NESTING + 1, '1')}\n`);
    writeFileSync(f('deep-ok.kafel'), `POLICY a { ALLOW { write(fd) { ${nest('(', ')', MAX_NESTING, 'fd == 1')} } } } USE a DEFAULT KILL\n`);
    writeFileSync(f('deep-over.kafel'), `POLICY a { ALLOW { write(fd) { ${nest('(', ')', MAX_NESTING + 1, 'fd == 1')} } } } USE a DEFAULT KILL\n`);
    writeFileSync(f('bang-over.kafel'), `POLICY a { ALLOW { write(fd) { ${'!'.repeat(MAX_NESTING + 1)}(fd == 1) } } } USE a DEFAULT KILL\n`);
    const run = (file: string) => runCliAsync(['convert', f(file), '--to', 'oci', '--arch', 'x86_64']);
    const [mOk, mOver, kOk, kOver, kBang] = await Promise.all(['deep-ok.policy', 'deep-over.policy', 'deep-ok.kafel', 'deep-over.kafel', 'bang-over.kafel'].map(run));
    expect(mOk.status, mOk.stderr).toBe(0);
    expect(kOk.status, kOk.stderr).toBe(0);
    expect(expectCleanError(mOver)).toMatch(/deep-over\.policy:1:\d+: parentheses nested deeper than 256 levels$/);
    expect(expectCleanError(kOver)).toMatch(/deep-over\.kafel:1:\d+: expression nested deeper than 256 levels$/);
    expect(expectCleanError(kBang)).toMatch(/bang-over\.kafel:1:\d+: expression nested deeper than 256 levels$/);
  });
});

describe('program size: 4,096 instructions', () => {
  it('a policy that compiles to more is refused with its size; a program of more is refused by every reader but disasm', async () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => ({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: i * 7, op: 'SCMP_CMP_EQ' }] }));
    writeFileSync(f('large.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: rules(3000) }));
    const insn = Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0); // A = 1
    const ret = Uint8Array.of(6, 0, 0, 0, 0, 0, 0xff, 0x7f); // return ALLOW
    const prog = (n: number) => {
      const b = new Uint8Array(8 * n);
      for (let i = 0; i < n - 1; i++) b.set(insn, 8 * i);
      b.set(ret, 8 * (n - 1));
      return b;
    };
    writeFileSync(f('4096.bpf'), prog(4096));
    writeFileSync(f('4097.bpf'), prog(4097));
    const [large, ok, over, dis] = await Promise.all([
      runCliAsync(['compile', f('large.json')]),
      runCliAsync(['explain', f('4096.bpf')]),
      runCliAsync(['explain', f('4097.bpf')]),
      runCliAsync(['disasm', f('4097.bpf')]),
    ]);
    expect(expectCleanError(large)).toMatch(/the policy compiles to (at least )?\d+ instructions, above the kernel's limit of 4096$/);
    expect(ok.status, ok.stderr).toBe(0);
    expect(expectCleanError(over)).toMatch(/4097\.bpf: the program has 4097 instructions; the kernel accepts at most 4096 \(BPF_MAXINSNS\)$/);
    expect(dis.status).toBe(0); // disasm shows what there is
    expect(dis.stdout).toMatch(/ 4096: 0x06 /);
  });

  it(`the compiler: at most ${MAX_LEVEL_TESTS} argument comparisons at one level of a syscall's rules, at any size up to the input limit`, async () => {
    const doc = (n: number) => JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: Array.from({ length: n }, (_, i) => ({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: i * 7, op: 'SCMP_CMP_EQ' }] })) });
    writeFileSync(f('cmp-over.json'), doc(MAX_LEVEL_TESTS + 1));
    let n = 40_000;
    while (doc(n).length > MAX_INPUT_BYTES) n -= 2000;
    writeFileSync(f('cmp-max.json'), doc(n)); // as many as the input limit allows
    const opts = { timeoutMs: 120_000 };
    const [over, max] = await Promise.all([runCliAsync(['compile', f('cmp-over.json')], opts), runCliAsync(['compile', f('cmp-max.json')], opts)]);
    for (const r of [over, max]) {
      expect(expectCleanError(r)).toBe("syswall: error: the rules for ioctl on x86_64 make more than 4096 argument comparisons at one level (syswall's limit; docs/limits.md)");
    }
  }, 200_000);
});

describe('includes', () => {
  it('minijail @include nests at most 10 deep, Kafel #include 16 deep (a file that includes itself)', async () => {
    writeFileSync(f('self.policy'), '@include ./self.policy\n');
    writeFileSync(f('self.kafel'), '#include "self.kafel"\n');
    const [m, k] = await Promise.all([runCliAsync(['convert', f('self.policy'), '--to', 'oci', '--arch', 'x86_64']), runCliAsync(['convert', f('self.kafel'), '--to', 'oci', '--arch', 'x86_64'])]);
    expect(expectCleanError(m)).toMatch(/@include nested too deep$/);
    expect(expectCleanError(k)).toMatch(/#include nested too deep$/);
  });
});

describe('error lines: 1,000 characters', () => {
  it('are cut, with the number of characters cut (and the hint still printed)', () => {
    writeFileSync(f('long.json'), JSON.stringify({ defaultAction: 'A'.repeat(50_000) }));
    const r = runCli(['compile', f('long.json')]);
    const line = expectCleanError(r);
    expect(line.length).toBeLessThanOrEqual(MAX_STDERR_LINE + 40);
    expect(line).toMatch(/\.\.\. \[\d+ more characters\]$/);
    expect(r.stderr.split('\n')[1]).toMatch(/^hint: /);
  });
});
