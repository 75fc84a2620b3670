#!/usr/bin/env node
// Generates src/core/arch/syscalls.generated.ts from data/syscalls.csv
// (libseccomp's syscall matrix). Numbers are stored as the kernel sees them in
// seccomp_data.nr: the table's MIPS numbers get their ABI base (o32 4000,
// n64 5000, n32 6000) and x32 numbers get X32_SYSCALL_BIT (0x40000000), as
// libseccomp's arch code adds them. An absent syscall is stored as -1.
//
//   node scripts/gen-syscalls.mjs           write the module
//   node scripts/gen-syscalls.mjs --check   exit 1 if the committed module differs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CSV_PATH = join(root, 'data', 'syscalls.csv');
export const OUT_PATH = join(root, 'src', 'core', 'arch', 'syscalls.generated.ts');

const BASES = { mips: 4000, mips64: 5000, mips64n32: 6000 };
const X32_BIT = 0x40000000;

/** Parses the CSV text into { version, columns, rows: [{name, numbers: {col: n|-1}}] }. */
export function parseSyscallsCsv(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  const m = /^#syscall \(([^)]*)\)$/.exec(header[0]);
  if (!m) throw new Error('data/syscalls.csv: line 1: expected a header starting with "#syscall (VERSION)"');
  const columns = [];
  for (let i = 1; i < header.length; i += 2) columns.push(header[i]);
  const rows = [];
  lines.slice(1).forEach((line, idx) => {
    const f = line.split(',');
    if (f.length !== header.length) throw new Error(`data/syscalls.csv: line ${idx + 2}: expected ${header.length} fields, got ${f.length}`);
    const numbers = {};
    columns.forEach((col, c) => {
      const v = f[1 + 2 * c];
      if (v === 'PNR') numbers[col] = -1;
      else {
        if (!/^\d+$/.test(v)) throw new Error(`data/syscalls.csv: line ${idx + 2}: bad number "${v}" for ${col}`);
        let n = Number(v) + (BASES[col] ?? 0);
        if (col === 'x32') n = (n | X32_BIT) >>> 0;
        numbers[col] = n;
      }
    });
    rows.push({ name: f[0], numbers });
  });
  return { version: m[1], columns, rows };
}

/** Renders the TypeScript module for a parsed table. */
export function renderModule(table) {
  const out = [];
  out.push('// GENERATED FILE - DO NOT EDIT.');
  out.push('// Made by scripts/gen-syscalls.mjs from data/syscalls.csv, libseccomp\'s syscall');
  out.push(`// matrix (${table.version}); see data/README.md for its source and licence.`);
  out.push('// Numbers are as seen in seccomp_data.nr (MIPS ABI bases and the x32 bit applied); -1 = absent.');
  out.push('');
  out.push("import type { TableColumn } from './arches.js';");
  out.push('');
  out.push(`export const SYSCALL_TABLE_VERSION = ${JSON.stringify(table.version)};`);
  out.push('');
  out.push('export const SYSCALL_NAMES: readonly string[] = [');
  for (let i = 0; i < table.rows.length; i += 8) {
    out.push('  ' + table.rows.slice(i, i + 8).map((r) => JSON.stringify(r.name)).join(', ') + ',');
  }
  out.push('];');
  out.push('');
  out.push('export const SYSCALL_NUMBERS: Readonly<Record<TableColumn, readonly number[]>> = {');
  for (const col of table.columns) {
    const nums = table.rows.map((r) => r.numbers[col]);
    out.push(`  ${col}: [`);
    for (let i = 0; i < nums.length; i += 16) out.push('    ' + nums.slice(i, i + 16).join(', ') + ',');
    out.push('  ],');
  }
  out.push('};');
  out.push('');
  return out.join('\n');
}

export function generate() {
  return renderModule(parseSyscallsCsv(readFileSync(CSV_PATH, 'utf8')));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generate();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUT_PATH, 'utf8');
    if (current !== text) {
      console.error('src/core/arch/syscalls.generated.ts is out of date: run `npm run gen:syscalls`');
      process.exit(1);
    }
  } else {
    writeFileSync(OUT_PATH, text);
    console.log('wrote ' + OUT_PATH);
  }
}
