/**
 * Fuzz through the real `syswall` binary (fewer cases than in-process: each
 * is a Node start-up): mutated inputs and random options to the commands
 * that read files. The contract (README, "CLI contract"): exit 0, 2 or a
 * command's own answer (3, 4), never 1 or a signal; stderr without stack
 * traces, internal errors or raw control characters, with lines of at most
 * about 1,000 characters; on exit 2 exactly one error line (plus a hint);
 * done in bounded time (a time-out kills the case) and memory (a 512 MB heap).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliAsync } from '../helpers/cli.js';
import { BASE_SEED, casesOf, seedFor, tally } from './harness.js';
import { mutatedBytes, mutatedJsonTree, mutatedText, NUMBERS, writeJson } from './mutate.js';
import { ASSEMBLY, COMMON_WORDS, FIRECRACKER, FREQUENCIES, JSON_POLICIES, KAFEL, MINIJAIL, RAW_PROGRAMS, YAML_POLICIES, jsonTree, keysOf, stringsOf } from './seeds.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syswall-fuzz-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL_JSON = JSON_POLICIES.filter((t) => t.length < 4000);
const TREES = SMALL_JSON.map(jsonTree);
const policyText = fc.oneof(
  mutatedJsonTree({ seeds: TREES, keys: keysOf(TREES), words: [...stringsOf(TREES), ...COMMON_WORDS] }).map((t) => writeJson(t, 1)),
  mutatedText({ seeds: [...SMALL_JSON, ...FIRECRACKER, ...YAML_POLICIES.filter((y) => !/baseProfileName/.test(y)), ...MINIJAIL.slice(1), ...KAFEL], dictionary: [...COMMON_WORDS, ...NUMBERS], nesting: [['[', ']'], ['(', ')']] }),
);
const asmText = mutatedText({ seeds: ASSEMBLY, dictionary: [...COMMON_WORDS, ...NUMBERS, 'A', 'X', 'goto', 'if', 'return', 'mem[1]', 'args[2]'] });
const input = fc.oneof(
  { weight: 4, arbitrary: policyText.map((t) => ({ kind: 'policy', data: t as string | Uint8Array })) },
  { weight: 2, arbitrary: asmText.map((t) => ({ kind: 'asm', data: t as string | Uint8Array })) },
  { weight: 2, arbitrary: mutatedBytes(RAW_PROGRAMS, 4096).map((b) => ({ kind: 'raw', data: b as string | Uint8Array })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\n', '[1,2,3]', 'null', '{}', '\u0000\u0000', '\ufeff').map((t) => ({ kind: 'tiny', data: t as string | Uint8Array })) },
);
const arch = fc.constantFrom('x86_64', 'aarch64', 'x86', 's390x', 'vax', 'x86_64,x86', '-1');
const opt = (name: string, values: fc.Arbitrary<string>) => values.map((v) => [name, v]);
const optionSets: Record<string, fc.Arbitrary<(readonly string[])[]>> = {
  compile: fc.array(fc.oneof(opt('--arch', arch), opt('--format', fc.constantFrom('raw', 'c', 'hex', 'json', 'pfc', 'disasm', 'oci', 'syswall', 'frob')), opt('--enosys', fc.constantFrom('none', 'runc', 'unknown', 'x')), opt('--kernel', fc.constantFrom('6.1', '3.0', 'x', '99.99')), opt('--caps', fc.constantFrom('ALL', 'CAP_SYS_ADMIN', 'CAP_SYS_ADMN', '')), fc.constant(['--stats']), fc.constant(['--strict-names']), fc.constant(['--frequencies', 'FREQ'])), { maxLength: 3 }),
  convert: fc.array(fc.oneof(opt('--to', fc.constantFrom('oci', 'docker', 'spo', 'firecracker', 'syswall', 'yaml')), opt('--arch', arch), opt('--thread', fc.constantFrom('vmm', 'api', 'x'))), { maxLength: 3 }),
  asm: fc.array(fc.oneof(opt('--arch', arch), opt('--format', fc.constantFrom('raw', 'hex', 'inspect', 'c_array', 'c_source', 'assembly', 'x'))), { maxLength: 2 }),
  disasm: fc.array(fc.oneof(opt('--arch', arch), fc.constant(['--json']), fc.constant(['--asm-able'])), { maxLength: 2 }),
  emu: fc.array(fc.oneof(opt('--arch', arch), opt('--ip', fc.constantFrom(...NUMBERS, '-5')), fc.constant(['--trace']), fc.constant(['--json'])), { maxLength: 2 }),
  explain: fc.array(fc.oneof(opt('--arch', arch), opt('--input', fc.constantFrom('raw', 'asm', 'policy', 'elf')), fc.constant(['--json'])), { maxLength: 2 }),
  lint: fc.array(fc.oneof(opt('--arch', arch), opt('--input', fc.constantFrom('raw', 'asm', 'policy')), fc.constant(['--json'])), { maxLength: 2 }),
  graph: fc.array(fc.oneof(opt('--arch', arch), opt('--input', fc.constantFrom('raw', 'asm', 'policy'))), { maxLength: 2 }),
  diff: fc.array(fc.oneof(opt('--arch', arch), fc.constant(['--json'])), { maxLength: 2 }),
};
const caseArb = fc.tuple(fc.constantFrom(...Object.keys(optionSets)), input, fc.nat(), fc.constantFrom(...NUMBERS.slice(0, 20), 'read', 'execve', 'x86.execve', 'frob')).chain(([cmd, inp, n, sys]) =>
  optionSets[cmd].map((opts) => ({ cmd, inp, n, sys, opts: opts.flat() })),
);

/** The CLI contract on one result. */
function checkContract(status: number | null, signal: string | null, stderr: string): string | undefined {
  if (signal) return `killed by ${signal} (time-out or crash)`;
  if (status === 1) return 'exit 1 (a failure at run time, or an internal error) on bad input';
  if (![0, 2, 3, 4].includes(status!)) return `exit ${status}`;
  if (/internal error/.test(stderr)) return 'internal error';
  if (/\n\s+at .*:\d+:\d+\)?$/m.test(stderr)) return 'stack trace';
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(stderr)) return 'raw control characters on stderr';
  const long = stderr.split('\n').find((l) => l.length > 1100);
  if (long) return `a stderr line of ${long.length} characters`;
  if (status === 2) {
    const lines = stderr.trimEnd().split('\n');
    const errs = lines.filter((l) => l.startsWith('syswall: error: '));
    if (errs.length !== 1) return `${errs.length} error lines on exit 2`;
    const i = lines.indexOf(errs[0]);
    if (lines.length > i + 2 || (lines.length === i + 2 && !lines[i + 1].startsWith('hint: '))) return 'more than an error line and a hint at the end';
  }
  return undefined;
}

