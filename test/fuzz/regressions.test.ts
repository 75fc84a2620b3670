/**
 * Inputs the fuzzers and the limit tests found bugs with (shrunk by hand to
 * their essence), kept as regression tests: each must now end in a result or
 * a clean SyswallError within the per-case time limit. The CLI-level ones of
 * issue 18 (closed pipes, --debug before the command, --ip -5, 5 MB error
 * lines, raw control characters) are in test/cli-contract.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { importMinijail } from '../../src/core/formats/minijail.js';
import { importKafel } from '../../src/core/formats/kafel.js';
import { readInput, type InputPolicy } from '../../src/core/formats/door.js';
import { compileInput } from '../../src/core/input/load.js';
import { parseYamlDocuments } from '../../src/core/formats/yaml.js';
import { clean } from './harness.js';

const expectError = (fn: () => unknown, code: string, message: RegExp) => {
  const r = clean(fn);
  expect(r.ok, 'expected an error').toBe(false);
  if (!r.ok) {
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
  }
};

describe('fuzz regressions', () => {
  it('minijail: 100,000 nested parentheses were a stack overflow (RangeError), now TOO_DEEP at 257', () => {
    expectError(() => importMinijail(`read: arg0 == ${'('.repeat(100_000)}1${')'.repeat(100_000)}\n`, { file: 'p.policy' }), 'TOO_DEEP', /^p\.policy:1:\d+: parentheses nested deeper than 256 levels$/);
  });

  it('Kafel: 30,000 nested parentheses, or negations, were a stack overflow, now TOO_DEEP', () => {
    const policy = (expr: string) => `POLICY a { ALLOW { write(fd) { ${expr} } } } USE a DEFAULT KILL\n`;
    expectError(() => importKafel(policy(`${'('.repeat(30_000)}fd == 1${')'.repeat(30_000)}`), { file: 'k.kafel' }), 'TOO_DEEP', /nested deeper than 256 levels/);
    expectError(() => importKafel(policy(`${'!'.repeat(30_000)}(fd == 1)`), { file: 'k.kafel' }), 'TOO_DEEP', /nested deeper than 256 levels/);
    // Unbalanced: the parser's backtracking must not swallow the depth error and retry.
    expectError(() => importKafel(policy(`${'('.repeat(30_000)}fd == 1`), { file: 'k.kafel' }), 'TOO_DEEP', /nested deeper than 256 levels/);
  });

  it('Kafel: a list of 150,000 names overflowed the stack (push(...list)); now read', () => {
    const r = clean(() => importKafel(`POLICY a { ALLOW { ${'read, '.repeat(150_000)}write } } USE a DEFAULT KILL\n`, { file: 'k.kafel' }));
    expect(r.ok).toBe(true);
  });

  it('minijail: 50,000 || clauses on one line took minutes (Array.shift per token); now linear', () => {
    const r = clean(() => importMinijail(`read: ${'arg0 == 1 || '.repeat(50_000)}arg0 == 2\n`, { file: 'p.policy' }));
    expect(r.ok).toBe(true);
  });

  it('first-match lists: 100,000 entries for one syscall were quadratic; repeats and entries after an unconditional one are skipped', () => {
    const r = clean(() => importKafel(`POLICY a { ALLOW { ${'read, '.repeat(100_000)}write }, KILL { ${'read, '.repeat(100_000)}close } } USE a DEFAULT KILL\n`, { file: 'k.kafel' }));
    expect(r.ok).toBe(true);
  });

  it('YAML: 10,000 alias references (the limit) took half a minute (each resolved by walking the document); now one pass', () => {
    const r = clean(() => parseYamlDocuments(`a: &a x\nb: [${Array(10_000).fill('*a').join(', ')}]\n`, { file: 'a.yaml' }));
    expect(r.ok).toBe(true);
    // Aliases still resolve to the last anchor of that name before them.
    const [doc] = parseYamlDocuments('a: &x 1\nb: *x\nc: &x 2\nd: *x\n') as unknown as { type: 'object'; entries: { key: string; value: { raw?: string } }[] }[];
    expect(doc.entries.map((e) => [e.key, e.value.raw])).toEqual([['a', '1'], ['b', '1'], ['c', '2'], ['d', '2']]);
  });

  it('the compiler: 6,000 argument rules on one syscall overflowed the stack; now a size error (3,000 rules) or RULES_TOO_MANY (6,000)', () => {
    const doc = (n: number) => JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: Array.from({ length: n }, (_, i) => ({ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: i * 7, op: 'SCMP_CMP_EQ' }] })) });
    const compile = (n: number) => () => compileInput(readInput(doc(n), { file: 'p.json' }) as InputPolicy);
    expectError(compile(3000), 'TOO_LARGE', /above the kernel's limit of 4096/);
    expectError(compile(6000), 'RULES_TOO_MANY', /more than 4096 argument comparisons at one level/);
  });
});
