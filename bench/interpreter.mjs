// Interpreter throughput: evaluations per second of realistic filters (an
// arch check, then a linear chain of syscall-number compares, every fifth
// syscall with a 64-bit argument check, as libseccomp's default layout
// produces) with ~100 and ~1000 instructions, for every evaluator:
//   compiled (blocks / switch): JavaScript generated per program (compileProgram)
//   compiled (loop):            the typed-array loop used without code generation
//   runWords:                   the plain loop over Instruction objects
//   traceProgram:               the instrumented interpreter (path, A/X, reads)
// Ratios are against runWords. Run: `npm run bench -- interpreter`.
import { compileProgram, runWords, traceProgram, seccompDataWords } from '../dist/core/index.js';

const LD_ABS = 0x20;
const JEQ_K = 0x15;
const RET_K = 0x06;
const ALLOW = 0x7fff0000;
const ERRNO = 0x00050000;
const KILL_PROCESS = 0x80000000;
const AUDIT_ARCH_X86_64 = 0xc000003e;

const ins = (code, k = 0, jt = 0, jf = 0) => ({ code, jt, jf, k: k >>> 0 });

/** A filter of about `size` instructions; returns it and the syscall numbers it allows. */
function chainProgram(size) {
  const p = [ins(LD_ABS, 4), ins(JEQ_K, AUDIT_ARCH_X86_64, 1, 0), ins(RET_K, KILL_PROCESS), ins(LD_ABS, 0)];
  const nrs = [];
  for (let nr = 0; p.length + 9 <= size; nr++) {
    nrs.push(nr);
    if (nr % 5 === 4) {
      // nr with arg0 == nr * 3 (64-bit compare: high word then low word)
      p.push(
        ins(JEQ_K, nr, 0, 6),
        ins(LD_ABS, 20),
        ins(JEQ_K, 0, 0, 3),
        ins(LD_ABS, 16),
        ins(JEQ_K, nr * 3, 0, 1),
        ins(RET_K, ALLOW),
        ins(RET_K, ERRNO | 1),
        ins(LD_ABS, 0),
      );
    } else {
      p.push(ins(JEQ_K, nr, 0, 1), ins(RET_K, ALLOW));
    }
  }
  p.push(ins(RET_K, ERRNO | 38));
  return { program: p, nrs };
}

/** 1024 inputs: syscall numbers spread over the chain and beyond, matching args half the time. */
function inputs(nrs) {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const max = nrs.length * 1.25;
  return Array.from({ length: 1024 }, () => {
    const nr = Math.floor(rnd() * max);
    const arg0 = rnd() < 0.5 ? BigInt(nr * 3) : BigInt(Math.floor(rnd() * 2 ** 32));
    return seccompDataWords({ nr, arch: AUDIT_ARCH_X86_64, args: [arg0, 0n, 0n, 0n, 0n, 0n] });
  });
}

/** Evaluations per second of `fn` over `data`, best of 5 rounds of ~200 ms. */
function measure(fn, data) {
  let sink = 0;
  // warm up
  for (let r = 0; r < 20; r++) for (const w of data) sink ^= fn(w);
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let evals = 0;
    const start = performance.now();
    let elapsed;
    do {
      for (const w of data) sink ^= fn(w);
      evals += data.length;
      elapsed = performance.now() - start;
    } while (elapsed < 200);
    best = Math.max(best, (evals / elapsed) * 1000);
  }
  if (sink === 0.5) console.log(sink);
  return best;
}

function fmt(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

export async function run() {
  const rows = [];
  for (const size of [100, 1000]) {
    const { program, nrs } = chainProgram(size);
    const data = inputs(nrs);
    // Average executed instructions on these inputs.
    const avgSteps = data.reduce((s, w) => s + traceProgram(program, w).steps, 0) / data.length;
    const base = measure((w) => runWords(program, w), data);
    const evaluators = [
      ['compiled (blocks)', compileProgram(program, 'little', { mode: 'blocks' })],
      ['compiled (switch)', compileProgram(program, 'little', { mode: 'switch' })],
      ['compiled (loop, no codegen)', compileProgram(program, 'little', { mode: 'loop' })],
      ['runWords', null],
      ['traceProgram', (w) => traceProgram(program, w).action],
    ];
    for (const [name, fn] of evaluators) {
      const eps = fn === null ? base : measure(fn, data);
      rows.push({ program: `${program.length} insns (avg ${avgSteps.toFixed(0)} executed)`, evaluator: name, 'evals/s': fmt(eps), 'ns/eval': (1e9 / eps).toFixed(0), 'vs runWords': `${(eps / base).toFixed(2)}x` });
    }
  }
  console.table(rows);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
