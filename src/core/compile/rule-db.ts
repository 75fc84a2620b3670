/**
 * The rule database: how the rules of a policy combine into one decision per
 * (arch, syscall, argument values).
 *
 * syswall's compiler must decide exactly as libseccomp does for every policy
 * libseccomp accepts, so this module models libseccomp's rule database
 * (behaviour observed in its db.c and checked differentially against
 * python3-seccomp in test/libseccomp-differential.test.ts):
 *
 * - A rule's conditions become a chain of 32-bit word comparisons, in argument
 *   order. On 64-bit arches each 64-bit comparison is two or three nodes: the
 *   high word first (`hi > H`, then `hi == H`, then the low word), NE/LT/LE
 *   being EQ/GE/GT with the outcome on the other branch. On 32-bit arches
 *   (and x32) only the low word is compared.
 * - Chains for the same syscall are merged into a tree. Nodes comparing the
 *   same word with the same operator, mask and datum are shared. Sibling
 *   nodes (a "level") are kept sorted: higher argument index first, a high
 *   word before a low word, EQ/NE/MASKED_EQ before LT/LE before GT/GE, then
 *   by datum (larger first; smaller first for LT/LE).
 * - Evaluation walks a level in order: a node's taken branch either returns
 *   an action, descends into the next level, or (when it leads nowhere) falls
 *   through to the next sibling; a level that matches nothing falls back to
 *   the parent's next sibling, and finally to the default action. Hence on
 *   overlap "the tightest bound wins".
 * - An unconditional rule for a syscall replaces all conditional ones (of any
 *   action); conditional rules added after an unconditional one are ignored.
 * - Conflicts libseccomp refuses (the same condition path with different
 *   actions) raise a {@link CompileError} naming both rules.
 *
 * Rules for syscalls an arch lacks are dropped for that arch. On arches that
 * multiplex socket and SysV IPC calls, a rule for e.g. `socket` becomes a
 * `socketcall` rule with `a0 == SYS_SOCKET` (replacing any a0 condition of the
 * rule) plus a rule for the direct syscall where the arch has one.
 */
import type { ArchInfo } from '../arch/arches.js';
import { IPC_SUBCALLS, SOCKETCALL_SUBCALLS, syscallName, syscallNumber } from '../arch/syscalls.js';
import { argWordOffset } from '../bpf/data.js';
import { CompileError } from '../errors.js';
import type { CmpOp, Condition, Rule } from '../policy/types.js';

/** Operator of one 32-bit comparison node. */
export type NodeOp = 'EQ' | 'GT' | 'GE' | 'MASKED_EQ';

/** One 32-bit comparison in the rule tree. */
export interface DbNode {
  arg: number;
  /** True when the node compares the high word of a 64-bit argument. */
  hi: boolean;
  /** Byte offset in seccomp_data. */
  offset: number;
  op: NodeOp;
  /** The rule's operator, used for ordering. */
  opOrig: CmpOp;
  mask: number;
  datum: number;
  datumFull: bigint;
  actT: number;
  actTSet: boolean;
  actF: number;
  actFSet: boolean;
  nxtT: DbNode | null;
  nxtF: DbNode | null;
  lvlPrv: DbNode | null;
  lvlNxt: DbNode | null;
  /** Index of the rule that created the node (for conflict messages). */
  rule: number;
}

/** What a syscall's rules say: an unconditional action, or a tree. */
export interface DbSyscall {
  nr: number;
  /** Action when `chains` is null. */
  action: number;
  chains: DbNode | null;
}

/** The rule database of one arch. */
export interface ArchDb {
  arch: ArchInfo;
  /** Keyed by syscall number (only numbers the arch has). */
  syscalls: Map<number, DbSyscall>;
}

/** A rule as the database sees it: one syscall number, an action value, conditions by argument. */
interface DbRule {
  nr: number;
  action: number;
  /** At most one condition per argument index, sorted by index. */
  conds: readonly Condition[];
  index: number;
}

const M32 = 0xffffffffn;
const u32 = (v: bigint): number => Number(v & M32);

