/**
 * Reading a seccomp profile document into a located, dialect-checked raw
 * form. One reader serves the four dialects; each allows its own keys:
 *
 * - `oci`: runtime-spec `linux.seccomp` (also accepted inside a whole
 *   config.json, at `$.linux.seccomp`);
 * - `docker`: moby's superset (`archMap`, rule `name`, `comment`,
 *   `includes`/`excludes` with `caps`, `arches`, `minKernel`);
 * - `containers-common`: Podman/CRI-O's superset (`archMap`, `defaultErrno`,
 *   rule `errno`, `includes`/`excludes` with `caps` and `arches`);
 * - `syswall`: OCI plus syswall's extensions (see docs/policy-format.md).
 */
import { PolicyError, type SourceLocation } from '../errors.js';
import type { JsonNode } from './json-parse.js';
import { childPath, JsonReader, type Field, type Located } from './reader.js';

/** The input dialects syswall reads. */
export type PolicyKind = 'oci' | 'docker' | 'containers-common' | 'syswall';

/** All dialect names. */
export const POLICY_KINDS: readonly PolicyKind[] = ['oci', 'docker', 'containers-common', 'syswall'];

export interface RawArg {
  readonly field: Field;
  readonly index: Located<number>;
  readonly value: Located<bigint>;
  readonly valueTwo?: Located<bigint>;
  readonly op: Located<string>;
  readonly width?: Located<32 | 64>;
}

export interface RawFilter {
  readonly caps?: Located<string>[];
  readonly arches?: Located<string>[];
  readonly minKernel?: Located<[number, number]>;
}

export interface RawRule {
  /** Index in `syscalls`. */
  readonly index: number;
  readonly field: Field;
  /** `names` (or the legacy `name`); numbers only in the syswall dialect. */
  readonly names: Located<string | number>[];
  readonly action: Located<string>;
  readonly errnoRet?: Located<number | string>;
  /** containers-common `errno` (a name such as "ENOSYS"). */
  readonly errno?: Located<string>;
  readonly args: RawArg[];
  readonly argsField?: Field;
  readonly comment?: string;
  readonly includes?: RawFilter;
  readonly excludes?: RawFilter;
}

export interface RawArchMapEntry {
  readonly architecture: Located<string>;
  readonly subArchitectures: Located<string>[];
}

export interface RawProfile {
  readonly kind: PolicyKind;
  readonly root: Field;
  readonly defaultAction: Located<string>;
  readonly defaultErrnoRet?: Located<number | string>;
  readonly defaultErrno?: Located<string>;
  readonly architectures?: Located<string>[];
  readonly archMap?: RawArchMapEntry[];
  readonly archMapLocation?: SourceLocation;
  readonly flags?: Located<string>[];
  readonly listenerPath?: Located<string>;
  readonly listenerMetadata?: Located<string>;
  readonly badArchAction?: Located<string>;
  readonly badArchErrnoRet?: Located<number | string>;
  readonly noNewPrivs?: boolean;
  readonly comment?: string;
  readonly groups?: Map<string, Located<string>[]>;
  readonly syscalls: RawRule[];
}

const OCI_TOP = ['defaultAction', 'defaultErrnoRet', 'architectures', 'flags', 'listenerPath', 'listenerMetadata', 'syscalls'];
const OCI_RULE = ['names', 'action', 'errnoRet', 'args'];
const OCI_ARG = ['index', 'value', 'valueTwo', 'op'];

const KEYS: Record<PolicyKind, { top: string[]; rule: string[]; arg: string[]; filter: string[] }> = {
  oci: { top: OCI_TOP, rule: OCI_RULE, arg: OCI_ARG, filter: [] },
  docker: { top: [...OCI_TOP, 'archMap'], rule: [...OCI_RULE, 'name', 'comment', 'includes', 'excludes'], arg: OCI_ARG, filter: ['caps', 'arches', 'minKernel'] },
  'containers-common': { top: [...OCI_TOP, 'archMap', 'defaultErrno'], rule: [...OCI_RULE, 'name', 'comment', 'includes', 'excludes', 'errno'], arg: OCI_ARG, filter: ['caps', 'arches'] },
  syswall: { top: [...OCI_TOP, 'badArchAction', 'badArchErrnoRet', 'noNewPrivs', 'comment', 'groups', '$schema'], rule: [...OCI_RULE, 'comment'], arg: [...OCI_ARG, 'width'], filter: [] },
};

