/**
 * The package root (where package.json, data/ and build/ are): two levels
 * above this module, which holds in src/node, dist/node and the CLI bundle
 * dist/bin (scripts/bundle-cli.mjs puts its files two levels down too).
 * Every path syswall finds in its own package starts here.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