function opPriority(op: CmpOp): number {
  switch (op) {
    case 'MASKED_EQ':
    case 'EQ':
    case 'NE':
      return 3;
    case 'LE':
    case 'LT':
      return 2;
    default:
      return 1;
  }
}

const argPriority = (n: DbNode) => n.arg * 2 + (n.hi ? 1 : 0);

/** libseccomp's sibling order: true if `a` sorts after `b` in a level. */
function chainLt(a: DbNode, b: DbNode): boolean {
  const pa = argPriority(a);
  const pb = argPriority(b);
  if (pa !== pb) return pa < pb;
  const oa = opPriority(a.opOrig);
  const ob = opPriority(b.opOrig);
  if (oa !== ob) return oa < ob;
  if (a.opOrig === 'LE' || a.opOrig === 'LT') return a.datum > b.datum;
  return a.datum < b.datum;
}

function chainEq(a: DbNode, b: DbNode): boolean {
  return argPriority(a) === argPriority(b) && a.op === b.op && a.datum === b.datum && a.mask === b.mask;
}

const isLeaf = (n: DbNode) => n.nxtT === null && n.nxtF === null;

/** Longest level walked before a level is taken to loop (libseccomp's merge can tangle its links). */
const MAX_LEVEL_LENGTH = 100_000;
/** Merge steps for one rule before the merge is taken to run away (libseccomp never finishes such policies). */
const MAX_MERGE_STEPS = 1_000_000;

/**
 * The first node of the level holding `n`. Returns undefined when the level
 * links loop: libseccomp's merge can tangle them on some policies (and then
 * never terminates); callers report that as too complex.
 */
export function levelStart(n: DbNode): DbNode | undefined {
  let cur = n;
  for (let steps = 0; cur.lvlPrv; steps++) {
    if (steps > MAX_LEVEL_LENGTH) return undefined;
    cur = cur.lvlPrv;
  }
  return cur;
}

function node(init: Partial<DbNode> & Pick<DbNode, 'arg' | 'hi' | 'offset' | 'op' | 'opOrig' | 'mask' | 'datum' | 'datumFull' | 'rule'>): DbNode {
  return { actT: 0, actTSet: false, actF: 0, actFSet: false, nxtT: null, nxtF: null, lvlPrv: null, lvlNxt: null, ...init };
}

/** The comparison's mask and datum as libseccomp stores them (MASKED_EQ: mask, value; others: all ones, value). */
function maskDatum(c: Condition): { mask: bigint; datum: bigint } {
  if (c.op === 'MASKED_EQ') return { mask: c.mask ?? 0n, datum: c.value };
  return { mask: (1n << 64n) - 1n, datum: c.value };
}

