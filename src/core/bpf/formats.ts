/**
 * Output formats of an assembled program: `raw` bytes, `hex` text, and
 * seccomp-tools' `inspect` (Ruby String#inspect), `c_array`, `c_source` and
 * `assembly` (an `install_seccomp` routine in GNU assembler syntax).
 */
import { ARCHES, type ArchInfo } from '../arch/arches.js';
import { SyswallError } from '../errors.js';

export const OUTPUT_FORMATS = ['raw', 'hex', 'inspect', 'c_array', 'c_source', 'assembly'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Resolves a format name (`carray` is accepted for `c_array`, as in seccomp-tools). */
export function resolveOutputFormat(name: string): OutputFormat {
  const n = name.trim().toLowerCase().replace(/-/g, '_');
  if (n === 'carray') return 'c_array';
  if (n === 'c') return 'c_source';
  if ((OUTPUT_FORMATS as readonly string[]).includes(n)) return n as OutputFormat;
  throw new SyswallError('BAD_FORMAT', `unknown output format "${name}"`, { hint: `expected one of ${OUTPUT_FORMATS.join(', ')}` });
}

/** Ruby's `String#inspect` of a binary string, plus a newline (seccomp-tools' default `asm` output). */
export function rubyInspect(bytes: Uint8Array): string {
  const special: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 34: '\\"', 92: '\\\\' };
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (special[b] !== undefined) s += special[b];
    else if (b === 0x23 && i + 1 < bytes.length && (bytes[i + 1] === 0x7b || bytes[i + 1] === 0x24 || bytes[i + 1] === 0x40)) s += '\\#';
    else if (b >= 0x20 && b <= 0x7e) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s + '"\n';
}

/** Hex text: one instruction (8 bytes, file byte order) per line, bytes separated by spaces. */
export function hexText(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 8) {
    lines.push(Array.from(bytes.subarray(off, off + 8), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * Parses hex text (as written by the `hex` format, or any whitespace-separated
 * hex with optional `0x` prefixes) back to bytes; undefined if `text` is not hex.
 */
export function parseHexText(text: string): Uint8Array | undefined {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s,]+/g, '');
  if (cleaned.length === 0 || cleaned.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(cleaned)) return undefined;
  const out = new Uint8Array(cleaned.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(cleaned.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const decimalList = (bytes: Uint8Array) => Array.from(bytes).join(',');

/** `unsigned char bpf[] = {32,0,...};` */
export function cArray(bytes: Uint8Array): string {
  return `unsigned char bpf[] = {${decimalList(bytes)}};\n`;
}

/** A C snippet defining `install_seccomp()`, which sets no_new_privs and installs the filter with prctl(2). */
export function cSource(bytes: Uint8Array): string {
  return `#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

static void install_seccomp(void) {
  static unsigned char filter[] = {${decimalList(bytes)}};
  struct prog {
    unsigned short len;
    unsigned char *filter;
  } rule = {
    .len = sizeof(filter) >> 3,
    .filter = filter,
  };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    perror("prctl(PR_SET_NO_NEW_PRIVS)");
    exit(2);
  }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &rule) < 0) {
    perror("prctl(PR_SET_SECCOMP)");
    exit(2);
  }
}
`;
}

const octal = (bytes: Uint8Array) => Array.from(bytes, (b) => '\\' + b.toString(8).padStart(3, '0')).join('');

/**
 * An `install_seccomp` routine in GNU assembler syntax (raw prctl syscalls,
 * `struct sock_fprog` on the stack) followed by the filter bytes. Exists for
 * x86_64, x86 (i386) and aarch64.
 */
export function assemblySource(bytes: Uint8Array, arch: ArchInfo): string {
  const data = `_filter:\n.ascii "${octal(bytes)}"\n_filter_end:\n`;
  if (arch === ARCHES.x86_64) {
    return `install_seccomp:
  push   %rbp
  mov    %rsp, %rbp
  push   $38              # PR_SET_NO_NEW_PRIVS
  pop    %rdi
  push   $1
  pop    %rsi
  xor    %edx, %edx
  xor    %r10d, %r10d
  xor    %r8d, %r8d
  mov    $157, %eax       # __NR_prctl
  syscall
  sub    $16, %rsp
  lea    _filter(%rip), %rax
  mov    %rax, 8(%rsp)
  movw   $${bytes.length >> 3}, (%rsp)
  mov    %rsp, %rdx
  push   $22              # PR_SET_SECCOMP
  pop    %rdi
  push   $2               # SECCOMP_MODE_FILTER
  pop    %rsi
  mov    $157, %eax
  syscall
  leave
  ret
${data}`;
  }
  if (arch === ARCHES.x86) {
    return `install_seccomp:
  push   %ebx
  push   %esi
  push   %edi
  mov    $172, %eax       # __NR_prctl
  mov    $38, %ebx        # PR_SET_NO_NEW_PRIVS
  mov    $1, %ecx
  xor    %edx, %edx
  xor    %esi, %esi
  xor    %edi, %edi
  int    $0x80
  call   1f
1:
  pop    %eax
  add    $(_filter - 1b), %eax
  push   %eax
  push   $${bytes.length >> 3}
  mov    %esp, %edx
  mov    $172, %eax
  mov    $22, %ebx        # PR_SET_SECCOMP
  mov    $2, %ecx         # SECCOMP_MODE_FILTER
  int    $0x80
  add    $8, %esp
  pop    %edi
  pop    %esi
  pop    %ebx
  ret
${data}`;
  }
  if (arch === ARCHES.aarch64) {
    return `install_seccomp:
  mov    x0, #38          // PR_SET_NO_NEW_PRIVS
  mov    x1, #1
  mov    x2, #0
  mov    x3, #0
  mov    x4, #0
  mov    x8, #167         // __NR_prctl
  svc    #0
  sub    sp, sp, #16
  adr    x1, _filter
  str    x1, [sp, #8]
  mov    x1, #${bytes.length >> 3}
  strh   w1, [sp]
  mov    x0, #22          // PR_SET_SECCOMP
  mov    x1, #2           // SECCOMP_MODE_FILTER
  mov    x2, sp
  mov    x8, #167
  svc    #0
  add    sp, sp, #16
  ret
${data}`;
  }
  throw new SyswallError('FORMAT_UNSUPPORTED_ARCH', `the assembly format has no template for ${arch.name}`, {
    hint: 'assembly templates exist for x86_64, x86 and aarch64; use --format c_source for other arches',
  });
}

/** Renders program bytes in a format. `raw` returns the bytes, the others text. */
export function formatProgram(bytes: Uint8Array, format: OutputFormat, arch: ArchInfo): string | Uint8Array {
  switch (format) {
    case 'raw': return bytes;
    case 'hex': return hexText(bytes);
    case 'inspect': return rubyInspect(bytes);
    case 'c_array': return cArray(bytes);
    case 'c_source': return cSource(bytes);
    case 'assembly': return assemblySource(bytes, arch);
  }
}
