#!/usr/bin/env node
// Builds syswall's native code (native/: the syswall-helper executable and the
// Node-API addon) with node-gyp from source, using this machine's compiler.
// A failed build does not fail `npm install`: the pure-TypeScript commands keep
// working, and the runtime commands explain what is missing (see
// src/node/native.ts). Set SYSWALL_SKIP_NATIVE=1 to skip the build.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'build', 'native-build-error.txt');

if (process.env.SYSWALL_SKIP_NATIVE === '1') {
  console.warn('syswall: SYSWALL_SKIP_NATIVE=1, not building native code');
  process.exit(0);
}
if (!existsSync(join(root, 'binding.gyp'))) process.exit(0);
if (process.platform !== 'linux') {
  console.warn('syswall: native code is Linux-only; the runtime commands are unavailable on ' + process.platform);
  process.exit(0);
}

const r = spawnSync('node-gyp', ['rebuild'], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (r.status === 0) {
  rmSync(marker, { force: true });
  process.exit(0);
}
const why = r.error ? String(r.error.message) : (r.stderr || '').trim().split('\n').slice(-15).join('\n');
mkdirSync(dirname(marker), { recursive: true });
writeFileSync(marker, why + '\n');
process.stderr.write(r.stderr || '');
console.warn('\nsyswall: the native build failed; `syswall run`, `record`, `dump` and the ./node runtime are unavailable.');
console.warn('syswall: install a C compiler, make and python3 (Debian: apt-get install build-essential python3), then run `npm rebuild syswall` or `npm install` again.');
process.exit(0);
