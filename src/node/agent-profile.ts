/**
 * The profiles a container runs under when `syswall agent` watches it
 * (`syswall compile POLICY --for-agent explain|record`), and the
 * listenerMetadata that tells the agent which policy the container's calls
 * are decided by.
 *
 * A container runtime (runc, crun) installs an OCI `linux.seccomp` object;
 * every rule with `SCMP_ACT_NOTIFY` sends its calls to the agent at
 * `listenerPath`. What runtimes accept shapes the routed profile:
 *
 * - NOTIFY cannot be the default action (libseccomp refuses it, runc says so
 *   first). A denying default becomes an explicit NOTIFY rule for every
 *   syscall syswall's table knows; the default stays for numbers no table
 *   knows (and for names the runtime's libseccomp does not know: it skips
 *   those rules, so their calls keep the default).
 * - NOTIFY on `write` is refused by runc (it writes the listener's number to
 *   its parent after the filter is installed). `write` keeps the policy's
 *   own decision in explain mode; record mode allows it and the few calls
 *   of {@link RECORD_KEPT} in the kernel.
 * - libseccomp lets an unconditional rule override every conditional rule
 *   of the same syscall, and a runtime cannot say "everything else". So a
 *   syscall whose rules carry argument conditions and can deny is routed
 *   whole: the agent lets the allowed calls continue, decided on the
 *   registers the kernel copied (no TOCTOU: nothing in memory is read to
 *   decide). Only unconditional rules are written, so the routed profile
 *   never depends on how a runtime combines argument conditions.
 *
 * Explain mode routes exactly the syscalls the policy can deny (plus whole
 * conditional syscalls); record mode routes every syscall but those of
 * {@link RECORD_KEPT}.
 *
 * The agent must know each container's original policy. It travels in the
 * profile itself, in `listenerMetadata` (chosen over a profile directory on
 * the node: the routed profile and its policy cannot drift apart, nothing
 * else must be distributed to every node, and the agent reads no files a
 * container's creator names): `syswall-agent/1 ` followed by base64url of
 * the deflated JSON {@link AgentMetadata}. It holds the policy as syswall
 * resolved it (syswall's own format, which says everything the IR holds),
 * the input locations of its rules (so the agent names `$.syscalls[3]` of
 * the user's file), the program syswall compiled from it the way the
 * runtime compiles (runc: with its ENOSYS stub), the mode and a label
 * (`--listener-metadata TEXT`). The agent decides each call by running that
 * very program on the call's seccomp_data, so an agent of another syswall
 * version decides exactly as the profile's compile said; the policy only
 * names the rule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { findArch, type ArchInfo, type Endian } from '../core/arch/arches.js';
import { syscallName, syscallTable } from '../core/arch/syscalls.js';
import { decodeProgram, encodeProgram } from '../core/bpf/codec.js';
import type { Instruction } from '../core/bpf/instruction.js';
import { validateProgram } from '../core/bpf/validate.js';
import { compilePolicy, type CompiledFilter } from '../core/compile/compile.js';
import { PolicyError } from '../core/errors.js';
import { exportSyswall, stringifyJson, toOciObject, type JsonValue } from '../core/formats/export.js';
import { readInput } from '../core/formats/door.js';
import { formatAction } from '../core/policy/actions.js';
import type { Action, Policy, Rule } from '../core/policy/types.js';
import { validatePolicy } from '../core/policy/validate.js';

/** What the agent does with a container's routed calls. */
export type AgentMode = 'explain' | 'record';
/** The runtime whose compilation the agent models: runc prepends its ENOSYS stub, crun does not. */
export type AgentRuntime = 'runc' | 'crun';

export const AGENT_MODES: readonly AgentMode[] = ['explain', 'record'];
export const AGENT_RUNTIMES: readonly AgentRuntime[] = ['runc', 'crun'];

