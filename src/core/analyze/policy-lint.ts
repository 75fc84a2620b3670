/**
 * `lint` for policies: checks on the policy IR and the frontends' warnings
 * (runc's OR of same-index conditions, rules shadowed by the default or by
 * other rules, unknown names, errnoRet misuse, USER_NOTIF misuse, 32-bit
 * arguments compared as 64-bit), plus every program-level check of
 * {@link lintAnalysis} run on the compiled filter, with findings pointed at
 * the rule (file:line:col) they come from.
 */
import { findArch, type ArchInfo } from '../arch/arches.js';
import { syscallNumber } from '../arch/syscalls.js';
import { formatLocation, type SourceLocation } from '../errors.js';
import { actionValue, formatAction } from '../policy/actions.js';
import type { Action, CmpOp, Condition, Policy, Rule } from '../policy/types.js';
import { conditionHolds } from '../policy/evaluate.js';
import type { PolicyWarning } from '../formats/reader.js';
import type { RecoveredProblem } from '../formats/door.js';
import type { LoadedInput } from '../input/load.js';
import { lintAnalysis, type Finding, type LintReport, type Severity } from './lint.js';
import { normalizeAction } from '../bpf/actions.js';
import { analyzeProgram, segmentFor, type ProgramAnalysis } from '../symbolic/symbolic.js';

/** A finding with a source location (file:line:col and JSON path of the rule) where known. */
export interface PolicyFinding extends Finding {
  readonly location: Finding['location'] & SourceLocation;
}

/** Result of {@link lintInput}. */
export interface PolicyLintReport extends LintReport {
  readonly findings: readonly PolicyFinding[];
}

/** Syscalls a container runtime itself calls after the filter is loaded; USER_NOTIF on them deadlocks or is refused. */
export const RUNTIME_ESSENTIAL: Readonly<Record<string, Severity>> = {
  write: 'error', sendmsg: 'error', close: 'warning', futex: 'warning', exit_group: 'warning', exit: 'warning',
};

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

function isAllowish(a: Action): boolean {
  return a.kind === 'ALLOW' || a.kind === 'LOG';
}

function ruleLoc(rule: Rule | undefined): SourceLocation {
  const l = rule?.origin?.location;
  if (!l) return {};
  const out: SourceLocation = {};
  for (const k of ['file', 'line', 'column', 'path'] as const) if (l[k] !== undefined) (out as Record<string, unknown>)[k] = l[k];
  return out;
}

/** Frontend warning codes and how lint reports them (others pass through with their own code and severity). */
const FROM_FRONTEND: Readonly<Record<string, { code: string; severity: Severity; hint?: string } | null>> = {
  RULE_EQUALS_DEFAULT: { code: 'SHADOWED_BY_DEFAULT', severity: 'warning', hint: 'remove the rule, or give it the action you meant' },
  UNKNOWN_SYSCALL: { code: 'UNKNOWN_SYSCALL', severity: 'warning', hint: 'fix the spelling; runtimes skip names their libseccomp does not know, so the rule silently does nothing' },
  UNKNOWN_SYSCALL_NUMBER: { code: 'UNKNOWN_SYSCALL', severity: 'warning' },
  SAME_ARG_AND: { code: 'SAME_ARG_AND', severity: 'info' },
  VALUE_TWO_IGNORED: { code: 'VALUE_TWO_IGNORED', severity: 'warning', hint: 'remove valueTwo, or use SCMP_CMP_MASKED_EQ' },
  // Reported from the IR instead (with better locations and severities).
  SAME_ARG_SPLIT: null,
  RUNC_REJECTS: null,
  NOTIFY_WITHOUT_LISTENER: null,
  // How Docker profiles are resolved for this host: not a weakness.
  RULE_NOT_APPLICABLE: null,
};

/** Options of {@link lintInput}. */
export interface InputLintOptions {
  /** Arches to check (default: the filter's). */
  arches?: readonly ArchInfo[];
}

/**
 * Lints any analysis input: program-level checks for raw programs and
 * assembly; for policies also the policy-level checks, with locations.
 */