const DIALECT_OF_KEY: Record<string, string> = {
  archMap: 'a Docker/moby or containers-common key', name: 'a Docker/moby key (legacy single name)', includes: 'a Docker/moby key',
  excludes: 'a Docker/moby key', minKernel: 'a Docker/moby key (containers/common has no minKernel)', defaultErrno: 'a containers-common key',
  errno: 'a containers-common key', badArchAction: 'a syswall extension', badArchErrnoRet: 'a syswall extension', noNewPrivs: 'a syswall extension', groups: 'a syswall extension',
  width: 'a syswall extension', comment: 'a Docker/moby or syswall key',
};

function dialectHint(kind: PolicyKind) {
  return (key: string): string | undefined => {
    const d = DIALECT_OF_KEY[key];
    return d ? `"${key}" is ${d}, not valid in a ${kind} profile (pass the input kind explicitly if detection picked the wrong one)` : undefined;
  };
}

/** Finds the seccomp object: the document itself, or `$.linux.seccomp` of an OCI config.json. */
export function seccompRoot(root: JsonNode): Field {
  if (root.type === 'object' && !root.entries.some((e) => e.key === 'defaultAction' || e.key === 'syscalls')) {
    const linux = root.entries.find((e) => e.key === 'linux')?.value;
    if (linux?.type === 'object') {
      const sec = linux.entries.find((e) => e.key === 'seccomp')?.value;
      if (sec) return { node: sec, path: '$.linux.seccomp' };
    }
  }
  return { node: root, path: '$' };
}

/** Guesses the dialect from the keys used (see docs/policy-format.md). */
export function detectKind(root: JsonNode): PolicyKind {
  const { node } = seccompRoot(root);
  if (node.type !== 'object') return 'oci';
  const top = new Set(node.entries.map((e) => e.key));
  const rules = node.entries.find((e) => e.key === 'syscalls')?.value;
  const ruleNodes = rules?.type === 'array' ? rules.items.filter((r) => r.type === 'object') : [];
  const ruleKeys = new Set<string>();
  let numericOrGroupNames = false;
  let width = false;
  for (const r of ruleNodes) {
    if (r.type !== 'object') continue;
    for (const e of r.entries) {
      ruleKeys.add(e.key);
      if (e.key === 'names' && e.value.type === 'array') {
        if (e.value.items.some((it) => it.type === 'number' || (it.type === 'string' && it.value.startsWith('@')))) numericOrGroupNames = true;
      }
      if (e.key === 'args' && e.value.type === 'array') {
        if (e.value.items.some((a) => a.type === 'object' && a.entries.some((x) => x.key === 'width'))) width = true;
      }
    }
  }
  if (['badArchAction', 'badArchErrnoRet', 'noNewPrivs', 'groups', '$schema'].some((k) => top.has(k)) || numericOrGroupNames || width || (top.has('comment') && !top.has('archMap'))) return 'syswall';
  if (top.has('defaultErrno') || ruleKeys.has('errno')) return 'containers-common';
  if (top.has('archMap') || ['name', 'includes', 'excludes', 'comment'].some((k) => ruleKeys.has(k))) return 'docker';
  return 'oci';
}

/** Sets the values of `values` that are defined on `out` (optional fields stay absent otherwise). */
function setDefined<T extends object>(out: T, values: Partial<T>): void {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
}

/** `read(f)` for a present field, else undefined. */
const opt = <T>(f: Field | undefined, read: (f: Field) => T): T | undefined => (f ? read(f) : undefined);

