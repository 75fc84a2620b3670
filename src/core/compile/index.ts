export { compilePolicy } from './compile.js';
export type { CompileOptions, CompiledFilter, CompileStats, EnosysMode } from './compile.js';
export * from './stats.js';
export * from './outputs.js';
export { filterToPfc, programToPfc } from './pfc.js';
