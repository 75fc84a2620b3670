/** Types of vite-no-node-builtins.mjs. */
import type { Plugin } from 'vite';
/** True if `id` names a Node built-in module (`node:fs`, `fs`, `fs/promises`, ...). */
export function isNodeBuiltin(id: string): boolean;
/** A Vite plugin that fails the build on any Node built-in import. */
export function noNodeBuiltins(): Plugin;