/** Reads a profile of the given dialect; throws {@link PolicyError} naming path and line:column. */
export function readRawProfile(root: JsonNode, kind: PolicyKind, file?: string): RawProfile {
  const r = new JsonReader(file);
  const keys = KEYS[kind];
  const rootField = seccompRoot(root);
  const hint = dialectHint(kind);
  const top = r.object(rootField.node, rootField.path, keys.top, hint);
  const located = <T>(f: Field, v: T): Located<T> => ({ value: v, location: r.loc(f.node, f.path) });
  const str = (f: Field | undefined) => (f ? located(f, r.string(f)) : undefined);
  const errnoField = (f: Field | undefined): Located<number | string> | undefined => {
    if (!f) return undefined;
    if (kind === 'syswall' && f.node.type === 'string' && !/^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(f.node.value)) return located(f, f.node.value);
    return located(f, r.uintNumber(f, 32, kind === 'syswall'));
  };

  const da = r.required(top, 'defaultAction', rootField.node, rootField.path);
  const out: {
    -readonly [K in keyof RawProfile]: RawProfile[K];
  } = { kind, root: rootField, defaultAction: located(da, r.string(da)), syscalls: [] };
  const dr = errnoField(top.get('defaultErrnoRet'));
  if (dr) out.defaultErrnoRet = dr;
  const archs = top.get('architectures');
  if (archs) out.architectures = r.strings(archs);
  const am = top.get('archMap');
  if (am) {
    out.archMapLocation = r.loc(am.node, am.path);
    out.archMap = r.array(am).map((entry) => {
      const f = r.object(entry.node, entry.path, ['architecture', 'subArchitectures']);
      const a = r.required(f, 'architecture', entry.node, entry.path);
      const sub = f.get('subArchitectures');
      return { architecture: located(a, r.string(a)), subArchitectures: sub ? r.strings(sub) : [] };
    });
  }
  const flags = top.get('flags');
  if (flags) out.flags = r.strings(flags);
  for (const key of ['defaultErrno', 'listenerPath', 'listenerMetadata', 'badArchAction'] as const) {
    const v = str(top.get(key));
    if (v) out[key] = v;
  }
  setDefined(out, {
    badArchErrnoRet: errnoField(top.get('badArchErrnoRet')),
    noNewPrivs: opt(top.get('noNewPrivs'), (f) => r.bool(f)),
    comment: opt(top.get('comment'), (f) => r.string(f)),
  });
  const groups = top.get('groups');
  if (groups) {
    if (groups.node.type !== 'object') r.object(groups.node, groups.path, []);
    const map = new Map<string, Located<string>[]>();
    if (groups.node.type === 'object') {
      for (const e of groups.node.entries) {
        const p = childPath(groups.path, e.key);
        if (!/^@[a-z0-9][a-z0-9_-]*$/i.test(e.key)) throw r.error('BAD_GROUP_NAME', `group name "${e.key}" must start with "@" followed by letters, digits, "-" or "_"`, { line: e.keyLine, column: e.keyColumn }, p);
        map.set(e.key, r.strings({ node: e.value, path: p }));
      }
    }
    out.groups = map;
  }

  const sc = top.get('syscalls');
  if (sc) {
    out.syscalls = r.array(sc).map((rf, index) => readRule(r, rf, index, kind, errnoField));
  }
  if (out.listenerMetadata && !out.listenerPath) {
    throw new PolicyError('LISTENER_METADATA_WITHOUT_PATH', 'listenerMetadata is set without listenerPath', { location: out.listenerMetadata.location, hint: 'the runtime-spec forbids listenerMetadata without listenerPath' });
  }
  if (out.architectures && out.archMap && out.architectures.length > 0 && out.archMap.length > 0) {
    throw new PolicyError('ARCHITECTURES_AND_ARCHMAP', 'both "architectures" and "archMap" are given; use one of them', { location: out.archMapLocation, hint: 'Docker and containers/common refuse such profiles' });
  }
  return out;
}

