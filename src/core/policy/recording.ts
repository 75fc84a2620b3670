/**
 * Turning observed syscalls into a minimal allow-list policy, and merging
 * recordings and profiles. Pure: the runtime that observes the calls lives in
 * src/node/record.ts; this module only counts and builds policies.
 *
 * A {@link Recording} holds, per arch the calls were made with, the count of
 * every syscall number seen, and (for a few syscalls whose arguments matter)
 * the set of values seen for those arguments. {@link recordingToPolicy} turns
 * it into a policy: default ERRNO(EPERM), ALLOW for each syscall seen, the
 * arches seen, and with `args` argument-level rules as compact value sets.
 */
import { ARCHES, findArch, type ArchInfo, type ArchName } from '../arch/arches.js';
import { syscallName } from '../arch/syscalls.js';
import { PolicyError } from '../errors.js';
import type { Action, Condition, Policy, Rule } from './types.js';
import { validatePolicy } from './validate.js';

/** An argument whose values a recording keeps: index, compare width, and a mask applied to the value before it is kept. */
export interface RecordedArgSpec {
  readonly arg: number;
  readonly width: 32 | 64;
  /** Bits that are kept (others are ignored when matching); default all bits of `width`. */
  readonly mask?: bigint;
  /** What the argument is, for documentation and comments. */
  readonly what: string;
}

const SOCK_CLOEXEC = 0o2000000n;
const SOCK_NONBLOCK = 0o4000n;
const M32 = 0xffffffffn;
const M64 = 0xffffffffffffffffn;

/**
 * The arguments recorded with `--args`, per syscall name, for arches whose
 * argument order is the usual one (x86, arm, riscv, ...). `clone` on s390 and
 * s390x takes (stack, flags), see {@link argSpecsFor}.
 */
export const RECORDED_ARGS: Readonly<Record<string, readonly RecordedArgSpec[]>> = Object.freeze({
  socket: [
    { arg: 0, width: 32, what: 'domain' },
    // SOCK_CLOEXEC and SOCK_NONBLOCK do not change what the socket is: ignore them.
    { arg: 1, width: 32, mask: M32 & ~(SOCK_CLOEXEC | SOCK_NONBLOCK), what: 'type (without SOCK_CLOEXEC|SOCK_NONBLOCK)' },
  ],
  clone: [{ arg: 0, width: 64, what: 'flags' }],
  prctl: [{ arg: 0, width: 32, what: 'option' }],
  ioctl: [{ arg: 1, width: 32, what: 'request' }],
  fcntl: [{ arg: 1, width: 32, what: 'command' }],
  fcntl64: [{ arg: 1, width: 32, what: 'command' }],
  mmap: [{ arg: 2, width: 32, what: 'prot' }],
  mmap2: [{ arg: 2, width: 32, what: 'prot' }],
  mprotect: [{ arg: 2, width: 32, what: 'prot' }],
  pkey_mprotect: [{ arg: 2, width: 32, what: 'prot' }],
  personality: [{ arg: 0, width: 32, what: 'persona' }],
});

/** The recorded arguments of `name` on `arch` (s390/s390x swap clone's first two arguments). */
export function argSpecsFor(arch: ArchInfo, name: string): readonly RecordedArgSpec[] | undefined {
  if (name === 'clone' && (arch.name === 's390' || arch.name === 's390x')) return [{ arg: 1, width: 64, what: 'flags' }];
  return RECORDED_ARGS[name];
}

/** One syscall as recorded on one arch. */
export interface RecordedSyscall {
  readonly arch: ArchName;
  readonly nr: number;
  /** Name in our table, or undefined for a number the table does not know. */
  readonly name: string | undefined;
  count: number;
  /** With recorded arguments: each distinct tuple of the recorded argument values (masked), as a key `v0,v1`. */
  readonly tuples: Map<string, readonly bigint[]>;
}

/** Calls with more distinct argument tuples than this are allowed without argument conditions. */
export const MAX_TUPLES = 256;

/**
 * Counts of syscalls observed while a command ran, per arch and number.
 * `add` is the hot path: one Map lookup per call, argument values only for
 * the few syscalls in {@link RECORDED_ARGS}.
 */
export class Recording {
  /** Keyed by `${arch}:${nr}`. */
  readonly syscalls = new Map<string, RecordedSyscall>();
  /** Calls made with an arch token syswall does not know. */
  readonly unknownArch = new Map<number, number>();
  total = 0;

