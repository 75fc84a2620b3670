// Compiler benchmark: syswall against libseccomp 2.5.4 (Debian's python3-seccomp,
// /usr/bin/python3) in one run, every program measured by the same code
// (programStats in src/core/compile/stats.ts; the range bound in bound.ts).
//
// 1. Docker's default profile (amd64, Docker's default capabilities, kernel 6.8)
//    for x86_64 + x86 + x32: length, instructions executed over syscalls 0..470
//    with arguments 0 and in the worst case over argument values, kernel-cacheable
//    count, compile time (median of alternating runs, in-process for syswall, rule
//    adds + export timed inside Python for libseccomp), and the range bound.
// 2. 100 random small policies (1-12 rules, x86_64, seeded): median length and
//    mean instructions executed, syswall --enosys none and unknown against
//    libseccomp OPTIMIZE=2.
// 3. Small profiles on other arches (the s390x case of issue 17).
//
// Run: npm run bench -- compile   (BENCH_ROUNDS=N for more timing rounds)
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { decodeProgram } from '../dist/core/bpf/codec.js';
import { parsePolicyText } from '../dist/core/formats/parse.js';
import { compilePolicy } from '../dist/core/compile/compile.js';
import { programStats } from '../dist/core/compile/stats.js';
import { decisionFunction, rangeBound } from '../dist/core/compile/bound.js';
import { resolveArch } from '../dist/core/arch/arches.js';
import { syscallTable } from '../dist/core/arch/syscalls.js';
import { actionValue } from '../dist/core/policy/actions.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HARNESS = join(ROOT, 'test/libseccomp/compile.py');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BLOCK = 5;
const WARMUP = 30;
const OPS = { NE: 1, LT: 2, LE: 3, EQ: 4, GE: 5, GT: 6, MASKED_EQ: 7 };

/** The harness line for a policy (see test/libseccomp/compile.py). */
function harnessLine(p, optimize) {
  const signed = (v) => v | 0;
  return JSON.stringify({
    default: signed(actionValue(p.defaultAction)),
    badarch: signed(actionValue(p.badArchAction)),
    arches: p.arches,
    optimize,
    rules: p.rules.map((r) => ({
      action: signed(actionValue(r.action)),
      syscall: r.syscall,
      args: r.conditions.map((c) => (c.op === 'MASKED_EQ' ? [c.arg, OPS[c.op], String(c.mask ?? 0n), String(c.value)] : [c.arg, OPS[c.op], String(c.value), '0'])),
    })),
  }).replace(/"(-?\d+)"/g, '$1');
}

