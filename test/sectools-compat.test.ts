/**
 * Differential test of `--compat seccomp-tools` against the real
 * seccomp-tools 1.7.1, over the outputs it printed for thousands of programs,
 * sources and emulator runs (test/fixtures/seccomp-tools/reference, made by
 * scripts/gen-seccomp-tools-fixtures.mjs): disasm in all four flag
 * combinations, asm in every output format, emu quiet and verbose, dump of
 * real programs. A case is identical when syswall prints the same bytes, or,
 * where seccomp-tools raises, syswall fails too with seccomp-tools' own
 * message (for a Ruby-level crash of seccomp-tools, with a message of its
 * own). Runs seccomp-tools did not finish within the generator's time limit
 * prove nothing and are counted apart. Every remaining difference is listed
 * below by name with its reason; the test fails if the list is incomplete or
 * names a case that no longer differs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { stDisassemble, stEmuLabel } from '../src/core/bpf/compat/disasm.js';
import { stEmulate, rubyInteger, optparseInteger } from '../src/core/bpf/compat/emu.js';
import { stFormat, type StFormat } from '../src/core/bpf/compat/formats.js';
import { SeccompToolsError } from '../src/core/bpf/compat/errors.js';
import { stAudit, stBigEndian, stSyscalls, type StArch } from '../src/core/bpf/compat/tables.js';
import { assembleSeccompTools } from '../src/core/bpf/asm/index.js';
import { decodeProgram } from '../src/core/bpf/codec.js';
import { emulate } from '../src/core/bpf/emu.js';
import { validateProgram } from '../src/core/bpf/validate.js';
import { CLI, ROOT, runCli, runCliAsync } from './helpers/cli.js';
import { differencesHelp, ST_DIFFERENCES } from '../src/cli/sectools-compat.js';
import { compile, requireGcc } from './helpers/dump-fixtures.js';

const REF = join(ROOT, 'test', 'fixtures', 'seccomp-tools', 'reference');
const load = <T>(name: string): T => JSON.parse(gunzipSync(readFileSync(join(REF, name))).toString('utf8')) as T;

type Ref = string | { stdout: string; error: { class: string; message: string } } | { timeout: true } | { stdout: string; exit: number };
interface DisasmCase { id: string; arch: StArch; hex: string; results: Record<string, Ref> }
interface AsmCase { id: string; arch: StArch; source: string; results: Record<string, Ref> }
interface EmuCase { id: string; arch: StArch; hex: string; argv: string[]; results: Record<string, Ref> }
interface DumpCase { id: string; program: string; cflags: string[]; args: string[]; limit: number; format: string; stdout: string }

/** seccomp-tools' exception classes that carry a message of its own (the rest are Ruby-level crashes). */
const OWN_MESSAGES = /^(SeccompTools::|ArgumentError$|RuntimeError$|IndexError$|OptionParser::)/;

type Verdict = 'same' | 'differs' | 'timeout';

/** Compares what syswall does (`run` returns stdout as latin1 or throws) with seccomp-tools' recorded result. */
function judge(ref: Ref, run: () => string): { verdict: Verdict; detail?: string } {
  let mine: string | SeccompToolsError;
  try {
    mine = run();
  } catch (e) {
    if (!(e instanceof SeccompToolsError)) throw e;
    mine = e;
  }
  if (typeof ref === 'object' && 'timeout' in ref) return { verdict: 'timeout', detail: typeof mine === 'string' ? 'printed' : `${mine.crash ? 'crash' : 'raised'}: ${mine.message}` };
  if (typeof ref === 'string') {
    if (mine === ref) return { verdict: 'same' };
    return { verdict: 'differs', detail: typeof mine === 'string' ? firstDiff(ref, mine) : `seccomp-tools printed, syswall failed: ${mine.message}` };
  }
  if ('exit' in ref) return { verdict: 'differs', detail: `seccomp-tools exited ${ref.exit}` };
  if (typeof mine === 'string') return { verdict: 'differs', detail: `seccomp-tools raised ${ref.error.class}: ${ref.error.message.slice(0, 200)}; syswall printed` };
  if (ref.stdout !== '') return { verdict: 'differs', detail: 'seccomp-tools printed before raising' };
  if (OWN_MESSAGES.test(ref.error.class)) {
    return mine.crash || mine.stMessage !== ref.error.message
      ? { verdict: 'differs', detail: `message: ${JSON.stringify(ref.error.message.slice(0, 200))} vs ${JSON.stringify(mine.stMessage.slice(0, 200))}` }
      : { verdict: 'same' };
  }
  return mine.crash ? { verdict: 'same' } : { verdict: 'differs', detail: `seccomp-tools crashed (${ref.error.class}), syswall raised its message ${mine.stMessage}` };
}

