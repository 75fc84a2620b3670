export * from './constants.js';
export * from './instruction.js';
export * from './codec.js';
export * from './data.js';
export * from './validate.js';
export * from './interpreter.js';
export * from './jit.js';
export * from './actions.js';