/** Compiles policies with libseccomp in one Python process; returns programs and compile times. */
export function libseccomp(policies, optimize, repeat = 1) {
  const input = policies.flatMap((p) => Array.from({ length: repeat }, () => harnessLine(p, optimize))).join('\n') + '\n';
  const r = spawnSync('/usr/bin/python3', [HARNESS], { input, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, SYSWALL_HARNESS_TIME: '1' } });
  if (r.status !== 0) throw new Error(`libseccomp harness failed (needs Debian's python3-seccomp): ${r.stderr}`);
  return r.stdout.trim().split('\n').map((line, i) => {
    const o = JSON.parse(line);
    if (!o.ok) throw new Error(`libseccomp refused policy ${i}: ${o.error}`);
    const endian = resolveArch(policies[0].arches[0]).endian;
    return { program: decodeProgram(Uint8Array.from(o.hex.match(/../g).map((h) => parseInt(h, 16))), { endian }), ms: o.ms };
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f2 = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const pad = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');

function printTable(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  console.log(pad(head, widths));
  for (const r of rows) console.log(pad(r, widths));
}

/**
 * Docker's default, keeping the syscall names libseccomp 2.5.4 resolves to the
 * same numbers as syswall's table on every arch of the filter (its table is
 * older), so both compilers compile the same rules (as
 * test/helpers/docker-default.ts does for the differential tests).
 */
export function libseccompAgrees(names, arches) {
  const script = 'import json,sys,seccomp\nq=json.load(sys.stdin)\nprint(json.dumps({n:{a:seccomp.resolve_syscall(getattr(seccomp.Arch,a.upper()),n) for a in q["arches"]} for n in q["names"]}))';
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ names, arches }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3-seccomp needed: ${r.stderr}`);
  const table = JSON.parse(r.stdout);
  return new Set(names.filter((name) => arches.every((a) => {
    const theirs = table[name][a];
    const arch = resolveArch(a);
    const ours = syscallTable(arch).find((e) => e.name === name)?.nr;
    if (theirs === -1) return false;
    if (arch.socketcall !== undefined && (theirs === arch.socketcall || theirs === arch.ipc)) return true;
    return theirs < 0 ? ours === undefined : ours === theirs >>> 0;
  })));
}

export function dockerPolicy() {
  const text = readFileSync(join(ROOT, 'data/profiles/docker-default.json'), 'utf8');
  const { policy } = parsePolicyText(text, { context: { arch: 'x86_64', kernel: '6.8' } });
  const names = [...new Set(policy.rules.map((r) => String(r.syscall)))];
  const known = libseccompAgrees(names, policy.arches);
  dropped = names.filter((n) => !known.has(n));
  return { ...policy, rules: policy.rules.filter((r) => known.has(String(r.syscall))) };
}
let dropped = [];

/** Part 1: Docker's default. Compile times alternate syswall and libseccomp runs. */
function dockerDefault() {
  const policy = dockerPolicy();
  const variants = [['syswall', { enosys: 'unknown' }], ['syswall --enosys none', { enosys: 'none' }]];
  const times = new Map(variants.map(([l]) => [l, []]));
  const libTimes = [];
  const filters = new Map();
  // Warm: WARMUP runs of each mode first (V8 compiles the hot loops to machine code over the first
  // dozen runs; libseccomp is C). Then blocks of BLOCK runs, alternating: libseccomp (one Python
  // process, each run timed inside it), then each syswall mode in-process; the first syswall run of a
  // block is not counted (it pays the garbage collection of the previous block's process output).
  for (const [, opts] of variants) for (let k = 0; k < WARMUP; k++) compilePolicy(policy, opts);
  for (let round = 0; round < ROUNDS; round++) {
    libTimes.push(...libseccomp([policy], 2, BLOCK).map((r) => r.ms));
    for (const [label, opts] of variants) {
      for (let k = 0; k <= BLOCK; k++) {
        const c0 = process.cpuUsage();
        const f = compilePolicy(policy, opts);
        const c = process.cpuUsage(c0);
        filters.set(label, f);
        if (k > 0) times.get(label).push((c.user + c.system) / 1000);
      }
    }
  }
  const opt1 = libseccomp([policy], 1)[0];
  const opt2 = libseccomp([policy], 2)[0];
  const libMs = median(libTimes);
  const rows = [];
  const entries = [...variants.map(([l]) => [l, filters.get(l).instructions, median(times.get(l))]), ['libseccomp opt1', opt1.program, undefined], ['libseccomp opt2', opt2.program, libMs]];
  const ref = programStats(opt2.program, policy.arches);
  for (const [label, program, ms] of entries) {
    const st = programStats(program, policy.arches);
    const an = decisionFunction(program, policy.arches.map(resolveArch));
    for (const a of st.arches) {
      const arch = resolveArch(a.arch);
      const lo = arch.x32 ? 0x40000000 : arch.nrBase;
      const bound = rangeBound(an, arch.token, lo + a.range[0], lo + a.range[1]);
      const ra = ref.arches.find((x) => x.arch === a.arch).rangeStats;
      const s = a.rangeStats;
      rows.push([label, a.arch, program.length, f2(s.zero.mean), s.zero.max, f2(s.worst.mean), s.worst.max, `${f2(bound.mean)}/${bound.max}`, s.cacheable,
        ms === undefined ? '-' : ms.toFixed(2), ms === undefined ? '-' : (ms / libMs).toFixed(2), (s.zero.mean / ra.zero.mean).toFixed(2), (program.length / opt2.program.length).toFixed(2)]);
    }
  }
  console.log(`Docker's default (amd64, default caps, kernel 6.8; left out for both, unknown to libseccomp 2.5.4: ${dropped.join(', ')}), syscalls 0..470; worst = longest path over argument values; bound = range bound (mean/max); compile ms = CPU time, median of ${ROUNDS * BLOCK} runs in alternating blocks (syswall in-process; libseccomp: filter init, rule adds and export, timed inside Python)`);
  printTable(['compiler', 'arch', 'length', 'mean', 'max', 'worst mean', 'worst max', 'bound', 'cacheable', 'compile ms', 'ms/opt2', 'mean/opt2', 'len/opt2'], rows);
  const build = filters.get('syswall').stats.build.stages.map((s) => `${s.name} ${s.ms.toFixed(2)} ms`).join(', ');
  console.log(`syswall build stages (last run): ${build}`);
  coldCompile(libMs);
}

/**
 * Cold: the first compile in a fresh Node process (after the imports; V8 has not compiled anything yet),
 * CPU time, median of 5 processes; against the same warm libseccomp median (C needs no warm-up).
 */
function coldCompile(libMs) {
  const script = `
    const { readFileSync } = await import('node:fs');
    const { parsePolicyText } = await import(${JSON.stringify(join(ROOT, 'dist/core/formats/parse.js'))});
    const { compilePolicy } = await import(${JSON.stringify(join(ROOT, 'dist/core/compile/compile.js'))});
    const { policy } = parsePolicyText(readFileSync(${JSON.stringify(join(ROOT, 'data/profiles/docker-default.json'))}, 'utf8'), { context: { arch: 'x86_64', kernel: '6.8' } });
    const c0 = process.cpuUsage();
    compilePolicy(policy);
    const c = process.cpuUsage(c0);
    console.log((c.user + c.system) / 1000);`;
  const ms = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    ms.push(Number(r.stdout.trim()));
  }
  const m = median(ms);
  console.log(`cold (first compile in a fresh Node process, default options, CPU ms, median of 5): ${m.toFixed(1)} ms, ${(m / libMs).toFixed(2)}x libseccomp's warm median`);
}