function firstDiff(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return `line ${i + 1}: seccomp-tools ${JSON.stringify(x[i])} / syswall ${JSON.stringify(y[i])}`;
  return 'same lines';
}

const latin1 = (out: string | Uint8Array) => (typeof out === 'string' ? out : Buffer.from(out).toString('latin1'));

/**
 * Every case where syswall's compat output differs from seccomp-tools', with
 * the reason. Keys are `<command>:<case id>#<variant>`.
 */
const SHIFT_K = 'shift by a constant of 32 or more: the kernel refuses to load such a filter, so syswall refuses to run it; seccomp-tools computes 0';
const SHIFT_X = 'shift by X of 32 or more: the kernel shifts by the low 5 bits of X (40 -> 8, 33 -> 1); seccomp-tools shifts by all of X and gets 0';
const KNOWN_DIFFERENCES: Record<string, string> = {
  'emu:chaotic/amd64/157@0#verbose': SHIFT_K,
  'emu:chaotic/amd64/157@0#quiet': SHIFT_K,
  'emu:special/shift-k-40/amd64@0#verbose': SHIFT_K,
  'emu:special/shift-k-40/amd64@0#quiet': SHIFT_K,
  'emu:special/shift-k-40/s390x@0#verbose': SHIFT_K,
  'emu:special/shift-k-40/s390x@0#quiet': SHIFT_K,
  'emu:special/shift-x-40/amd64@0#verbose': SHIFT_X,
  'emu:special/shift-x-40/amd64@0#quiet': SHIFT_X,
  'emu:special/shift-x-40/s390x@0#verbose': SHIFT_X,
  'emu:special/shift-x-40/s390x@0#quiet': SHIFT_X,
  'emu:special/rshift-x-33/amd64@0#verbose': SHIFT_X,
  'emu:special/rshift-x-33/amd64@0#quiet': SHIFT_X,
  'emu:special/rshift-x-33/s390x@0#verbose': SHIFT_X,
  'emu:special/rshift-x-33/s390x@0#quiet': SHIFT_X,
};

interface Tally { same: number; differs: number; timeout: number; diffs: Map<string, string>; timeouts: Map<string, string> }
const tally = (): Tally => ({ same: 0, differs: 0, timeout: 0, diffs: new Map(), timeouts: new Map() });
function count(t: Tally, key: string, v: { verdict: Verdict; detail?: string }) {
  t[v.verdict]++;
  if (v.verdict === 'differs') t.diffs.set(key, v.detail ?? '');
  if (v.verdict === 'timeout') t.timeouts.set(key, v.detail ?? '');
}

const DISASM_FLAGS: Record<string, { bpf?: boolean; argInfer?: boolean }> = { bpf: {}, 'no-bpf': { bpf: false }, 'no-arg-infer': { argInfer: false }, 'asm-able': { bpf: false, argInfer: false } };

function runDisasm(): Tally {
  const t = tally();
  for (const c of load<{ cases: DisasmCase[] }>('disasm.json.gz').cases) {
    const bytes = Buffer.from(c.hex, 'hex');
    for (const [flag, ref] of Object.entries(c.results)) {
      count(t, `disasm:${c.id}#${flag}`, judge(ref, () => stDisassemble(bytes, { arch: c.arch, ...DISASM_FLAGS[flag] })));
    }
  }
  return t;
}

function runAsm(): Tally {
  const t = tally();
  for (const c of load<{ cases: AsmCase[] }>('asm.json.gz').cases) {
    for (const [format, ref] of Object.entries(c.results)) {
      count(t, `asm:${c.id}#${format}`, judge(ref, () => latin1(stFormat(assembleSeccompTools(c.source, { arch: c.arch, file: 'prog.asm' }), format as StFormat, c.arch))));
    }
  }
  return t;
}

