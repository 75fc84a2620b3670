/**
 * seccomp-tools 1.7.1's tables, as `--compat seccomp-tools` reads them: its
 * syscall name <-> number maps per arch (with its lookup rules: a number's
 * name is the last name defined for it, amd64 carries `x32_<name>` =
 * number | 0x40000000), its parameter names (an `x32_` name falls back to
 * the plain one), and its five AUDIT_ARCH constants. The data is generated
 * (seccomp-tools.generated.ts); syswall's own tables live in src/core/arch.
 */
import { findArch, type ArchInfo } from '../../arch/arches.js';
import { ST_ARCHES, ST_ARCH_CONSTANT, ST_ARGS_TEXT, ST_AUDIT, ST_SYSCALL_TEXT, type StArch } from './seccomp-tools.generated.js';

export { ST_ARCHES, type StArch } from './seccomp-tools.generated.js';

export interface StSyscallTable {
  /** Name -> number, in seccomp-tools' insertion order. */
  readonly byName: ReadonlyMap<string, number>;
  /** Number -> name; for a number with several names, the last one defined (Ruby's Hash#invert). */
  readonly byNumber: ReadonlyMap<number, string>;
}

const tables = new Map<StArch, StSyscallTable>();

/** The syscall table of a seccomp-tools arch. */
export function stSyscalls(arch: StArch): StSyscallTable {
  let t = tables.get(arch);
  if (!t) {
    const byName = new Map<string, number>();
    for (const pair of ST_SYSCALL_TEXT[arch].split(' ')) {
      const i = pair.lastIndexOf(':');
      byName.set(pair.slice(0, i), Number(pair.slice(i + 1)));
    }
    const byNumber = new Map<number, string>();
    for (const [name, nr] of byName) byNumber.set(nr, name);
    t = { byName, byNumber };
    tables.set(arch, t);
  }
  return t;
}

let argTable: Map<string, readonly string[]> | undefined;

/** seccomp-tools' parameter names of a syscall (an `x32_` name falls back to the plain name), or undefined. */
export function stSyscallArgs(name: string): readonly string[] | undefined {
  if (!argTable) {
    argTable = new Map();
    for (const entry of ST_ARGS_TEXT.split(' ')) {
      const i = entry.indexOf(':');
      const rest = entry.slice(i + 1);
      argTable.set(entry.slice(0, i), rest === '' ? [] : rest.split(','));
    }
  }
  return argTable.get(name) ?? (name.startsWith('x32_') ? argTable.get(name.slice(4)) : undefined);
}

const auditByName = new Map<string, number>(ST_AUDIT.map(([n, v]) => [n, v >>> 0]));
const auditByValue = new Map<number, string>();
for (const [n, v] of ST_AUDIT) auditByValue.set(v >>> 0, n);
const archByConstant = new Map<string, StArch>();
for (const a of ST_ARCHES) archByConstant.set(ST_ARCH_CONSTANT[a], a);

/** `ARCH_X86_64` etc. -> AUDIT_ARCH value (exact spelling), or undefined. */
export function stAuditValue(constant: string): number | undefined {
  return auditByName.get(constant);
}

/** AUDIT_ARCH value -> `ARCH_X86_64` etc., or undefined for an arch seccomp-tools does not know. */
export function stAuditName(value: number): string | undefined {
  return auditByValue.get(value >>> 0);
}

/** The seccomp-tools arch whose AUDIT_ARCH value this is, or undefined. */
export function stArchOfAudit(value: number): StArch | undefined {
  const n = auditByValue.get(value >>> 0);
  return n === undefined ? undefined : archByConstant.get(n);
}

/** The AUDIT_ARCH value of a seccomp-tools arch. */
export function stAudit(arch: StArch): number {
  return auditByName.get(ST_ARCH_CONSTANT[arch])!;
}

/** True for big-endian arches (the AUDIT_ARCH value lacks __AUDIT_ARCH_LE). */
export function stBigEndian(arch: StArch): boolean {
  return (stAudit(arch) & 0x40000000) === 0;
}

const FROM_SYSWALL: Partial<Record<string, StArch>> = { x86_64: 'amd64', x86: 'i386', aarch64: 'aarch64', riscv64: 'riscv64', s390x: 's390x' };

/** The seccomp-tools arch for a syswall arch (x86_64 -> amd64, x86 -> i386, ...), if seccomp-tools has it. */
export function stArchOf(arch: ArchInfo): StArch | undefined {
  return FROM_SYSWALL[arch.name];
}

/**
 * Resolves an `--arch` value in compat mode: seccomp-tools' names (amd64,
 * i386, aarch64, riscv64, s390x) or any syswall spelling of those arches.
 * Undefined for anything else.
 */
export function findStArch(name: string): StArch | undefined {
  if ((ST_ARCHES as readonly string[]).includes(name)) return name as StArch;
  const a = findArch(name);
  return a ? stArchOf(a) : undefined;
}
