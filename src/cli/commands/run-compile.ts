/**
 * The heavy half of `syswall run` (loaded only when no precompiled or cached
 * plan fits, and for --explain): reads the profile through the one input
 * door, layers --allow/--deny, compiles for the host, lints a profile file
 * for bypasses, and returns the {@link RunPlan} (run-plan.ts). Also used by
 * scripts/gen-run-precompiled.mjs to precompile the built-in default for
 * every host arch at build time, so the two can never differ.
 */
import type { ArchInfo } from '../../core/arch/arches.js';
import { UsageError } from '../command.js';
import { encodeProgram } from '../../core/bpf/codec.js';
import { SECCOMP_FILTER_FLAG_NEW_LISTENER } from '../../core/bpf/constants.js';
import { isReturnK, type Instruction } from '../../core/bpf/instruction.js';
import { formatLocation, PolicyError, SyswallError } from '../../core/errors.js';
import type { PolicyWarning } from '../../core/formats/reader.js';
import type { Policy } from '../../core/policy/types.js';
import { actionValue, formatAction } from '../../core/policy/actions.js';
import { describeSettings, type EnosysMode } from '../../core/defaults.js';
import { effectiveEnosys } from '../../core/compile/compile.js';
import { inputKindOf } from '../input.js';
import type { CommandContext } from '../command.js';
import { hostArch } from '../../node/host.js';
import { sigsysKind } from '../../node/audit.js';
import type { ExplainSession } from '../../node/explain.js';
import { essentialDenial, sandboxGuard, withSocketcallGuard } from '../../node/isolation.js';
import { applyOverrides, denyActionOf, expandDeny, loadProfile, programForHost } from '../../node/policy-source.js';
import type { PlanOptions, RunPlan } from './run-plan.js';
import { runnableArches } from '../../core/policy/recording.js';

const SIGSYS_KINDS = ['KILL_PROCESS', 'KILL_THREAD', 'TRAP'] as const;

/** `-v`: what the compiler answers syscalls the policy does not name, per ENOSYS mode (src/core/defaults.ts). */
const ENOSYS_TEXT: Record<EnosysMode, string> = {
  unknown: "ERRNO(ENOSYS) for syscalls syswall's table does not know",
  runc: 'ERRNO(ENOSYS) for syscalls newer than any the policy names (as runc)',
  none: 'no ENOSYS answers',
};

/** Lint codes of the findings that mean the filter can be bypassed (printed by `run --profile`). */
const BYPASS_CODES = new Set(['UPPER_HALF_BYPASS', 'SOCKETCALL_BYPASS', 'X32_BYPASS']);

/**
 * One line per bypass-class lint finding of a profile (the same checks as
 * `syswall lint`): arguments compared in 64 bits where the kernel reads 32,
 * socketcall/ipc gaps, x32 numbers. Findings that only fail safe are left out.
 */
export async function bypassFindings(policy: Policy | undefined, warnings: readonly PolicyWarning[], program: readonly Instruction[], arches: readonly ArchInfo[] | undefined, file: string): Promise<string[]> {
  // Loaded here: the built-in profile's plan needs none of the analysis.
  const [{ analyzeProgram }, { lintAnalysis }, { lintPolicy }] = await Promise.all([
    import('../../core/symbolic/symbolic.js'),
    import('../../core/analyze/lint.js'),
    import('../../core/analyze/policy-lint.js'),
  ]);
  const an = analyzeProgram(program, { archTokens: (arches ?? []).map((a) => a.token) });
  const prog = lintAnalysis(an, arches);
  const report = policy ? lintPolicy(policy, warnings, an, prog, { file }) : prog;
  const out: string[] = [];
  for (const f of report.findings) {
    if (!BYPASS_CODES.has(f.code) || f.severity === 'info') continue;
    const loc = f.location as { file?: string; line?: number; column?: number; syscall?: string; arch?: string };
    const where = formatLocation({ file: loc.file ?? file, ...(loc.line !== undefined ? { line: loc.line, ...(loc.column !== undefined ? { column: loc.column } : {}) } : {}) });
    const what = [loc.arch, loc.syscall].filter(Boolean).join(' ');
    out.push(`${where}: ${f.code}${what ? ` (${what})` : ''}: ${f.message}`);
  }
  return out;
}

