import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeProgram } from '../bpf/codec.js';
import { hexText } from '../bpf/formats.js';
import { detectInput, readInput } from './door.js';
import { parseYamlDocuments } from './yaml.js';

const FIX = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'formats');
const read = (f: string) => readFileSync(join(FIX, f), 'utf8');
const PROG = encodeProgram([{ code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 }], 'little');

describe('the one input door: detection', () => {
  it.each([
    ['OCI JSON', '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}', 'oci'],
    ['Docker JSON', '{"defaultAction":"SCMP_ACT_ERRNO","archMap":[],"syscalls":[]}', 'docker'],
    ['containers-common JSON', '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrno":"ENOSYS","syscalls":[]}', 'containers-common'],
    ['syswall JSON', '{"defaultAction":"SCMP_ACT_ERRNO","badArchAction":"SCMP_ACT_KILL","syscalls":[]}', 'syswall'],
    ['SPO YAML', read('nginx-profile.yaml'), 'spo'],
    ['Firecracker JSON', read('firecracker.json'), 'firecracker'],
    ['minijail', read('device.policy'), 'minijail'],
    ['Kafel', read('sandbox.kafel'), 'kafel'],
    ['assembly', 'A = arch\nif (A != ARCH_X86_64) goto dead\nreturn ALLOW\ndead: return KILL\n', 'asm'],
    ['a disasm listing', ' line  CODE  JT   JF      K\n=================================\n 0000: 0x06 0x00 0x00 0x7fff0000  return ALLOW\n', 'asm'],
    ['hex', hexText(PROG), 'hex'],
  ])('%s', (_n, text, kind) => {
    expect(detectInput(text).kind).toBe(kind);
  });

  it('raw bytes', () => {
    expect(detectInput(PROG).kind).toBe('raw');
  });

  it.each(['', ' \n\t\n', '\uFEFF'])('refuses an empty input (%j) as "empty input"', (text) => {
    expect(() => detectInput(text)).toThrow(/empty input/);
    expect(() => readInput(text, { kind: 'minijail' })).toThrow(/empty input/);
  });

  it.each([
    ['a JSON array', '[1,2,3]', /a JSON array of 3 is neither a policy/],
    ['JSON null', 'null', /JSON null is neither a policy/],
    ['prose', 'hello world, this is not a policy\n', /cannot tell what this input is/],
  ])('refuses %s with the reason and the --input flag', (_n, text, re) => {
    let err: any;
    try {
      detectInput(text);
    } catch (e) {
      err = e;
    }
    expect(err?.message).toMatch(re);
    expect(err?.hint).toMatch(/--input/);
  });

  it('refuses 7 bytes of binary data (not a policy, not whole instructions)', () => {
    expect(() => detectInput(new Uint8Array([1, 0, 2, 0, 3, 0, 4]))).toThrow(/7 bytes of binary data are neither/);
  });

  it('an input two readers accept is ambiguous: refused, naming the flags that settle it', () => {
    let err: any;
    try {
      detectInput('read: return 1\n');
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('INPUT_AMBIGUOUS');
    expect(err?.hint).toMatch(/--input minijail or --input asm/);
    // --input settles it either way.
    expect(readInput('read: return 1\n', { kind: 'minijail' }).type).toBe('policy');
    expect(readInput('read: return 1\n', { kind: 'asm' }).type).toBe('program');
  });

  it('--input policy/program detects within one family', () => {
    expect(() => readInput(PROG, { kind: 'policy' })).toThrow(/expected a policy \(text\), got binary data/);
    expect(() => readInput('{"defaultAction":"SCMP_ACT_ALLOW"}', { kind: 'program' })).toThrow(/expected a program, got JSON/);
  });

  it('refuses programs over the kernel limit of 4,096 instructions, naming the size', () => {
    const ins = { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 };
    expect(readInput(encodeProgram(Array(4096).fill(ins), 'little')).type).toBe('program');
    expect(() => readInput(encodeProgram(Array(4097).fill(ins), 'little'))).toThrow(/4097 instructions; the kernel accepts at most 4096/);
    expect(readInput(encodeProgram(Array(4097).fill(ins), 'little'), { maxInstructions: Infinity }).type).toBe('program');
  });

  it('--thread and --name only apply to their dialects', () => {
    expect(() => readInput('{"defaultAction":"SCMP_ACT_ALLOW"}', { thread: 'vmm' })).toThrow(/--thread applies to Firecracker/);
    expect(() => readInput('{"defaultAction":"SCMP_ACT_ALLOW"}', { name: 'x' })).toThrow(/--name applies to SPO/);
  });
});

describe('YAML limits (issue 18)', () => {
  it('an alias bomb is refused quickly instead of expanding', () => {
    const lines = ['apiVersion: security-profiles-operator.x-k8s.io/v1beta1', 'kind: SeccompProfile', 'metadata:', '  name: bomb', '  a0: &a0 [x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i <= 9; i++) lines.push(`  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    lines.push('spec:', '  defaultAction: SCMP_ACT_ERRNO');
    const t0 = Date.now();
    expect(() => parseYamlDocuments(lines.join('\n'))).toThrow(/alias|more than 200000 nodes/);
    expect(Date.now() - t0).toBeLessThan(30_000); // a bound on the work, not a benchmark: unbounded, this ran for minutes
  });

  it('deep nesting is a clear error, not a stack overflow', () => {
    for (const text of ['a: ' + '['.repeat(20000) + ']'.repeat(20000), ['a:', ...Array.from({ length: 300 }, (_, i) => ' '.repeat(i + 1) + 'b:')].join('\n')]) {
      let err: any;
      try {
        parseYamlDocuments(text, { file: 'deep.yaml' });
      } catch (e) {
        err = e;
      }
      expect(err?.code).toBe('YAML_TOO_DEEP');
      expect(err?.message).toMatch(/^deep\.yaml:\d+:\d+: YAML nesting deeper than 256 levels/);
    }
  });

  it('a real profile stays well inside the limits', () => {
    expect(parseYamlDocuments(read('nginx-profile.yaml')).length).toBeGreaterThan(0);
  });
});

describe('SPO base profiles stay next to the input (issue 18)', () => {
  it('refuses a baseProfileName that is a path', () => {
    const text = read('nginx-profile.yaml').replace(/baseProfileName: .*/, 'baseProfileName: ../outside');
    const withBase = text.includes('baseProfileName') ? text : text.replace(/spec:\n/, 'spec:\n  baseProfileName: ../outside\n');
    let asked = false;
    expect(() => readInput(withBase, { kind: 'spo', resolveBase: () => { asked = true; return undefined; } })).toThrow(/baseProfileName "..\/outside" is not a profile name/);
    expect(asked).toBe(false);
  });
});

describe('unknown capabilities (issue 18)', () => {
  it('are refused with a did-you-mean', () => {
    expect(() => readInput('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}', { context: { caps: ['CAP_SYS_ADMN'] } })).toThrow(/unknown capability "CAP_SYS_ADMN"/);
    try {
      readInput('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}', { context: { caps: ['CAP_SYS_ADMN'] } });
    } catch (e: any) {
      expect(e.hint).toMatch(/did you mean CAP_SYS_ADMIN/);
    }
    expect(readInput('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}', { context: { caps: ['sys_admin', 'ALL'] } }).type).toBe('policy');
  });
});
