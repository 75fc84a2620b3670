/**
 * Compiler hygiene (issue 13): no function in src/core/compile is longer than
 * 120 lines. Functions are found with the TypeScript parser (declarations,
 * methods, function expressions and arrow functions), counted from their
 * first to their last line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const MAX_LINES = 120;
const DIR = join(ROOT, 'src', 'core', 'compile');

function functionLengths(file: string): { name: string; lines: number }[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : `(anonymous at line ${first + 1})`;
      out.push({ name, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('src/core/compile hygiene', () => {
  it(`has no function longer than ${MAX_LINES} lines`, () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(5);
    const long: string[] = [];
    let functions = 0;
    for (const f of files) {
      for (const fn of functionLengths(join(DIR, f))) {
        functions++;
        if (fn.lines > MAX_LINES) long.push(`${f}: ${fn.name} has ${fn.lines} lines`);
      }
    }
    expect(functions).toBeGreaterThan(50);
    expect(long).toEqual([]);
  });
});
