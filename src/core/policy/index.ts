export * from './types.js';
export * from './actions.js';
export * from './validate.js';
export * from './groups.js';
export * from './builder.js';
export * from './evaluate.js';
export * from './families.js';
