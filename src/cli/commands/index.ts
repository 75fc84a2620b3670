/**
 * The command registry: name -> lazy loader. Commands load on demand so
 * `syswall syscalls` does not pay for the compiler or the native runtime.
 */
import type { Command } from '../command.js';

export const COMMANDS: Record<string, () => Promise<Command>> = {
  syscalls: async () => (await import('./syscalls.js')).command,
  groups: async () => (await import('./groups.js')).command,
  dump: async () => (await import('./dump.js')).command,
  status: async () => (await import('./status.js')).command,
  explain: async () => (await import('./explain.js')).command,
  diff: async () => (await import('./diff.js')).command,
  lint: async () => (await import('./lint.js')).command,
  graph: async () => (await import('./graph.js')).command,
  disasm: async () => (await import('./disasm.js')).command,
  asm: async () => (await import('./asm.js')).command,
  emu: async () => (await import('./emu.js')).command,
  compile: async () => (await import('./compile.js')).command,
  run: async () => (await import('./run.js')).command,
  convert: async () => (await import('./convert.js')).command,
  playground: async () => (await import('./playground.js')).command,
  record: async () => (await import('./record.js')).command,
  agent: async () => (await import('./agent.js')).command,
};
