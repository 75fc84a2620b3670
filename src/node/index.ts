/**
 * syswall's Node runtime: the parts that need Linux and the native helper.
 */
export * from './dump.js';
export * from './status.js';
