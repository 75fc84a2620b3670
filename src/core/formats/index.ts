/** The one input door (every dialect and program form), the readers behind it, and the exporters. */
export * from './json-parse.js';
export * from './reader.js';
export * from './context.js';
export { detectKind, POLICY_KINDS, type PolicyKind } from './raw.js';
export { OCI_FLAGS, OCI_OPS } from './convert.js';
export * from './parse.js';
export * from './export.js';
export * from './constants.js';
export * from './firstmatch.js';
export * from './textsrc.js';
export * from './yaml.js';
export * from './spo.js';
export * from './firecracker.js';
export * from './minijail.js';
export * from './kafel.js';
export * from './door.js';