export function lintInput(loaded: LoadedInput, options: InputLintOptions = {}): PolicyLintReport {
  const arches = options.arches;
  const an = analyzeProgram(loaded.program, { archTokens: (arches ?? []).map((a) => a.token) });
  const program = lintAnalysis(an, arches);
  const input = loaded.input;
  if (input.type !== 'policy') return program as PolicyLintReport;
  return lintPolicy(input.policy, input.warnings, an, program, { ...options, kind: input.kind, recovered: input.recovered ?? [], ...(loaded.file !== undefined ? { file: loaded.file } : {}) });
}

/** The policy-level checks; `program` is {@link lintAnalysis} of the compiled filter `an`. */
export function lintPolicy(
  policy: Policy, warnings: readonly PolicyWarning[], an: ProgramAnalysis, program: LintReport,
  options: InputLintOptions & { kind?: string; recovered?: readonly RecoveredProblem[]; file?: string } = {},
): PolicyLintReport {
  const findings: PolicyFinding[] = [];
  const add = (f: PolicyFinding) => findings.push(f);
  const fileLoc: SourceLocation = options.file !== undefined ? { file: options.file } : {};
  const rulesOf = (name: string) => policy.rules.filter((r) => r.syscall === name);

  // Problems the frontend would refuse, worked around to keep linting.
  for (const p of options.recovered ?? []) {
    if (p.code === 'ERRNO_RET_NOT_ALLOWED') {
      add({ severity: 'error', code: 'ERRNO_RET_NOT_ERRNO', message: p.message, location: { ...(p.location ?? fileLoc) }, hint: 'runtimes refuse the profile: remove errnoRet, or make the action SCMP_ACT_ERRNO' });
    }
  }

  // Frontend warnings.
  for (const w of warnings) {
    const map = FROM_FRONTEND[w.code];
    if (map === null) continue;
    const code = map?.code ?? w.code;
    const severity = map?.severity ?? w.severity;
    const names = w.names ?? [];
    add({ severity, code, message: w.message, location: { ...fileLoc, ...(w.location ?? {}), ...(names.length === 1 ? { syscall: names[0] } : {}) }, ...(map?.hint ? { hint: map.hint } : {}) });
  }

  // runc's OR of several conditions on one argument index.
  for (const w of warnings) {
    if (w.code !== 'SAME_ARG_SPLIT') continue;
    const idx = Number(/syscalls\[(\d+)\]/.exec(w.location?.path ?? w.message)?.[1] ?? NaN);
    const rules = policy.rules.filter((r) => r.origin?.index === idx);
    const allow = rules.some((r) => isAllowish(r.action));
    add({
      severity: allow ? 'error' : 'warning', code: 'SAME_ARG_OR',
      message: `${w.message}${allow ? '; for an allow rule this widens what is allowed (e.g. a range check becomes "anything")' : ''}`,
      location: { ...fileLoc, ...(w.location ?? {}), ...(w.names?.length ? { syscall: w.names[0] } : {}) },
      hint: 'use one condition per argument (a MASKED_EQ or a single comparison), or write one rule per alternative if OR is meant',
    });
  }

  // USER_NOTIF misuse.
  if (policy.defaultAction.kind === 'USER_NOTIF') {
    add({ severity: 'error', code: 'NOTIFY_DEFAULT', message: 'the default action is USER_NOTIF: every unlisted syscall, including those the runtime and the supervisor need, waits for the supervisor (runc refuses this)', location: { ...fileLoc, path: '$.defaultAction' }, hint: 'notify only the few syscalls the supervisor handles; deny or allow the rest' });
  }
  if (policy.badArchAction.kind === 'USER_NOTIF') {
    add({ severity: 'warning', code: 'NOTIFY_DEFAULT', message: 'the bad-arch action is USER_NOTIF: the supervisor cannot decode syscalls of foreign arches', location: { ...fileLoc }, hint: 'kill on foreign arches' });
  }
  const notifyRules = policy.rules.filter((r) => r.action.kind === 'USER_NOTIF');
  const essentialSeen = new Set<string>();
  for (const r of notifyRules) {
    const name = String(r.syscall);
    const sev = RUNTIME_ESSENTIAL[name];
    if (!sev || essentialSeen.has(name)) continue;
    essentialSeen.add(name);
    add({ severity: sev, code: 'NOTIFY_ESSENTIAL', message: `${name} is sent to the supervisor (USER_NOTIF), but the runtime calls ${name} itself after loading the filter (e.g. to hand over the listener fd): it blocks or is refused`, location: { ...fileLoc, ...ruleLoc(r), syscall: name }, hint: `allow ${name} (or filter it by argument) instead of notifying` });
  }
  if (notifyRules.length && !policy.listenerPath && (options.kind === 'oci' || options.kind === 'docker' || options.kind === 'containers-common')) {
    add({ severity: 'warning', code: 'NOTIFY_WITHOUT_LISTENER', message: 'rules use SCMP_ACT_NOTIFY but listenerPath is not set: the runtime has nobody to hand the listener fd to, so notified syscalls can never be answered', location: { ...fileLoc, ...ruleLoc(notifyRules[0]), syscall: String(notifyRules[0].syscall) }, hint: 'set listenerPath to the supervisor\'s socket' });
  }

  // MASKED_EQ whose value has bits outside the mask: as written it can never
  // match; libseccomp (so runc, crun, Docker) and syswall clear those bits,
  // so the filter compares (arg & mask) == (value & mask), which is not what
  // was written. Often value and mask are swapped.
  for (const r of policy.rules) {
    for (const c of r.conditions) {
      if (c.op !== 'MASKED_EQ') continue;
      const mask = c.mask ?? 0n;
      const outside = c.value & ~mask;
      if (outside === 0n) continue;
      const name = String(r.syscall);
      const effective = c.value & mask;
      const all = mask === 0n;
      const swapped = (mask & ~c.value) === 0n || (c.value & mask) === 0n;
      add({
        severity: 'warning', code: 'MASKED_EQ_NEVER_MATCHES',
        message: `${name}: "args[${c.arg}] & ${hex(mask)} == ${hex(c.value)}" can never match as written (the value has bits ${hex(outside)} outside the mask); libseccomp and syswall drop those bits and compare "args[${c.arg}] & ${hex(mask)} == ${hex(effective)}"${all ? ', which every value matches' : ''}, so the ${formatAction(r.action)} rule ${all ? 'applies to every call' : 'does not test what it says'}`,
        location: { ...fileLoc, ...ruleLoc(r), syscall: name },
        hint: swapped && c.value !== 0n
          ? `in OCI/Docker profiles "value" is the mask and "valueTwo" the value: did you mean "value": ${c.value}, "valueTwo": ${mask}?`
          : 'clear the value bits outside the mask, or widen the mask',
      });
    }
  }

  // Rules that never decide anything: shadowed by an unconditional rule for the same syscall, or unreachable.
  const shadowSeen = new Set<string>();
  policy.rules.forEach((r, i) => {
    if (typeof r.syscall !== 'string') return;
    const name = r.syscall;
    const key = `${name}\u0000${r.origin?.location?.line ?? i}\u0000${r.origin?.location?.column ?? ''}`;
    if (shadowSeen.has(key)) return;
    const want = normalizeAction(actionValue(r.action));
    let present = false;
    let exists = false;
    for (const archName of policy.arches) {
      const info = findArch(archName);
      const nr = info ? syscallNumber(info, name) : undefined;
      if (!info || nr === undefined) continue;
      const d = an.arches.find((x) => x.token === info.token);
      if (!d) continue;
      exists = true;
      if (segmentFor(d, nr).regions.some((g) => g.value.t === 'const' && normalizeAction(g.value.v) === want)) present = true;
    }
    if (!exists || present) {
      if (present && r.conditions.length) {
        const uncond = rulesOf(name).find((o) => o !== r && o.conditions.length === 0 && normalizeAction(actionValue(o.action)) === want);
        if (uncond) {
          shadowSeen.add(key);
          add({ severity: 'info', code: 'RULE_REDUNDANT', message: `the conditional ${formatAction(r.action)} rule for ${name} is redundant: an unconditional rule${where(uncond)} already gives ${formatAction(uncond.action)}`, location: { ...fileLoc, ...ruleLoc(r), syscall: name }, hint: 'remove the conditional rule' });
        }
      }
      return;
    }
    shadowSeen.add(key);
    const uncond = rulesOf(name).find((o) => o !== r && o.conditions.length === 0 && normalizeAction(actionValue(o.action)) !== want);
    add({
      severity: 'warning', code: 'RULE_SHADOWED',
      message: uncond
        ? `the ${formatAction(r.action)} rule for ${name} never applies: the unconditional ${formatAction(uncond.action)} rule${where(uncond)} for the same syscall takes every call`
        : `the ${formatAction(r.action)} rule for ${name} never applies: for no argument value does the filter return its action (conditions unsatisfiable, or other rules decide first)`,
      location: { ...fileLoc, ...ruleLoc(r), syscall: name },
      hint: uncond ? 'remove one of the two rules, or add conditions to the unconditional one' : 'check the rule\'s conditions',
    });
  });

  // Program-level findings, pointed at the rule that causes them.
  const merged = new Map<string, PolicyFinding>();
  for (const f of program.findings) {
    const name = f.location.syscall;
    const rules = name ? rulesOf(name) : [];
    // UPPER_HALF_BYPASS (proven with a witness) points at the rule comparing that argument on 64 bits.
    const rule = f.witness ? ruleOfWitness(rules, f.witness) ?? rules[0] : rules[0];
    let message = f.message;
    if (f.witness && rule) {
      const c = rule.conditions.find((x) => x.arg === f.witness!.arg && x.width !== 32);
      if (c) message += `; the ${formatAction(rule.action)} rule${where(rule)} compares "${formatCond(c)}" on all 64 bits`;
    }
    if (name && f.code === 'ERRNO_NOT_ENOSYS') message += rule ? ' (an explicit rule)' : ` (the default action ${formatAction(policy.defaultAction)})`;
    const hint = f.code === 'UPPER_HALF_BYPASS' ? 'add "width": 32 to the condition (syswall format), or use SCMP_CMP_MASKED_EQ with a mask of at most 0xffffffff' : f.hint;
    const k = `${f.severity}\u0000${f.code}\u0000${name ?? ''}\u0000${f.message.replace(/\bnr 0x[0-9a-f]+|\bnr \d+/g, '')}`;
    const prev = merged.get(k);
    if (prev) {
      if (f.location.arch && prev.location.arch && !prev.location.arch.split(', ').includes(f.location.arch)) merged.set(k, { ...prev, location: { ...prev.location, arch: `${prev.location.arch}, ${f.location.arch}` } });
      continue;
    }
    merged.set(k, { ...f, message, ...(hint ? { hint } : {}), location: { ...fileLoc, ...ruleLoc(rule), ...f.location } });
  }
  findings.push(...merged.values());

  findings.sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity]);
  return { findings, worst: findings[0]?.severity };
}