/** The prefix of syswall's listenerMetadata (version 1). */
export const METADATA_PREFIX = 'syswall-agent/1 ';
/** Largest metadata the agent decodes, and largest policy it inflates. */
export const MAX_METADATA_CHARS = 1 << 20;
const MAX_INFLATED = 8 << 20;
/** Longest --listener-metadata label. */
export const MAX_LABEL = 256;
/** sun_path holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

/** The decoded listenerMetadata of a syswall-routed profile. */
export interface AgentMetadata {
  readonly mode: AgentMode;
  readonly runtime: AgentRuntime;
  /** `--listener-metadata TEXT`, logged with the container. */
  readonly label?: string;
  /** The policy file's name as given to compile (for messages). */
  readonly file?: string;
  /** The syswall version that wrote it. */
  readonly version: string;
  /** The policy in syswall's own format. */
  readonly policy: string;
  /** Input location of each rule of the policy (`$.syscalls[3]`), in rule order. */
  readonly origins?: readonly (string | null)[];
  /** The program compiled from the policy as `runtime` compiles it: base64 of struct sock_filter[] in `endian` order. */
  readonly program: string;
  readonly endian: Endian;
  /** Arches of the program. */
  readonly arches: readonly string[];
}

/** A policy decoded from metadata, ready for the agent. */
export interface AgentPolicy {
  readonly meta: AgentMetadata;
  readonly policy: Policy;
  /** The program that decides (the one compile wrote into the metadata). */
  readonly original: DecidingProgram;
}

/** A program to decide calls with. */
export interface DecidingProgram {
  readonly instructions: readonly Instruction[];
  readonly endian: Endian;
}

/** Options of {@link agentProfile}. */
export interface AgentProfileOptions {
  mode: AgentMode;
  /** The agent's socket (absolute path). */
  listenerPath: string;
  /** Free text the agent logs with the container (`--listener-metadata`). */
  label?: string;
  /** Runtime whose compilation the agent models (default runc). */
  runtime?: AgentRuntime;
  /** The policy file's name, for the agent's messages. */
  file?: string;
  /** syswall's version (default: this package's). */
  version?: string;
}

/** Result of {@link agentProfile}. */
export interface AgentProfile {
  /** The OCI `linux.seccomp` object (bigints for 64-bit values). */
  readonly object: { [key: string]: JsonValue | undefined };
  /** The object as JSON text. */
  readonly text: string;
  /** The routed profile as a policy (what the runtime will compile). */
  readonly routed: Policy;
  /** Syscalls routed to the agent, by name. */
  readonly routedNames: readonly string[];
  /** Things the user should know (write denials not routed, ...). */
  readonly warnings: readonly string[];
}

/**
 * Syscalls record mode leaves in the kernel (allowed) instead of routing,
 * and adds to every recorded profile. The runtime's init process makes
 * calls between installing the filter and handing the listener to the
 * agent; a routed call there waits for an agent that has no listener yet,
 * forever (runc init keeps its own copy of the listener open, so the kernel
 * never answers ENOSYS). runc writes the listener's number with write(2)
 * (runc refuses NOTIFY on write); its Go runtime can take a preemption
 * signal (rt_sigreturn), wake or wait on other threads (futex), yield,
 * sleep, block signals or grow its heap in that window. Seen with runc
 * 1.1.5: a loop of starts hung within its first few, runc's init waiting in
 * rt_sigreturn, before these were kept. Every program the runtime starts
 * needs them anyway.
 */
export const RECORD_KEPT: readonly string[] = Object.freeze([
  'write', 'rt_sigreturn', 'sigreturn', 'futex', 'futex_time64', 'sched_yield', 'nanosleep', 'clock_nanosleep', 'clock_nanosleep_time64',
  'rt_sigprocmask', 'sigaltstack', 'getpid', 'gettid', 'tgkill', 'mmap', 'mmap2', 'munmap', 'madvise',
]);

const kept = (a: Action) => a.kind === 'ALLOW' || a.kind === 'LOG';
const NOTIFY: Action = { kind: 'USER_NOTIF' };
const ALLOW: Action = { kind: 'ALLOW' };

/** syswall's version (package.json), written into the metadata. */
export function syswallVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/** The compile options that model `runtime` for the agent's decisions. */
export function runtimeEnosys(runtime: AgentRuntime): 'runc' | 'none' {
  return runtime === 'runc' ? 'runc' : 'none';
}