function emuRun(c: EmuCase, quiet: boolean): string {
  const argv = c.argv.slice();
  let ip: bigint | undefined;
  if (argv[0] === '-i') ip = optparseInteger(argv.splice(0, 2)[1], '-i');
  const [sys, ...args] = argv;
  const table = stSyscalls(c.arch).byName;
  const nr = sys === undefined ? undefined : table.has(sys) ? BigInt(table.get(sys)!) : rubyInteger(sys);
  return stEmulate(Buffer.from(c.hex, 'hex'), { arch: c.arch, nr, args: args.map(rubyInteger), ip }, quiet);
}

function runEmu(): Tally {
  const t = tally();
  for (const c of load<{ cases: EmuCase[] }>('emu.json.gz').cases) {
    for (const [mode, ref] of Object.entries(c.results)) count(t, `emu:${c.id}#${mode}`, judge(ref, () => emuRun(c, mode === 'quiet')));
  }
  return t;
}

describe('--compat seccomp-tools against seccomp-tools 1.7.1 (recorded outputs)', () => {
  const results = { disasm: runDisasm(), asm: runAsm(), emu: runEmu() };
  const all = new Map([...results.disasm.diffs, ...results.asm.diffs, ...results.emu.diffs]);

  it.each(Object.keys(results) as (keyof typeof results)[])('%s: identical on at least 99.5 % of the cases seccomp-tools finished', (cmd) => {
    const t = results[cmd];
    const total = t.same + t.differs;
    console.log(`${cmd}: ${t.same}/${total} identical (${((100 * t.same) / total).toFixed(2)} %), ${t.differs} listed differences, ${t.timeout} runs seccomp-tools did not finish`);
    expect(total).toBeGreaterThan(cmd === 'emu' ? 5000 : 10000);
    expect(t.same / total).toBeGreaterThanOrEqual(0.995);
  });

  it('every difference is listed with its reason, and every listed case still differs', () => {
    const unlisted = [...all].filter(([k]) => !(k in KNOWN_DIFFERENCES)).map(([k, d]) => `${k}: ${d}`);
    const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => !all.has(k));
    expect(unlisted, 'differences not listed in KNOWN_DIFFERENCES').toEqual([]);
    expect(stale, 'listed differences that no longer differ').toEqual([]);
  });

  it('runs seccomp-tools did not finish: syswall finishes each, and says where seccomp-tools would never finish', () => {
    const timeouts = new Map([...results.disasm.timeouts, ...results.emu.timeouts]);
    expect(timeouts.size).toBe(results.disasm.timeout + results.emu.timeout);
    const kinds = new Set<string>();
    for (const [key, what] of timeouts) {
      // Either a listing (seccomp-tools was only slow: path explosion, 1,500 lines), or one line naming the loop.
      if (what === 'printed') kinds.add('printed');
      else {
        expect(what, key).toMatch(/^crash: .*seccomp-tools 1\.7\.1 never finishes here \(line \d+ returns a value read from a scratch slot that was never written/);
        kinds.add('never finishes');
      }
    }
    expect([...kinds].sort()).toEqual(['never finishes', 'printed']);
  });

  it("the shift differences are the kernel's behaviour (the interpreter and validator that test/kernel-interpreter.test.ts checks against seccomp(2))", () => {
    const emuCases = new Map(load<{ cases: EmuCase[] }>('emu.json.gz').cases.map((c) => [c.id, c]));
    const shifts = Object.entries(KNOWN_DIFFERENCES).filter(([k]) => k.endsWith('#quiet'));
    expect(new Set(shifts.map(([, r]) => r))).toEqual(new Set([SHIFT_K, SHIFT_X]));
    for (const [key, reason] of shifts) {
      const c = emuCases.get(key.slice('emu:'.length, -'#quiet'.length))!;
      const program = decodeProgram(Buffer.from(c.hex, 'hex'), { endian: stBigEndian(c.arch) ? 'big' : 'little' });
      if (reason === SHIFT_K) {
        expect(validateProgram(program).length, `${key}: the kernel refuses it`).toBeGreaterThan(0);
        expect(() => emuRun(c, true), key).toThrow(/the kernel refuses a filter that shifts by a constant of 32 or more/);
        continue;
      }
      const [sys, ...args] = c.argv;
      const data = { nr: stSyscalls(c.arch).byName.get(sys)!, arch: stAudit(c.arch), args: args.map(rubyInteger) };
      const kernel = emulate(program, data, stBigEndian(c.arch) ? 'big' : 'little');
      expect(emuRun(c, true), key).toBe(`return ${stEmuLabel(kernel.action)} at line ${String(kernel.returnLine).padStart(4, '0')}\n`);
      const ref = load<{ cases: EmuCase[] }>('emu.json.gz').cases.find((x) => x.id === c.id)!.results.quiet;
      expect(emuRun(c, true), `${key}: seccomp-tools computed otherwise`).not.toBe(ref);
    }
  });
});