/** Builds the node chain of one rule. Returns null chains for an unconditional rule. */
function ruleChain(arch: ArchInfo, rule: DbRule): DbNode | null {
  let head: DbNode | null = null;
  // Per condition: the nodes and which ends lead on to the next condition.
  let prevLinks: ((next: DbNode) => void) | null = null;
  let finish: ((action: number) => void) | null = null;
  for (const c of rule.conds) {
    const { mask, datum } = maskDatum(c);
    const narrow = arch.bits === 32 || c.width === 32;
    const maskHi = u32(mask >> 32n);
    const maskLo = u32(mask);
    if (c.op === 'MASKED_EQ' && maskLo === 0 && (narrow || maskHi === 0)) continue; // no-op comparison
    let first: DbNode;
    let links: (next: DbNode) => void;
    if (narrow) {
      // One node on the low word; NE/LT/LE become EQ/GE/GT with the outcome on the false branch.
      const op: NodeOp = c.op === 'NE' ? 'EQ' : c.op === 'LT' ? 'GE' : c.op === 'LE' ? 'GT' : c.op === 'MASKED_EQ' ? 'MASKED_EQ' : (c.op as NodeOp);
      const onTrue = !(c.op === 'NE' || c.op === 'LT' || c.op === 'LE');
      const n = node({ arg: c.arg, hi: false, offset: argWordOffset(c.arg, 'lo', arch.endian), op, opOrig: c.op, mask: maskLo, datum: (u32(datum) & maskLo) >>> 0, datumFull: datum, rule: rule.index });
      first = n;
      links = (next) => {
        if (onTrue) n.nxtT = next;
        else n.nxtF = next;
      };
      finish = (action) => {
        if (onTrue) {
          n.actTSet = true;
          n.actT = action;
        } else {
          n.actFSet = true;
          n.actF = action;
        }
      };
    } else if (c.op === 'GT' || c.op === 'GE' || c.op === 'LT' || c.op === 'LE') {
      const base = { arg: c.arg, opOrig: c.op, datumFull: datum, rule: rule.index };
      const n0 = node({ ...base, hi: true, offset: argWordOffset(c.arg, 'hi', arch.endian), op: 'GT', mask: maskHi, datum: (u32(datum >> 32n) & maskHi) >>> 0 });
      const n1 = node({ ...base, hi: true, offset: argWordOffset(c.arg, 'hi', arch.endian), op: 'EQ', mask: maskHi, datum: (u32(datum >> 32n) & maskHi) >>> 0 });
      const n2 = node({ ...base, hi: false, offset: argWordOffset(c.arg, 'lo', arch.endian), op: c.op === 'GT' || c.op === 'LE' ? 'GT' : 'GE', mask: maskLo, datum: (u32(datum) & maskLo) >>> 0 });
      n0.nxtF = n1;
      n1.nxtT = n2;
      first = n0;
      if (c.op === 'GT' || c.op === 'GE') {
        links = (next) => {
          n0.nxtT = next;
          n2.nxtT = next;
        };
        finish = (action) => {
          n0.actTSet = true;
          n0.actT = action;
          n2.actTSet = true;
          n2.actT = action;
        };
      } else {
        links = (next) => {
          n1.nxtF = next;
          n2.nxtF = next;
        };
        finish = (action) => {
          n1.actFSet = true;
          n1.actF = action;
          n2.actFSet = true;
          n2.actF = action;
        };
      }
    } else {
      const op: NodeOp = c.op === 'MASKED_EQ' ? 'MASKED_EQ' : 'EQ';
      const base = { arg: c.arg, opOrig: c.op, datumFull: datum, rule: rule.index, op };
      const n0 = node({ ...base, hi: true, offset: argWordOffset(c.arg, 'hi', arch.endian), mask: maskHi, datum: (u32(datum >> 32n) & maskHi) >>> 0 });
      const n1 = node({ ...base, hi: false, offset: argWordOffset(c.arg, 'lo', arch.endian), mask: maskLo, datum: (u32(datum) & maskLo) >>> 0 });
      n0.nxtT = n1;
      first = n0;
      if (c.op === 'NE') {
        links = (next) => {
          n0.nxtF = next;
          n1.nxtF = next;
        };
        finish = (action) => {
          n0.actFSet = true;
          n0.actF = action;
          n1.actFSet = true;
          n1.actF = action;
        };
      } else {
        links = (next) => {
          n1.nxtT = next;
        };
        finish = (action) => {
          n1.actTSet = true;
          n1.actT = action;
        };
      }
    }
    if (prevLinks) prevLinks(first);
    else head = first;
    prevLinks = links;
  }
  if (finish) finish(rule.action);
  return head;
}

/** True if every action in the tree under `tree` equals `action` (libseccomp's conflict check). */
function treeActionsAre(tree: DbNode | null, action: number): boolean {
  return conflictingRule(tree, action) === undefined;
}

