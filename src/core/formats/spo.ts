/**
 * Kubernetes Security Profiles Operator `SeccompProfile` resources (YAML,
 * `security-profiles-operator.x-k8s.io/v1` and `v1beta1`): import and export.
 *
 * The spec is the OCI seccomp object plus SPO fields: `baseProfileName`
 * (another profile whose syscalls are added, resolved through a callback so
 * core stays pure), `disabled`/`state`. SPO cannot express a
 * `defaultErrnoRet`, and its argument values are signed int64 >= 0 (no value
 * of 2^63 or more). The operator installs the spec as an OCI profile that a
 * runtime (runc semantics) applies, so the spec is read as OCI with runc
 * semantics.
 */
import { stringify } from 'yaml';
import { PolicyError, type SourceLocation } from '../errors.js';
import { formatAction } from '../policy/actions.js';
import type { Policy, Rule } from '../policy/types.js';
import { validatePolicy } from '../policy/validate.js';
import { resolveContext, type ResolveContext } from './context.js';
import { rawToPolicy } from './convert.js';
import { toOciObject, type JsonValue } from './export.js';
import type { JsonNode, JsonObject } from './json-parse.js';
import { readRawProfile } from './raw.js';
import { JsonReader, type PolicyWarning } from './reader.js';
import type { ImportResult } from './textsrc.js';
import { parseYamlDocuments } from './yaml.js';

/** The API group of SPO resources. */
export const SPO_GROUP = 'security-profiles-operator.x-k8s.io';
const VERSIONS = ['v1', 'v1beta1'];
const OCI_KEYS = ['defaultAction', 'architectures', 'syscalls', 'flags', 'listenerPath', 'listenerMetadata'];
const SPEC_KEYS = [...OCI_KEYS, 'baseProfileName', 'disabled', 'state'];
const INT64_MAX = (1n << 63n) - 1n;

/** Resolves `baseProfileName` to the base profile's text and file name (undefined: not found). */
export type BaseProfileResolver = (name: string, from: string | undefined) => { text: string; file: string } | undefined;

/** Options of {@link importSpo}. */
export interface SpoImportOptions {
  file?: string;
  context?: ResolveContext;
  /** Resolves base profiles; without it, a `baseProfileName` is an error. */
  resolveBase?: BaseProfileResolver;
  /** Which SeccompProfile of a multi-document file (by metadata.name). */
  name?: string;
}