/** The agent's model of a policy: compiled as the runtime compiles it. */
export function compileForRuntime(policy: Policy, runtime: AgentRuntime): CompiledFilter {
  return compilePolicy(policy, { enosys: runtimeEnosys(runtime) });
}

function checkListenerPath(p: string): void {
  if (!p.startsWith('/')) throw new PolicyError('AGENT_LISTENER_PATH', `--listener-path must be an absolute path, got "${p}"`, { hint: 'runtimes connect from their own working directory; e.g. /run/syswall/agent.sock' });
  if (p.includes('\0')) throw new PolicyError('AGENT_LISTENER_PATH', '--listener-path contains a NUL byte');
  if (Buffer.byteLength(p) > MAX_SOCKET_PATH) throw new PolicyError('AGENT_LISTENER_PATH', `--listener-path is ${Buffer.byteLength(p)} bytes; a unix socket path holds at most ${MAX_SOCKET_PATH}`);
}

/** Every syscall name some arch of the policy has, in table order. */
function tableNames(arches: readonly ArchInfo[]): string[] {
  const out = new Set<string>();
  for (const a of arches) for (const e of syscallTable(a)) out.add(e.name);
  return [...out].sort();
}

/**
 * The routed profile for `policy` (already read with runc's semantics) and
 * the agent's metadata. Throws `PolicyError` when the policy cannot be
 * routed (a NOTIFY default action, what OCI cannot express).
 */
export function agentProfile(policy: Policy, options: AgentProfileOptions): AgentProfile {
  checkListenerPath(options.listenerPath);
  if (options.label !== undefined && options.label.length > MAX_LABEL) throw new PolicyError('AGENT_LABEL', `--listener-metadata is ${options.label.length} characters; at most ${MAX_LABEL}`);
  const runtime = options.runtime ?? 'runc';
  const p = validatePolicy(policy);
  if (p.defaultAction.kind === 'USER_NOTIF') {
    throw new PolicyError('AGENT_NOTIFY_DEFAULT', 'the policy\'s default action is SCMP_ACT_NOTIFY; runtimes refuse it, and the agent would have no decision to apply', { hint: 'give the policy a denying default action (e.g. SCMP_ACT_ERRNO)' });
  }
  const arches = p.arches.map((n) => findArch(n)!);
  const native = arches[0];
  const warnings: string[] = [];
  const nameOf = (r: Rule) => (typeof r.syscall === 'string' ? r.syscall : syscallName(native, r.syscall));
  const bySyscall = new Map<string, Rule[]>();
  for (const r of p.rules) {
    const n = nameOf(r);
    if (n === undefined) {
      throw new PolicyError('AGENT_NUMBER', `rule for syscall number ${String(r.syscall)} has no name on ${native.name}; an OCI profile names syscalls`, { hint: 'write the rule with a syscall name' });
    }
    const l = bySyscall.get(n) ?? [];
    l.push(r);
    bySyscall.set(n, l);
  }
  const defaultDenies = !kept(p.defaultAction);
  const rules: Rule[] = [];
  const routed: string[] = [];
  const route = (name: string) => {
    routed.push(name);
    rules.push({ syscall: name, action: NOTIFY, conditions: [] });
  };
  const names = new Set([...tableNames(arches), ...bySyscall.keys()]);
  for (const name of [...names].sort()) {
    const own = bySyscall.get(name) ?? [];
    if (options.mode === 'record') {
      if (RECORD_KEPT.includes(name)) rules.push({ syscall: name, action: ALLOW, conditions: [] });
      else route(name);
      continue;
    }
    if (name === 'write') {
      // runc refuses NOTIFY on write: keep the policy's own rules.
      for (const r of own) rules.push({ syscall: r.syscall, action: r.action, conditions: r.conditions });
      const denies = own.some((r) => !kept(r.action)) || (defaultDenies && !own.some((r) => kept(r.action) && r.conditions.length === 0));
      if (denies) warnings.push('write: its denials stay in the kernel and are not explained (runc refuses SCMP_ACT_NOTIFY for write)');
      continue;
    }
    if (own.length === 0) {
      if (defaultDenies) route(name);
      continue;
    }
    const conditional = own.some((r) => r.conditions.length > 0);
    const unconditionalKept = own.find((r) => r.conditions.length === 0 && kept(r.action));
    if (!conditional) {
      if (own.every((r) => kept(r.action))) rules.push({ syscall: name, action: unconditionalKept!.action, conditions: [] });
      else route(name);
      continue;
    }
    // Conditional rules: unconditional ALLOW/LOG absorbs the rest of the same action in libseccomp, but a
    // denying region may remain (a conditional denial, or the default): route the whole syscall then.
    const canDeny = own.some((r) => !kept(r.action)) || (defaultDenies && !unconditionalKept);
    if (!canDeny) {
      // Every region is kept: ALLOW/LOG as the policy says (one unconditional action when there is one).
      if (unconditionalKept && own.every((r) => r.action.kind === unconditionalKept.action.kind)) rules.push({ syscall: name, action: unconditionalKept.action, conditions: [] });
      else for (const r of own) rules.push({ syscall: r.syscall, action: r.action, conditions: r.conditions });
      continue;
    }
    route(name);
  }
  const meta = encodeAgentMetadata(p, { mode: options.mode, runtime, version: options.version ?? syswallVersion(), ...(options.label !== undefined ? { label: options.label } : {}), ...(options.file !== undefined ? { file: options.file } : {}) });
  const routedPolicy: Policy = validatePolicy({
    defaultAction: p.defaultAction,
    badArchAction: p.badArchAction,
    arches: p.arches,
    rules,
    ...(p.flags ? { flags: p.flags } : {}),
    listenerPath: options.listenerPath,
    listenerMetadata: meta,
  });
  // Rules equal to the default action would be skipped by runc; leave them out. Kept rules first, then
  // the routed ones, so the object reads as two lists (order does not matter to libseccomp).
  const order = (r: Rule) => (r.action.kind === 'USER_NOTIF' ? 1 : 0);
  const written = routedPolicy.rules
    .filter((r) => formatAction(r.action) !== formatAction(p.defaultAction))
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order(a.r) - order(b.r) || a.i - b.i)
    .map((x) => x.r);
  const object = toOciObject({ ...routedPolicy, rules: written });
  return { object, text: stringifyJson(object as JsonValue, 2), routed: routedPolicy, routedNames: routed, warnings };
}