describe('fuzz: the real CLI binary', () => {
  it('mutated inputs and random options to the commands that read files', async () => {
    const seed = seedFor('cli');
    const numRuns = casesOf('cli');
    const cases = fc.sample(caseArb, { seed, numRuns });
    console.log(`fuzz cli: seed ${seed} (FUZZ_SEED=${BASE_SEED}), ${numRuns} cases through the binary`);
    writeFileSync(join(dir, 'FREQ'), FREQUENCIES[0]);
    const failures: string[] = [];
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= cases.length) return;
        const c = cases[i];
        const file = join(dir, `case-${i}.${c.inp.kind === 'raw' ? 'bpf' : 'in'}`);
        writeFileSync(file, c.inp.data);
        const opts = c.opts.map((o) => (o === 'FREQ' ? join(dir, 'FREQ') : o));
        const args =
          c.cmd === 'diff' ? ['diff', file, file, ...opts]
          : c.cmd === 'emu' ? ['emu', file, c.sys, String(c.n % 1000), ...opts]
          : c.cmd === 'graph' ? ['graph', file, '-o', join(dir, `g-${i}.svg`), ...opts]
          : c.cmd === 'asm' ? ['asm', file, '-o', join(dir, `a-${i}.bpf`), ...opts]
          : c.cmd === 'convert' ? ['convert', file, ...(opts.includes('--to') ? [] : ['--to', 'oci']), ...opts]
          : [c.cmd, file, ...opts];
        const r = await runCliAsync(args, { env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=512' }, timeoutMs: 30_000 });
        tally.cases++;
        const why = checkContract(r.status, r.signal, r.stderr);
        if (why) {
          const data = typeof c.inp.data === 'string' ? JSON.stringify(c.inp.data.slice(0, 400)) : Buffer.from(c.inp.data.subarray(0, 120)).toString('hex');
          failures.push(`case ${i}: ${why}\n  syswall ${args.map((a) => (a === file ? '<input>' : a)).join(' ')}\n  input (${c.inp.kind}): ${data}\n  stderr: ${r.stderr.slice(0, 800)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    console.log(`fuzz cli: ${cases.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${failures.length} failures`);
    expect(failures, `replay: FUZZ_SEED=${BASE_SEED}\n${failures.join('\n\n')}`).toEqual([]);
  }, 600_000);
});