function readRule(r: JsonReader, rf: Field, index: number, kind: PolicyKind, errnoField: (f: Field | undefined) => Located<number | string> | undefined): RawRule {
  const keys = KEYS[kind];
  const f = r.object(rf.node, rf.path, keys.rule, dialectHint(kind));
  const located = <T>(x: Field, v: T): Located<T> => ({ value: v, location: r.loc(x.node, x.path) });
  const names: Located<string | number>[] = [];
  const namesF = f.get('names');
  const nameF = f.get('name');
  if (namesF && nameF && (namesF.node.type !== 'array' || namesF.node.items.length > 0)) {
    throw r.error('NAME_AND_NAMES', 'both "name" and "names" are given; use one of them', nameF.node, nameF.path, 'Docker refuses such rules');
  }
  if (namesF) {
    for (const it of r.array(namesF)) {
      if (kind === 'syswall' && it.node.type === 'number') names.push(located(it, r.uintNumber(it, 32)));
      else names.push(located(it, r.string(it)));
    }
  }
  if (nameF) names.push(located(nameF, r.string(nameF)));
  if (names.length === 0) {
    const at = namesF ?? rf;
    throw r.error('NO_SYSCALL_NAMES', namesF ? '"names" is empty; a rule needs at least one syscall' : `rule has no "names"`, at.node, at.path);
  }
  const act = r.required(f, 'action', rf.node, rf.path);
  const rule: { -readonly [K in keyof RawRule]: RawRule[K] } = { index, field: rf, names, action: located(act, r.string(act)), args: [] };
  const er = errnoField(f.get('errnoRet'));
  if (er) rule.errnoRet = er;
  const eo = f.get('errno');
  if (eo) rule.errno = located(eo, r.string(eo));
  const c = f.get('comment');
  if (c) rule.comment = r.string(c);
  const argsF = f.get('args');
  if (argsF) {
    rule.argsField = argsF;
    const items = r.array(argsF);
    if (items.length > 6) throw r.error('TOO_MANY_ARGS', `${items.length} argument conditions; at most 6 are allowed`, argsF.node, argsF.path, 'a syscall has 6 arguments and libseccomp takes at most 6 comparisons per rule');
    rule.args = items.map((af) => {
      const a = r.object(af.node, af.path, keys.arg, dialectHint(kind));
      const idx = r.required(a, 'index', af.node, af.path);
      const index = r.uintNumber(idx, 32);
      if (index > 5) throw r.error('ARG_INDEX', `argument index ${index} is out of range; expected 0..5`, idx.node, idx.path);
      const val = r.required(a, 'value', af.node, af.path);
      const op = r.required(a, 'op', af.node, af.path);
      const out: { -readonly [K in keyof RawArg]: RawArg[K] } = {
        field: af, index: located(idx, index), value: located(val, r.uint(val, 64, kind === 'syswall')), op: located(op, r.string(op)),
      };
      const v2 = a.get('valueTwo');
      if (v2) out.valueTwo = located(v2, r.uint(v2, 64, kind === 'syswall'));
      const wd = a.get('width');
      if (wd) {
        const wv = r.uintNumber(wd, 8);
        if (wv !== 32 && wv !== 64) throw r.error('BAD_WIDTH', `width must be 32 or 64, found ${wv}`, wd.node, wd.path);
        out.width = located(wd, wv);
      }
      return out;
    });
  }
  for (const which of ['includes', 'excludes'] as const) {
    const ff = f.get(which);
    if (!ff) continue;
    const o = r.object(ff.node, ff.path, keys.filter, dialectHint(kind));
    const filter: { -readonly [K in keyof RawFilter]: RawFilter[K] } = {};
    const caps = o.get('caps');
    if (caps) filter.caps = r.strings(caps);
    const arches = o.get('arches');
    if (arches) filter.arches = r.strings(arches);
    const mk = o.get('minKernel');
    if (mk) {
      const s = r.string(mk);
      if (s !== '') {
        const m = /^(\d{1,3})\.(\d{1,3})$/.exec(s);
        const v: [number, number] | undefined = m ? [Number(m[1]), Number(m[2])] : undefined;
        if (!v || v[0] > 255 || v[1] > 255) throw r.error('BAD_KERNEL_VERSION', `invalid kernel version "${s}", expected "<kernel>.<major>" such as "4.8"`, mk.node, mk.path);
        if (v[0] === 0 && v[1] === 0) throw r.error('BAD_KERNEL_VERSION', `invalid kernel version "${s}": version cannot be 0.0`, mk.node, mk.path);
        filter.minKernel = located(mk, v);
      }
    }
    rule[which] = filter;
  }
  return rule;
}
