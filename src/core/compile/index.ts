export { compilePolicy, actionToValue } from './compile.js';
export type { CompileOptions, CompiledProgram, CompileStats, EnosysMode } from './compile.js';
