#!/usr/bin/env node
// Writes src/core/policy/syscall-names.generated.ts (the SyscallName string-literal
// type) from the built syscall table. Run `npm run build` first, then this script.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SYSCALL_NAMES } = await import(join(root, 'dist/core/arch/syscalls.generated.js'));
let s = '// GENERATED FILE - DO NOT EDIT. Made from SYSCALL_NAMES (src/core/arch/syscalls.generated.ts) by\n';
s += '// scripts/gen-syscall-names.mjs; a test checks that the two agree.\n\n';
s += "/** Every syscall name in syswall's table, as a string-literal type. */\nexport type SyscallName =\n";
s += SYSCALL_NAMES.map((n) => '  | ' + JSON.stringify(n)).join('\n') + ';\n';
writeFileSync(join(root, 'src/core/policy/syscall-names.generated.ts'), s);
console.log(`wrote ${SYSCALL_NAMES.length} names`);
