/**
 * Where a sandbox's filter comes from: a profile file or a built-in profile
 * name, `--allow`/`--deny` layers on top of it, and the one function that
 * turns any policy form (builder, parsed profile, Policy, compiled filter,
 * instructions, bytes) into the program the kernel loads, compiled for this
 * host.
 *
 * Precedence of the layers, lowest first: the profile's rules, then
 * `allow` (each named syscall becomes unconditionally allowed), then `deny`
 * (each named syscall gets the deny action unconditionally). A syscall named
 * by both is denied. The deny action is the profile's default action when
 * that denies (ERRNO(EPERM) for the built-in default), otherwise ERRNO(EPERM).
 */
import { findArch, resolveArch, type ArchInfo } from '../core/arch/arches.js';
import { isKnownSyscall, suggestSyscall, syscallName } from '../core/arch/syscalls.js';
import type { Instruction } from '../core/bpf/instruction.js';
import { compilePolicy, type CompiledFilter, type CompileOptions } from '../core/compile/compile.js';
import { isSyswallError, PolicyError } from '../core/errors.js';
import { DOCKER_DEFAULT_CAPS } from '../core/formats/context.js';
import { readInput, type InputKind, type InputKindOption } from '../core/formats/door.js';
import { settingsOf } from '../core/input/load.js';
import type { Settings } from '../core/defaults.js';
import type { ParsedPolicy } from '../core/formats/parse.js';
import type { PolicyWarning } from '../core/formats/reader.js';
import { expandGroup, isGroupReference } from '../core/policy/groups.js';
import type { Action, Condition, Policy, Rule } from '../core/policy/types.js';
import { operationOf, type FamilyMember } from '../core/policy/families.js';
import { validatePolicy } from '../core/policy/validate.js';
import { hostArch } from './host.js';
import { BUILTIN_PROFILES, builtinProfilePath } from './builtin-profiles.js';
import { baseProfileResolver, hostContext, includeResolver } from './input-files.js';
import { readInputFile } from './input.js';

/** Something that builds a {@link Policy} (the builder from `policy(...)`). */
export interface PolicyBuilderLike {
  build(): Policy;
}

/**
 * Every form a policy can be handed to `spawn({ policy })` and `loadFilter`:
 * a builder, the result of `parsePolicyText`, a {@link Policy}, a
 * {@link CompiledFilter}, or a compiled program (`Instruction[]` or raw
 * `struct sock_filter[]` bytes in this machine's byte order).
 */
export type PolicyInput = PolicyBuilderLike | ParsedPolicy | Policy | CompiledFilter | readonly Instruction[] | Uint8Array;

/** A program ready to load, with what the policy asked for. */
export interface HostProgram {
  program: readonly Instruction[] | Uint8Array;
  /** SECCOMP_FILTER_FLAG_* bits the policy asks for (LOG, SPEC_ALLOW; NEW_LISTENER when it uses USER_NOTIF). */
  flags: number;
  /** no_new_privs as the policy says (undefined for raw programs). */
  noNewPrivs?: boolean;
  /** The compiled filter, when the input was a policy or a compiled filter. */
  compiled?: CompiledFilter;
}

function isPolicy(x: any): x is Policy {
  return x !== null && typeof x === 'object' && typeof x.defaultAction === 'object' && Array.isArray(x.rules) && Array.isArray(x.arches);
}

function isCompiled(x: any): x is CompiledFilter {
  return x !== null && typeof x === 'object' && Array.isArray(x.instructions) && Array.isArray(x.arches) && typeof x.flags === 'number';
}

/**
 * Turns any {@link PolicyInput} into a loadable program for this host.
 * Policies are compiled with {@link compilePolicy} for the arches they name
 * (e.g. x86_64, x86 and x32 for the built-in default on an x86_64 host),
 * which must include the host's arch (`host`, default this machine's). Throws a `PolicyError`/`CompileError`
 * (kind input) for a policy that does not validate or compile.
 */
export function programForHost(input: PolicyInput, options: Pick<CompileOptions, 'arches' | 'enosys' | 'frequencies'> & { host?: ArchInfo } = {}): HostProgram {
  if (input instanceof Uint8Array || Array.isArray(input)) return { program: input as readonly Instruction[] | Uint8Array, flags: 0 };
  if (isCompiled(input)) return { program: input.instructions, flags: input.flags, noNewPrivs: input.noNewPrivs, compiled: input };
  let p: Policy;
  const x = input as any;
  if (x !== null && typeof x === 'object' && typeof x.build === 'function') p = x.build();
  else if (x !== null && typeof x === 'object' && isPolicy(x.policy) && Array.isArray(x.warnings)) {
    p = x.policy;
    // A minijail file read through the door carries its @frequency weights: compile with them, as every command does.
    if (options.frequencies === undefined && x.frequencies !== null && typeof x.frequencies === 'object') options = { ...options, frequencies: x.frequencies };
  }
  else if (isPolicy(x)) p = x;
  else throw new TypeError('policy must be a policy builder, a parsed profile, a Policy, a CompiledFilter, an Instruction[] or a Uint8Array');
  const { host = hostArch(), ...compileOptions } = options;
  const arches = (options.arches ?? p.arches).map((a) => resolveArch(a));
  if (!arches.includes(host)) {
    throw new PolicyError('HOST_ARCH_MISSING', `the policy covers ${arches.map((a) => a.name).join(', ')} but not this host's arch ${host.name}: every syscall would take the bad-arch action`, {
      hint: `add "${host.name}" to the policy's arches`,
    });
  }
  const compiled = compilePolicy(validatePolicy(p), { ...compileOptions, ...(options.arches ? { arches: options.arches } : {}) });
  return { program: compiled.instructions, flags: compiled.flags, noNewPrivs: compiled.noNewPrivs, compiled };
}

