/**
 * Resolving the Docker/moby and containers/common supersets into plain OCI
 * rules for one host arch, kernel and capability set, following each
 * runtime's rules:
 *
 * - archMap: the entry whose `architecture` is the host's, plus its
 *   `subArchitectures`; other entries are dropped.
 * - per rule, in moby's order: `excludes.arches` has the host arch -> drop;
 *   `excludes.caps`: ANY in the bounding set -> drop; `excludes.minKernel`:
 *   kernel >= it -> drop; `includes.arches` non-empty without the host arch
 *   -> drop; `includes.caps`: ALL must be in the set; `includes.minKernel`:
 *   kernel must be >= it (major.minor).
 */
import { kernelAtLeast, LIBSECCOMP_GO_NAME, MOBY_NATIVE, MOBY_NATIVE_TO_SECCOMP, type ResolvedContext } from './context.js';
import type { Located } from './reader.js';
import type { PolicyWarning } from './reader.js';
import type { RawFilter, RawProfile, RawRule } from './raw.js';

/** What resolution kept. `architectures` undefined means the profile named none. */
export interface ResolvedRules {
  readonly architectures?: Located<string>[];
  readonly rules: RawRule[];
}

const KNOWN_ARCH_TOKENS = new Set(Object.values(MOBY_NATIVE));

/** Applies archMap and includes/excludes of a docker or containers-common profile. */
export function resolveSuperset(raw: RawProfile, ctx: ResolvedContext, warnings: PolicyWarning[]): ResolvedRules {
  const cc = raw.kind === 'containers-common';
  const native = cc ? LIBSECCOMP_GO_NAME[ctx.arch.name] : MOBY_NATIVE[ctx.arch.name];
  let architectures = raw.architectures;
  if (raw.archMap && raw.archMap.length > 0) {
    const want = cc ? ctx.arch.scmpName : native !== undefined ? MOBY_NATIVE_TO_SECCOMP[native] : undefined;
    const entry = want === undefined ? undefined : raw.archMap.find((e) => e.architecture.value === want);
    if (entry) {
      architectures = [entry.architecture, ...entry.subArchitectures];
    } else {
      architectures = undefined;
      warnings.push({
        code: 'ARCHMAP_NO_ENTRY', severity: 'warning', location: raw.archMapLocation,
        message: `archMap has no entry ${cc ? '' : 'moby '}selects for host arch ${ctx.arch.name}; the filter covers the native arch only`,
      });
    }
  }
  const rules: RawRule[] = [];
  let kernelAssumed = false;
  const kernelOk = (min: Located<[number, number]>): boolean => {
    if (!ctx.kernel) {
      kernelAssumed = true;
      return true;
    }
    return kernelAtLeast(ctx.kernel, min.value);
  };
  const checkTokens = (f: RawFilter | undefined) => {
    const list = f?.arches ?? [];
    const anyOk = list.some((a) => KNOWN_ARCH_TOKENS.has(a.value));
    for (const a of list) {
      if (!cc && !KNOWN_ARCH_TOKENS.has(a.value)) {
        warnings.push({
          code: 'ARCH_TOKEN_NEVER_MATCHES', severity: anyOk ? 'info' : 'warning', location: a.location,
          message: `arch "${a.value}" never matches in moby, which compares the host's Go arch (${[...KNOWN_ARCH_TOKENS].join(', ')})`,
        });
      }
    }
    for (const c of f?.caps ?? []) {
      if (!/^CAP_[A-Z_]+$/.test(c.value)) {
        warnings.push({ code: 'CAP_NEVER_MATCHES', severity: 'warning', location: c.location, message: `capability "${c.value}" never matches; the runtime compares exact names such as CAP_SYS_ADMIN` });
      }
    }
  };
  for (const rule of raw.syscalls) {
    checkTokens(rule.includes);
    checkTokens(rule.excludes);
    const why = dropReason(rule, native, ctx, kernelOk);
    if (why) {
      warnings.push({
        code: 'RULE_NOT_APPLICABLE', severity: 'info', location: rule.names[0]?.location,
        message: `rule syscalls[${rule.index}] (${rule.names.map((n) => n.value).join(', ')}) is left out: ${why}`,
        names: rule.names.map((n) => String(n.value)),
      });
      continue;
    }
    rules.push(rule);
  }
  if (kernelAssumed) {
    warnings.push({ code: 'KERNEL_ASSUMED', severity: 'warning', message: 'no kernel version given; minKernel conditions were treated as met' });
  }
  return architectures ? { architectures, rules } : { rules };
}

function dropReason(rule: RawRule, native: string | undefined, ctx: ResolvedContext, kernelOk: (m: Located<[number, number]>) => boolean): string | undefined {
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.length && native !== undefined && ex.arches.some((a) => a.value === native)) return `excludes arch ${native}`;
    const cap = ex.caps?.find((c) => ctx.caps.has(c.value));
    if (cap) return `excludes ${cap.value}, which the container has`;
    if (ex.minKernel && kernelOk(ex.minKernel)) return `excludes kernel >= ${ex.minKernel.value.join('.')}`;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches?.length && (native === undefined || !inc.arches.some((a) => a.value === native))) return `includes only arches ${inc.arches.map((a) => a.value).join(', ')}`;
    const missing = inc.caps?.find((c) => !ctx.caps.has(c.value));
    if (missing) return `needs ${missing.value}, which the container lacks`;
    if (inc.minKernel && !kernelOk(inc.minKernel)) return `needs kernel >= ${inc.minKernel.value.join('.')}`;
  }
  return undefined;
}
