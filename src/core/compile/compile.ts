/**
 * The compiler: policy -> per-arch rule databases -> decision diagrams ->
 * sections of syscall-number ranges -> search trees and argument code ->
 * bytecode passes -> layout.
 *
 * {@link compilePolicy} runs named stages in order; each reports what it did
 * (counts and milliseconds) in {@link BuildStats}, like gVisor's build
 * statistics. The output program depends only on the policy and the options.
 */
import { resolveArch, type ArchInfo, type Endian } from '../arch/arches.js';
import { isKnownSyscall, suggestSyscall, syscallName } from '../arch/syscalls.js';
import * as C from '../bpf/constants.js';
import type { Instruction } from '../bpf/instruction.js';
import { CompileError } from '../errors.js';
import { actionValue as actionToValue } from '../policy/actions.js';
import { ERRNO } from '../arch/errno.js';
import { DEFAULTS } from '../defaults.js';
import type { Action, Policy, Rule } from '../policy/types.js';
import { emitProgram, type CodegenReport } from './codegen.js';
import { DiagramBuilder, type DNode } from './decision.js';
import { ProgramBuilder, type AssembleReport, type PassReport } from './program-builder.js';
import { buildArchDb, type ResolvedRule } from './rule-db.js';
import { groupSections, sectionRanges, type EnosysMode, type Section, type SectionReport } from './sections.js';

export type { EnosysMode } from './sections.js';

export interface CompileOptions {
  /** Override the policy's arches. */
  arches?: readonly string[];
  /**
   * `unknown` (the default, src/core/defaults.ts): ERRNO(ENOSYS) for syscall numbers above the highest
   * one the arch's table knows (numbers inside the table that no kernel
   * assigned return ENOSYS or the default action, whichever is cheaper);
   * `runc`: ENOSYS above the highest syscall number the policy mentions
   * (runc's stub); `none`: the default action for everything (libseccomp's
   * behaviour). Only applies when the default action denies.
   */
  enosys?: EnosysMode;
  /** Syscall frequencies (name -> relative count) to weight the search tree. */
  frequencies?: Readonly<Record<string, number>>;
  /** Rewrite every leaf action (e.g. route denials to USER_NOTIF for --explain). */
  mapAction?: (value: number) => number;
  /** False: the plain lowering, without rule-level simplification or bytecode passes (for tests). */
  optimize?: boolean;
}

/** One stage of the build: its name, time, and what it did. */
export interface StageStats {
  readonly name: 'resolve' | 'decide' | 'sections' | 'codegen' | 'passes' | 'assemble';
  readonly ms: number;
  /** Stage-specific counts (rules, diagram nodes, ranges, instructions, ...). */
  readonly counts: Readonly<Record<string, number>>;
}

/** What each stage of the build did, in order (gVisor-style build statistics). */
export interface BuildStats {
  readonly stages: readonly StageStats[];
}

export interface CompileStats {
  /** Program length in instructions. */
  length: number;
  /** Milliseconds spent compiling. */
  compileMs: number;
  /** Number of (arch, syscall) decisions. */
  decisions: number;
  /** Per-stage report. */
  build: BuildStats;
}

/** A compiled filter: instructions plus what is needed to load and describe it. */
export interface CompiledFilter {
  readonly instructions: Instruction[];
  readonly arches: readonly ArchInfo[];
  readonly endian: Endian;
  /** seccomp(2) SECCOMP_FILTER_FLAG_* bits the policy asks for (NEW_LISTENER added when USER_NOTIF is used). */
  readonly flags: number;
  readonly noNewPrivs: boolean;
  readonly stats: CompileStats;
  /** Non-fatal findings, e.g. syscall names no arch of the policy knows. */
  readonly warnings: string[];
  /** True if some leaf returns USER_NOTIF. */
  readonly usesNotify: boolean;
}

/** Milliseconds from a monotonic clock where the platform has one (core is platform-neutral). */
function now(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? perf.now() : Date.now();
}

/** Runs one stage and records its time and counts. */
function stage<T>(stages: StageStats[], name: StageStats['name'], run: () => { value: T; counts: Record<string, number> }): T {
  const t0 = now();
  const { value, counts } = run();
  stages.push({ name, ms: now() - t0, counts });
  return value;
}