/** Encodes the listenerMetadata for `policy` (see the module comment). */
export function encodeAgentMetadata(policy: Policy, m: { mode: AgentMode; runtime: AgentRuntime; version: string; label?: string; file?: string }): string {
  // The policy without comments (recorded profiles carry long ones), rules with their input locations alongside.
  const bare: Policy = { ...policy, comment: undefined, listenerPath: undefined, listenerMetadata: undefined, rules: policy.rules.map((r) => ({ syscall: r.syscall, action: r.action, conditions: r.conditions })) };
  const text = exportSyswall(bare, { indent: 0 });
  const origins = policy.rules.map((r) => r.origin?.location?.path ?? (r.origin?.index !== undefined ? `$.syscalls[${r.origin.index}]` : null));
  const original = compileForRuntime(policy, m.runtime);
  const body: AgentMetadata = {
    mode: m.mode, runtime: m.runtime, version: m.version, ...(m.label !== undefined ? { label: m.label } : {}), ...(m.file !== undefined ? { file: m.file } : {}),
    policy: text, origins,
    program: Buffer.from(encodeProgram(original.instructions, original.endian)).toString('base64'), endian: original.endian, arches: original.arches.map((a) => a.name),
  };
  return METADATA_PREFIX + deflateRawSync(Buffer.from(JSON.stringify(body)), { level: 9 }).toString('base64url');
}

/** True when `metadata` is syswall's (it may still be malformed). */
export function isAgentMetadata(metadata: unknown): metadata is string {
  return typeof metadata === 'string' && metadata.startsWith(METADATA_PREFIX);
}

