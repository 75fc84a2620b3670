/**
 * Messages between the page (main.ts, through client.ts) and the worker
 * (worker.ts), which does every heavy computation so the page never blocks.
 * Everything here is plain data (structured-clone safe).
 */
import type { CfgShape, DecisionMap, DiffReport, ExplainReport, PolicyLintReport } from '../../src/core/index.js';
import type { EmuInput, InputMode, InputProblem, Stats } from './engine.js';
import type { State } from './state.js';

/** The input A as typed: text, input mode and arch. */
export interface InputState {
  readonly text: string;
  readonly mode: InputMode;
  readonly arch: string;
  /** Host kernel for Docker's minKernel (`6.8`); '' treats minKernel as met. */
  readonly kernel: string;
  /** A Firecracker thread or SPO profile name, for files that hold several ('' when unused). */
  readonly pick: string;
}

/** What was built from the input. */
export interface BuildInfo {
  readonly mode: 'policy' | 'asm' | 'hex' | 'raw';
  readonly kind: string;
  readonly arches: readonly string[];
  readonly arch: string;
  readonly endian: 'little' | 'big';
  readonly warnings: readonly string[];
  readonly settings?: string;
  readonly length: number;
  readonly buildMs: number;
  readonly decisions?: number;
}

/** One line of the program listing. */
export interface ListingRow {
  readonly pc: number;
  /** `code jt jf k` in hex. */
  readonly hex: string;
  readonly text: string;
  readonly reachable: boolean;
}

/** A rule of a policy and what it touches, for the Compiler-Explorer-style highlighting. */
export interface RuleLink {
  /** Lines of the editor text the rule spans (1-based, inclusive). */
  readonly from: number;
  readonly to: number;
  readonly syscalls: readonly string[];
  /** The arches the rule is compiled for (the policy's). */
  readonly arches: readonly string[];
  /** Instructions run when the rule decides (its syscalls, arguments satisfying its conditions). */
  readonly pcs: readonly number[];
}

/** Links between the input, the program, the explain rows and the findings. */
export interface Links {
  readonly rules: readonly RuleLink[];
  /** Per instruction, the syscalls whose path runs it (instructions every syscall runs are left out). */
  readonly pcSyscalls: Readonly<Record<number, readonly string[]>>;
}

/** Everything the panels show for input A. */
export interface AnalysisResult {
  readonly build: BuildInfo;
  readonly listing: readonly ListingRow[] | InputProblem;
  readonly explain: ExplainReport | InputProblem;
  readonly lint: PolicyLintReport | InputProblem;
  readonly map: DecisionMap | InputProblem;
  readonly stats: Stats;
  readonly links: Links;
}

/** One executed instruction, with the machine state after it. */
export interface EmuStep {
  readonly pc: number;
  readonly a: number;
  readonly x: number;
  /** Scratch memory M[0..15] after the step (null: never written). */
  readonly mem: readonly (number | null)[];
  /** For conditional jumps: whether the condition held. */
  readonly taken?: boolean;
}

export type EmuOutput =
  | { readonly ok: true; readonly nr: number; readonly name?: string; readonly arch: string; readonly action: string; readonly steps: readonly EmuStep[]; readonly returnPc?: number; readonly fault?: string }
  | { readonly ok: false; readonly error: InputProblem };

export type CfgOutput =
  | { readonly ok: true; readonly svg: string; readonly blocks: number; readonly engine: string; readonly graph: CfgShape }
  | { readonly ok: false; readonly error: InputProblem };

export type DiffOutput = { readonly ok: true; readonly report: DiffReport } | { readonly ok: false; readonly error: InputProblem; readonly side: 'A' | 'B' };

/** Requests, by type. */
export interface Requests {
  /** Build A and run every analysis. */
  analyze: { input: InputState };
  /** The control-flow graph of A, laid out (loads the layout engine on first use). */
  cfg: { input: InputState };
  /** Run A on one syscall. */
  emu: { input: InputState; emu: EmuInput };
  /** Compare A and B. */
  diff: { input: InputState; b: string };
  /** Encode a state for a share link. */
  encode: { state: State };
  /** Decode a share link's hash. */
  decode: { hash: string };
}

/** Results, by request type. */
export interface Results {
  analyze: { ok: true; result: AnalysisResult } | { ok: false; error: InputProblem; build?: undefined };
  cfg: CfgOutput;
  emu: EmuOutput;
  diff: DiffOutput;
  encode: string;
  decode: State | undefined;
}

export type RequestType = keyof Requests;

/** A message to the worker. */
export type WorkerRequest = { [T in RequestType]: { id: number; type: T } & Requests[T] }[RequestType];

/** A message from the worker: the result, or an error thrown while computing it. */
export type WorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string };
