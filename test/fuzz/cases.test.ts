/**
 * The fuzz suite's size, as README ("Fuzzing") states it: at least 20,000
 * cases in `npm test`, every target in the one table (CASES) run by a fuzz
 * file and every fuzz file's target in it. (Each target also checks that it
 * ran exactly its number of cases, and prints its seed.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { CASES, RUNS_FACTOR } from './harness.js';

const DIR = join(ROOT, 'test', 'fuzz');
const sources = readdirSync(DIR).filter((f) => f.endsWith('.test.ts') && f !== 'cases.test.ts').map((f) => readFileSync(join(DIR, f), 'utf8'));

describe('fuzz suite size', () => {
  it('npm test runs at least 20,000 cases', () => {
    expect(RUNS_FACTOR * Object.values(CASES).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20_000);
  });

  it('every target of CASES is run by a fuzz file, and every target run is in CASES', () => {
    const used = new Set(sources.flatMap((t) => [...t.matchAll(/\b(?:fuzz\(\s*|casesOf\()'([a-z0-9-]+)'/g)].map((m) => m[1])));
    expect([...used].sort()).toEqual(Object.keys(CASES).sort());
  });
});
