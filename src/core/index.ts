/**
 * syswall's browser-safe core: syscall tables, the BPF model and toolbox,
 * policies, the compiler, formats and analysis. No Node built-ins.
 */
export * from './errors.js';
export * from './arch/index.js';
export * from './bpf/index.js';
export * from './policy/index.js';
export * from './decode/index.js';
