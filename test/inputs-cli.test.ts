/**
 * Bad inputs at the one door, through the CLI (issue 18): one test per
 * finding. Each is refused with one line naming the file and the reason
 * (and the --input KIND that settles an ambiguous input), exit 2, no stack
 * trace; nothing is guessed or dropped silently.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProgram } from '../src/core/bpf/codec.js';
import { expectCleanError, ROOT, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'syswall-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const put = (name: string, data: string | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};
const FIX = join(ROOT, 'test', 'fixtures', 'formats');

describe('bad inputs at the door (issue 18)', () => {
  it('an empty file is refused by every command ("empty input"), not converted to a kill-everything policy', () => {
    const empty = put('empty.policy', '');
    const marker = join(tmp, 'ran-empty');
    for (const args of [
      ['convert', empty, '--to', 'oci'], ['compile', empty, '-o', join(tmp, 'x.bpf')], ['explain', empty], ['lint', empty], ['graph', empty, '-o', '-'], ['disasm', empty],
      ['emu', empty, 'read'], ['diff', empty, empty], ['record', '--merge', empty, '-o', join(tmp, 'm.json')], ['run', '--profile', empty, '--', 'touch', marker],
    ]) {
      expect(expectCleanError(runCli(args)), args.join(' ')).toMatch(/empty\.policy: empty input/);
    }
    for (const never of ['x.bpf', 'm.json', 'ran-empty']) expect(existsSync(join(tmp, never)), never).toBe(false);
  });

  it('a no-break space or an invisible character in JSON is named, not shown as a blank', () => {
    const nb = runCli(['compile', put('nbsp.json', '{"defaultAction":\u00a0"SCMP_ACT_ALLOW"}'), '-o', join(tmp, 'nb.bpf')]);
    expect(expectCleanError(nb)).toBe('syswall: error: ' + join(tmp, 'nbsp.json') + ":1:18: malformed JSON: expected a JSON value, found a no-break space (U+00A0; JSON's spaces are space, tab and line breaks)");
    const zw = runCli(['compile', put('zwsp.json', '{"defaultAction": "SCMP_ACT_ALLOW"}\u200b'), '-o', join(tmp, 'zw.bpf')]);
    expect(expectCleanError(zw)).toMatch(/zwsp\.json:1:36: malformed JSON: expected end of input after the JSON value, found an invisible character U\+200B$/);
  });

  it('convert reads neither [1,2,3] nor null as minijail', () => {
    expect(expectCleanError(runCli(['convert', put('arr.txt', '[1,2,3]'), '--to', 'oci']))).toMatch(/a JSON array of 3 is neither a policy/);
    expect(expectCleanError(runCli(['convert', put('null.txt', 'null'), '--to', 'oci']))).toMatch(/JSON null is neither a policy/);
  });

  it('run --profile refuses [1,2,3] and a 7-byte file with the reason and the --input flag, and runs nothing', () => {
    const marker = join(tmp, 'ran');
    const arr = runCli(['run', '--profile', put('arr.json', '[1,2,3]'), '--', 'touch', marker]);
    expect(expectCleanError(arr)).toMatch(/arr\.json: a JSON array of 3 is neither a policy/);
    expect(arr.stderr).toMatch(/hint: .*--input/);
    const seven = runCli(['run', '--profile', put('seven.bin', new Uint8Array([0x55, 0, 1, 2, 0, 3, 4])), '--', 'touch', marker]);
    expect(expectCleanError(seven)).toMatch(/seven\.bin: 7 bytes of binary data are neither a policy \(text\) nor a raw BPF program/);
    expect(seven.stderr).toMatch(/hint: .*--input/);
    expect(existsSync(marker)).toBe(false);
  });

  it('an input two readers accept is refused as ambiguous, naming --input', () => {
    const f = put('amb.txt', 'read: return 1\n');
    const r = runCli(['explain', f]);
    expect(expectCleanError(r)).toMatch(/amb\.txt: this input reads as minijail and as asm/);
    expect(r.stderr).toMatch(/hint: say which: --input minijail or --input asm/);
    expect(runCli(['explain', f, '--input', 'minijail']).status).toBe(0);
  });

  it('compile --caps refuses an unknown capability with a did-you-mean', () => {
    const r = runCli(['compile', join(ROOT, 'data/profiles/docker-default.json'), '--caps', 'CAP_SYS_ADMN', '-o', join(tmp, 'c.bpf')]);
    expect(expectCleanError(r)).toMatch(/unknown capability "CAP_SYS_ADMN"/);
    expect(r.stderr).toMatch(/did you mean CAP_SYS_ADMIN/);
  });

  it('record --merge warns about unknown syscall names as compile does', () => {
    const p = put('merge.json', JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read', 'frobnicate'], action: 'SCMP_ACT_ALLOW' }] }));
    const r = runCli(['record', '--merge', p, '-o', join(tmp, 'merged.json')]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: .*unknown syscall "frobnicate"/);
    const c = runCli(['compile', p, '-o', join(tmp, 'm.bpf')]);
    expect(c.stderr).toMatch(/warning: .*unknown syscall "frobnicate"/);
    // A missing file: the hint names the option record has (--merge), not run's --profile.
    const missing = runCli(['record', '--merge', join(tmp, 'no-such.json'), '-o', join(tmp, 'never.json'), '--', 'true']);
    expect(expectCleanError(missing)).toMatch(/no-such\.json: no such file/);
    expect(missing.stderr).toMatch(/^hint: --merge takes a policy file or a built-in name/m);
  });

  it('compile --format oci names a flag compile has, and --lossy works', () => {
    const p = put('badarch.json', JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', badArchAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    const r = runCli(['compile', p, '--format', 'oci']);
    expectCleanError(r);
    expect(r.stderr).not.toMatch(/exportSyswall/);
    expect(r.stderr).toMatch(/--format syswall/);
    expect(r.stderr).toMatch(/--lossy/);
    const ok = runCli(['compile', p, '--format', 'oci', '--lossy']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).defaultAction).toBe('SCMP_ACT_ERRNO');
  });

  it("convert's help examples run: Firecracker --thread vmm to syswall exactly, to SPO with --lossy and every loss warned", () => {
    const fc = join(FIX, 'firecracker.json');
    // The examples exactly as `syswall convert --help` prints them, on a real Firecracker file.
    const examples = runCli(['convert', '--help']).stdout.split('\n').map((l) => /^ {2}syswall (convert firecracker\.json [^#]*?)\s*(#.*)?$/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const ex of examples) {
      const r = runCli(ex.split(/\s+/).map((a) => (a === 'firecracker.json' ? fc : a)));
      expect(r.status, `${ex}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toMatch(/error:/);
    }
    const exact = runCli(['convert', fc, '--thread', 'vmm', '--to', 'syswall']);
    expect(exact.status).toBe(0);
    expect(exact.stderr).toBe('');
    const lossy = runCli(['convert', fc, '--thread', 'vmm', '--to', 'spo', '--name', 'vmm', '--lossy']);
    expect(lossy.status).toBe(0);
    expect(lossy.stdout).toMatch(/name: vmm/);
    expect(lossy.stderr).toMatch(/warning: the bad-arch action KILL_PROCESS cannot be expressed/);
    // Without --lossy the loss is an error, never silent.
    expect(expectCleanError(runCli(['convert', fc, '--thread', 'vmm', '--to', 'spo']))).toMatch(/bad-arch action KILL_PROCESS cannot be expressed/);
  });

  it('SPO baseProfileName never reads outside the input directory', () => {
    const inner = join(tmp, 'spo');
    mkdirSync(inner, { recursive: true });
    // A valid profile one level up that a path-following resolver would read.
    writeFileSync(join(tmp, 'outside.yaml'), readFileSync(join(FIX, 'runc-base.yaml'), 'utf8'));
    const text = readFileSync(join(FIX, 'nginx-profile.yaml'), 'utf8').replace(/baseProfileName: .*/, 'baseProfileName: ../outside');
    const f = join(inner, 'p.yaml');
    writeFileSync(f, text);
    expect(expectCleanError(runCli(['convert', f, '--to', 'oci']))).toMatch(/p\.yaml:\d+:\d+: .*baseProfileName "\.\.\/outside" is not a profile name/);
  });

  it('syscalls with an unknown name exits 2, as groups with an unknown group', () => {
    expect(runCli(['syscalls', 'frobnicate']).status).toBe(2);
    expect(runCli(['groups', '@nope']).status).toBe(2);
  });

  it('programs over 4,096 instructions are refused by explain and lint, naming the size; 4,096 are analysed', () => {
    const ins = { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 };
    const big = put('big.bpf', encodeProgram(Array(4097).fill(ins), 'little'));
    for (const cmd of ['explain', 'lint', 'diff']) {
      const args = cmd === 'diff' ? [cmd, big, big] : [cmd, big];
      expect(expectCleanError(runCli(args)), cmd).toMatch(/big\.bpf: the program has 4097 instructions; the kernel accepts at most 4096/);
    }
    const ok = put('ok.bpf', encodeProgram(Array(4096).fill(ins), 'little'));
    expect(runCli(['explain', ok]).status).toBe(0);
  });

  it('YAML alias bombs and deep YAML end in one clear line', () => {
    const lines = ['apiVersion: security-profiles-operator.x-k8s.io/v1beta1', 'kind: SeccompProfile', 'metadata:', '  name: bomb', '  a0: &a0 [x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i <= 9; i++) lines.push(`  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    lines.push('spec:', '  defaultAction: SCMP_ACT_ERRNO');
    expect(expectCleanError(runCli(['convert', put('bomb.yaml', lines.join('\n')), '--to', 'oci']))).toMatch(/bomb\.yaml:\d+:\d+: more than \d+ YAML alias references|expands to more than/);
    const deep = 'apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n';
    expect(expectCleanError(runCli(['convert', put('deep.yaml', deep), '--to', 'oci']))).toMatch(/deep\.yaml:4:\d+: YAML nesting deeper than 256 levels/);
  });
});

