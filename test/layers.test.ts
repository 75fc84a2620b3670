/**
 * The layer order inside src/core (scripts/layers.mjs): every relative import
 * of a src/core module goes to its own layer or a lower one. ESLint enforces
 * the same list; this test gives one readable report of every violation.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/cli.js';
import { CORE_LAYERS, layerOf } from '../scripts/layers.mjs';

const CORE = join(ROOT, 'src/core');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('src/core layers', () => {
  it('every import goes to the same or a lower layer', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const file of walk(CORE)) {
      const rel = relative(CORE, file);
      const from = layerOf(rel);
      if (from === undefined) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = relative(CORE, resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
        if (target.startsWith('..')) continue;
        checked++;
        const to = layerOf(target);
        if (to !== undefined && to > from) bad.push(`${rel} imports ${target}: layer ${CORE_LAYERS[from].join('/')} is below ${CORE_LAYERS[to].join('/')}`);
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });

  it('symbolic is below compile and analyze, compile below analyze', () => {
    const i = (x: string) => CORE_LAYERS.findIndex((l) => l.includes(x));
    expect(i('symbolic')).toBeLessThan(i('compile'));
    expect(i('compile')).toBeLessThan(i('analyze'));
    expect(i('formats')).toBeLessThan(i('analyze'));
  });
});
