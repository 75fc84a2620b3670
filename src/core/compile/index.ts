export { compilePolicy } from './compile.js';
export type { CompileOptions, CompiledFilter, CompileStats, EnosysMode } from './compile.js';