function where(r: Rule): string {
  const l = r.origin?.location;
  return l && l.line !== undefined ? ` at line ${l.line}` : r.origin?.index !== undefined ? ` (syscalls[${r.origin.index}])` : '';
}

const hex = (v: bigint) => '0x' + v.toString(16);

/** The rule whose match changes between the witness value and its low half (preferring one that gives the witness' action). */
function ruleOfWitness(rules: readonly Rule[], w: NonNullable<Finding['witness']>): Rule | undefined {
  const value = BigInt(w.value);
  const changes = rules.filter((r) => r.conditions.some((c) => c.arg === w.arg && conditionHolds(c, value, 64) !== conditionHolds(c, value & 0xffffffffn, 64)));
  return changes.find((r) => formatAction(r.action) === w.action) ?? changes[0];
}

function formatCond(c: Condition): string {
  const sym: Record<CmpOp, string> = { EQ: '==', NE: '!=', LT: '<', LE: '<=', GT: '>', GE: '>=', MASKED_EQ: '==' };
  return c.op === 'MASKED_EQ' ? `args[${c.arg}] & ${hex(c.mask ?? 0n)} == ${hex(c.value)}` : `args[${c.arg}] ${sym[c.op]} ${hex(c.value)}`;
}

/** Plain-text rendering: `file:line:col: severity: CODE (arch syscall): message`, then the hint. */
export function formatPolicyLint(report: LintReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const loc = f.location as PolicyFinding['location'];
    const src = formatLocation({ ...(loc.file !== undefined ? { file: loc.file } : {}), ...(loc.line !== undefined ? { line: loc.line, ...(loc.column !== undefined ? { column: loc.column } : {}) } : {}) });
    const what = [loc.arch, loc.syscall, loc.pc !== undefined ? `instruction ${loc.pc}` : undefined].filter(Boolean).join(' ');
    lines.push(`${src ? src + ': ' : ''}${f.severity}: ${f.code}${what ? ` (${what})` : ''}: ${f.message}`);
    if (f.hint) lines.push(`  hint: ${f.hint}`);
  }
  return lines.join('\n');
}
