/**
 * node:crypto, loaded on first use. Loading it costs a fresh Node process
 * about 5 ms of CPU, which `syswall run` would pay at every start for a
 * hash or a random name it mostly does not need (docs/benchmarks.md,
 * "`syswall run` start-up"); the modules that need it call this.
 */
import { createRequire } from 'node:module';

let loaded: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'));
}