/** Whole command lines run by seccomp-tools (reference/cli.json.gz): README's difference examples and emu's number arguments. */
interface CliCase { id: string; file: string; hex: string; argv: string[]; result: Ref }
const CLI_CASES = load<{ cases: CliCase[] }>('cli.json.gz').cases;

/** Runs a recorded seccomp-tools command line with syswall (`--compat seccomp-tools` when `compat`), in a directory holding its file. */
async function runRecorded(c: CliCase, compat: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'syswall-cli-case-'));
  writeFileSync(join(dir, c.file), Buffer.from(c.hex, 'hex'));
  const [cmd, ...rest] = c.argv;
  const r = await runCliAsync([cmd, ...(compat ? ['--compat', 'seccomp-tools'] : []), ...rest], { cwd: dir });
  return { ...r, out: r.stdout + r.stderr };
}

/** Asserts that a compat run printed what seccomp-tools printed, or failed as it did (its message; its crash in syswall's words). */
function expectAsRecorded(r: Awaited<ReturnType<typeof runRecorded>>, ref: Ref, what: string) {
  if (typeof ref === 'string') {
    expect(r.stdout, what).toBe(ref);
    expect(r.status, what).toBe(0);
    return;
  }
  if (!('error' in ref)) throw new Error(`${what}: unexpected reference ${JSON.stringify(ref)}`);
  expect(r.status, what).toBe(2);
  expect(r.stdout, what).toBe(ref.stdout);
  if (OWN_MESSAGES.test(ref.error.class)) expect(r.stderr, what).toBe(ref.error.message + '\n');
  else expect(r.stderr, what).toMatch(new RegExp(`^syswall: error: .*seccomp-tools 1\\.7\\.1 crashes.*\\(${ref.error.class}\\)`));
}

/** Whether `example` is a line of `out`, whole or after a prefix ending in a space ("0003: ", "syswall: error: FILE: "). */
const hasLine = (out: string, example: string) => out.split('\n').some((l) => l === example || l.endsWith(' ' + example));

/** README's table of default-mode differences, as rows of cells (backquotes kept). */
function readmeDifferenceRows(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('| difference | default mode |');
  expect(start, 'README has the table of default-mode differences').toBeGreaterThan(0);
  const rows = readme.slice(start).split('\n\n')[0].split('\n').slice(2);
  return rows.map((r) => r.replace(/^\| | \|$/g, '').split(' | '));
}

describe('the default mode differs from seccomp-tools as README and --help say, by example', () => {
  const runs = Promise.all(ST_DIFFERENCES.map(async (d) => {
    const c = CLI_CASES.find((x) => x.id === `difference/${d.id}`);
    if (!c) throw new Error(`no recorded seccomp-tools run for difference ${d.id}: regenerate with scripts/gen-seccomp-tools-fixtures.mjs --only cli`);
    const [mine, theirs] = await Promise.all([runRecorded(c, false), runRecorded(c, true)]);
    return [d.id, { c, mine, theirs }] as const;
  })).then((r) => new Map(r));

  it('README lists the rows of ST_DIFFERENCES, in order, with the same examples', () => {
    const cell = (s: string) => '`' + s + '`';
    expect(readmeDifferenceRows()).toEqual(ST_DIFFERENCES.map((d) => [`${d.command}: ${d.what}`, cell(d.syswall), cell(d.seccompTools)]));
  });

  it('--help of disasm, asm and emu lists its rows; no help or README line claims identity', () => {
    for (const cmd of ['disasm', 'asm', 'emu'] as const) {
      const help = runCli([cmd, '--help']).stdout;
      expect(help).toContain(differencesHelp(cmd));
      expect(help).not.toMatch(/byte for byte|byte-identical|exactly (as|what)/);
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/exactly (as|what) seccomp-tools|byte-identical to seccomp-tools|byte for byte/);
  });

  it.each(ST_DIFFERENCES.map((d) => [d.id, d] as const))('%s: compat prints what seccomp-tools printed; each example line is printed by its own mode only', async (id, d) => {
    const { c, mine, theirs } = (await runs).get(id)!;
    const show = `\n--- default:\n${mine.out}--- compat:\n${theirs.out}`;
    expectAsRecorded(theirs, c.result, `${c.argv.join(' ')} --compat seccomp-tools`);
    expect(hasLine(mine.out, d.syswall), `default mode prints "${d.syswall}"${show}`).toBe(true);
    expect(hasLine(theirs.out, d.syswall), `compat mode does not print "${d.syswall}"${show}`).toBe(false);
    expect(hasLine(theirs.out, d.seccompTools), `compat mode prints "${d.seccompTools}"${show}`).toBe(true);
    expect(hasLine(mine.out, d.seccompTools), `default mode does not print "${d.seccompTools}"${show}`).toBe(false);
  });
});

