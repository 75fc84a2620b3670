/**
 * The exact symbolic engine over any classic BPF program: word sets, the
 * path DAG, the decision function per arch and syscall, and the presentation
 * of ranges. A lower layer: both compile/ (stats, pfc) and analyze/ use it.
 */
export * from './expr.js';
export * from './wordset.js';
export * from './dag.js';
export * from './symbolic.js';
export * from './present.js';
