/**
 * The fuzz harness: every case must end in success or a clean error (a
 * SyswallError with a stable code and a message; no internal error), within a
 * time limit per case. Seeds are fixed in `npm test` and printed; `npm run
 * fuzz` (FUZZ_LONG=1) runs 20x the cases from a random seed, also printed.
 *
 * Environment: FUZZ_SEED (base seed), FUZZ_RUNS (multiplier of every
 * target's cases), FUZZ_LONG=1 (the long mode's defaults: random seed, 20x).
 */
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { isSyswallError } from '../../src/core/errors.js';

const LONG = process.env.FUZZ_LONG === '1';
/** Base seed: fixed for `npm test`, random for `npm run fuzz` unless FUZZ_SEED is set. */
export const BASE_SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : LONG ? (Date.now() ^ (process.pid << 16)) >>> 0 : 18_2026;
/** Multiplier of every target's number of cases. */
export const RUNS_FACTOR = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : LONG ? 20 : 1;
/**
 * CPU time one case may take, in ms (inputs are at most 64 KiB): a hang or a
 * blow-up, not a speed test. CPU time, not wall time, so a loaded machine
 * does not fail a case.
 */
export const CASE_LIMIT_MS = Number(process.env.FUZZ_CASE_MS ?? 4000);

/**
 * Cases per target in `npm test` (times {@link RUNS_FACTOR}), in one table so
 * that the total is known and checked (test/fuzz/cases.test.ts: at least
 * 20,000). `cli` goes through the real binary (a Node start-up per case);
 * the others call the readers in-process.
 */
export const CASES: Readonly<Record<string, number>> = Object.freeze({
  // policy JSON dialects, Firecracker (policies.test.ts)
  'json-tree': 3000, 'json-tree-big': 400, 'json-text': 2000, firecracker: 1500,
  // SPO YAML, minijail, Kafel, detection (text-dialects.test.ts)
  'spo-tree': 1200, 'spo-text': 1000, 'spo-aliases': 40, minijail: 2500, kafel: 2500, detect: 1000,
  // assembly, raw and hex BPF, the analysis commands (bpf.test.ts)
  asm: 2000, 'asm-gen': 2000, raw: 1500, 'analysis-input': 1500, analysis: 400,
  // the argument parser, frequency tables (args.test.ts)
  argv: 3000, 'argv-errors': 500, frequencies: 1500,
  // the real binary (cli.test.ts)
  cli: 100,
});

/** The number of cases of a target in this run. */
export function casesOf(name: string): number {
  const n = CASES[name];
  if (n === undefined) throw new Error(`fuzz target "${name}" has no entry in CASES (test/fuzz/harness.ts)`);
  return Math.max(1, Math.round(n * RUNS_FACTOR));
}

/** CPU time of this process in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A per-target seed derived from the base seed and the target's name (so targets do not share streams). */
export function seedFor(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (BASE_SEED ^ h) >>> 0;
}

/** How a case ended. */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** Cases run per target in this process, for the total printed at the end. */
export const tally = { cases: 0, ok: 0, errors: 0 };

/**
 * Runs `fn` and checks it ended cleanly: a value, or a SyswallError with a
 * stable code (UPPER_SNAKE), a kind, and a non-empty message. Anything else
 * (TypeError, RangeError "Maximum call stack size exceeded", a string) and
 * a case using more CPU than {@link CASE_LIMIT_MS} fails the property.
 */
export function clean(fn: () => unknown): Outcome {
  const t0 = cpuMs();
  let out: Outcome;
  let thrown: unknown;
  let failed = false;
  try {
    out = { ok: true, value: fn() };
  } catch (e) {
    failed = true;
    thrown = e;
    out = { ok: false, code: '', message: '' };
  }
  if (failed) {
    const e = thrown;
    if (!isSyswallError(e)) {
      const err = e as Error;
      throw new Error(`internal error (not a SyswallError): ${err?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 300)}\n${err?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`, { cause: e });
    }
    if (!/^[A-Z][A-Z0-9_]*$/.test(e.code)) throw new Error(`error code "${e.code}" is not a stable UPPER_SNAKE code (message: ${e.message.slice(0, 200)})`, { cause: e });
    if (!e.message || !e.message.trim()) throw new Error(`error ${e.code} has an empty message`, { cause: e });
    if (e.kind !== 'input' && e.kind !== 'runtime') throw new Error(`error ${e.code} has kind ${String(e.kind)}`, { cause: e });
    out = { ok: false, code: e.code, message: e.message };
  }
  const ms = cpuMs() - t0;
  if (ms > CASE_LIMIT_MS) throw new Error(`case took ${ms.toFixed(0)} ms of CPU (limit ${CASE_LIMIT_MS} ms)`);
  tally.cases++;
  if (out.ok) tally.ok++;
  else tally.errors++;
  return out;
}