/**
 * What could have raised the SIGSYS, from the policy when there is one (its
 * rules and default action first; the bad-arch action only when nothing else
 * can), else from the program's return instructions.
 */
export function sigsysCandidates(policy: Policy | undefined, program: readonly Instruction[] | undefined): string[] {
  const out = new Set<string>();
  if (policy) {
    for (const a of [policy.defaultAction, ...policy.rules.map((r) => r.action)]) if ((SIGSYS_KINDS as readonly string[]).includes(a.kind)) out.add(a.kind);
    if (out.size === 0 && (SIGSYS_KINDS as readonly string[]).includes(policy.badArchAction.kind)) return [`${policy.badArchAction.kind} (the bad-arch action: a syscall of an arch the filter does not cover)`];
  } else {
    for (const ins of program ?? []) {
      if (!isReturnK(ins)) continue;
      const k = sigsysKind(ins.k);
      if (k) out.add(k);
    }
  }
  return SIGSYS_KINDS.filter((x) => out.has(x));
}

/** What {@link computePlan} returns: the plan, and with `explain` the session that supervises denials. */
export interface Computed {
  readonly plan: RunPlan;
  /** The profile was a built-in one. */
  readonly builtin: boolean;
  /** The file read (the built-in profile's path for a built-in name). */
  readonly file: string;
  /** The profile read other files (includes, an SPO base profile): the plan depends on more than its bytes, so it is not cached. */
  readonly readOtherFiles: boolean;
  readonly session?: ExplainSession;
}

/** Options of {@link computePlan} besides the plan's. */
export interface ComputeOptions {
  /** The host arch (default: this machine's); the build precompiles for every arch. */
  readonly host?: ArchInfo;
  /** --explain: the session supervising denials (its program is loaded instead of the plan's). */
  readonly explain?: { readonly jsonPath?: string };
  /** How messages name the profile (default: the --profile value). */
  readonly label?: string;
  /** The profile's bytes as read for the cache key: compiled from these, never read again. */
  readonly bytes?: Uint8Array;
  /** false: leave the bypass findings out (run --quiet, with no cache to store the plan in: nobody would see them). */
  readonly lint?: boolean;
}

/**
 * Computes the plan of `run` for a profile and options: every check that
 * fails before the command runs (bad profile, notify rules, a filter that
 * denies execve) throws here, so only plans that can run are stored.
 */
