/**
 * What `syswall run` needs to start a command under a profile, computed
 * once and then reused: the {@link RunPlan} (the program the helper loads,
 * its flags, and every line `run` prints about the profile). This module is
 * the light half of `run`: it finds a plan without loading the compiler,
 * either precompiled at build time (the built-in default with default
 * options: dist/cli/run-precompiled/ARCH.json, written by
 * scripts/gen-run-precompiled.mjs during `npm run build`, used while the
 * built-in profile's bytes are those it was built from) or in the user's
 * compile cache (src/node/program-cache.ts). The heavy half,
 * run-compile.ts, computes a plan when neither has it.
 *
 * The key of a cached plan names everything that decides it: the syswall build
 * (a hash of dist/ and the package version, so a rebuilt or upgraded syswall
 * never reads an older build's plans), the host arch, the profile's bytes
 * and the name it was given by, every option that changes the program or the
 * messages (--input, --strict-names, -I, --allow, --deny, --exact, --arch),
 * and for a profile file the kernel version (Docker's `minKernel`). Options
 * that only choose what is printed (--quiet, --verbose) or are applied at
 * load time (--flag, --no-nnp) are not in the key; the plan keeps every
 * message and the command picks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../node/native.js';
import type { ArchInfo } from '../../core/arch/arches.js';
import { sha256Hex, type ProgramCache } from '../../node/program-cache.js';

/** Everything `syswall run` needs about a profile, once compiled. */
export interface RunPlan {
  /** The program as the helper loads it (struct sock_filter[] in the host's byte order), guards included. */
  readonly program: Uint8Array;
  /** The guard filter installed before the program (src/node/isolation.ts, sandboxGuard, for the host's arches; host byte order). */
  readonly guard: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* bits the policy asks for. */
  readonly flags: number;
  /** no_new_privs as the policy says (undefined: the default, set). */
  readonly noNewPrivs?: boolean;
  /** The profile's warnings from reading it (`warning`: severity warning, printed without --verbose for a file). */
  readonly loadWarnings: readonly { readonly message: string; readonly warning: boolean }[];
  /** The `--deny also denies ...` note, when the families added names. */
  readonly denyNote?: string;
  /** The compiler's warnings (printed with --verbose). */
  readonly compileWarnings: readonly string[];
  /** Filter-bypass findings of a profile file (printed unless --quiet). */
  readonly bypass: readonly string[];
  /** For --verbose: what the profile was read as (the line after "profile FILE: "). */
  readonly profileLine?: string;
  /** For --verbose: the filter (size, arches, default, ENOSYS and bad-arch answers; the line after "filter: "); none for a compiled program. */
  readonly filterLine?: string;
  /** What could raise a SIGSYS under this filter (for the message when one kills the command). */
  readonly sigsys: readonly string[];
  /** The policy's default action kind; undefined for a compiled program given as the profile. */
  readonly defaultKind?: string;
}

/** The options of `run` that decide a plan (see the module comment). */
export interface PlanOptions {
  /** The --profile value (default: "default"). */
  readonly spec: string;
  readonly kind?: string;
  readonly strictNames: boolean;
  readonly includeDirs: readonly string[];
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly exact: boolean;
  readonly arches?: readonly string[];
}

/** True when `o` is the built-in default with every option at its default (the precompiled case). */
export function isPlainDefault(o: PlanOptions): boolean {
  return o.spec === 'default' && o.kind === undefined && !o.strictNames && o.includeDirs.length === 0 && o.allow.length === 0 && o.deny.length === 0 && !o.exact && o.arches === undefined;
}

/**
 * The key of the plan for `o` on `host`: the build id, the profile's bytes
 * (by SHA-256) and the options; `kernel` only for profile files (the
 * built-in profiles are syswall files, resolved already).
 */
export function planKey(buildId: string, host: ArchInfo, o: PlanOptions, profileBytes: Uint8Array, kernel?: readonly [number, number]): string {
  return JSON.stringify({
    plan: 1,
    build: buildId,
    host: host.name,
    ...(kernel ? { kernel: `${kernel[0]}.${kernel[1]}` } : {}),
    profile: sha256Hex(profileBytes),
    spec: o.spec,
    kind: o.kind ?? null,
    strictNames: o.strictNames,
    includeDirs: o.includeDirs,
    allow: o.allow,
    deny: o.deny,
    exact: o.exact,
    arches: o.arches ?? null,
  });
}

/** A plan as JSON text (the program in base64). */
export function encodePlan(p: RunPlan): string {
  return JSON.stringify({ ...p, program: Buffer.from(p.program).toString('base64'), guard: Buffer.from(p.guard).toString('base64') });
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isStrList = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);