/** A small deterministic PRNG (xorshift32). */
function rng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { int: (n) => next() % n, pick: (a) => a[next() % a.length], chance: (p) => next() / 0x100000000 < p };
}

/**
 * A random small policy: 1-12 rules on distinct x86_64 syscalls (of `names`), mostly ALLOW,
 * a quarter with one or two argument conditions, a denying default action.
 */
export function smallPolicy(seed, names) {
  const r = rng(seed);
  const n = 1 + r.int(12);
  const used = new Set();
  const rules = [];
  const defaultAction = r.pick([{ kind: 'ERRNO', data: 1 }, { kind: 'ERRNO', data: 1 }, { kind: 'KILL_PROCESS' }, { kind: 'KILL_THREAD' }, { kind: 'TRAP' }]);
  while (rules.length < n) {
    const name = r.pick(names);
    if (used.has(name)) continue;
    used.add(name);
    const action = r.chance(0.75) ? { kind: 'ALLOW' } : r.pick([{ kind: 'ERRNO', data: 1 + r.int(40) }, { kind: 'LOG' }, { kind: 'KILL_PROCESS' }]);
    if (action.kind === defaultAction.kind && action.data === defaultAction.data) continue;
    const conditions = [];
    if (r.chance(0.25)) {
      const count = 1 + r.int(2);
      for (let i = 0; i < count; i++) {
        const op = r.pick(['EQ', 'EQ', 'NE', 'GT', 'LE', 'MASKED_EQ']);
        const value = BigInt(r.pick([0, 1, 2, 8, 0x40, 0x1000, 0xffffffff]));
        conditions.push(op === 'MASKED_EQ' ? { arg: i, op, mask: BigInt(r.pick([1, 3, 0xff, 0x7e020000])), value: 0n } : { arg: i, op, value });
      }
    }
    rules.push({ syscall: name, action, conditions });
  }
  return { defaultAction, badArchAction: { kind: 'KILL_PROCESS' }, arches: ['x86_64'], rules };
}