function describeRule(rule: Rule, index: number): string {
  const where = rule.origin?.location?.path ?? (rule.origin?.index !== undefined ? `syscalls[${rule.origin.index}]` : `rule ${index + 1}`);
  return `${where} (${typeof rule.syscall === 'number' ? '#' + rule.syscall : rule.syscall} -> ${rule.action.kind}${rule.action.data !== undefined && rule.action.kind !== 'ALLOW' ? '(' + rule.action.data + ')' : ''})`;
}

/** True when the default action denies, so ENOSYS ranges apply (ALLOW, LOG, TRACE and ERRNO(ENOSYS) do not deny). */
function denies(a: Action): boolean {
  return !(a.kind === 'ALLOW' || a.kind === 'LOG' || a.kind === 'TRACE' || (a.kind === 'ERRNO' && a.data === ERRNO.ENOSYS));
}

/** The ENOSYS mode a policy is compiled with: `mode` (default {@link DEFAULTS}.enosys) when its default action denies, else `none`. */
export function effectiveEnosys(policy: Policy, mode: EnosysMode = DEFAULTS.enosys): EnosysMode {
  return denies(policy.defaultAction) ? mode : 'none';
}

/** Stage 1: the filter's arches (one byte order) and the rules with action values and resolved syscalls. */
function resolveStage(policy: Policy, options: CompileOptions, warnings: string[]) {
  const archNames = options.arches ?? policy.arches;
  if (archNames.length === 0) throw new CompileError('NO_ARCH', 'the policy names no architecture');
  const arches: ArchInfo[] = [];
  for (const n of archNames) {
    const a = resolveArch(n);
    if (!arches.includes(a)) arches.push(a);
  }
  const mixed = arches.find((a) => a.endian !== arches[0].endian);
  if (mixed) {
    throw new CompileError('MIXED_ENDIAN', `${arches[0].name} is ${arches[0].endian}-endian but ${mixed.name} is ${mixed.endian}-endian; one filter cannot serve both`, {
      hint: 'compile one filter per byte order (the kernel only ever runs filters of its own)',
    });
  }
  const native = arches[0];
  const resolved: ResolvedRule[] = [];
  const unknownNames = new Set<string>();
  policy.rules.forEach((rule, index) => {
    const action = actionToValue(rule.action);
    if (typeof rule.syscall === 'number') {
      const name = syscallName(native, rule.syscall);
      resolved.push(name ? { rule, index, action, name } : { rule, index, action, number: rule.syscall });
    } else if (isKnownSyscall(rule.syscall)) {
      resolved.push({ rule, index, action, name: rule.syscall });
    } else {
      unknownNames.add(rule.syscall);
    }
  });
  if (unknownNames.size) {
    const list = [...unknownNames].map((n) => {
      const s = suggestSyscall(n);
      return s ? `${n} (${s})` : n;
    });
    warnings.push(`unknown syscall name${unknownNames.size > 1 ? 's' : ''} ignored: ${list.join(', ')}`);
  }
  return { value: { arches, native, resolved }, counts: { arches: arches.length, rules: policy.rules.length, resolved: resolved.length, unknownNames: unknownNames.size } };
}

/** Stage 2: per arch, the rule database and one simplified decision diagram per syscall. */
function decideStage(diagrams: DiagramBuilder, policy: Policy, arches: readonly ArchInfo[], native: ArchInfo, resolved: readonly ResolvedRule[], defaultLeaf: DNode, options: CompileOptions, warnings: string[]) {
  const describe = (i: number) => describeRule(policy.rules[i], i);
  const optimize = options.optimize !== false;
  const perArch = new Map<ArchInfo, Map<number, DNode>>();
  let decisions = 0;
  let argDecisions = 0;
  for (const arch of arches) {
    const skipped = new Set<string>();
    const db = buildArchDb(arch, resolved, native, describe, skipped);
    const map = new Map<number, DNode>();
    for (const sys of db.syscalls.values()) {
      let d: DNode;
      if (sys.chains === null) d = diagrams.leaf(sys.action);
      else {
        const what = `${syscallName(arch, sys.nr) ?? '#' + sys.nr} on ${arch.name}`;
        d = diagrams.fromDbTree(sys.chains, defaultLeaf, what);
        if (optimize) d = diagrams.simplify(d, what);
      }
      if (options.mapAction) d = diagrams.mapLeaves(d, options.mapAction);
      map.set(sys.nr >>> 0, d);
      decisions++;
      if (d.kind === 'test') argDecisions++;
    }
    perArch.set(arch, map);
    const real = [...skipped].filter((n) => !n.startsWith('#'));
    if (real.length && arches.length === 1) warnings.push(`not on ${arch.name}, ignored: ${real.join(', ')}`);
  }
  return { value: { perArch, decisions }, counts: { decisions, argDecisions, diagramNodes: diagrams.size } };
}

