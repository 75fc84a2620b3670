#!/usr/bin/env node
// Precompiles `syswall run`'s built-in default profile at build time (run by
// `npm run build` after tsc): for every host arch with a built-in profile
// (data/profiles/default/ARCH.json), the plan `syswall run` computes for it
// with default options (src/cli/commands/run-compile.ts, the same function),
// written with the profile's text it was compiled from to
// dist/cli/run-precompiled/ARCH.json (`run` uses it while the profile file
// still holds exactly that text: src/cli/commands/run-plan.ts), and the
// build id to dist/cli/run-precompiled/build-id.txt.
//
// The build id is a SHA-256 over every file of dist/ (but these) and the
// package version: it is part of every cache key, so no cached plan
// outlives the build that made it. A test compares each plan with a fresh
// compile (test/run-cache.test.ts), so these files can never go stale
// unnoticed.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const OUT = join(dist, 'cli', 'run-precompiled');

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== OUT) out.push(...filesUnder(p));
    }
    else if (e.isFile() && !p.endsWith('.d.ts') && !p.endsWith('.map')) out.push(p);
  }
  return out;
}

/** The build id: SHA-256 of the package version and every dist file (path and bytes), in path order. */
export function buildId() {
  const h = createHash('sha256');
  h.update(`syswall ${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}\n`);
  for (const f of filesUnder(dist).sort()) {
    const bytes = readFileSync(f);
    h.update(`${relative(dist, f)} ${bytes.length}\n`);
    h.update(bytes);
  }
  return h.digest('hex');
}

export async function generate() {
  const { ARCHES } = await import(join(dist, 'core/arch/arches.js'));
  const { computePlan } = await import(join(dist, 'cli/commands/run-compile.js'));
  const { encodePlan } = await import(join(dist, 'cli/commands/run-plan.js'));
  const { builtinProfilePath } = await import(join(dist, 'node/builtin-profiles.js'));
  const id = buildId();
  const options = { spec: 'default', strictNames: false, includeDirs: [], allow: [], deny: [], exact: false };
  const plans = {};
  const dir = join(root, 'data', 'profiles', 'default');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort()) {
    const host = ARCHES[name];
    if (!host) throw new Error(`${dir}/${name}.json: not an arch syswall knows`);
    const { plan } = await computePlan(options, { host });
    plans[name] = { profile: readFileSync(builtinProfilePath('default', host), 'utf8'), plan: encodePlan(plan) };
  }
  return { buildId: id, plans };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const out = await generate();
  const tmp = OUT + '.tmp';
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const [name, p] of Object.entries(out.plans)) writeFileSync(join(tmp, `${name}.json`), JSON.stringify(p) + '\n');
  writeFileSync(join(tmp, 'build-id.txt'), out.buildId + '\n');
  rmSync(OUT, { recursive: true, force: true });
  renameSync(tmp, OUT);
  rmSync(join(dist, 'cli', 'run-precompiled.json'), { force: true }); // the single file of earlier builds
  console.log(`${relative(root, OUT)}/: the built-in default precompiled for ${Object.keys(out.plans).length} host arches (${(performance.now() - t0).toFixed(0)} ms)`);
}