/** True when the text looks like an SPO SeccompProfile (for kind detection). */
export function looksLikeSpo(text: string): boolean {
  return /^\s*kind:\s*["']?SeccompProfile\b/m.test(text) && text.includes(SPO_GROUP);
}

function withSpecPath(loc: SourceLocation | undefined): SourceLocation | undefined {
  if (!loc || loc.path === undefined) return loc;
  return { ...loc, path: loc.path.replace(/^\$/, '$.spec') };
}

interface Loaded {
  policy: Policy;
  name: string;
  apiVersion: string;
}

function load(text: string, options: SpoImportOptions, warnings: PolicyWarning[], chain: string[], wantName?: string): Loaded {
  const file = options.file;
  const r = new JsonReader(file);
  const docs = parseYamlDocuments(text, file !== undefined ? { file } : {}).filter((d) => d.type !== 'null');
  const profiles = docs.filter((d) => d.type === 'object' && d.entries.some((e) => e.key === 'kind' && e.value.type === 'string' && e.value.value === 'SeccompProfile'));
  const nameOf = (d: JsonNode) => {
    const md = d.type === 'object' ? d.entries.find((e) => e.key === 'metadata')?.value : undefined;
    const n = md?.type === 'object' ? md.entries.find((e) => e.key === 'name')?.value : undefined;
    return n?.type === 'string' ? n.value : undefined;
  };
  let doc: JsonNode | undefined;
  if (wantName !== undefined) {
    doc = profiles.find((d) => nameOf(d) === wantName);
    if (!doc) {
      if (profiles.length === 1 && chain.length > 0) doc = profiles[0];
      else throw new PolicyError('SPO_NO_PROFILE', `no SeccompProfile named "${wantName}" in the input`, { location: { ...(file !== undefined ? { file } : {}), line: 1, column: 1 } });
    }
  } else if (profiles.length === 1) doc = profiles[0];
  else if (profiles.length === 0) {
    const d = docs[0];
    throw new PolicyError('SPO_NO_PROFILE', 'expected a SeccompProfile resource (kind: SeccompProfile)', { location: { ...(file !== undefined ? { file } : {}), line: d?.line ?? 1, column: d?.column ?? 1, path: '$.kind' } });
  } else {
    throw new PolicyError('SPO_AMBIGUOUS', `the input holds ${profiles.length} SeccompProfiles (${profiles.map(nameOf).join(', ')}); choose one by name`, { location: { ...(file !== undefined ? { file } : {}), line: 1, column: 1 } });
  }
  const top = r.object(doc, '$', ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const av = r.required(top, 'apiVersion', doc, '$');
  const apiVersion = r.string(av);
  const [group, version] = apiVersion.split('/');
  if (group !== SPO_GROUP || !VERSIONS.includes(version)) {
    throw r.error('SPO_API_VERSION', `unsupported apiVersion "${apiVersion}"`, av.node, av.path, `expected ${VERSIONS.map((v) => `${SPO_GROUP}/${v}`).join(' or ')}`);
  }
  const md = r.required(top, 'metadata', doc, '$');
  const mdo = r.object(md.node, md.path, ['name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'finalizers', 'managedFields', 'ownerReferences']);
  const name = r.string(r.required(mdo, 'name', md.node, md.path));
  const specF = r.required(top, 'spec', doc, '$');
  const spec = r.object(specF.node, specF.path, SPEC_KEYS, (k) => (k === 'defaultErrnoRet' ? 'SPO has no defaultErrnoRet (the runtime default, EPERM, applies)' : undefined));
  const disabled = spec.get('disabled');
  if (disabled && r.bool(disabled)) warnings.push({ code: 'SPO_DISABLED', severity: 'warning', location: r.loc(disabled.node, disabled.path), message: `profile ${name} is disabled; the operator does not install it` });
  // The OCI part, read by the strict OCI reader (paths rewritten to $.spec).
  const ociNode: JsonObject = { ...(specF.node as JsonObject), entries: (specF.node as JsonObject).entries.filter((e) => OCI_KEYS.includes(e.key)) };
  let policy: Policy;
  const ws: PolicyWarning[] = [];
  try {
    if (!spec.has('defaultAction')) throw r.error('MISSING_KEY', 'missing required key "defaultAction"', specF.node, specF.path);
    const raw = readRawProfile(ociNode, 'oci', file);
    for (const rule of raw.syscalls) {
      for (const a of rule.args) {
        for (const v of [a.value, a.valueTwo]) {
          if (v && v.value > INT64_MAX) throw new PolicyError('SPO_INT64', `value ${v.value} does not fit SPO's signed int64 (max ${INT64_MAX})`, { location: v.location, hint: 'SPO cannot express argument values of 2^63 or more; use an OCI profile' });
        }
      }
    }
    policy = rawToPolicy(raw, raw.syscalls, raw.architectures, { compat: 'runc', strictNames: false, context: resolveContext(options.context) }, ws);
  } catch (e) {
    if (e instanceof PolicyError && e.location?.path?.startsWith('$') && !e.location.path.startsWith('$.spec')) {
      throw new PolicyError(e.code, e.detail, { location: withSpecPath(e.location), ...(e.hint ? { hint: e.hint } : {}), cause: e });
    }
    throw e;
  }
  for (const w of ws) warnings.push({ ...w, ...(w.location ? { location: withSpecPath(w.location) } : {}) });
  const baseF = spec.get('baseProfileName');
  if (baseF) {
    const base = r.string(baseF);
    const at = r.loc(baseF.node, baseF.path);
    if (base.startsWith('oci://')) throw new PolicyError('SPO_BASE_OCI', `base profile ${base} is an OCI artifact; syswall does not fetch registries`, { location: at, hint: 'pull it (spoc pull) and save it next to the profile as NAME.yaml, then name it here' });
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(base) || base.includes('..')) {
      throw new PolicyError('SPO_BASE_NAME', `baseProfileName "${base}" is not a profile name`, { location: at, hint: 'name a SeccompProfile (letters, digits, "-", "."), saved next to this file as NAME.yaml; paths are not followed' });
    }
    if (chain.includes(base) || base === name) throw new PolicyError('SPO_BASE_CYCLE', `base profiles form a cycle: ${[...chain, name, base].join(' -> ')}`, { location: at });
    if (chain.length >= 15) throw new PolicyError('SPO_BASE_DEPTH', 'base profiles nest more than 15 levels (the operator\'s limit)', { location: at });
    const found = options.resolveBase?.(base, file);
    if (!found) throw new PolicyError('SPO_BASE_NOT_FOUND', `base profile "${base}" not found`, { location: at, hint: options.resolveBase ? `save it next to the input as ${base}.yaml` : 'no base-profile resolver was given' });
    const b = load(found.text, { ...options, file: found.file }, warnings, [...chain, name], base);
    warnings.push({ code: 'SPO_BASE_MERGED', severity: 'info', location: at, message: `the syscalls of base profile ${base} (${found.file}) are added to ${name}` });
    const arches = [...policy.arches];
    for (const a of b.policy.arches) if (!arches.includes(a)) arches.push(a);
    const rules: Rule[] = [...policy.rules, ...b.policy.rules.filter((br) => !policy.rules.some((pr) => sameRule(pr, br)))];
    policy = { ...policy, arches, rules };
  }
  return { policy: validatePolicy(policy), name, apiVersion };
}

function sameRule(a: Rule, b: Rule): boolean {
  return a.syscall === b.syscall && formatAction(a.action) === formatAction(b.action) && JSON.stringify(a.conditions, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(b.conditions, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Imports an SPO SeccompProfile (YAML). Throws {@link PolicyError} with
 * file:line:col and the path (`$.spec.syscalls[2].action`) on bad input.
 */
export function importSpo(text: string, options: SpoImportOptions = {}): ImportResult & { name: string; apiVersion: string } {
  const warnings: PolicyWarning[] = [];
  const l = load(text, options, warnings, [], options.name);
  return { policy: l.policy, warnings, name: l.name, apiVersion: l.apiVersion };
}

/** Options of {@link exportSpo}. */
export interface SpoExportOptions {
  /** metadata.name (default "syswall-profile"). */
  name?: string;
  /** `v1` (default) or `v1beta1`. */
  version?: 'v1' | 'v1beta1';
  /** Write what can be written and report the rest instead of throwing. */
  lossy?: boolean;
}

/**
 * What the OCI form of a policy cannot say (the checks of exportOci),
 * as warning lines; empty when the OCI export is exact.
 */
export function ociLosses(policy: Policy): string[] {
  const out: string[] = [];
  if (policy.badArchAction.kind !== 'KILL_THREAD') out.push(`the bad-arch action ${formatAction(policy.badArchAction)} cannot be expressed (runtimes use KILL_THREAD)`);
  if (policy.defaultAction.kind === 'TRAP' && (policy.defaultAction.data ?? 0) !== 0) out.push(`the default action ${formatAction(policy.defaultAction)} loses its TRAP value`);
  if (policy.noNewPrivs === false) out.push('noNewPrivs: false cannot be expressed');
  policy.rules.forEach((rule, i) => {
    const what = `rule ${i} (${String(rule.syscall)})`;
    if (rule.action.kind === 'TRAP' && (rule.action.data ?? 0) !== 0) out.push(`${what}: the TRAP value of ${formatAction(rule.action)} is lost`);
    const idx = rule.conditions.map((c) => c.arg);
    if (new Set(idx).size !== idx.length) out.push(`${what}: several conditions on one argument are ANDed here, but runc would OR them`);
    for (const c of rule.conditions) if (c.width === 32 && c.op !== 'EQ' && c.op !== 'MASKED_EQ') out.push(`${what}: a 32-bit ${c.op} compare has no OCI equivalent`);
  });
  return out;
}

function plain(v: JsonValue | undefined): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = plain(x);
    return o;
  }
  return v;
}

/**
 * Writes a policy as an SPO SeccompProfile (YAML). Losses (defaultErrnoRet
 * other than EPERM, values of 2^63 or more, what OCI cannot say) throw
 * `EXPORT_UNREPRESENTABLE` unless `lossy`, where they are returned as warnings.
 */
export function exportSpo(policy: Policy, options: SpoExportOptions = {}): { text: string; warnings: string[] } {
  validatePolicy(policy);
  const losses = ociLosses(policy);
  const oci = toOciObject(policy, { lossy: true });
  if (oci.defaultErrnoRet !== undefined) {
    if (oci.defaultErrnoRet !== 1) losses.push(`SPO has no defaultErrnoRet: the default action ${formatAction(policy.defaultAction)} becomes ERRNO(EPERM) as the runtime applies it`);
    delete oci.defaultErrnoRet;
  }
  const syscalls = (oci.syscalls as { [k: string]: JsonValue }[] | undefined) ?? [];
  const kept = syscalls.filter((s) => {
    const args = (s.args as { [k: string]: JsonValue }[] | undefined) ?? [];
    const big = args.some((a) => (typeof a.value === 'bigint' && a.value > INT64_MAX) || (typeof a.valueTwo === 'bigint' && a.valueTwo > INT64_MAX));
    if (big) losses.push(`rule for ${(s.names as string[]).join(', ')}: an argument value of 2^63 or more cannot be written (SPO values are int64); rule dropped`);
    return !big;
  });
  oci.syscalls = kept.length > 0 ? kept : undefined;
  if (losses.length > 0 && !options.lossy) throw new PolicyError('EXPORT_UNREPRESENTABLE', losses[0] + (losses.length > 1 ? ` (and ${losses.length - 1} more)` : ''), { hint: 'pass --lossy (convert) to write the rest and report every loss' });
  const doc = {
    apiVersion: `${SPO_GROUP}/${options.version ?? 'v1'}`,
    kind: 'SeccompProfile',
    metadata: { name: options.name ?? 'syswall-profile' },
    spec: plain(oci as JsonValue),
  };
  return { text: stringify(doc, { lineWidth: 0 }), warnings: losses };
}