/** Stage 3: sections (one per arch token) and their syscall-number ranges. */
function sectionsStage(arches: readonly ArchInfo[], perArch: ReadonlyMap<ArchInfo, ReadonlyMap<number, DNode>>, leaves: { defaultLeaf: DNode; badArchLeaf: DNode; enosysLeaf: DNode }, enosys: EnosysMode, resolved: readonly ResolvedRule[], options: CompileOptions) {
  const sections = groupSections(arches);
  const total: SectionReport = { painted: 0, holesFolded: 0, ranges: 0 };
  for (const sec of sections) {
    const { ranges, report } = sectionRanges(sec, perArch, { ...leaves, enosys, resolved, frequencies: options.frequencies });
    sec.ranges = ranges;
    total.painted += report.painted;
    total.holesFolded += report.holesFolded;
    total.ranges += report.ranges;
  }
  return { value: sections, counts: { sections: sections.length, ...total } };
}

function flagsOf(policy: Policy, usesNotify: boolean): number {
  let flags = 0;
  if (policy.flags?.tsync) flags |= C.SECCOMP_FILTER_FLAG_TSYNC;
  if (policy.flags?.log) flags |= C.SECCOMP_FILTER_FLAG_LOG;
  if (policy.flags?.specAllow) flags |= C.SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (usesNotify) {
    flags |= C.SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if (policy.flags?.waitKillableRecv) flags |= C.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    if (policy.flags?.tsync) flags |= C.SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  }
  return flags;
}

/** Compiles a policy to a seccomp BPF program. */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledFilter {
  const t0 = now();
  const stages: StageStats[] = [];
  const warnings: string[] = [];
  const optimize = options.optimize !== false;
  const mapAction = options.mapAction ?? ((v: number) => v);
  const { arches, native, resolved } = stage(stages, 'resolve', () => resolveStage(policy, options, warnings));
  const diagrams = new DiagramBuilder();
  const badArchValue = mapAction(actionToValue(policy.badArchAction));
  const leaves = {
    defaultLeaf: diagrams.leaf(mapAction(actionToValue(policy.defaultAction))),
    badArchLeaf: diagrams.leaf(badArchValue),
    enosysLeaf: diagrams.leaf(mapAction((C.SECCOMP_RET_ERRNO | ERRNO.ENOSYS) >>> 0)),
  };
  const { perArch, decisions } = stage(stages, 'decide', () => decideStage(diagrams, policy, arches, native, resolved, leaves.defaultLeaf, options, warnings));
  const enosys = effectiveEnosys(policy, options.enosys);
  const sections: Section[] = stage(stages, 'sections', () => sectionsStage(arches, perArch, leaves, enosys, resolved, options));
  const b = new ProgramBuilder();
  const usesNotify = stage(stages, 'codegen', () => {
    const report: CodegenReport = { treeWork: 0, treeComparisons: 0, wordBlocks: 0, rangeTrees: 0, loadsShared: 0 };
    const value = emitProgram(b, sections, badArchValue, { optimize }, report);
    return { value, counts: { ...report, instructions: b.length } };
  });
  stage(stages, 'passes', () => {
    const report: PassReport = optimize ? b.optimize() : { rounds: 0, threaded: 0, deadRemoved: 0, sharedReturns: 0, uselessJumps: 0 };
    return { value: undefined, counts: { ...report, instructions: b.length } };
  });
  const instructions = stage(stages, 'assemble', () => {
    const report: AssembleReport = { longJumps: 0, rounds: 0 };
    const value = b.assemble(report);
    return { value, counts: { ...report, instructions: value.length } };
  });
  if (instructions.length > C.BPF_MAXINSNS) {
    throw new CompileError('TOO_LARGE', `the policy compiles to ${instructions.length} instructions, above the kernel's limit of ${C.BPF_MAXINSNS}`, {
      hint: 'remove argument conditions, merge rules, or split the policy into stacked filters',
    });
  }
  return {
    instructions,
    arches,
    endian: arches[0].endian,
    flags: flagsOf(policy, usesNotify),
    noNewPrivs: policy.noNewPrivs !== false,
    stats: { length: instructions.length, compileMs: now() - t0, decisions, build: { stages } },
    warnings,
    usesNotify,
  };
}