export { BUILTIN_PROFILES, builtinProfilePath } from './builtin-profiles.js';

/** Options of {@link loadProfile}. */
export interface LoadProfileOptions {
  /** Host arch for resolution and the built-in profile (default: this machine's). */
  arch?: ArchInfo;
  /** Make unknown syscall names errors. */
  strictNames?: boolean;
  /** Read the file as this kind instead of detecting it (`--input`). */
  kind?: InputKindOption;
  /** Where minijail/Kafel includes are found by name (`-I`). */
  includeDirs?: readonly string[];
  /** The option that named the profile, for messages (default `--profile`; `record` says `--merge`). */
  option?: string;
  /**
   * The file's bytes, already read by the caller (`run` reads them once to
   * key its compile cache): the profile is read from these, not again from
   * the file, so the key and the program always come from the same content.
   */
  bytes?: Uint8Array;
}

/** A profile read from a file or the built-ins: a policy, or (for a file holding a compiled filter) a program. */
export interface LoadedProfile {
  /** The policy (for a compiled program: none, see `program`). */
  readonly policy: Policy;
  /** A compiled program (raw, hex or assembly) given instead of a policy. */
  readonly program?: Instruction[];
  readonly warnings: readonly PolicyWarning[];
  /** The file read. */
  readonly file: string;
  /** True for a built-in profile. */
  readonly builtin: boolean;
  /** What the door read it as. */
  readonly kind: InputKind;
  /** minijail `@frequency` weights. */
  readonly frequencies?: Readonly<Record<string, number>>;
  /** The input asked for other files (includes, an SPO base profile): its meaning depends on more than its own bytes. */
  readonly readOtherFiles: boolean;
  /** Why the door read it as `kind` (for `--verbose`). */
  readonly detection: string;
  /** For a policy: the settings it is compiled with (for `--verbose`). */
  readonly settings?: Settings;
}

/**
 * Reads a profile by built-in NAME (`default`) or FILE, through the one
 * input door: any policy dialect (resolved for this host's arch and kernel
 * with Docker's default capabilities, as every command does) or a compiled
 * program. Built-in names win; write `./default` for a file of that name.
 */
export function loadProfile(spec: string = 'default', options: LoadProfileOptions = {}): LoadedProfile {
  const arch = options.arch ?? hostArch();
  const builtin = BUILTIN_PROFILES.includes(spec);
  const file = builtin ? builtinProfilePath(spec, arch) : spec;
  let bytes: Uint8Array;
  try {
    bytes = options.bytes ?? readInputFile(file, file);
  } catch (e) {
    if (isSyswallError(e)) throw e;
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new PolicyError('PROFILE_READ', `cannot read profile ${file}: ${why}`, {
      hint: `${options.option ?? '--profile'} takes a policy file or a built-in name (${BUILTIN_PROFILES.join(', ')})`,
      cause: e,
    });
  }
  const readInclude = includeResolver(options.includeDirs ?? []);
  const resolveBase = baseProfileResolver();
  let readOtherFiles = false;
  const input = readInput(bytes, {
    file,
    context: hostContext({ arch: arch.name, caps: DOCKER_DEFAULT_CAPS }),
    programArch: arch,
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.strictNames ? { strictNames: true } : {}),
    readFile: (path) => {
      readOtherFiles = true;
      return readInclude(path);
    },
    resolveBase: (name, from) => {
      readOtherFiles = true;
      return resolveBase(name, from);
    },
  });
  if (input.type === 'program') {
    return { policy: undefined as unknown as Policy, program: input.program, warnings: [], file, builtin, kind: input.kind, detection: input.detection.reason, readOtherFiles };
  }
  return {
    policy: input.policy, warnings: input.warnings, file, builtin, kind: input.kind, detection: input.detection.reason, settings: settingsOf(input),
    ...(input.frequencies ? { frequencies: input.frequencies } : {}), readOtherFiles,
  };
}

