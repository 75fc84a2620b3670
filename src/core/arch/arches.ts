/**
 * Architecture descriptors for every architecture libseccomp knows.
 *
 * `token` is the AUDIT_ARCH_* value the kernel puts in `seccomp_data.arch`.
 * x32 shares x86_64's token; its syscall numbers carry bit 30
 * (`X32_SYSCALL_BIT`). MIPS numbers carry an ABI base (o32 4000, n64 5000,
 * n32 6000). `bits` is the width libseccomp compares arguments at (x32 is 32,
 * although its registers are 64-bit). Multiplexing arches route socket and
 * SysV IPC calls through `socketcall(2)` and `ipc(2)`.
 */
import { ArchError } from '../errors.js';

export type Endian = 'little' | 'big';

/** libseccomp's architecture names. */
export const ARCH_NAMES = [
  'x86', 'x86_64', 'x32', 'arm', 'aarch64', 'loongarch64', 'm68k',
  'mips', 'mipsel', 'mips64', 'mipsel64', 'mips64n32', 'mipsel64n32',
  'parisc', 'parisc64', 'ppc', 'ppc64', 'ppc64le', 'riscv64',
  's390', 's390x', 'sh', 'sheb',
] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

/** Column names of libseccomp's syscalls.csv; endian variants share one. */
export const TABLE_COLUMNS = [
  'x86', 'x86_64', 'x32', 'arm', 'aarch64', 'loongarch64', 'm68k', 'mips', 'mips64', 'mips64n32',
  'parisc', 'parisc64', 'ppc', 'ppc64', 'riscv64', 's390', 's390x', 'sh',
] as const;
export type TableColumn = (typeof TABLE_COLUMNS)[number];

export interface ArchInfo {
  /** libseccomp name, e.g. `x86_64`. */
  readonly name: ArchName;
  /** OCI/libseccomp constant, e.g. `SCMP_ARCH_X86_64`. */
  readonly scmpName: string;
  /** Other accepted spellings (Go/Docker/Debian names). */
  readonly aliases: readonly string[];
  /** AUDIT_ARCH_* value seen in `seccomp_data.arch`. */
  readonly token: number;
  /** Argument width in bits as compared by seccomp filters. */
  readonly bits: 32 | 64;
  /** Byte order of `seccomp_data` and of raw `struct sock_filter` on this arch. */
  readonly endian: Endian;
  /** Which syscall table column this arch uses. */
  readonly table: TableColumn;
  /** Added to every table number (MIPS ABI bases). */
  readonly nrBase: number;
  /** True for x32: numbers carry 0x40000000. */
  readonly x32: boolean;
  /** socketcall(2) number on multiplexing arches. */
  readonly socketcall?: number;
  /** ipc(2) number on multiplexing arches. */
  readonly ipc?: number;
  /** Name seccomp-tools uses for `-a`, where it supports the arch. */
  readonly seccompToolsName?: string;
  /** Constant printed by the disassembler for `arch` comparisons. */
  readonly archConstant: string;
  /** ELF e_machine of binaries for this arch. */
  readonly elfMachine: number;
  /** Docker/moby `includes.arches` spelling. */
  readonly dockerName: string;
}

const AUDIT_64 = 0x80000000;
const AUDIT_LE = 0x40000000;
const MIPS_N32 = 0x20000000;

function a(info: Omit<ArchInfo, 'nrBase' | 'x32'> & Partial<Pick<ArchInfo, 'nrBase' | 'x32'>>): ArchInfo {
  return Object.freeze({ nrBase: 0, x32: false, ...info, token: info.token >>> 0 });
}

const EM = { i386: 3, x86_64: 62, arm: 40, aarch64: 183, loongarch: 258, m68k: 4, mips: 8, parisc: 15, ppc: 20, ppc64: 21, riscv: 243, s390: 22, sh: 42 };