/** Part 2: 100 random small policies. */
function smallPolicies() {
  const SEED = 17_000;
  const all = [...new Set(syscallTable(resolveArch('x86_64')).map((e) => e.name))];
  const names = [...libseccompAgrees(all, ['x86_64'])];
  const policies = Array.from({ length: 100 }, (_, i) => smallPolicy(SEED + i, names));
  const lib = libseccomp(policies, 2).map((r) => r.program);
  const measure = (program, p) => programStats(program, p.arches).arches[0].rangeStats.zero.mean;
  const rows = [];
  const libLen = lib.map((p) => p.length);
  const libMean = lib.map((p, i) => measure(p, policies[i]));
  rows.push(['libseccomp opt2', median(libLen), Math.min(...libLen), Math.max(...libLen), f2(libMean.reduce((a, b) => a + b, 0) / libMean.length), '-', '-']);
  for (const enosys of ['none', 'unknown']) {
    const ours = policies.map((p) => compilePolicy(p, { enosys }).instructions);
    const len = ours.map((p) => p.length);
    const mean = ours.map((p, i) => measure(p, policies[i]));
    const longer = len.filter((l, i) => l > libLen[i]).length;
    const slower = mean.filter((m, i) => m > libMean[i] + 1e-9).length;
    rows.push([`syswall --enosys ${enosys}`, median(len), Math.min(...len), Math.max(...len), f2(mean.reduce((a, b) => a + b, 0) / mean.length), longer, slower]);
  }
  console.log(`\n100 random small policies (1-12 rules, x86_64, seeds ${SEED}..${SEED + 99}); mean = instructions executed over syscalls 0..470, arguments 0`);
  printTable(['compiler', 'median length', 'min', 'max', 'mean executed', 'longer than opt2', 'slower than opt2'], rows);
}

/** Part 3: three-rule profiles on other arches. */
function smallProfiles() {
  const rows = [];
  for (const arch of ['s390x', 'x86_64', 'aarch64', 'ppc64le', 'mips64']) {
    const p = { defaultAction: { kind: 'KILL_PROCESS' }, badArchAction: { kind: 'KILL_PROCESS' }, arches: [arch], rules: ['read', 'write', 'exit_group'].map((syscall) => ({ syscall, action: { kind: 'ALLOW' }, conditions: [] })) };
    const [lib] = libseccomp([p], 2);
    const none = compilePolicy(p, { enosys: 'none' }).instructions.length;
    const unknown = compilePolicy(p, { enosys: 'unknown' }).instructions.length;
    rows.push([arch, lib.program.length, none, unknown]);
  }
  console.log('\nThree rules (read, write, exit_group: ALLOW; default KILL_PROCESS): program length');
  printTable(['arch', 'libseccomp opt2', 'syswall --enosys none', 'syswall --enosys unknown'], rows);
}

/** Part 4: the length of the program `syswall run` loads by default (bench/workload.mjs runs it). */
function otherPrograms() {
  const rows = [];
  const builtin = parsePolicyText(readFileSync(join(ROOT, 'data/profiles/default/x86_64.json'), 'utf8'), { context: { arch: 'x86_64' } }).policy;
  rows.push(['built-in `default` for x86_64 hosts (what `syswall run` loads; bench/workload.mjs)', compilePolicy(builtin).instructions.length]);
  console.log('\nOther programs the benchmarks run (syswall, default options unless stated)');
  printTable(['program', 'length'], rows);
}

export async function run() {
  console.log(`${new Date().toISOString()}  node ${process.version}  ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  dockerDefault();
  smallPolicies();
  smallProfiles();
  otherPrograms();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