/** Expands `--allow`/`--deny` items (syscall names and @groups) to syscall names; throws for unknown ones. */
export function expandSyscallList(items: readonly string[], option: string): string[] {
  const out = new Set<string>();
  for (const item of items) {
    if (isGroupReference(item)) {
      for (const n of expandGroup(item)) out.add(n);
    } else if (isKnownSyscall(item)) {
      out.add(item);
    } else {
      const s = suggestSyscall(item);
      throw new PolicyError('UNKNOWN_SYSCALL', `${option}: unknown syscall "${item}"`, { hint: s ? `did you mean "${s}"? (groups start with @; \`syswall groups\` lists them)` : 'groups start with @; `syswall groups` lists them' });
    }
  }
  return [...out];
}

/** The action `--deny` uses for a policy: its default action when that denies, else ERRNO(EPERM). */
export function denyActionOf(p: Policy): Action {
  const k = p.defaultAction.kind;
  return k === 'ALLOW' || k === 'LOG' || k === 'USER_NOTIF' || k === 'TRACE' ? { kind: 'ERRNO', data: 1 } : p.defaultAction;
}

/** What `--deny` asked for after family expansion (src/core/policy/families.ts). */
export interface DenyExpansion {
  /** Every name denied unconditionally. */
  readonly names: readonly string[];
  /** Names denied only for some calls (a family member with conditions, e.g. unlinkat with AT_REMOVEDIR for rmdir). */
  readonly partial: readonly FamilyMember[];
  /** What the families added to the names given (for the one-line note). */
  readonly added: readonly string[];
}

/**
 * `--deny` items (names and @groups) as the operations they name: each name
 * with the rest of its family (`mkdir` also denies `mkdirat`), unless
 * `exact`. Throws for unknown names, as {@link expandSyscallList}.
 */
export function expandDeny(items: readonly string[], exact = false): DenyExpansion {
  const given = expandSyscallList(items, '--deny');
  if (exact) return { names: given, partial: [], added: [] };
  const names = new Set(given);
  const partial: FamilyMember[] = [];
  for (const n of given) {
    for (const m of operationOf(n)) {
      if (m.conditions) {
        if (!names.has(m.name) && !partial.some((p) => p.name === m.name && p.conditions === m.conditions)) partial.push(m);
      } else {
        names.add(m.name);
      }
    }
  }
  const fully = [...names];
  const added = [...fully.filter((n) => !given.includes(n)), ...partial.filter((p) => !names.has(p.name)).map((p) => `${p.name} (${p.conditions!.map(describeCondition).join(', ')})`)];
  return { names: fully, partial: partial.filter((p) => !names.has(p.name)), added };
}

function describeCondition(c: Condition): string {
  const hex = (v: bigint) => '0x' + v.toString(16);
  return c.op === 'MASKED_EQ' ? `arg${c.arg} & ${hex(c.mask ?? 0n)} == ${hex(c.value)}` : `arg${c.arg} ${c.op} ${hex(c.value)}`;
}

/**
 * Layers `allow` and `deny` over a policy: every rule for a named syscall is
 * replaced by one unconditional rule, allow first, then deny (deny wins).
 * `deny` names operations (see {@link expandDeny}; `exact` turns that off).
 */
export function applyOverrides(p: Policy, layers: { allow?: readonly string[]; deny?: readonly string[]; exact?: boolean }): Policy {
  const allow = expandSyscallList(layers.allow ?? [], '--allow');
  const denied = expandDeny(layers.deny ?? [], layers.exact === true);
  const deny = denied.names;
  if (allow.length === 0 && deny.length === 0 && denied.partial.length === 0) return p;
  const native = findArch(p.arches[0]);
  const nameOf = (r: Rule) => (typeof r.syscall === 'string' ? r.syscall : native ? syscallName(native, r.syscall) : undefined);
  const touched = new Set([...allow, ...deny]);
  let rules: Rule[] = p.rules.filter((r) => {
    const n = nameOf(r);
    return n === undefined || !touched.has(n);
  });
  const denySet = new Set(deny);
  for (const n of allow) if (!denySet.has(n)) rules.push({ syscall: n, action: { kind: 'ALLOW' }, conditions: [], origin: { comment: '--allow' } });
  const da = denyActionOf(p);
  for (const n of deny) rules.push({ syscall: n, action: da, conditions: [], origin: { comment: '--deny' } });
  // A member denied for some calls only: split an unconditional rule of the profile into "the other calls" and the denial.
  for (const m of denied.partial) {
    const mine = rules.filter((r) => nameOf(r) === m.name);
    const uncond = mine.find((r) => r.conditions.length === 0);
    const conds = m.conditions!;
    if (uncond && conds.length === 1 && conds[0].op === 'MASKED_EQ' && isSingleBit(conds[0].mask ?? 0n)) {
      const c = conds[0];
      const other: Condition = { ...c, value: (c.value ^ (c.mask ?? 0n)) & (c.mask ?? 0n) };
      rules = rules.filter((r) => r !== uncond);
      rules.push({ ...uncond, conditions: [other] });
    }
    rules.push({ syscall: m.name, action: da, conditions: [...conds], origin: { comment: '--deny' } });
  }
  return validatePolicy({ ...p, rules });
}

function isSingleBit(v: bigint): boolean {
  return v > 0n && (v & (v - 1n)) === 0n;
}