function bad(msg: string): never {
  throw new PolicyError('AGENT_METADATA', msg);
}

/**
 * Decodes and checks syswall's listenerMetadata: reads the policy through
 * the input door (for naming rules) and the program that decides (checked
 * by the kernel's rules for filters). Throws `PolicyError`
 * (`AGENT_METADATA`) for anything else: the agent then refuses the
 * container.
 */
export function decodeAgentMetadata(metadata: string): AgentPolicy {
  if (!isAgentMetadata(metadata)) bad('listenerMetadata is not syswall\'s (it does not start with "syswall-agent/1 ")');
  if (metadata.length > MAX_METADATA_CHARS) bad(`listenerMetadata is ${metadata.length} characters, more than ${MAX_METADATA_CHARS}`);
  const b64 = metadata.slice(METADATA_PREFIX.length).trim();
  if (!/^[A-Za-z0-9_-]*$/.test(b64)) bad('listenerMetadata is not base64url after "syswall-agent/1 "');
  let json: string;
  try {
    json = inflateRawSync(Buffer.from(b64, 'base64url'), { maxOutputLength: MAX_INFLATED }).toString('utf8');
  } catch (e) {
    bad(`listenerMetadata does not inflate: ${(e as Error).message}`);
  }
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    bad('listenerMetadata is not JSON after inflating');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad('listenerMetadata is not a JSON object');
  const m = o as Record<string, unknown>;
  if (!AGENT_MODES.includes(m.mode as AgentMode)) bad(`listenerMetadata: mode must be ${AGENT_MODES.join(' or ')}, got ${JSON.stringify(m.mode)}`);
  if (!AGENT_RUNTIMES.includes(m.runtime as AgentRuntime)) bad(`listenerMetadata: runtime must be ${AGENT_RUNTIMES.join(' or ')}, got ${JSON.stringify(m.runtime)}`);
  if (typeof m.policy !== 'string') bad('listenerMetadata: policy must be a string');
  if (typeof m.program !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(m.program)) bad('listenerMetadata: program must be base64');
  if (m.endian !== 'little' && m.endian !== 'big') bad('listenerMetadata: endian must be little or big');
  if (!Array.isArray(m.arches) || !m.arches.every((a) => typeof a === 'string' && findArch(a) !== undefined)) bad('listenerMetadata: arches must be a list of arch names');
  if (typeof m.version !== 'string') bad('listenerMetadata: version must be a string');
  if (m.label !== undefined && (typeof m.label !== 'string' || m.label.length > MAX_LABEL)) bad(`listenerMetadata: label must be a string of at most ${MAX_LABEL} characters`);
  if (m.file !== undefined && typeof m.file !== 'string') bad('listenerMetadata: file must be a string');
  if (m.origins !== undefined && (!Array.isArray(m.origins) || !m.origins.every((x) => x === null || typeof x === 'string'))) bad('listenerMetadata: origins must be an array of strings');
  const meta = m as unknown as AgentMetadata;
  const read = readInput(meta.policy, { kind: 'syswall', file: '<listenerMetadata>' });
  if (read.type !== 'policy') bad('listenerMetadata: the policy is not a policy');
  const parsed = read.policy;
  const origins = meta.origins && meta.origins.length === parsed.rules.length ? meta.origins : undefined;
  const policy: Policy = origins
    ? { ...parsed, rules: parsed.rules.map((r, i) => ({ ...r, origin: origins[i] !== null ? { location: { path: origins[i]! } } : {} })) }
    : parsed;
  const bytes = Buffer.from(meta.program, 'base64');
  if (bytes.length === 0 || bytes.length % 8 !== 0 || bytes.length / 8 > 4096) bad(`listenerMetadata: program is ${bytes.length} bytes, not 1..4096 instructions`);
  const instructions = decodeProgram(bytes, { endian: meta.endian });
  const issues = validateProgram(instructions);
  if (issues.length > 0) bad(`listenerMetadata: program is not a valid seccomp filter: ${issues[0].message}`);
  return { meta, policy, original: { instructions, endian: meta.endian } };
}
