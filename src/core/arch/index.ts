export * from './arches.js';
export * from './syscalls.js';