describe('emu --compat seccomp-tools reads numbers on the command line as seccomp-tools does', () => {
  const cases = CLI_CASES.filter((c) => c.id.startsWith('emu-argv/'));
  it('negative numbers are refused as options before "--" and read as numbers after it', async () => {
    expect(cases.length).toBeGreaterThan(40);
    const runs = await Promise.all(cases.map((c) => runRecorded(c, true)));
    cases.forEach((c, i) => expectAsRecorded(runs[i], c.result, `${c.id}: seccomp-tools ${c.argv.join(' ')}`));
  });
  it('the default mode takes them anywhere ("--" included) as 64-bit two\'s complement', async () => {
    const c = cases.find((x) => x.id === 'emu-argv/arg0-all-ones/4')!;
    expect(c.argv.slice(-3)).toEqual(['read', '--', '-1']);
    for (const argv of [['emu', 'prog.bpf', 'read', '-1', '-q'], ['emu', 'prog.bpf', '-q', 'read', '--', '-1']]) {
      const r = await runRecorded({ ...c, argv }, false);
      expect(r.stdout, argv.join(' ')).toBe('return ALLOW at line 0003\n');
    }
  });
});

describe('the CLI with --compat seccomp-tools prints the recorded bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syswall-compat-cli-'));
  const disasm = load<{ cases: DisasmCase[] }>('disasm.json.gz').cases;
  const emu = load<{ cases: EmuCase[] }>('emu.json.gz').cases;
  const asm = load<{ cases: AsmCase[] }>('asm.json.gz').cases;

  it('disasm, all four flag combinations, and -o', () => {
    const c = disasm.find((x) => x.id === 'libseccomp/small-amd64+i386+x32')!;
    const f = join(dir, 'prog.bpf');
    writeFileSync(f, Buffer.from(c.hex, 'hex'));
    for (const [flag, extra] of [['bpf', []], ['no-bpf', ['--no-bpf']], ['no-arg-infer', ['--no-arg-infer']], ['asm-able', ['--asm-able']]] as const) {
      const r = spawnSync(process.execPath, [CLI, 'disasm', f, '-a', c.arch, '--compat', 'seccomp-tools', ...extra]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString('latin1')).toBe(c.results[flag]);
    }
    const out = join(dir, 'out.txt');
    expect(runCli(['disasm', f, '-a', 'x86_64', '--compat', 'seccomp-tools', '-o', out]).status).toBe(0);
    expect(readFileSync(out, 'latin1')).toBe(c.results.bpf);
  });

  it('asm, every format; its error block on stderr, exit 2', () => {
    const c = asm.find((x) => x.id === 'examples/complex.asm/amd64')!;
    const f = join(dir, 'prog.asm');
    writeFileSync(f, Buffer.from(c.source, 'latin1'));
    for (const format of ['inspect', 'raw', 'c_array', 'carray', 'c_source', 'assembly']) {
      const r = spawnSync(process.execPath, [CLI, 'asm', 'prog.asm', '-a', c.arch, '-f', format, '--compat', 'seccomp-tools'], { cwd: dir });
      expect(r.stdout.toString('latin1'), format).toBe(c.results[format]);
    }
    const bad = asm.find((x) => typeof x.results.inspect === 'object' && 'error' in x.results.inspect && x.results.inspect.error.class === 'SeccompTools::ParseError')!;
    writeFileSync(f, Buffer.from(bad.source, 'latin1'));
    const r = spawnSync(process.execPath, [CLI, 'asm', 'prog.asm', '-a', bad.arch, '--compat', 'seccomp-tools'], { cwd: dir, encoding: 'latin1' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe((bad.results.inspect as { error: { message: string } }).error.message);
  });

  it('emu, quiet and verbose, with --ip and Ruby integers', () => {
    const c = emu.find((x) => x.argv[0] === '-i' && typeof x.results.verbose === 'string' && x.id.startsWith('shaped'))!;
    const f = join(dir, 'emu.bpf');
    writeFileSync(f, Buffer.from(c.hex, 'hex'));
    const [, ip, ...rest] = c.argv;
    for (const quiet of [false, true]) {
      const r = spawnSync(process.execPath, [CLI, 'emu', f, ...rest, '--ip', ip, '-a', c.arch, '--compat', 'seccomp-tools', ...(quiet ? ['-q'] : [])]);
      expect(r.status).toBe(0);
      expect(r.stdout.toString('latin1')).toBe(c.results[quiet ? 'quiet' : 'verbose']);
    }
  });
});

