// A Vite/Rollup plugin that fails the build when anything imports a Node
// built-in (`node:fs`, `fs`, `fs/promises`, `child_process`, ...). The
// playground and syswall's core must run in a browser; without this, Vite
// would silently replace such imports with an empty browser stub.
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** True if `id` names a Node built-in module. */
export function isNodeBuiltin(id) {
  if (id.startsWith('node:')) return true;
  return BUILTINS.has(id) || BUILTINS.has(id.split('/')[0]);
}

/** The plugin: errors on every Node built-in import, naming the importer. */
export function noNodeBuiltins() {
  return {
    name: 'syswall:no-node-builtins',
    enforce: 'pre',
    resolveId(id, importer) {
      if (isNodeBuiltin(id)) {
        this.error(`Node built-in "${id}" imported by ${importer ?? 'the entry'}: the playground and src/core must run in a browser (no Node built-ins)`);
      }
      return null;
    },
  };
}
