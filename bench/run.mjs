#!/usr/bin/env node
// `npm run bench`: runs every benchmark module in turn (each exports `run()`),
// printing results side by side with their reference tools. Pass names to run a
// subset: `npm run bench -- interpreter compiler`.
const BENCHES = {
  // name: () => import('./file.mjs'),
  interpreter: () => import('./interpreter.mjs'),
  startup: () => import('./startup.mjs'),
  analyze: () => import('./analyze.mjs'),
  notify: () => import('./notify.mjs'),
  compile: () => import('./compile.mjs'),
  workload: () => import('./workload.mjs'),
  record: () => import('./record.mjs'),
  'seccomp-tools': () => import('./seccomp-tools.mjs'),
  agent: () => import('./agent.mjs'),
};

const only = process.argv.slice(2);
for (const [name, load] of Object.entries(BENCHES)) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const mod = await load();
  await mod.run();
}
