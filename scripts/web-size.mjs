// Prints the raw and gzip sizes of the playground build (web/dist), per file
// and in all: `npm run build:web && node scripts/web-size.mjs`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('../web/dist/', import.meta.url).pathname;
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(root);
let raw = 0;
let gz = 0;
const kib = (n) => (n / 1024).toFixed(1) + ' KiB';
for (const f of files.sort()) {
  const b = readFileSync(f);
  const g = gzipSync(b, { level: 9 }).length;
  raw += b.length;
  gz += g;
  console.log(`${relative(root, f).padEnd(32)} ${kib(b.length).padStart(10)} raw ${kib(g).padStart(10)} gzip`);
}
console.log(`${'total'.padEnd(32)} ${kib(raw).padStart(10)} raw ${kib(gz).padStart(10)} gzip`);