describe('dump --compat seccomp-tools on real programs prints what seccomp-tools printed', () => {
  const cases = load<{ cases: DumpCase[] }>('dump.json.gz').cases;
  let identical = 0;
  afterAll(() => console.log(`dump: ${identical}/${cases.length} identical (${((100 * identical) / cases.length).toFixed(2)} %)`));
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    requireGcc();
    const dir = mkdtempSync(join(tmpdir(), 'syswall-compat-dump-'));
    const bin = compile(dir, c.program, c.cflags);
    const args = c.args.map((a) => (a === 'OUTDIR' ? dir : a));
    const r = spawnSync(process.execPath, [CLI, 'dump', '--compat', 'seccomp-tools', '--limit', String(c.limit), '--format', c.format, '--', bin, ...args], { timeout: 60_000 });
    expect(r.stdout.toString('latin1')).toBe(c.stdout);
    expect(r.status).toBe(0);
    identical++;
  });
});

describe('colours on a terminal, as seccomp-tools prints them on a pty', () => {
  const cases = load<{ cases: { id: string; command: string; arch: StArch; hex: string; argv: string[]; stdout: string }[] }>('color.json.gz').cases;
  it.each(cases.filter((c) => c.command !== 'dump').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const bytes = Buffer.from(c.hex, 'hex');
    if (c.command === 'disasm') expect(stDisassemble(bytes, { arch: c.arch, color: true })).toBe(c.stdout);
    else {
      const [sys, ...args] = c.argv;
      const nr = BigInt(stSyscalls(c.arch).byName.get(sys)!);
      expect(stEmulate(bytes, { arch: c.arch, nr, args: args.map(rubyInteger) }, false, true)).toBe(c.stdout);
    }
  });
  it('the CLI colours only on a terminal (script(1) gives it one), and dump\'s [WARN] line', () => {
    const warn = cases.find((c) => c.id === 'color/dump/warn')!;
    const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI} dump --compat seccomp-tools -- true 2>/dev/null`, '/dev/null'], { encoding: 'latin1' });
    expect(r.stdout.replace(/\r\n/g, '\n')).toBe(warn.stdout);
    const d = cases.find((c) => c.id === 'color/disasm/libseccomp.bpf')!;
    const f = join(mkdtempSync(join(tmpdir(), 'syswall-color-')), 'p.bpf');
    writeFileSync(f, Buffer.from(d.hex, 'hex'));
    const t = spawnSync('script', ['-qec', `${process.execPath} ${CLI} disasm ${f} -a amd64 --compat seccomp-tools`, '/dev/null'], { encoding: 'latin1' });
    expect(t.stdout.replace(/\r\n/g, '\n')).toBe(d.stdout);
    expect(runCli(['disasm', f, '-a', 'amd64', '--compat', 'seccomp-tools']).stdout).not.toContain('\x1b');
  });
});
