/**
 * The one entry point for policy files: detects the dialect from content
 * (or takes it from `kind`), reads it strictly, resolves Docker/moby and
 * containers/common supersets against an explicit context, and converts to
 * the policy IR with runc's semantics by default.
 */
import { DEFAULTS } from '../defaults.js';
import { PolicyError } from '../errors.js';
import type { Policy } from '../policy/types.js';
import { resolveContext, type ResolveContext, type ResolvedContext } from './context.js';
import { rawToPolicy, type Compat } from './convert.js';
import { parseJson } from './json-parse.js';
import { detectKind, POLICY_KINDS, readRawProfile, type PolicyKind } from './raw.js';
import type { PolicyWarning } from './reader.js';
import { resolveSuperset } from './resolve.js';

/** Options of {@link parsePolicyText}. */
export interface ParsePolicyOptions {
  /** File name for messages (`<stdin>`, `profile.json`). */
  file?: string;
  /** Host arch, kernel and capabilities (for Docker/containers-common resolution and the native arch). */
  context?: ResolveContext;
  /**
   * `runc` (default for oci, docker, containers-common): same-index
   * conditions become OR'd rules, the native arch is always added.
   * `strict` (default for syswall files): conditions are ANDed, arches as listed.
   */
  compat?: Compat;
  /** Make unknown syscall names errors instead of warnings. */
  strictNames?: boolean;
  /** Skip detection and read the input as this dialect. */
  kind?: PolicyKind;
}

/** Result of {@link parsePolicyText}. */
export interface ParsedPolicy {
  readonly policy: Policy;
  /** Findings in input order: `warning`s deserve attention, `info`s say what a runtime does silently. */
  readonly warnings: readonly PolicyWarning[];
  readonly kind: PolicyKind;
  /** The context the input was resolved against (defaults filled in). */
  readonly context: ResolvedContext;
}

/**
 * Parses a policy file's text. Throws {@link PolicyError} with
 * `file:line:col: $.json.path: message` for malformed JSON, unknown keys,
 * wrong types, unknown actions/ops/arches/flags, out-of-range values,
 * errnoRet on a non-errno action, more than 6 args, index > 5, both
 * `architectures` and `archMap`, and (with `strictNames`) unknown syscalls.
 */
export function parsePolicyText(text: string, options: ParsePolicyOptions = {}): ParsedPolicy {
  if (options.kind !== undefined && !POLICY_KINDS.includes(options.kind)) {
    throw new PolicyError('UNKNOWN_KIND', `unknown policy kind "${String(options.kind)}"`, { hint: `expected one of ${POLICY_KINDS.join(', ')}` });
  }
  const root = parseJson(text, options.file !== undefined ? { file: options.file } : {});
  if (root.type !== 'object') {
    throw new PolicyError('POLICY_TYPE', `expected a seccomp profile object, found ${root.type === 'array' ? 'an array' : root.type}`, {
      location: { ...(options.file !== undefined ? { file: options.file } : {}), line: root.line, column: root.column, path: '$' },
    });
  }
  const kind = options.kind ?? detectKind(root);
  const context = resolveContext(options.context);
  const raw = readRawProfile(root, kind, options.file);
  const warnings: PolicyWarning[] = [];
  let rules = raw.syscalls;
  let architectures = raw.architectures;
  if (kind === 'docker' || kind === 'containers-common') {
    const r = resolveSuperset(raw, context, warnings);
    rules = r.rules;
    architectures = r.architectures;
  }
  const compat = options.compat ?? (kind === 'syswall' ? DEFAULTS.syswallCompat : DEFAULTS.compat);
  const policy = rawToPolicy(raw, rules, architectures, { compat, strictNames: options.strictNames ?? false, context }, warnings);
  return { policy, warnings, kind, context };
}