  /** Records one call. `arch` undefined: an arch token we do not know (counted in `unknownArch`). */
  add(arch: ArchInfo | undefined, archToken: number, nr: number, args?: readonly bigint[]): void {
    this.total++;
    if (!arch) {
      this.unknownArch.set(archToken, (this.unknownArch.get(archToken) ?? 0) + 1);
      return;
    }
    const key = arch.name + ':' + nr;
    let s = this.syscalls.get(key);
    if (!s) {
      s = { arch: arch.name, nr, name: syscallName(arch, nr), count: 0, tuples: new Map() };
      this.syscalls.set(key, s);
    }
    s.count++;
    if (args && s.name !== undefined && s.tuples.size <= MAX_TUPLES) {
      const specs = argSpecsFor(arch, s.name);
      if (specs) {
        const vals = specs.map((sp) => (args[sp.arg] ?? 0n) & (sp.mask ?? (sp.width === 32 ? M32 : M64)));
        const k = vals.join(',');
        if (!s.tuples.has(k)) s.tuples.set(k, vals);
      }
    }
  }

  /** Distinct (arch, syscall) pairs seen. */
  get distinct(): number {
    return this.syscalls.size;
  }

  /** Arches calls were made with, in first-seen order. */
  arches(): ArchName[] {
    return [...new Set([...this.syscalls.values()].map((s) => s.arch))];
  }

  /** Counts per syscall name over all arches (numbers our table does not know are left out; see {@link unknown}). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.syscalls.values()) {
      if (s.name === undefined) continue;
      out[s.name] = (out[s.name] ?? 0) + s.count;
    }
    return out;
  }

  /** Numbers our table does not know, per arch. */
  unknown(): { arch: ArchName; nr: number; count: number }[] {
    return [...this.syscalls.values()].filter((s) => s.name === undefined).map((s) => ({ arch: s.arch, nr: s.nr, count: s.count }));
  }

  /** Adds another recording's observations to this one. */
  merge(other: Recording): this {
    this.total += other.total;
    for (const [t, c] of other.unknownArch) this.unknownArch.set(t, (this.unknownArch.get(t) ?? 0) + c);
    for (const [k, o] of other.syscalls) {
      const s = this.syscalls.get(k);
      if (!s) {
        this.syscalls.set(k, { ...o, tuples: new Map(o.tuples) });
        continue;
      }
      s.count += o.count;
      for (const [tk, tv] of o.tuples) if (!s.tuples.has(tk)) s.tuples.set(tk, tv);
    }
    return this;
  }
}

/** Options of {@link recordingToPolicy}. */
export interface RecordingPolicyOptions {
  /** Default action (default ERRNO(EPERM)). */
  defaultAction?: Action;
  /** Argument-level rules for the syscalls in {@link RECORDED_ARGS}. */
  args?: boolean;
  /** The recorded command line, for the comment. */
  command?: string;
}

/** A cube: values matching `(v & ~dc) == value` within the argument's full mask. */
interface Cube {
  value: bigint;
  dc: bigint;
}

/**
 * Compresses a set of values into few masked comparisons that match exactly
 * the set (no value outside it): values differing in one bit merge into one
 * cube with that bit ignored, repeatedly (the first step of Quine-McCluskey).
 * E.g. prot {0, 1, 2, 3} becomes one `(prot & ~3) == 0`.
 */
export function compressValues(values: readonly bigint[]): Cube[] {
  let cubes: Cube[] = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((value) => ({ value, dc: 0n }));
  if (cubes.length > 64) return cubes;
  for (;;) {
    const used = new Set<number>();
    const next = new Map<string, Cube>();
    for (let i = 0; i < cubes.length; i++) {
      for (let j = i + 1; j < cubes.length; j++) {
        const a = cubes[i];
        const b = cubes[j];
        if (a.dc !== b.dc) continue;
        const diff = a.value ^ b.value;
        if (diff === 0n || (diff & (diff - 1n)) !== 0n) continue;
        used.add(i).add(j);
        const c = { value: a.value & ~diff, dc: a.dc | diff };
        next.set(`${c.value}/${c.dc}`, c);
      }
    }
    if (used.size === 0) return cubes;
    cubes = [...next.values(), ...cubes.filter((_, i) => !used.has(i))];
  }
}