describe('disasm and emu take --thread and --name like every command that reads policies', () => {
  const fc = join(FIX, 'firecracker.json');
  it('the hint of a file with several thread filters is a command that works', () => {
    for (const cmd of [['disasm', fc], ['emu', fc, 'read', '0']]) {
      const err = runCli(cmd);
      expectCleanError(err);
      const hint = /pass (--thread \w+)/.exec(err.stderr)?.[1];
      expect(hint, err.stderr).toBe('--thread vmm');
      const ok = runCli([...cmd, ...hint!.split(' ')]);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout.length).toBeGreaterThan(0);
    }
    // The same program compile makes for that thread.
    const viaCompile = runCli(['compile', fc, '--thread', 'vmm', '--format', 'disasm']);
    expect(runCli(['disasm', fc, '--thread', 'vmm']).stdout).toBe(viaCompile.stdout);
  });

  it('a thread the file lacks, or --thread on other input, is one line and exit 2', () => {
    expect(expectCleanError(runCli(['disasm', fc, '--thread', 'nope']))).toMatch(/no thread "nope" in the file; it has vmm, api, vcpu/);
    expect(expectCleanError(runCli(['emu', join(ROOT, 'examples', 'sample.bpf'), 'read', '--thread', 'vmm']))).toMatch(/--thread applies to Firecracker filters, not to raw input/);
    expect(expectCleanError(runCli(['disasm', join(ROOT, 'examples', 'sample.bpf'), '--name', 'x']))).toMatch(/--name applies to/);
  });
});
