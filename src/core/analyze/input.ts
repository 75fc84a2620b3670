/**
 * The analyses of an input, as the CLI (explain, lint, diff, graph) and the
 * playground call them: any input is read through the one door and compiled
 * with the one set of defaults (src/core/input/load.ts), then analysed as a
 * program, so both give the same answers for the same input.
 */
import type { ArchInfo } from '../arch/arches.js';
import { loadInput, type LoadedInput, type LoadOptions } from '../input/load.js';
import { diffPrograms, type DiffReport } from './diff.js';
import { explainProgram, type ExplainReport } from './explain.js';
import { buildCfg, type Cfg } from './graph.js';
import { decisionMap, type DecisionMap } from './map.js';
import { lintInput, type PolicyLintReport } from './policy-lint.js';

/** Options of the analyses. */
export interface InputAnalysisOptions {
  /** Arches to report on (default: every arch the program tests, plus "other arches"). */
  arches?: readonly ArchInfo[];
}

const archOpt = (o: InputAnalysisOptions) => (o.arches && o.arches.length ? { arches: o.arches } : {});

/** The exact decision per arch and syscall (`syswall explain`). */
export function explainInput(input: LoadedInput, options: InputAnalysisOptions = {}): ExplainReport {
  return explainProgram(input.program, archOpt(options));
}

/** Weaknesses of the filter, and for policies of the rules (`syswall lint`). */
export function lintLoaded(input: LoadedInput, options: InputAnalysisOptions = {}): PolicyLintReport {
  return lintInput(input, archOpt(options));
}

/** Where two inputs decide differently (`syswall diff`). */
export function diffInputs(a: LoadedInput, b: LoadedInput, options: InputAnalysisOptions = {}): DiffReport {
  return diffPrograms(a.program, b.program, archOpt(options));
}

/** The control-flow graph (`syswall graph --view cfg`), switches collapsed; lay it out with cfg-layout.ts. */
export function graphInput(input: LoadedInput): Cfg {
  return buildCfg(input.program);
}

/** The decision map (`syswall graph`, the default view) of the given arches, else of every arch the input decides for. */
export function mapInput(input: LoadedInput, options: InputAnalysisOptions = {}): DecisionMap {
  return decisionMap(input.program, { arches: options.arches && options.arches.length ? options.arches : input.arches.length ? input.arches : undefined });
}

/** Reads and explains an input in one call (text or bytes; see {@link loadInput} for the options). */
export function explainText(data: Uint8Array | string, options: LoadOptions & InputAnalysisOptions = {}): ExplainReport {
  return explainInput(loadInput(data, options), options);
}
