#!/usr/bin/env node
// Bundles the `syswall` binary (run by `npm run build` after tsc): the CLI's
// compiled modules (dist/cli/main.js and everything it imports, each
// command's modules in a chunk of their own, loaded when the command runs)
// become CommonJS files in dist/bin, the package's bin
// (dist/bin/syswall.cjs). Why: `syswall run` is a launcher put in front of
// every command of a script, and Node loads one CommonJS file in a fraction
// of what its ES-module loader spends on the 20-odd modules a run needs
// (resolving, reading with fs/promises, linking): docs/benchmarks.md,
// "`syswall run` start-up", measures it. The modules are the same code as
// dist/cli (the Node API, syswall/node, stays unbundled); packages from
// node_modules stay outside the bundle.
//
// The modules a precompiled `syswall run` loads before it hands the process
// to its sandbox (the static imports of the entry, of the run command and of
// what it imports on that path) go into one chunk, run-path.cjs: each
// further file would cost the CommonJS loader a resolution (stat, realpath,
// package scope) and a compile of its own. Every other command's modules
// stay in chunks loaded when it runs.
//
// Every chunk sits two levels below the package root, as dist/node/*.js do,
// so src/node/package-root.ts finds the root the same way in both.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'dist', 'bin');

/** The run path's entry points (tsc output). */
const RUN_PATH_ROOTS = ['cli/main.js', 'cli/commands/run.js', 'node/helper-exec.js', 'node/isolation-support.js'];

/** The modules statically imported, transitively, from `roots` (relative imports of tsc's output; `import type` is gone by then). */
function staticClosure(roots) {
  const seen = new Set();
  const todo = roots.map((r) => join(root, 'dist', r));
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)';/gms)) todo.push(resolve(dirname(file), m[1]));
    for (const m of text.matchAll(/^import\s+'(\.[^']+)';/gm)) todo.push(resolve(dirname(file), m[1]));
  }
  return seen;
}

export async function bundle() {
  const runPath = staticClosure(RUN_PATH_ROOTS);
  runPath.delete(join(root, 'dist', 'cli', 'main.js')); // the entry chunk itself
  rmSync(OUT, { recursive: true, force: true });
  const b = await rolldown({
    // The binary, and the script the helper starts to report a run's end (src/cli/run-report.ts).
    input: { syswall: join(root, 'dist', 'cli', 'main.js'), 'run-report': join(root, 'dist', 'cli', 'run-report.js') },
    platform: 'node',
    // node:* builtins and packages (yaml, vite, ...) are required at run time, not copied in.
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && id !== 'yaml',
    logLevel: 'warn',
    onLog(level, log) {
      throw new Error(`bundling the CLI: ${log.message}`);
    },
  });
  await b.write({
    dir: OUT,
    format: 'cjs',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    codeSplitting: { groups: [{ name: 'run-path', test: (id) => runPath.has(id) }] },
  });
  await b.close();
  chmodSync(join(OUT, 'syswall.cjs'), 0o755);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  await bundle();
  console.log(`${relative(root, OUT)}/syswall.cjs: the CLI bundled (${(performance.now() - t0).toFixed(0)} ms)`);
}
