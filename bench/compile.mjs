// Compiler benchmark: Docker's default profile (amd64, Docker's default capabilities)
// compiled by syswall and by libseccomp (python3-seccomp, CTL_OPTIMIZE 1 and 2) in the
// same run, with the same statistics for every program (src/core/compile/stats.ts):
// length, mean/max instructions executed over syscalls 0..470 with arguments 0, the
// worst case over argument values, kernel-cacheable count, compile time.
// syswall is shown twice: with its default ENOSYS mode (`unknown`), and with
// `--enosys none`, which decides exactly as libseccomp does.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { decodeProgram } from '../dist/core/bpf/codec.js';
import { parsePolicyText } from '../dist/core/formats/parse.js';
import { compilePolicy } from '../dist/core/compile/compile.js';
import { filterStats, programStats } from '../dist/core/compile/stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXPORT = join(ROOT, 'test/helpers/libseccomp_export.py');
const ARCHES = ['x86_64', 'x86', 'x32'];

const act = (a) => (a.kind === 'ERRNO' ? `ERRNO(${a.data ?? 1})` : a.kind === 'KILL_THREAD' ? 'KILL' : a.kind === 'TRACE' ? `TRACE(${a.data ?? 0})` : a.kind);

function libseccomp(policy, optimize) {
  const spec = {
    arches: policy.arches,
    default: act(policy.defaultAction),
    badarch: act(policy.badArchAction),
    optimize,
    rules: policy.rules.map((r) => ({
      action: act(r.action),
      syscall: r.syscall,
      args: r.conditions.map((c) => (c.op === 'MASKED_EQ' ? { arg: c.arg, op: c.op, a: Number(c.mask), b: Number(c.value) } : { arg: c.arg, op: c.op, a: Number(c.value) })),
    })),
  };
  const r = spawnSync('/usr/bin/python3', [EXPORT], { input: JSON.stringify(spec), maxBuffer: 1 << 26, env: { ...process.env, SYSWALL_BENCH_TIME: '1' } });
  if (r.status !== 0) throw new Error('libseccomp failed (need python3-seccomp): ' + r.stderr);
  const m = /TIME ([\d.]+)/.exec(String(r.stderr));
  return { program: decodeProgram(new Uint8Array(r.stdout)), compileMs: m ? Number(m[1]) * 1000 : NaN };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function run() {
  const text = readFileSync(join(ROOT, 'data/profiles/docker-default.json'), 'utf8');
  const { policy } = parsePolicyText(text, { context: { arch: 'x86_64', kernel: '6.8' } });
  const rows = [];
  for (const [label, opts] of [['syswall', {}], ['syswall --enosys none', { enosys: 'none' }]]) {
    const times = [];
    let filter;
    for (let i = 0; i < 7; i++) {
      filter = compilePolicy(policy, opts);
      times.push(filter.stats.compileMs);
    }
    rows.push({ label, stats: filterStats(filter), ms: median(times) });
  }
  for (const opt of [1, 2]) {
    const times = [];
    let prog;
    for (let i = 0; i < 3; i++) {
      const r = libseccomp(policy, opt);
      prog = r.program;
      times.push(r.compileMs);
    }
    rows.push({ label: `libseccomp opt${opt}`, stats: programStats(prog, ARCHES), ms: median(times) });
  }
  const ref = rows.find((r) => r.label === 'libseccomp opt2');
  const f = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
  console.log(`Docker default profile (amd64, default caps), syscalls 0..470; worst = longest path over argument values`);
  console.log(['compiler'.padEnd(22), 'arch'.padEnd(7), 'length', 'mean', 'max', 'worst-mean', 'worst-max', 'cacheable', 'compile ms', 'mean/opt2', 'len/opt2'].join('  '));
  for (const r of rows) {
    for (const a of r.stats.arches) {
      const ra = ref.stats.arches.find((x) => x.arch === a.arch);
      console.log([
        r.label.padEnd(22), a.arch.padEnd(7), String(r.stats.length).padStart(6), f(a.rangeStats.zero.mean).padStart(4), String(a.rangeStats.zero.max).padStart(3),
        f(a.rangeStats.worst.mean).padStart(10), String(a.rangeStats.worst.max).padStart(9), String(a.rangeStats.cacheable).padStart(9), r.ms.toFixed(1).padStart(10),
        (a.rangeStats.zero.mean / ra.rangeStats.zero.mean).toFixed(2).padStart(9), (r.stats.length / ref.stats.length).toFixed(2).padStart(8),
      ].join('  '));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
