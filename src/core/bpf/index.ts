export * from './constants.js';
export * from './instruction.js';
export * from './codec.js';
export * from './data.js';