/** Every architecture, keyed by libseccomp name. */
export const ARCHES: Readonly<Record<ArchName, ArchInfo>> = Object.freeze({
  x86: a({ name: 'x86', scmpName: 'SCMP_ARCH_X86', aliases: ['i386', 'i486', 'i586', 'i686', 'ia32', '386'], token: EM.i386 | AUDIT_LE, bits: 32, endian: 'little', table: 'x86', socketcall: 102, ipc: 117, seccompToolsName: 'i386', archConstant: 'ARCH_I386', elfMachine: EM.i386, dockerName: 'x86' }),
  x86_64: a({ name: 'x86_64', scmpName: 'SCMP_ARCH_X86_64', aliases: ['amd64', 'x64'], token: EM.x86_64 | AUDIT_64 | AUDIT_LE, bits: 64, endian: 'little', table: 'x86_64', seccompToolsName: 'amd64', archConstant: 'ARCH_X86_64', elfMachine: EM.x86_64, dockerName: 'amd64' }),
  x32: a({ name: 'x32', scmpName: 'SCMP_ARCH_X32', aliases: [], token: EM.x86_64 | AUDIT_64 | AUDIT_LE, bits: 32, endian: 'little', table: 'x32', x32: true, archConstant: 'ARCH_X86_64', elfMachine: EM.x86_64, dockerName: 'x32' }),
  arm: a({ name: 'arm', scmpName: 'SCMP_ARCH_ARM', aliases: ['armhf', 'armel', 'arm32'], token: EM.arm | AUDIT_LE, bits: 32, endian: 'little', table: 'arm', archConstant: 'ARCH_ARM', elfMachine: EM.arm, dockerName: 'arm' }),
  aarch64: a({ name: 'aarch64', scmpName: 'SCMP_ARCH_AARCH64', aliases: ['arm64'], token: EM.aarch64 | AUDIT_64 | AUDIT_LE, bits: 64, endian: 'little', table: 'aarch64', seccompToolsName: 'aarch64', archConstant: 'ARCH_AARCH64', elfMachine: EM.aarch64, dockerName: 'arm64' }),
  loongarch64: a({ name: 'loongarch64', scmpName: 'SCMP_ARCH_LOONGARCH64', aliases: ['loong64'], token: EM.loongarch | AUDIT_64 | AUDIT_LE, bits: 64, endian: 'little', table: 'loongarch64', archConstant: 'ARCH_LOONGARCH64', elfMachine: EM.loongarch, dockerName: 'loong64' }),
  m68k: a({ name: 'm68k', scmpName: 'SCMP_ARCH_M68K', aliases: [], token: EM.m68k, bits: 32, endian: 'big', table: 'm68k', socketcall: 102, ipc: 117, archConstant: 'ARCH_M68K', elfMachine: EM.m68k, dockerName: 'm68k' }),
  mips: a({ name: 'mips', scmpName: 'SCMP_ARCH_MIPS', aliases: [], token: EM.mips, bits: 32, endian: 'big', table: 'mips', nrBase: 4000, socketcall: 4102, ipc: 4117, archConstant: 'ARCH_MIPS', elfMachine: EM.mips, dockerName: 'mips' }),
  mipsel: a({ name: 'mipsel', scmpName: 'SCMP_ARCH_MIPSEL', aliases: ['mipsle'], token: EM.mips | AUDIT_LE, bits: 32, endian: 'little', table: 'mips', nrBase: 4000, socketcall: 4102, ipc: 4117, archConstant: 'ARCH_MIPSEL', elfMachine: EM.mips, dockerName: 'mipsle' }),
  mips64: a({ name: 'mips64', scmpName: 'SCMP_ARCH_MIPS64', aliases: [], token: EM.mips | AUDIT_64, bits: 64, endian: 'big', table: 'mips64', nrBase: 5000, archConstant: 'ARCH_MIPS64', elfMachine: EM.mips, dockerName: 'mips64' }),
  mipsel64: a({ name: 'mipsel64', scmpName: 'SCMP_ARCH_MIPSEL64', aliases: ['mips64le'], token: EM.mips | AUDIT_64 | AUDIT_LE, bits: 64, endian: 'little', table: 'mips64', nrBase: 5000, archConstant: 'ARCH_MIPSEL64', elfMachine: EM.mips, dockerName: 'mips64le' }),
  mips64n32: a({ name: 'mips64n32', scmpName: 'SCMP_ARCH_MIPS64N32', aliases: [], token: EM.mips | AUDIT_64 | MIPS_N32, bits: 32, endian: 'big', table: 'mips64n32', nrBase: 6000, archConstant: 'ARCH_MIPS64N32', elfMachine: EM.mips, dockerName: 'mips64n32' }),
  mipsel64n32: a({ name: 'mipsel64n32', scmpName: 'SCMP_ARCH_MIPSEL64N32', aliases: ['mips64len32'], token: EM.mips | AUDIT_64 | AUDIT_LE | MIPS_N32, bits: 32, endian: 'little', table: 'mips64n32', nrBase: 6000, archConstant: 'ARCH_MIPSEL64N32', elfMachine: EM.mips, dockerName: 'mips64len32' }),
  parisc: a({ name: 'parisc', scmpName: 'SCMP_ARCH_PARISC', aliases: ['hppa'], token: EM.parisc, bits: 32, endian: 'big', table: 'parisc', archConstant: 'ARCH_PARISC', elfMachine: EM.parisc, dockerName: 'parisc' }),
  parisc64: a({ name: 'parisc64', scmpName: 'SCMP_ARCH_PARISC64', aliases: ['hppa64'], token: EM.parisc | AUDIT_64, bits: 64, endian: 'big', table: 'parisc64', archConstant: 'ARCH_PARISC64', elfMachine: EM.parisc, dockerName: 'parisc64' }),
  ppc: a({ name: 'ppc', scmpName: 'SCMP_ARCH_PPC', aliases: ['powerpc'], token: EM.ppc, bits: 32, endian: 'big', table: 'ppc', socketcall: 102, ipc: 117, archConstant: 'ARCH_PPC', elfMachine: EM.ppc, dockerName: 'ppc' }),
  ppc64: a({ name: 'ppc64', scmpName: 'SCMP_ARCH_PPC64', aliases: ['powerpc64'], token: EM.ppc64 | AUDIT_64, bits: 64, endian: 'big', table: 'ppc64', socketcall: 102, ipc: 117, archConstant: 'ARCH_PPC64', elfMachine: EM.ppc64, dockerName: 'ppc64' }),
  ppc64le: a({ name: 'ppc64le', scmpName: 'SCMP_ARCH_PPC64LE', aliases: ['powerpc64le', 'ppc64el'], token: EM.ppc64 | AUDIT_64 | AUDIT_LE, bits: 64, endian: 'little', table: 'ppc64', socketcall: 102, ipc: 117, archConstant: 'ARCH_PPC64LE', elfMachine: EM.ppc64, dockerName: 'ppc64le' }),
  riscv64: a({ name: 'riscv64', scmpName: 'SCMP_ARCH_RISCV64', aliases: ['riscv'], token: EM.riscv | AUDIT_64 | AUDIT_LE, bits: 64, endian: 'little', table: 'riscv64', seccompToolsName: 'riscv64', archConstant: 'ARCH_RISCV64', elfMachine: EM.riscv, dockerName: 'riscv64' }),
  s390: a({ name: 's390', scmpName: 'SCMP_ARCH_S390', aliases: [], token: EM.s390, bits: 32, endian: 'big', table: 's390', socketcall: 102, ipc: 117, archConstant: 'ARCH_S390', elfMachine: EM.s390, dockerName: 's390' }),
  s390x: a({ name: 's390x', scmpName: 'SCMP_ARCH_S390X', aliases: [], token: EM.s390 | AUDIT_64, bits: 64, endian: 'big', table: 's390x', socketcall: 102, ipc: 117, seccompToolsName: 's390x', archConstant: 'ARCH_S390X', elfMachine: EM.s390, dockerName: 's390x' }),
  sh: a({ name: 'sh', scmpName: 'SCMP_ARCH_SH', aliases: ['sh4'], token: EM.sh | AUDIT_LE, bits: 32, endian: 'little', table: 'sh', socketcall: 102, ipc: 117, archConstant: 'ARCH_SH', elfMachine: EM.sh, dockerName: 'sh' }),
  sheb: a({ name: 'sheb', scmpName: 'SCMP_ARCH_SHEB', aliases: ['sh4eb'], token: EM.sh, bits: 32, endian: 'big', table: 'sh', socketcall: 102, ipc: 117, archConstant: 'ARCH_SHEB', elfMachine: EM.sh, dockerName: 'sheb' }),
});

