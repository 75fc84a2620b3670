// Analysis benchmark: explain and diff on large libseccomp filters (x86_64 + x86 + x32).
// Reference in the same run: libseccomp compiling the same rules (python3-seccomp export,
// timed inside Python), and a concrete sweep (the naive, sampling-based way to "explain":
// run every named syscall of the three arches with 8 argument values through an interpreter).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { decodeProgram } from '../dist/core/bpf/codec.js';
import { seccompDataWords } from '../dist/core/bpf/data.js';
import { ARCHES } from '../dist/core/arch/arches.js';
import { syscallTable } from '../dist/core/arch/syscalls.js';
import { analyzeProgram } from '../dist/core/symbolic/symbolic.js';
import { explainAnalysis, formatExplain } from '../dist/core/analyze/explain.js';
import { diffPrograms } from '../dist/core/analyze/diff.js';
import { lintAnalysis } from '../dist/core/analyze/lint.js';
import { buildCfg, cfgToSvg } from '../dist/core/analyze/graph.js';
import { layoutCfg } from '../dist/core/analyze/cfg-layout.js';

/** The control-flow graph as SVG (built, laid out by dagre, drawn). */
const svgOf = (prog) => {
  const cfg = buildCfg(prog);
  return cfgToSvg(cfg, layoutCfg(cfg));
};
import { loadInput } from '../dist/core/input/load.js';
import { lintInput } from '../dist/core/analyze/policy-lint.js';
import { syscallNumber } from '../dist/core/arch/syscalls.js';
import { DOCKER_DEFAULT_CAPS } from '../dist/core/formats/context.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXPORT = join(ROOT, 'test/helpers/libseccomp_export.py');

function libseccomp(spec) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', [EXPORT], { input: JSON.stringify(spec), maxBuffer: 1 << 26, env: { ...process.env, SYSWALL_BENCH_TIME: '1' } });
  if (r.status !== 0) throw new Error('libseccomp failed (need python3-seccomp): ' + r.stderr);
  const m = /TIME ([\d.]+)/.exec(String(r.stderr));
  return { prog: decodeProgram(new Uint8Array(r.stdout)), compileMs: m ? Number(m[1]) * 1000 : performance.now() - t0 };
}

function time(fn, minMs = 500) {
  for (let i = 0; i < 3; i++) fn(); // warm up the JIT
  let n = 0;
  const t0 = performance.now();
  let out;
  while (performance.now() - t0 < minMs || n < 3) {
    out = fn();
    n++;
  }
  return { ms: (performance.now() - t0) / n, out };
}

function sweep(prog) {
  // Naive concrete sweep with a straightforward interpreter.
  const run = (words) => {
    let a = 0, x = 0, pc = 0;
    const m = new Uint32Array(16);
    for (;;) {
      const { code, jt, jf } = prog[pc];
      const k = prog[pc].k >>> 0;
      switch (code & 7) {
        case 0: a = (code & 0xe0) === 0x20 ? words[k >> 2] : (code & 0xe0) === 0x60 ? m[k] : k; pc++; break;
        case 1: x = (code & 0xe0) === 0x60 ? m[k] : k; pc++; break;
        case 4: { const v = code & 8 ? x : k; const op = code & 0xf0; a = op === 0x50 ? (a & v) >>> 0 : op === 0x40 ? (a | v) >>> 0 : op === 0x00 ? (a + v) >>> 0 : a; pc++; break; }
        case 5: { const op = code & 0xf0; if (op === 0) { pc += 1 + k; break; } const v = code & 8 ? x : k; const t = op === 0x10 ? a === v : op === 0x20 ? a > v : op === 0x30 ? a >= v : (a & v) !== 0; pc += 1 + (t ? jt : jf); break; }
        case 6: return (code & 0x18) === 0x10 ? a : k;
        default: pc++;
      }
    }
  };
  let count = 0;
  const vals = [0n, 1n, 8n, 0x26n, 0x1ffn, 0x7e020000n, 0xffffffffn, 0x100000000n];
  for (const arch of [ARCHES.x86_64, ARCHES.x86, ARCHES.x32]) {
    for (const { nr } of syscallTable(arch)) {
      for (const v of vals) {
        run(seccompDataWords({ nr, arch: arch.token, args: [v, v, v, v, v, v] }));
        count++;
      }
    }
  }
  return count;
}

