/**
 * syswall's core must run in a browser. This bundles src/core/index.ts for
 * the browser with Vite (library mode, minified) through the same plugin the
 * playground build uses, which fails the build on any Node built-in; checks
 * the bundle has no Node built-ins left, and reports its size (recorded in
 * docs/benchmarks.md, "Playground bundle"). It also checks that the plugin
 * really fails a build that imports one, and that the playground's Vite
 * config uses it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, resolveConfig } from 'vite';
import { ROOT } from './helpers/cli.js';
import { isNodeBuiltin, noNodeBuiltins } from '../scripts/vite-no-node-builtins.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'syswall-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function bundle(entry: string, outDir: string): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'silent',
    root: ROOT,
    plugins: [noNodeBuiltins()],
    build: {
      lib: { entry, formats: ['es'], fileName: 'bundle' },
      outDir,
      emptyOutDir: true,
      minify: true,
      target: 'es2022',
      write: true,
      copyPublicDir: false,
    },
  });
  const file = readdirSync(outDir).find((f) => f.endsWith('.js'));
  if (!file) throw new Error(`no bundle written to ${outDir}`);
  return join(outDir, file);
}

describe('browser bundle of src/core', () => {
  it('bundles src/core/index.ts with no Node built-ins and reports its size', async () => {
    const file = await bundle(join(ROOT, 'src', 'core', 'index.ts'), join(tmp, 'core'));
    const code = readFileSync(file);
    const text = code.toString('utf8');
    // No import of anything: a self-contained ES module.
    expect(text).not.toMatch(/\bfrom\s*["'][^"']+["']/);
    expect(text).not.toMatch(/\bimport\s*\(\s*["']/);
    expect(text).not.toMatch(/\brequire\s*\(/);
    expect(text).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(text).not.toContain('__vite-browser-external');
    // The public API is there.
    for (const name of ['compilePolicy', 'parsePolicyText', 'explainProgram', 'diffPrograms', 'lintProgram', 'traceProgram', 'cfgToSvg', 'mapToSvg', 'buildDecisionMap', 'assemble', 'disassemble']) {
      expect(text).toMatch(new RegExp(`\\b${name}\\b`));
    }
    // The graph-layout engine is not part of the core (src/core/analyze/cfg-layout.ts is loaded on demand).
    expect(text).not.toContain('network-simplex');
    const raw = code.length;
    const gzip = gzipSync(code, { level: 9 }).length;
    console.log(`core bundle (src/core/index.ts, Vite library mode, minified): ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`);
    // A sanity bound, not a benchmark: the syscall tables dominate.
    expect(raw).toBeLessThan(2 * 1024 * 1024);
  });

  it('fails the build when a Node built-in slips in', async () => {
    for (const [name, source] of [
      ['node-prefix', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"],
      ['bare', "import { join } from 'path';\nexport const j = join;\n"],
      ['subpath', "import { readFile } from 'fs/promises';\nexport const r = readFile;\n"],
      ['dynamic', "export const load = () => import('node:child_process');\n"],
    ] as const) {
      const entry = join(tmp, `${name}.ts`);
      writeFileSync(entry, `// imports a Node built-in\nimport { ARCHES } from '${join(ROOT, 'src', 'core', 'index.ts')}';\nexport const a = ARCHES;\n${source}`);
      await expect(bundle(entry, join(tmp, `out-${name}`)), name).rejects.toThrow(/Node built-in ".+" imported by .*must run in a browser/);
    }
    expect(isNodeBuiltin('node:fs')).toBe(true);
    expect(isNodeBuiltin('crypto')).toBe(true);
    expect(isNodeBuiltin('fs/promises')).toBe(true);
    expect(isNodeBuiltin('./fs.js')).toBe(false);
    expect(isNodeBuiltin('vite')).toBe(false);
  });

  it('the playground build (web/vite.config.ts) uses the plugin', async () => {
    const config = await resolveConfig({ root: join(ROOT, 'web'), configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'silent' }, 'build');
    expect(config.plugins.map((p) => p.name)).toContain('syswall:no-node-builtins');
  });
});
