export * from './errno.js';
export * from './constants.js';
export * from './format.js';
