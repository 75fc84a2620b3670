/**
 * `asm --format c_source` and `--format assembly` produce code that really
 * installs the filter: compiled with gcc and run in a child process (never in
 * the test runner), the filtered syscall fails with the filter's errno.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ARCHES } from '../src/core/arch/arches.js';
import { assemble } from '../src/core/bpf/asm/index.js';
import { encodeProgram } from '../src/core/bpf/codec.js';
import { assemblySource, cSource, hexText, parseHexText, rubyInspect } from '../src/core/bpf/formats.js';

const tmp = mkdtempSync(join(tmpdir(), 'syswall-formats-'));
const FILTER = 'A = arch\nif (A != ARCH_X86_64) goto allow\nA = sys_number\nif (A == getppid) goto deny\nallow: return ALLOW\ndeny: return ERRNO(42)\n';
const bytes = encodeProgram(assemble(FILTER, { arch: ARCHES.x86_64 }));
const MAIN = `#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
  install_seccomp();
  long r = syscall(SYS_getppid);
  printf("%ld %d\\n", r, r < 0 ? errno : 0);
  return 0;
}
`;

function gcc(args: string[]): void {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw new Error('gcc is missing: apt-get install gcc');
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
}

describe('asm output formats', () => {
  it('inspect escapes like Ruby String#inspect', () => {
    expect(rubyInspect(new Uint8Array([0x07, 0x1b, 0x22, 0x5c, 0x23, 0x7b, 0x23, 0x41, 0x7f, 0x20]))).toBe('"\\a\\e\\"\\\\\\#{#A\\x7F "\n');
    expect(rubyInspect(new Uint8Array([]))).toBe('""\n');
  });

  it('hex text round-trips', () => {
    expect(parseHexText(hexText(bytes))).toEqual(bytes);
    expect(parseHexText('not hex')).toBeUndefined();
  });

  it.runIf(process.arch === 'x64')('c_source installs the filter (x86_64, real kernel, child process)', () => {
    const src = join(tmp, 'f.c');
    writeFileSync(src, cSource(bytes) + MAIN);
    gcc(['-O1', '-o', join(tmp, 'f'), src]);
    const r = spawnSync(join(tmp, 'f'), { encoding: 'utf8' });
    expect(r.stdout).toBe('-1 42\n');
  });

  it.runIf(process.arch === 'x64')('assembly installs the filter (x86_64, real kernel, child process)', () => {
    const s = join(tmp, 'f.s');
    writeFileSync(s, '.text\n.globl install_seccomp\n' + assemblySource(bytes, ARCHES.x86_64));
    const m = join(tmp, 'm.c');
    writeFileSync(m, 'void install_seccomp(void);\n' + MAIN);
    gcc(['-O1', '-no-pie', '-o', join(tmp, 'g'), m, s]);
    const r = spawnSync(join(tmp, 'g'), { encoding: 'utf8' });
    expect(r.stdout).toBe('-1 42\n');
  });

  it('assembly templates exist for x86 and aarch64 too', () => {
    expect(assemblySource(bytes, ARCHES.x86)).toMatch(/int\s+\$0x80/);
    expect(assemblySource(bytes, ARCHES.aarch64)).toMatch(/svc\s+#0/);
    expect(() => assemblySource(bytes, ARCHES.riscv64)).toThrow(/no template for riscv64/);
  });
});