/** The plan of {@link encodePlan}'s text, or undefined when it is not one (every field is checked). */
export function decodePlan(text: string): RunPlan | undefined {
  let o: any;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isB64 = (x: unknown): x is string => isStr(x) && /^[A-Za-z0-9+/]*={0,2}$/.test(x);
  if (o === null || typeof o !== 'object' || !isB64(o.program) || !isB64(o.guard)) return undefined;
  const program = new Uint8Array(Buffer.from(o.program, 'base64'));
  const guard = new Uint8Array(Buffer.from(o.guard, 'base64'));
  const ok = program.length > 0 && program.length % 8 === 0 && guard.length > 0 && guard.length % 8 === 0
    && Number.isInteger(o.flags) && o.flags >= 0 && o.flags <= 0xffffffff
    && (o.noNewPrivs === undefined || typeof o.noNewPrivs === 'boolean')
    && Array.isArray(o.loadWarnings) && o.loadWarnings.every((w: any) => w !== null && typeof w === 'object' && isStr(w.message) && typeof w.warning === 'boolean')
    && (o.denyNote === undefined || isStr(o.denyNote))
    && isStrList(o.compileWarnings) && isStrList(o.bypass) && isStrList(o.sigsys)
    && (o.profileLine === undefined || isStr(o.profileLine)) && (o.filterLine === undefined || isStr(o.filterLine))
    && (o.defaultKind === undefined || isStr(o.defaultKind));
  if (!ok) return undefined;
  return {
    program,
    guard,
    flags: o.flags,
    ...(o.noNewPrivs !== undefined ? { noNewPrivs: o.noNewPrivs } : {}),
    loadWarnings: o.loadWarnings.map((w: any) => ({ message: w.message, warning: w.warning })),
    ...(o.denyNote !== undefined ? { denyNote: o.denyNote } : {}),
    compileWarnings: o.compileWarnings,
    bypass: o.bypass,
    ...(o.profileLine !== undefined ? { profileLine: o.profileLine } : {}),
    ...(o.filterLine !== undefined ? { filterLine: o.filterLine } : {}),
    sigsys: o.sigsys,
    ...(o.defaultKind !== undefined ? { defaultKind: o.defaultKind } : {}),
  };
}

/** A build-time file: the built-in default's profile text it was compiled from, and its plan. */
export interface Precompiled {
  /** data/profiles/default/ARCH.json as it was at build time. */
  readonly profile: string;
  /** {@link encodePlan}'s text. */
  readonly plan: string;
}

/**
 * Where the build writes a {@link Precompiled} per host arch (ARCH.json) and
 * the build id (build-id.txt), in dist/cli/run-precompiled (from the
 * package root: this module may run from the CLI bundle, dist/bin).
 */
export const PRECOMPILED_DIR = join(PACKAGE_ROOT, 'dist', 'cli', 'run-precompiled');

const precompiled = new Map<string, Precompiled | null>();

/** The build's precompiled plan for `host`, or undefined when this build has none (tsc without the build script, an arch without a built-in profile). */
export function readPrecompiled(host: ArchInfo): Precompiled | undefined {
  let p = precompiled.get(host.name);
  if (p === undefined) {
    try {
      const o = JSON.parse(readFileSync(join(PRECOMPILED_DIR, `${host.name}.json`), 'utf8'));
      p = o && isStr(o.profile) && isStr(o.plan) ? (o as Precompiled) : null;
    } catch {
      p = null;
    }
    precompiled.set(host.name, p);
  }
  return p ?? undefined;
}

/** The build id (part of every cache key), or undefined when this build has none (tsc without the build script). */
export function readBuildId(): string | undefined {
  try {
    const id = readFileSync(join(PRECOMPILED_DIR, 'build-id.txt'), 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The precompiled plan of the built-in default for `host` (with default
 * options), if the built-in profile's bytes are still exactly those it was
 * built from; undefined: compile.
 */
export function precompiledPlan(host: ArchInfo, profileBytes: Uint8Array): RunPlan | undefined {
  const pre = readPrecompiled(host);
  if (!pre || Buffer.byteLength(pre.profile) !== profileBytes.length || !Buffer.from(pre.profile).equals(profileBytes)) return undefined;
  return decodePlan(pre.plan);
}

/** The cache's plan for `key`, or undefined (an entry that holds no valid plan is noted in the cache's alerts). */
export function cachedPlan(key: string, cache: ProgramCache): RunPlan | undefined {
  const text = cache.get(key);
  const plan = text === undefined ? undefined : decodePlan(text);
  if (text !== undefined && !plan) cache.alerts.push(`cache entry ${cache.pathOf(key)} not used: it holds no valid plan`);
  return plan;
}