function cubeCondition(spec: RecordedArgSpec, cube: Cube): Condition {
  const full = spec.mask ?? (spec.width === 32 ? M32 : M64);
  const mask = full & ~cube.dc;
  const base = { arg: spec.arg, ...(spec.width === 32 ? { width: 32 as const } : {}) };
  if (mask === (spec.width === 32 ? M32 : M64)) return { ...base, op: 'EQ', value: cube.value };
  return { ...base, op: 'MASKED_EQ', mask, value: cube.value & mask };
}

/**
 * Conditions for one syscall's recorded tuples: a list of ANDed condition
 * lists, OR'd. One argument: its values compressed into cubes. Several
 * arguments (socket domain, type): per distinct first value, the second
 * argument's values compressed.
 */
function argRules(specs: readonly RecordedArgSpec[], tuples: readonly (readonly bigint[])[]): Condition[][] {
  if (specs.length === 1) return compressValues(tuples.map((t) => t[0])).map((c) => [cubeCondition(specs[0], c)]);
  const byFirst = new Map<bigint, bigint[][]>();
  for (const t of tuples) {
    const l = byFirst.get(t[0]) ?? [];
    l.push(t.slice(1));
    byFirst.set(t[0], l);
  }
  const out: Condition[][] = [];
  for (const [first, rest] of [...byFirst].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const head = cubeCondition(specs[0], { value: first, dc: 0n });
    for (const tail of argRules(specs.slice(1), rest)) out.push([head, ...tail]);
  }
  return out;
}

/** The marker before the counts in a recorded profile's comment. */
export const COUNTS_MARKER = 'syscall counts: ';

/**
 * The minimal policy that lets the recorded run happen: ALLOW for each
 * syscall seen (with `args`, only for the argument values seen), the arches
 * seen, default ERRNO(EPERM). The IR's rules name syscalls, so a name seen on
 * one arch is allowed on every recorded arch (a syscall a recorded arch does
 * not have is absent there). Numbers our table does not know get no rule:
 * the compiler's default (`enosys: 'unknown'`) answers them ENOSYS. The
 * comment carries the command, the totals, the unknown numbers and the
 * per-syscall counts (`syscall counts: {"read":12,...}`), which
 * {@link countsFromComment} reads back.
 */
export function recordingToPolicy(rec: Recording, options: RecordingPolicyOptions = {}): Policy {
  const arches = rec.arches();
  if (arches.length === 0) throw new PolicyError('EMPTY_RECORDING', 'nothing was recorded: the command made no syscall that could be observed');
  // Merge the observations of one name over arches (argument tuples as union).
  const byName = new Map<string, { tuples: Map<string, readonly bigint[]>; specs?: readonly RecordedArgSpec[]; uniform: boolean }>();
  for (const s of rec.syscalls.values()) {
    if (s.name === undefined) continue;
    const arch = ARCHES[s.arch];
    const specs = argSpecsFor(arch, s.name);
    const e = byName.get(s.name);
    if (!e) {
      byName.set(s.name, { tuples: new Map(s.tuples), specs, uniform: s.tuples.size <= MAX_TUPLES });
    } else {
      // Different argument layouts on different arches (s390 clone): give up on args.
      if (JSON.stringify(e.specs?.map((x) => x.arg)) !== JSON.stringify(specs?.map((x) => x.arg))) e.uniform = false;
      for (const [k, v] of s.tuples) e.tuples.set(k, v);
      if (s.tuples.size > MAX_TUPLES) e.uniform = false;
    }
  }
  const rules: Rule[] = [];
  const allow: Action = { kind: 'ALLOW' };
  for (const name of [...byName.keys()].sort()) {
    const e = byName.get(name)!;
    if (options.args && e.specs && e.uniform && e.tuples.size > 0 && e.tuples.size <= MAX_TUPLES) {
      for (const conds of argRules(e.specs, [...e.tuples.values()])) rules.push({ syscall: name, action: allow, conditions: conds });
    } else {
      rules.push({ syscall: name, action: allow, conditions: [] });
    }
  }
  const unknown = rec.unknown();
  const lines = [
    `recorded by syswall record${options.command ? `: ${options.command}` : ''}`,
    `${rec.total} syscalls, ${rec.distinct} distinct (arch, syscall) pairs on ${arches.join(', ')}`,
  ];
  if (unknown.length) lines.push(`numbers not in syswall's table (ENOSYS when compiled by syswall): ${unknown.map((u) => `${u.arch}:${u.nr}`).join(' ')}`);
  lines.push(COUNTS_MARKER + JSON.stringify(sortedCounts(rec.counts())));
  return validatePolicy({
    defaultAction: options.defaultAction ?? { kind: 'ERRNO', data: 1 },
    badArchAction: { kind: 'KILL_THREAD' },
    arches,
    rules,
    comment: lines.join('\n'),
  });
}

