// Start-up cost of `syswall run -- /bin/true`, side by side in one run with
// `node -e 0`, bubblewrap (`bwrap --dev-bind / / --seccomp FD /bin/true`, the
// same program as syswall's built-in default) and a plain exec of /bin/true.
//
// CPU is exact: each command is started by a small Python driver that forks,
// execs and reaps it with wait4(2), whose rusage is the child's user+system
// time including every descendant it reaped (syswall's helper and the
// command; bwrap's children); wall is fork to reap. Rows run interleaved,
// ROUNDS rounds of N runs each, and the figure is the median over all runs.
//
// Rows for syswall:
//   - the built-in default (precompiled at build time, the usual case), also
//     with an empty compile cache (a new cache directory for every run: the
//     cache never holds the built-in default) and with a command that exits
//     1 (the helper prints the --explain hint itself);
//   - a profile file (Docker's default, data/profiles/docker-default.json)
//     with a warm compile cache (--cache, SYSWALL_CACHE=1), with a cold one
//     (an empty cache directory for every run: read, compile, lint, store),
//     and with -q and no cache (read, compile; no lint: its lines would not
//     be printed);
//   - the built-in default with --no-cache (compiled on every run, as
//     before the cache existed);
//   - the same built-in default run through tsc's unbundled ES modules
//     (dist/cli/main.js) instead of the bin's CommonJS bundle;
//   - the floors, with the program ready and no syswall code at all: Node
//     exec'ing syswall-helper in its own place (what `run` does), and Node
//     starting it as a child (what `run` did before, and still does for
//     --explain and --verbose).
// Then the steps of a warm run, each measured alone in fresh processes:
// module loading, finding the plan, compiling it, and the helper.
//
// Run: npm run bench -- startup   (BENCH_N, BENCH_ROUNDS to change the counts)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const CLI = join(DIST, 'bin', 'syswall.cjs'); // the package's bin (scripts/bundle-cli.mjs)
const CLI_ESM = join(DIST, 'cli', 'main.js'); // the same modules, unbundled (tsc's output)
const N = Number(process.env.BENCH_N ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// The driver: reads a JSON list of rows ({argv, env, fds, fresh_cache}), runs
// them interleaved, prints per-row lists of [cpu_s, wall_s].
const DRIVER = String.raw`
import json, os, sys, time, tempfile, shutil
spec = json.load(sys.stdin)
rows, n, rounds = spec['rows'], spec['n'], spec['rounds']
out = [[] for _ in rows]
null = os.open('/dev/null', os.O_RDWR)
for r in range(rounds):
    for i, row in enumerate(rows):
        for k in range(n):
            env = dict(os.environ); env.update(row.get('env', {}))
            fresh = None
            if row.get('fresh_cache'):
                fresh = tempfile.mkdtemp(prefix='syswall-bench-cold-'); env['XDG_CACHE_HOME'] = fresh
            fds = row.get('fds', [])
            t0 = time.monotonic()
            pid = os.fork()
            if pid == 0:
                os.dup2(null, 0); os.dup2(null, 1); os.dup2(null, 2)
                for j, f in enumerate(fds):
                    fd = os.open(f, os.O_RDONLY); os.dup2(fd, 3 + j)
                os.execvpe(row['argv'][0], row['argv'], env)
            _, status, ru = os.wait4(pid, 0)
            wall = time.monotonic() - t0
            if status != row.get('status', 0) * 256:
                sys.stderr.write('failed (%d): %s\n' % (status, ' '.join(row['argv']))); sys.exit(1)
            out[i].append([ru.ru_utime + ru.ru_stime, wall])
            if fresh: shutil.rmtree(fresh)
json.dump(out, sys.stdout)
`;

function drive(rows, n = N, rounds = ROUNDS) {
  const r = spawnSync('python3', ['-c', DRIVER], { input: JSON.stringify({ rows, n, rounds }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`python3 is needed to measure child CPU (wait4): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`the measuring driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const ms = (s) => (s * 1000).toFixed(1).padStart(7);

/** A step measured in fresh Node processes: the script prints its own CPU ms (process.cpuUsage) for the step. */
function step(script, samples = 9) {
  const xs = [];
  for (let i = 0; i < samples; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT, env: { ...process.env } });
    if (r.status !== 0) throw new Error(`step failed: ${r.stderr}`);
    xs.push(Number(r.stdout.trim()));
  }
  return median(xs);
}

export async function run() {
  const { helperPath } = await import(join(DIST, 'node', 'native.js'));
  const { readPrecompiled, decodePlan } = await import(join(DIST, 'cli', 'commands', 'run-plan.js'));
  const { hostArch } = await import(join(DIST, 'node', 'host.js'));
  const pre = readPrecompiled(hostArch());
  if (!pre) throw new Error('dist/cli/run-precompiled/ is missing: run `npm run build`');
  const plan = decodePlan(pre.plan);
  const dir = mkdtempSync(join(tmpdir(), 'syswall-bench-'));
  const prog = join(dir, 'default.bpf');
  writeFileSync(prog, plan.program);
  const guarded = join(dir, 'guarded.bpf');
  writeFileSync(guarded, Buffer.concat([plan.guard, plan.program]));
  const addon = join(ROOT, 'build', 'Release', 'syswall_addon.node');
  const helper = helperPath();
  const warmHome = join(dir, 'warm');
  const docker = join(ROOT, 'data', 'profiles', 'docker-default.json');
  const env = { SYSWALL_NO_CACHE: '', SYSWALL_CACHE: '1', XDG_CACHE_HOME: warmHome }; // the cache is opt-in
  // Warm the cache for the profile-file row.
  const w = spawnSync(process.execPath, [CLI, 'run', '-q', '-p', docker, '--', '/bin/true'], { env: { ...process.env, ...env } });
  if (w.status !== 0) throw new Error(`syswall run failed: ${w.stderr}`);
  const floor = join(dir, 'floor.mjs');
  writeFileSync(floor, `import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const c = spawn(${JSON.stringify(helper)}, ['exec', '--fd', '3', '--report-fd', '4', '--isolate', 'require', '--parent-pid', String(process.pid), '--', '/bin/true'], { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'] });
c.stdio[3].end(readFileSync(${JSON.stringify(prog)}));
c.stdio[4].resume();
c.on('exit', (code) => { process.exitCode = code; });
`);

  const inPlace = join(dir, 'in-place.cjs');
  writeFileSync(inPlace, `const a = require(${JSON.stringify(addon)});
const fd = a.memfdWith(require('fs').readFileSync(${JSON.stringify(guarded)}));
a.execInPlace(${JSON.stringify(helper)}, [${JSON.stringify(helper)}, 'exec', '--fd', String(fd), '--guard', '${plan.guard.length / 8}', '--isolate', 'require', '--report-exec', process.execPath, '/nonexistent', '{}', '--', '/bin/true']);
`);

  const rows = [
    ['exec /bin/true (no filter)', { argv: ['/bin/true'] }],
    ['node -e 0', { argv: [process.execPath, '-e', '0'] }],
    ['syswall run (built-in default)', { argv: [process.execPath, CLI, 'run', '--', '/bin/true'], env }],
    ['syswall run, empty compile cache', { argv: [process.execPath, CLI, 'run', '--', '/bin/true'], env, fresh_cache: true }],
    ['syswall run -- /bin/false (exit 1)', { argv: [process.execPath, CLI, 'run', '--', '/bin/false'], env, status: 1 }],
    ['syswall run -p FILE, warm cache', { argv: [process.execPath, CLI, 'run', '-q', '-p', docker, '--', '/bin/true'], env }],
    ['syswall run -p FILE, cold cache', { argv: [process.execPath, CLI, 'run', '-p', docker, '--', '/bin/true'], env, fresh_cache: true }],
    ['syswall run -p FILE -q, no cache', { argv: [process.execPath, CLI, 'run', '-q', '--no-cache', '-p', docker, '--', '/bin/true'], env }],
    ['syswall run --no-cache (default)', { argv: [process.execPath, CLI, 'run', '--no-cache', '--', '/bin/true'], env }],
    ['syswall run, unbundled ES modules', { argv: [process.execPath, CLI_ESM, 'run', '--', '/bin/true'], env }],
    ['floor: node exec\'ing the helper', { argv: [process.execPath, inPlace] }],
    ['floor: node + helper as a child', { argv: [process.execPath, floor] }],
    ['syswall-helper exec (no node)', { argv: [helper, 'exec', prog, '--', '/bin/true'] }],
  ];
  if (spawnSync('bwrap', ['--version']).error) {
    console.log('bwrap not found: install bubblewrap (apt-get install bubblewrap) for the reference row');
  } else {
    rows.push(['bwrap --seccomp (same program)', { argv: ['bwrap', '--dev-bind', '/', '/', '--seccomp', '3', '/bin/true'], fds: [prog] }]);
  }
  const results = drive(rows.map((r) => r[1]));
  const med = results.map((xs) => ({ cpu: median(xs.map((x) => x[0])), wall: median(xs.map((x) => x[1])) }));
  const node = med[1];
  console.log(`${ROUNDS} interleaved rounds of ${N} runs each; median per run; CPU = user+sys of the child and everything it reaped (wait4)`);
  console.log(`${'command'.padEnd(34)} ${'CPU ms'.padStart(7)} ${'x node'.padStart(7)} ${'wall ms'.padStart(8)} ${'x node'.padStart(7)}`);
  rows.forEach(([name], i) => {
    const m = med[i];
    console.log(`${name.padEnd(34)} ${ms(m.cpu)} ${('x' + (m.cpu / node.cpu).toFixed(2)).padStart(7)} ${ms(m.wall).padStart(8)} ${('x' + (m.wall / node.wall).toFixed(2)).padStart(7)}`);
  });

  // The steps, each alone in fresh processes (CPU ms of this process only; medians of 9).
  const imp = (mods) => `const c0 = process.cpuUsage(); ${mods.map((m) => `await import(${JSON.stringify(join(DIST, m))});`).join(' ')} const c = process.cpuUsage(c0); console.log((c.user + c.system) / 1000);`;
  const RUN_MODULES = ['cli/command.js', 'cli/stdio.js', 'cli/exit.js', 'cli/commands/index.js', 'cli/commands/run.js', 'node/helper-exec.js', 'node/isolation-support.js'];
  const runPathChunk = readdirSync(join(DIST, 'bin')).find((f) => f.startsWith('run-path-'));
  const runCompileChunk = readdirSync(join(DIST, 'bin')).find((f) => f.startsWith('run-compile-'));
  if (!runPathChunk || !runCompileChunk) throw new Error('dist/bin has no run-path or run-compile chunk: run `npm run build`');
  const req = (file) => `const { createRequire } = await import('node:module'); const r = createRequire(import.meta.url); const c0 = process.cpuUsage(); r(${JSON.stringify(file)}); const c = process.cpuUsage(c0); console.log((c.user + c.system) / 1000);`;
  const timed = (setup, body) => `${setup} const c0 = process.cpuUsage(); ${body} const c = process.cpuUsage(c0); console.log((c.user + c.system) / 1000);`;
  const pre1 = `const P = await import(${JSON.stringify(join(DIST, 'cli/commands/run-plan.js'))}); const H = await import(${JSON.stringify(join(DIST, 'node/host.js'))}); const C = await import(${JSON.stringify(join(DIST, 'node/program-cache.js'))}); const I = await import(${JSON.stringify(join(DIST, 'node/input.js'))}); const B = await import(${JSON.stringify(join(DIST, 'node/builtin-profiles.js'))});`;
  const compileSetup = `const R = await import(${JSON.stringify(join(DIST, 'cli/commands/run-compile.js'))});`;
  const steps = [
    ['load the run path (run-path chunk)', req(join(DIST, 'bin', runPathChunk))],
    ['import the same, unbundled (ES modules)', imp(RUN_MODULES)],
    ['load the compile path (run-compile chunk)', req(join(DIST, 'bin', runCompileChunk))],
    ['find the precompiled default (read, compare)', timed(pre1, `const p = P.precompiledPlan(H.hostArch(), I.readInputFile(B.builtinProfilePath('default'))); if (!p) throw new Error('no plan');`)],
    ['find a cached plan (key + checks + read)', timed(pre1, `process.env.XDG_CACHE_HOME = ${JSON.stringify(warmHome)}; const o = { spec: ${JSON.stringify(docker)}, strictNames: false, includeDirs: [], allow: [], deny: [], exact: false }; const key = P.planKey(P.readBuildId(), H.hostArch(), o, I.readInputFile(${JSON.stringify(docker)}), H.hostKernelVersion()); const p = P.cachedPlan(key, new C.ProgramCache()); if (!p) throw new Error('no plan');`)],
    ['compute the default\'s plan (compile)', timed(compileSetup, `await R.computePlan({ spec: 'default', strictNames: false, includeDirs: [], allow: [], deny: [], exact: false });`)],
    ['compute a file\'s plan (read, compile, lint)', timed(compileSetup, `await R.computePlan({ spec: ${JSON.stringify(docker)}, strictNames: false, includeDirs: [], allow: [], deny: [], exact: false });`)],
    ['isolation probe (this process; not its child)', timed(`const S = await import(${JSON.stringify(join(DIST, 'node/isolation-support.js'))});`, `S.isolationSupport();`)],
  ];
  console.log('\nSteps (CPU ms of one fresh Node process each, median of 9; the first call, as the CLI makes it):');
  for (const [name, script] of steps) console.log(`${name.padEnd(46)} ${step(script).toFixed(1).padStart(6)} ms`);
  const helperRow = rows.findIndex(([name]) => name.startsWith('syswall-helper exec'));
  console.log(`${'syswall-helper exec /bin/true (from the table)'.padEnd(46)} ${(med[helperRow].cpu * 1000).toFixed(1).padStart(6)} ms`);
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
