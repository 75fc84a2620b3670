// The layer order inside src/core, lowest first. A module may import only
// from its own layer or a lower one: `symbolic` never imports `compile` or
// `analyze`, `compile` never imports `analyze`, and so on. eslint.config.js
// turns this list into no-restricted-imports rules, and test/layers.test.ts
// checks every import of src/core against it (with a readable report).
//
// Files directly in src/core (errors.ts, defaults.ts) form the bottom layer,
// except index.ts, the public entry, which may import everything.
export const CORE_LAYERS = [
  ['errors.ts', 'defaults.ts', 'util'],
  ['arch'],
  ['bpf'],
  ['policy'],
  ['symbolic'],
  ['decode'],
  ['compile'],
  ['formats'],
  ['input'],
  ['analyze'],
];

/** The layer index of a path relative to src/core (`compile/pfc.ts`), or undefined for index.ts. */
export function layerOf(rel) {
  if (rel === 'index.ts') return undefined;
  const head = rel.split('/')[0];
  const i = CORE_LAYERS.findIndex((l) => l.includes(head));
  if (i < 0) throw new Error(`src/core/${rel}: not in any layer of scripts/layers.mjs; add its folder there`);
  return i;
}

/** The folders (and root files) a layer must not import: every higher layer. */
export function forbiddenAbove(index) {
  return CORE_LAYERS.slice(index + 1).flat();
}
