/** Analysis of any classic BPF seccomp program: symbolic evaluation, explain, diff, lint, graph. */
export * from './expr.js';
export * from './wordset.js';
export * from './dag.js';
export * from './symbolic.js';
export * from './present.js';
export * from './explain.js';
export * from './input.js';

export * from './diff.js';
export * from './lint.js';
export * from './policy-lint.js';
export * from './graph.js';