/** x32 syscalls have this bit set in `seccomp_data.nr`. */
export const X32_SYSCALL_BIT = 0x40000000;

const byLowerName = new Map<string, ArchInfo>();
for (const info of Object.values(ARCHES)) {
  byLowerName.set(info.name, info);
  byLowerName.set(info.scmpName.toLowerCase(), info);
  for (const al of info.aliases) byLowerName.set(al.toLowerCase(), info);
}

/** Finds an arch by libseccomp name, `SCMP_ARCH_*` constant or alias (case-insensitive); undefined if unknown. */
export function findArch(name: string): ArchInfo | undefined {
  return byLowerName.get(name.trim().toLowerCase());
}

/** Like {@link findArch} but throws an {@link ArchError} listing the valid names. */
export function resolveArch(name: string): ArchInfo {
  const info = findArch(name);
  if (!info) {
    throw new ArchError('UNKNOWN_ARCH', `unknown architecture "${name}"`, {
      hint: `expected one of ${ARCH_NAMES.join(', ')} (aliases: amd64, i386, arm64, ...)`,
    });
  }
  return info;
}

/** Arches whose `seccomp_data.arch` is `token` (x86_64 and x32 share one). */
export function archesByToken(token: number): ArchInfo[] {
  return Object.values(ARCHES).filter((x) => x.token === token >>> 0);
}

/** The primary (non-x32) arch for an AUDIT_ARCH token. */
export function archByToken(token: number): ArchInfo | undefined {
  return archesByToken(token).find((x) => !x.x32);
}

/** Parses a comma-separated arch list (`x86_64,x86`). */
export function resolveArchList(list: string): ArchInfo[] {
  const out: ArchInfo[] = [];
  for (const part of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const info = resolveArch(part);
    if (!out.includes(info)) out.push(info);
  }
  return out;
}