export async function computePlan(o: PlanOptions, opts: ComputeOptions = {}): Promise<Computed> {
  const host = opts.host ?? hostArch();
  const loaded = loadProfile(o.spec, {
    arch: host,
    strictNames: o.strictNames,
    ...(o.kind !== undefined ? { kind: inputKindOf({ values: { input: o.kind } } as unknown as CommandContext) } : {}),
    includeDirs: o.includeDirs,
    ...(opts.bytes ? { bytes: opts.bytes } : {}),
  });
  const encode = (p: readonly Instruction[]) => encodeProgram(p, host.endian);
  const guard = encode(sandboxGuard(runnableArches(host)));
  if (loaded.program) {
    if (o.allow.length || o.deny.length || o.arches) throw new UsageError(`run: ${o.spec} is a compiled program; --allow, --deny and --arch need a policy file`);
    if (opts.explain) throw new UsageError(`run: ${o.spec} is a compiled program; --explain needs the policy it came from`, 'pass the policy file to --profile');
    checkRunnable(loaded.program, opts.label ?? o.spec, host);
    return {
      builtin: loaded.builtin,
      file: loaded.file,
      readOtherFiles: loaded.readOtherFiles,
      plan: {
        program: encode(loaded.program),
        guard,
        flags: 0,
        profileLine: `${loaded.kind} program (${loaded.detection}), ${loaded.program.length} instructions, loaded as given`,
        loadWarnings: [],
        compileWarnings: [],
        bypass: opts.lint === false ? [] : await bypassFindings(undefined, [], loaded.program, undefined, loaded.file),
        sigsys: sigsysCandidates(undefined, loaded.program),
      },
    };
  }
  const added = expandDeny(o.deny, o.exact).added;
  const policy = applyOverrides(loaded.policy, { allow: o.allow, deny: o.deny, exact: o.exact });
  let h;
  try {
    h = programForHost(policy, { ...(o.arches ? { arches: [...o.arches] } : {}), ...(loaded.frequencies ? { frequencies: loaded.frequencies } : {}), host });
  } catch (e) {
    if (e instanceof SyswallError && e.kind === 'input' && !e.message.startsWith(loaded.file)) {
      throw new SyswallError(e.code, `${loaded.file}: ${e.message}`, { kind: 'input', cause: e, ...(e.hint ? { hint: e.hint } : {}) });
    }
    throw e;
  }
  const compiled = h.compiled!;
  let session: ExplainSession | undefined;
  if (opts.explain) {
    // Same arches as the host program; denials go through the supervisor.
    const { explainSession } = await import('../../node/explain.js');
    session = explainSession(policy, { arches: compiled.arches.map((a) => a.name), ...(loaded.frequencies ? { frequencies: loaded.frequencies } : {}) }, {
      ...(opts.explain.jsonPath ? { jsonPath: opts.explain.jsonPath } : {}),
      ...(loaded.builtin ? { guard: (prog: readonly Instruction[], deny: number) => withSocketcallGuard(prog, deny) } : {}),
    });
  } else if ((h.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0) {
    throw new PolicyError('NOTIFY_UNSUPPORTED', `${loaded.file}: the profile uses SCMP_ACT_NOTIFY, which needs a supervisor; syswall run has none`, { hint: 'replace the notify rules (e.g. with errno or log)' });
  }
  let program: readonly Instruction[] = session ? session.filter.instructions : (h.program as readonly Instruction[]);
  // The built-in default also refuses i386 socketcall(SYS_SOCKET): its family is out of a policy's reach.
  if (loaded.builtin && !session) program = withSocketcallGuard(program, actionValue(denyActionOf(policy)), runnableArches(host));
  checkRunnable(session ? session.original.instructions : program, opts.label ?? o.spec, host, o);
  return {
    builtin: loaded.builtin,
    file: loaded.file,
    readOtherFiles: loaded.readOtherFiles,
    ...(session ? { session } : {}),
    plan: {
      program: encode(program),
      guard,
      flags: session ? session.filter.flags : h.flags,
      ...(h.noNewPrivs !== undefined ? { noNewPrivs: h.noNewPrivs } : {}),
      loadWarnings: loaded.warnings.map((w) => ({ message: w.message, warning: w.severity === 'warning' })),
      ...(added.length ? { denyNote: `--deny also denies ${added.join(', ')} (the same operation${added.length > 1 ? 's' : ''}; --exact denies only the names given)` } : {}),
      compileWarnings: [...compiled.warnings],
      bypass: loaded.builtin || opts.lint === false ? [] : await bypassFindings(policy, loaded.warnings, compiled.instructions, compiled.arches, loaded.file),
      profileLine: `${loaded.kind} input (${loaded.detection}); ${describeSettings({ ...loaded.settings!, enosys: effectiveEnosys(policy) })}`,
      filterLine: `${program.length} instructions for ${(session ? session.filter : compiled).arches.map((a) => a.name).join(', ')}; default action ${formatAction(policy.defaultAction, { errnoNames: true })}; ${ENOSYS_TEXT[effectiveEnosys(policy)]}; bad arch ${formatAction(policy.badArchAction, { errnoNames: true })}${loaded.frequencies ? `; @frequency weights for ${Object.keys(loaded.frequencies).length} syscalls` : ''}`,
      sigsys: sigsysCandidates(policy, undefined),
      defaultKind: policy.defaultAction.kind,
    },
  };
}

/** A filter under which no command can start: say so instead of a mysterious exit (checked on this host only). */
function checkRunnable(program: readonly Instruction[], spec: string, host: ArchInfo, o?: PlanOptions): void {
  if (host !== hostArch()) return;
  const fatal = essentialDenial(program);
  if (!fatal) return;
  if (o && o.deny.length && expandDeny(o.deny, o.exact).names.includes('execve')) {
    throw new PolicyError('DENIES_EXECVE', `run: --deny ${o.deny.join(',')} ${fatal.replace(/^the policy /, '')}`, { hint: 'take execve out of --deny: the command itself is started by execve, under the filter' });
  }
  throw new PolicyError('DENIES_EXECVE', `run: ${spec}: ${fatal}`, { hint: 'allow execve (and write, exit_group) in the profile' });
}

