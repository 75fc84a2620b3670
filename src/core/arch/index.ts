export * from './arches.js';
export * from './syscalls.js';
export * from './signatures.js';
export * from './errno.js';
