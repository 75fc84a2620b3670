/**
 * One entry point for every policy dialect syswall reads: the JSON ones
 * (OCI, Docker/moby, containers/common, syswall) through parsePolicyText,
 * and SPO YAML, Firecracker JSON, minijail and Kafel through their importers.
 * The dialect is detected from content unless `kind` is given.
 */
import { PolicyError } from '../errors.js';
import type { Policy } from '../policy/types.js';
import type { ResolveContext } from './context.js';
import { importFirecracker } from './firecracker.js';
import { importKafel } from './kafel.js';
import { importMinijail } from './minijail.js';
import { parsePolicyText } from './parse.js';
import type { PolicyWarning } from './reader.js';
import { importSpo, looksLikeSpo, type BaseProfileResolver } from './spo.js';
import type { FileResolver } from './textsrc.js';

/** Every dialect {@link importPolicy} reads. */
export const IMPORT_KINDS = ['oci', 'docker', 'containers-common', 'syswall', 'spo', 'firecracker', 'minijail', 'kafel'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** Options of {@link importPolicy}. */
export interface ImportPolicyOptions {
  file?: string;
  kind?: ImportKind;
  /** Arch for the single-arch dialects (minijail, Kafel, Firecracker) and the runtime's native arch. */
  arch?: string;
  context?: ResolveContext;
  /** Firecracker thread. */
  thread?: string;
  /** Reads included files (minijail `@include`/`@frequency`, Kafel `#include`). */
  readFile?: FileResolver;
  /** Resolves SPO base profiles. */
  resolveBase?: BaseProfileResolver;
}

/** Result of {@link importPolicy}. */
export interface ImportedPolicy {
  readonly policy: Policy;
  readonly warnings: readonly PolicyWarning[];
  readonly kind: ImportKind;
  readonly frequencies?: Readonly<Record<string, number>>;
}

/** Guesses the dialect of a policy text. */
export function detectImportKind(text: string): ImportKind | 'json' {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) {
    if (/^\{\s*"[^"]*"\s*:\s*\{\s*"(default_action|filter_action|filter)"/.test(t)) return 'firecracker';
    return 'json';
  }
  if (looksLikeSpo(t) || /^(apiVersion|kind):/m.test(t)) return 'spo';
  const noComments = t.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  if (/\bPOLICY\s+\w+\s*\{|^\s*USE\s+\w+|\bDEFAULT\s+[A-Z]|^\s*#\s*define\b|^\s*(ALLOW|KILL|KILL_PROCESS|LOG|DENY|ERRNO\s*\(\s*\w+\s*\)|TRAP\s*\(\s*\w+\s*\))\s*\{/m.test(noComments)) return 'kafel';
  return 'minijail';
}

/** Imports a policy in any dialect; throws {@link PolicyError} naming the location on bad input. */
export function importPolicy(text: string, options: ImportPolicyOptions = {}): ImportedPolicy {
  const detected = options.kind ?? detectImportKind(text);
  const file = options.file !== undefined ? { file: options.file } : {};
  const arch = options.arch ?? options.context?.arch;
  switch (detected) {
    case 'spo': {
      const r = importSpo(text, { ...file, ...(options.context ? { context: options.context } : {}), ...(options.resolveBase ? { resolveBase: options.resolveBase } : {}) });
      return { policy: r.policy, warnings: r.warnings, kind: 'spo' };
    }
    case 'firecracker': {
      const r = importFirecracker(text, { ...file, ...(options.thread !== undefined ? { thread: options.thread } : {}), ...(arch ? { arch } : {}) });
      return { policy: r.policy, warnings: r.warnings, kind: 'firecracker' };
    }
    case 'minijail': {
      const r = importMinijail(text, { ...file, ...(arch ? { arch } : {}), ...(options.readFile ? { readFile: options.readFile } : {}) });
      return { policy: r.policy, warnings: r.warnings, kind: 'minijail', ...(r.frequencies ? { frequencies: r.frequencies } : {}) };
    }
    case 'kafel': {
      const r = importKafel(text, { ...file, ...(arch ? { arch } : {}), ...(options.readFile ? { readFile: options.readFile } : {}) });
      return { policy: r.policy, warnings: r.warnings, kind: 'kafel' };
    }
    default: {
      if (options.thread !== undefined) throw new PolicyError('USAGE', '--thread only applies to Firecracker filters');
      const r = parsePolicyText(text, { ...file, ...(options.context ? { context: options.context } : {}), ...(detected !== 'json' ? { kind: detected } : {}) });
      return { policy: r.policy, warnings: r.warnings, kind: r.kind };
    }
  }
}
