/**
 * The syscall table, generated as data (syscalls.generated.json, by
 * scripts/gen-syscalls.mjs from libseccomp's syscall matrix in
 * data/syscalls.csv): every name once, and per arch column the number of
 * each name as seen in seccomp_data.nr (MIPS ABI bases and the x32 bit
 * applied), -1 where the arch lacks it.
 */
import type { TableColumn } from './arches.js';
import table from './syscalls.generated.json' with { type: 'json' };

export const SYSCALL_TABLE_VERSION: string = table.version;
export const SYSCALL_NAMES: readonly string[] = table.names;
export const SYSCALL_NUMBERS: Readonly<Record<TableColumn, readonly number[]>> = table.numbers as Record<TableColumn, readonly number[]>;