/** Counts sorted by count, highest first (ties by name). */
export function sortedCounts(c: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(c).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/** Reads the per-syscall counts back from a recorded profile's comment (undefined when there are none). */
export function countsFromComment(comment: string | undefined): Record<string, number> | undefined {
  if (!comment) return undefined;
  const line = comment.split('\n').find((l) => l.startsWith(COUNTS_MARKER));
  if (!line) return undefined;
  try {
    const v = JSON.parse(line.slice(COUNTS_MARKER.length)) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(v as Record<string, unknown>)) if (typeof n === 'number' && Number.isFinite(n) && n >= 0) out[k] = n;
    return out;
  } catch {
    return undefined;
  }
}

function actionKey(a: Action): string {
  return a.kind + (a.data !== undefined ? `(${a.data})` : '');
}

function ruleKey(r: Rule): string {
  return `${String(r.syscall)}|${actionKey(r.action)}|${r.conditions.map((c) => `${c.arg}:${c.op}:${c.value}:${c.mask ?? ''}:${c.width ?? 64}`).join('&')}`;
}

/**
 * Unions policies (recordings or existing allow-list profiles) into one:
 * the arches of all, every ALLOW rule of any (a syscall allowed without
 * conditions by one input drops the conditional ALLOW rules of the others),
 * and other rules only for syscalls no input allows. The counts in the
 * comments are added up. The default action is `defaultAction`, else the
 * first input's.
 */
export function mergePolicies(policies: readonly Policy[], options: { defaultAction?: Action; comment?: string } = {}): Policy {
  if (policies.length === 0) throw new PolicyError('NOTHING_TO_MERGE', 'nothing to merge: give at least one profile');
  const arches = [...new Set(policies.flatMap((p) => p.arches))];
  const all = policies.flatMap((p) => p.rules);
  const allowed = new Set(all.filter((r) => r.action.kind === 'ALLOW').map((r) => String(r.syscall)));
  const unconditional = new Set(all.filter((r) => r.action.kind === 'ALLOW' && r.conditions.length === 0).map((r) => String(r.syscall)));
  const seen = new Set<string>();
  const rules: Rule[] = [];
  for (const r of all) {
    const name = String(r.syscall);
    if (r.action.kind === 'ALLOW') {
      if (r.conditions.length > 0 && unconditional.has(name)) continue;
    } else if (allowed.has(name)) continue;
    const k = ruleKey(r);
    if (seen.has(k)) continue;
    seen.add(k);
    rules.push({ syscall: r.syscall, action: r.action, conditions: r.conditions, ...(r.origin?.comment ? { origin: { comment: r.origin.comment } } : {}) });
  }
  rules.sort((a, b) => (String(a.syscall) < String(b.syscall) ? -1 : String(a.syscall) > String(b.syscall) ? 1 : 0));
  const defaultAction = options.defaultAction ?? policies[0].defaultAction;
  const counts: Record<string, number> = {};
  let anyCounts = false;
  for (const p of policies) {
    const c = countsFromComment(p.comment);
    if (!c) continue;
    anyCounts = true;
    for (const [k, n] of Object.entries(c)) counts[k] = (counts[k] ?? 0) + n;
  }
  const lines = [options.comment ?? `merged by syswall record from ${policies.length} profiles`];
  if (anyCounts) lines.push(COUNTS_MARKER + JSON.stringify(sortedCounts(counts)));
  return validatePolicy({
    defaultAction,
    badArchAction: policies[0].badArchAction,
    arches,
    rules: rules.filter((r) => actionKey(r.action) !== actionKey(defaultAction)),
    comment: lines.join('\n'),
  });
}

/** The arch names a host of `native` can run (x86_64: x86_64, x86, x32; aarch64: aarch64, arm). */
export function runnableArches(native: ArchInfo): ArchInfo[] {
  const extra: Partial<Record<ArchName, ArchName[]>> = { x86_64: ['x86', 'x32'], aarch64: ['arm'], ppc64: ['ppc'], s390x: ['s390'], mips64: ['mips', 'mips64n32'], mipsel64: ['mipsel', 'mipsel64n32'] };
  return [native, ...(extra[native.name] ?? []).map((n) => findArch(n)).filter((a): a is ArchInfo => a !== undefined)];
}
