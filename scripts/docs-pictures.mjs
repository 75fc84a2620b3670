// Regenerates the pictures in docs/images/ from `syswall graph` on Docker's
// default profile (data/profiles/docker-default.json), rendered at 100 % zoom
// by Chromium (playwright-core + /usr/bin/chromium):
//
//   npm run build && node scripts/docs-pictures.mjs
//
// docker-default-map.png   syswall graph docker-default.json            (the decision map)
// docker-default-cfg.png   syswall graph docker-default.json --view cfg (the control-flow graph)
//
// Resolved for kernel 6.1 and this machine's arch (the pictures in the repository were made on x86_64).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'images');
const tmp = mkdtempSync(join(tmpdir(), 'syswall-docs-'));
mkdirSync(OUT, { recursive: true });

const pictures = [
  ['docker-default-map', []],
  ['docker-default-cfg', ['--view', 'cfg']],
];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const [name, extra] of pictures) {
    const svg = join(tmp, `${name}.svg`);
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/bin/syswall.cjs'), 'graph', join(ROOT, 'data/profiles/docker-default.json'), '--kernel', '6.1', ...extra, '-o', svg], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`syswall graph failed: ${r.stderr}`);
    const text = readFileSync(svg, 'utf8');
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(text);
    const page = await browser.newPage({ viewport: { width: Number(w), height: Number(h) }, deviceScaleFactor: 1 });
    await page.goto(`file://${svg}`);
    await page.screenshot({ path: join(OUT, `${name}.png`), timeout: 120_000 });
    await page.close();
    console.log(`docs/images/${name}.png: ${w} x ${h} px`);
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