/** Finds some rule index with a different action in a subtree (for messages). */
function conflictingRule(tree: DbNode | null, action: number, seen = new Set<DbNode>()): number | undefined {
  if (tree === null) return undefined;
  let n: DbNode | null | undefined = levelStart(tree);
  for (; n; n = n.lvlNxt) {
    if (seen.has(n)) return undefined;
    seen.add(n);
    if ((n.actTSet && n.actT !== action) || (n.actFSet && n.actF !== action)) return n.rule;
    const r = conflictingRule(n.nxtT, action, seen) ?? conflictingRule(n.nxtF, action, seen);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** The merge ran away (libseccomp does not terminate on such policies either). */
class Tangle extends Error {}

class Conflict extends Error {
  constructor(readonly existingRule: number) {
    super('conflict');
  }
}

/** Merges the chain `n` into the level holding `x`; returns the (possibly new) head pointer of that level. */
function treeAdd(xHead: DbNode, n: DbNode, budget: { steps: number }): DbNode {
  let head = xHead;
  let x: DbNode = xHead;
  for (;;) {
    if (--budget.steps < 0) throw new Tangle();
    if (chainEq(x, n)) {
      if (n.actTSet) {
        if (!x.actTSet) {
          if (!treeActionsAre(x.nxtT, n.actT)) throw new Conflict(conflictingRule(x.nxtT, n.actT) ?? x.rule);
          x.nxtT = null;
          x.actT = n.actT;
          x.actTSet = true;
        } else if (n.actT !== x.actT) {
          if (n.hi && n.datumFull > x.datumFull) x.actT = n.actT;
          if (isLeaf(x) || isLeaf(n)) throw new Conflict(x.rule);
        }
      }
      if (n.actFSet) {
        if (!x.actFSet) {
          if (!treeActionsAre(x.nxtF, n.actF)) throw new Conflict(conflictingRule(x.nxtF, n.actF) ?? x.rule);
          x.nxtF = null;
          x.actF = n.actF;
          x.actFSet = true;
        } else if (n.actF !== x.actF) {
          // libseccomp updates the *true* action here (sic); kept for identical decisions.
          if (n.hi && n.datumFull < x.datumFull) x.actT = n.actT;
          if (isLeaf(x) || isLeaf(n)) throw new Conflict(x.rule);
        }
      }
      if (n.nxtT) {
        if (x.nxtT) x.nxtT = treeAdd(x.nxtT, n.nxtT, budget);
        else if (!x.actTSet) x.nxtT = n.nxtT;
        else return head;
      }
      if (n.nxtF) {
        if (x.nxtF) x.nxtF = treeAdd(x.nxtF, n.nxtF, budget);
        else if (!x.actFSet) x.nxtF = n.nxtF;
        else return head;
      }
      return head;
    } else if (!chainLt(x, n)) {
      if (x.lvlNxt === null) {
        n.lvlPrv = x;
        x.lvlNxt = n;
        return head;
      }
      x = x.lvlNxt;
    } else {
      if (x.lvlPrv !== null) {
        x.lvlPrv.lvlNxt = n;
        n.lvlPrv = x.lvlPrv;
        x.lvlPrv = n;
        n.lvlNxt = x;
      } else {
        x.lvlPrv = n;
        n.lvlNxt = x;
      }
      if (head === x) head = n;
      return head;
    }
  }
}

/** Adds one rule (already for a concrete syscall number) to an arch database. */
function dbAdd(db: ArchDb, rule: DbRule, describe: (index: number) => string): void {
  const chains = ruleChain(db.arch, rule);
  const existing = db.syscalls.get(rule.nr);
  if (!existing) {
    db.syscalls.set(rule.nr, { nr: rule.nr, action: chains ? 0 : rule.action, chains });
    return;
  }
  if (existing.chains === null) return; // an unconditional rule wins over later conditional ones
  if (chains === null) {
    existing.chains = null;
    existing.action = rule.action;
    return;
  }
  try {
    // Find the level head (chains always points at some node of the top level).
    const top = levelStart(existing.chains);
    if (!top) throw new Tangle();
    existing.chains = treeAdd(top, chains, { steps: MAX_MERGE_STEPS });
  } catch (e) {
    if (e instanceof Tangle) {
      throw new CompileError('RULES_TOO_COMPLEX', `the rules for ${nrLabel(db.arch, rule.nr)} on ${db.arch.name} overlap in too many ways to merge (at ${describe(rule.index)})`, {
        hint: 'libseccomp does not finish on such policies either; simplify the overlapping rules of that syscall',
      });
    }
    if (e instanceof Conflict) {
      throw new CompileError(
        'RULE_CONFLICT',
        `${describe(rule.index)} conflicts with ${describe(e.existingRule)}: the same conditions lead to different actions (on ${db.arch.name})`,
        { hint: 'libseccomp refuses such policies too; give the two rules distinct conditions or the same action' },
      );
    }
    throw e;
  }
}

/** Syscall number -1 as seccomp_data.nr holds it: a tracer skipped the call (libseccomp compiles rules on it with API_TSKIP). */
const TRACER_SKIP_NR = 0xffffffff;

/** A rule from the policy, resolved for the database: action value and syscall. */
export interface ResolvedRule {
  rule: Rule;
  index: number;
  action: number;
  /** The syscall name (numbers on the native arch are resolved to names first). */
  name?: string;
  /** A raw number that has no name: only applies to the native arch. */
  number?: number;
}

/**
 * Builds the rule database for one arch. `describe(i)` names rule i in error
 * messages. Rules whose syscall the arch lacks emit nothing (their names are
 * collected in `skipped`) but are still checked for conflicts, as libseccomp
 * does with its pseudo syscall numbers.
 */
export function buildArchDb(arch: ArchInfo, rules: readonly ResolvedRule[], native: ArchInfo, describe: (index: number) => string, skipped?: Set<string>): ArchDb {
  const db: ArchDb = { arch, syscalls: new Map() };
  // Rules for syscalls the arch lacks, keyed by an id per name (checked for conflicts, never emitted).
  const absent: ArchDb = { arch, syscalls: new Map() };
  const absentIds = new Map<string, number>();
  for (const r of rules) {
    const conds = normaliseConditions(r.rule.conditions, r.index, describe);
    const name = r.name;
    if (name === undefined) {
      // A raw number is a native syscall number, except -1 (libseccomp's "tracer skip"), which every arch sees alike.
      if (arch !== native && r.number !== TRACER_SKIP_NR) {
        skipped?.add(`#${r.number}`);
        continue;
      }
      dbAdd(db, { nr: r.number!, action: r.action, conds, index: r.index }, describe);
      continue;
    }
    const socketSub = SOCKETCALL_SUBCALLS[name];
    const ipcSub = IPC_SUBCALLS[name];
    const direct = syscallNumber(arch, name);
    if (arch.socketcall !== undefined && (socketSub !== undefined || ipcSub !== undefined)) {
      // Multiplexed: socketcall/ipc with a0 == sub-call (replacing an a0 condition), plus the direct syscall.
      const muxNr = socketSub !== undefined ? arch.socketcall : arch.ipc!;
      const sub = socketSub ?? ipcSub!;
      const muxConds = [{ arg: 0, op: 'EQ' as CmpOp, value: BigInt(sub) }, ...conds.filter((c) => c.arg !== 0)].sort((a, b) => a.arg - b.arg);
      dbAdd(db, { nr: muxNr, action: r.action, conds: muxConds, index: r.index }, describe);
      if (direct !== undefined) dbAdd(db, { nr: direct, action: r.action, conds, index: r.index }, describe);
      continue;
    }
    if (direct === undefined) {
      // libseccomp keeps such rules under a pseudo number: they emit no code but conflict like any other.
      skipped?.add(name);
      if (!absentIds.has(name)) absentIds.set(name, absentIds.size);
      dbAdd(absent, { nr: absentIds.get(name)!, action: r.action, conds, index: r.index }, describe);
      continue;
    }
    dbAdd(db, { nr: direct, action: r.action, conds, index: r.index }, describe);
  }
  return db;
}

/** Checks the one-condition-per-argument rule and sorts by argument index. */
function normaliseConditions(conds: readonly Condition[], index: number, describe: (i: number) => string): readonly Condition[] {
  if (conds.length === 0) return conds;
  const seen = new Set<number>();
  for (const c of conds) {
    if (seen.has(c.arg)) {
      throw new CompileError('SAME_ARG_TWICE', `${describe(index)} compares argument ${c.arg} twice`, {
        hint: 'libseccomp allows one condition per argument in a rule; split it into several rules (OCI runtimes OR them) or use a range of two rules',
      });
    }
    seen.add(c.arg);
  }
  return [...conds].sort((a, b) => a.arg - b.arg);
}

/** Name of a syscall number on an arch, for messages. */
function nrLabel(arch: ArchInfo, nr: number): string {
  return syscallName(arch, nr) ?? `#${nr}`;
}
