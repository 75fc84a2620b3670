/**
 * syswall's browser-safe core: syscall tables, the BPF model and toolbox,
 * policies, the compiler, formats and analysis. No Node built-ins.
 */
export * from './errors.js';
export * from './defaults.js';
export * from './arch/index.js';
export * from './bpf/index.js';
export * from './policy/index.js';
export * from './formats/index.js';
export * from './symbolic/index.js';
export * from './analyze/index.js';

export * from './bpf/disasm.js';
export * from './bpf/formats.js';
export { assemble, resolveSyscallWord, type AssembleOptions } from './bpf/asm/index.js';
export * from './compile/index.js';
export * from './input/load.js';
export * from './decode/index.js';
export * from './policy/recording.js';
