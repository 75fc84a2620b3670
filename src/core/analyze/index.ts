/** Analysis of any classic BPF seccomp program or policy: explain, diff, lint, graph. */
export * from './explain.js';
export * from './input.js';
export * from './diff.js';
export * from './lint.js';
export * from './policy-lint.js';
export * from './graph.js';
export * from './map.js';