export async function run() {
  const cases = [];
  const docker = (optimize, rules = []) => libseccomp({ docker: { profile: join(ROOT, 'test/fixtures/docker-default.json'), arch: 'amd64' }, optimize, rules });
  cases.push(['Docker default, opt 1', docker(1), docker(2)]);
  cases.push(['Docker default, opt 2', docker(2), docker(1)]);
  const names = syscallTable(ARCHES.x86_64).slice(0, 300).map((e) => e.name);
  const rules = names.map((n) => ({ action: 'ALLOW', syscall: n }));
  for (const n of names.slice(0, 40)) { rules.pop(); rules.unshift({ action: 'ALLOW', syscall: n, args: [{ arg: 0, op: 'EQ', a: 1 }] }, { action: 'ALLOW', syscall: n, args: [{ arg: 0, op: 'GT', a: 0x100 }] }); }
  const synth = (optimize) => libseccomp({ arches: ['x86_64', 'x86', 'x32'], default: 'ERRNO(1)', optimize, rules });
  cases.push(['300 syscalls, 40 with 2 arg rules, opt 1', synth(1), synth(2)]);
  cases.push(['300 syscalls, 40 with 2 arg rules, opt 2', synth(2), synth(1)]);

  // Warm-up pass over every case so the first row is not charged for JIT compilation.
  for (const [, a, b] of cases) for (let i = 0; i < 5; i++) { formatExplain(explainAnalysis(analyzeProgram(a.prog))); diffPrograms(a.prog, b.prog); svgOf(a.prog); }
  console.log('filter | insns | explain ms | diff ms (vs other opt) | lint ms | graph svg ms | libseccomp compile ms | concrete sweep ms (points) | explain / compile | explain / sweep');
  console.log('---|---|---|---|---|---|---|---|---|---');
  for (const [name, a, b] of cases) {
    const explain = time(() => formatExplain(explainAnalysis(analyzeProgram(a.prog))));
    const diff = time(() => diffPrograms(a.prog, b.prog));
    if (!diff.out.equivalent) throw new Error('expected equivalent programs');
    const an = analyzeProgram(a.prog);
    const lint = time(() => lintAnalysis(an));
    const graph = time(() => svgOf(a.prog));
    const sw = time(() => sweep(a.prog));
    console.log(`${name} | ${a.prog.length} | ${explain.ms.toFixed(1)} | ${diff.ms.toFixed(1)} | ${lint.ms.toFixed(1)} | ${graph.ms.toFixed(1)} | ${a.compileMs.toFixed(1)} | ${sw.ms.toFixed(2)} (${sw.out}) | ${(explain.ms / a.compileMs).toFixed(2)}x | ${(explain.ms / sw.ms).toFixed(1)}x`);
  }
  await runPolicy();
}

/**
 * Docker's default profile as a policy: compiled by syswall (x86_64 + x86 + x32, enosys none,
 * default caps), then explained, diffed against libseccomp's compilation of the same rules, and
 * linted with the policy-level checks. Names libseccomp 2.5.4 resolves differently (unknown to
 * it, or absent from its x32 table) are dropped for both, as in test/analyze-policy-libseccomp.test.ts.
 */
async function runPolicy() {
  const profilePath = join(ROOT, 'data/profiles/docker-default.json');
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  const names = [...new Set(profile.syscalls.flatMap((s) => s.names))];
  const py = `import json, sys, seccomp
print(json.dumps({n: [seccomp.resolve_syscall(a, n) for a in (seccomp.Arch.X86_64, seccomp.Arch.X86, seccomp.Arch.X32)] for n in json.load(sys.stdin)}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify(names), encoding: 'utf8' });
  if (r.status !== 0) throw new Error('python3-seccomp missing: ' + r.stderr);
  const nums = JSON.parse(r.stdout);
  const arches = [ARCHES.x86_64, ARCHES.x86, ARCHES.x32];
  const drop = new Set(names.filter((n) => nums[n][0] === -1 || arches.some((a, i) => syscallNumber(a, n) !== undefined && nums[n][i] < 0)));
  for (const s of profile.syscalls) s.names = s.names.filter((n) => !drop.has(n));
  profile.syscalls = profile.syscalls.filter((s) => s.names.length);
  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-'));
  const known = join(dir, 'docker-known.json');
  const text = JSON.stringify(profile, null, 2);
  writeFileSync(known, text);
  const bytes = new TextEncoder().encode(text);
  const opts = { file: 'docker-default.json', context: { arch: 'x86_64', kernel: [6, 18] }, enosys: 'none' };
  const lib = libseccomp({ docker: { profile: known, arch: 'amd64', caps: [...DOCKER_DEFAULT_CAPS] }, optimize: 2 });
  const compile = time(() => loadInput(bytes, opts));
  const ours = compile.out.program;
  for (let i = 0; i < 5; i++) { formatExplain(explainAnalysis(analyzeProgram(ours))); diffPrograms(ours, lib.prog); }
  const explain = time(() => formatExplain(explainAnalysis(analyzeProgram(ours))));
  const explainLib = time(() => formatExplain(explainAnalysis(analyzeProgram(lib.prog))));
  const diff = time(() => diffPrograms(ours, lib.prog));
  const diffLib = time(() => diffPrograms(lib.prog, lib.prog));
  const lint = time(() => lintInput(loadInput(bytes, { ...opts, recover: true })));
  if (!diff.out.equivalent) throw new Error('expected syswall and libseccomp compilations to be equivalent');
  console.log(`\nDocker default as a policy (${drop.size} names libseccomp 2.5.4 resolves differently dropped: ${[...drop].join(', ')})`);
  console.log('filter | insns | explain ms | diff vs libseccomp opt 2 ms | parse+compile ms | parse+compile+lint ms | libseccomp compile ms | explain / explain of libseccomp\'s | diff / libseccomp self-diff');
  console.log('---|---|---|---|---|---|---|---|---');
  console.log(`syswall compile, x86_64+x86+x32 | ${ours.length} | ${explain.ms.toFixed(1)} | ${diff.ms.toFixed(1)} (equivalent) | ${compile.ms.toFixed(1)} | ${lint.ms.toFixed(1)} | ${lib.compileMs.toFixed(1)} | ${(explain.ms / explainLib.ms).toFixed(2)}x (${explainLib.ms.toFixed(1)} ms) | ${(diff.ms / diffLib.ms).toFixed(2)}x (${diffLib.ms.toFixed(1)} ms)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