/** Shows an input in a failure report: the start of long texts, escaped. */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 600 ? `${v.slice(0, 600)}... [${v.length} chars]` : v);
  if (v instanceof Uint8Array) return `bytes(${v.length}) ${Buffer.from(v.subarray(0, 200)).toString('hex')}`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 600) ?? String(v);
}

/**
 * Runs a fuzz target: its {@link CASES} (times {@link RUNS_FACTOR}) of `arb`
 * through `check`, from the target's fixed seed, which it prints.
 * A failure reports the seed, fast-check's replay path and the shrunk input.
 */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (input: T) => void): void {
  const seed = seedFor(name);
  const numRuns = casesOf(name);
  if (process.env.FUZZ_EXPLORE === '1') return explore(name, arb, check, numRuns, seed);
  const before = tally.cases;
  const t0 = performance.now();
  const details = fc.check(fc.property(arb, (input) => check(input)), { seed, numRuns, verbose: 0 });
  const ms = performance.now() - t0;
  console.log(`fuzz ${name}: seed ${seed} (FUZZ_SEED=${BASE_SEED}), ${numRuns} cases, ${tally.cases - before} reader calls, ${(ms / 1000).toFixed(1)} s`);
  if (!details.failed && details.numRuns !== numRuns) throw new Error(`fuzz ${name}: ran ${details.numRuns} cases, not ${numRuns}`);
  if (details.failed) {
    const input = details.counterexample ? show(details.counterexample[0]) : '(none)';
    const err = details.errorInstance as Error | undefined;
    throw new Error(
      `fuzz ${name} failed after ${details.numRuns} cases\n` +
        `  replay: FUZZ_SEED=${BASE_SEED} (target seed ${seed}, path "${details.counterexamplePath}")\n` +
        `  input: ${input}\n  error: ${err?.message ?? String(details.errorInstance)}`,
    );
  }
}

/** Bytes of a text. */
export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * A watchdog for hangs: synchronous readers cannot be interrupted in-process,
 * so a separate process kills this one if `stop` is not called within
 * `seconds`, saying which fuzz file hung and with which base seed. Returns
 * `stop`.
 */
export function watchdog(label: string, seconds: number): () => void {
  const msg = `fuzz watchdog: ${label} ran longer than ${seconds} s (a reader hangs?); killed. Replay with FUZZ_SEED=${BASE_SEED}`;
  const code = `setTimeout(() => { process.stderr.write(${JSON.stringify(msg + '\n')}); try { process.kill(${process.pid}, 'SIGKILL'); } catch {} process.exit(1); }, ${Math.round(seconds * 1000)}); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return () => {
    child.stdin?.end();
  };
}

/**
 * FUZZ_EXPLORE=1: runs every case without stopping at the first failure and
 * prints each distinct failure (message and first stack frame) once, with
 * the smallest input that gave it. For triage, not for CI.
 */
function explore<T>(name: string, arb: fc.Arbitrary<T>, check: (input: T) => void, numRuns: number, seed: number): void {
  const seen = new Map<string, { count: number; input: T; size: number }>();
  const t0 = performance.now();
  for (const input of fc.sample(arb, { seed, numRuns })) {
    try {
      check(input);
    } catch (e) {
      const err = e as Error;
      const sig = String(err.message).split('\n').slice(0, 3).join(' | ').replace(/\d+ ms/g, 'N ms').slice(0, 300);
      const size = show(input).length;
      const prev = seen.get(sig);
      if (!prev) seen.set(sig, { count: 1, input, size });
      else {
        prev.count++;
        if (size < prev.size) Object.assign(prev, { input, size });
      }
    }
  }
  console.log(`explore ${name}: ${numRuns} cases, ${seen.size} distinct failures, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const [sig, { count, input }] of seen) console.log(`  x${count} ${sig}\n    input: ${show(input)}`);
}
