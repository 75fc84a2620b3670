import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as C from '../bpf/constants.js';
import { decodeProgram } from '../bpf/codec.js';
import { parseHexText } from '../bpf/formats.js';
import { runProgram } from '../bpf/interpreter.js';
import type { Policy } from '../policy/types.js';
import { compilePolicy } from './compile.js';
import { filterToJsonObject, formatFilter, opcodeMacro, retMacro } from './outputs.js';
import { filterStats } from './stats.js';

const policy = (arches: Policy['arches']): Policy => ({
  defaultAction: { kind: 'ALLOW' },
  badArchAction: { kind: 'KILL_PROCESS' },
  arches,
  rules: [
    { syscall: 'getppid', action: { kind: 'ERRNO', data: 13 }, conditions: [] },
    { syscall: 'getpriority', action: { kind: 'ERRNO', data: 5 }, conditions: [{ arg: 0, op: 'EQ', value: 7n }] },
    { syscall: 'mkdir', action: { kind: 'LOG' }, conditions: [{ arg: 1, op: 'MASKED_EQ', mask: 0o7n, value: 0o7n }] },
  ],
});

describe('filter outputs', () => {
  const le = compilePolicy(policy(['x86_64', 'x86']));
  const be = compilePolicy(policy(['s390x', 's390']));

  it('raw is in the arch byte order and round-trips through decodeProgram', () => {
    const rawLe = formatFilter(le, 'raw') as Uint8Array;
    const rawBe = formatFilter(be, 'raw') as Uint8Array;
    expect(rawLe.length).toBe(le.instructions.length * 8);
    expect(decodeProgram(rawLe, { endian: 'little' })).toEqual(le.instructions);
    expect(decodeProgram(rawBe, { endian: 'big' })).toEqual(be.instructions);
    // first instruction: ld [4] -> code 0x0020, k 4
    expect([...rawLe.subarray(0, 8)]).toEqual([0x20, 0, 0, 0, 4, 0, 0, 0]);
    expect([...rawBe.subarray(0, 8)]).toEqual([0, 0x20, 0, 0, 0, 0, 0, 4]);
  });

  it('hex is the raw bytes, one instruction per line', () => {
    const hex = formatFilter(be, 'hex') as string;
    expect(hex.trim().split('\n')).toHaveLength(be.instructions.length);
    expect(parseHexText(hex)).toEqual(formatFilter(be, 'raw'));
  });

  it('json lists arches, flags, instructions and stats', () => {
    const stats = filterStats(le, { nrRange: [0, 10] });
    const j = JSON.parse(formatFilter(le, 'json', { stats }) as string);
    expect(j).toMatchObject({ format: 'syswall-filter', version: 1, arches: ['x86_64', 'x86'], endian: 'little', flags: 0, flagNames: [], noNewPrivs: true, length: le.instructions.length });
    expect(j.instructions).toHaveLength(le.instructions.length);
    expect(j.instructions[0]).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4, text: 'A = arch' });
    expect(j.stats.arches[0].arch).toBe('x86_64');
    expect(j.stats.arches[0].rangeStats.count).toBe(11);
    const withNotify = compilePolicy({ ...policy(['x86_64']), rules: [{ syscall: 'mkdir', action: { kind: 'USER_NOTIF' }, conditions: [] }], flags: { tsync: true } });
    expect(filterToJsonObject(withNotify).flagNames).toEqual(['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_NEW_LISTENER', 'SECCOMP_FILTER_FLAG_TSYNC_ESRCH']);
  });

  it('spells opcodes and return values with the kernel macros', () => {
    expect(opcodeMacro(C.BPF_LD | C.BPF_W | C.BPF_ABS)).toBe('BPF_LD | BPF_W | BPF_ABS');
    expect(opcodeMacro(C.BPF_JMP | C.BPF_JGE | C.BPF_K)).toBe('BPF_JMP | BPF_JGE | BPF_K');
    expect(opcodeMacro(C.BPF_JMP | C.BPF_JA)).toBe('BPF_JMP | BPF_JA');
    expect(opcodeMacro(C.BPF_ALU | C.BPF_AND | C.BPF_K)).toBe('BPF_ALU | BPF_AND | BPF_K');
    expect(opcodeMacro(C.BPF_RET | C.BPF_K)).toBe('BPF_RET | BPF_K');
    expect(opcodeMacro(C.BPF_LD | C.BPF_IMM)).toBe('BPF_LD | BPF_IMM');
    expect(opcodeMacro(C.BPF_MISC | C.BPF_TAX)).toBe('BPF_MISC | BPF_TAX');
    expect(opcodeMacro(0xff)).toBeUndefined();
    expect(retMacro(C.SECCOMP_RET_ERRNO | 38)).toBe('SECCOMP_RET_ERRNO | 38');
    expect(retMacro(C.SECCOMP_RET_KILL_PROCESS)).toBe('SECCOMP_RET_KILL_PROCESS');
    expect(retMacro(0x12345678)).toBe('0x12345678');
  });

  it('pfc says what the program decides', () => {
    const pfc = formatFilter(le, 'pfc') as string;
    expect(pfc).toContain('# filter for arch x86_64 (3221225534)');
    expect(pfc).toContain('if ($syscall == 110)  # getppid\n  action ERRNO(13);');
    expect(pfc).toContain('if ($syscall == 140)  # getpriority\n  if ($a0 == 0x7)\n    action ERRNO(5);\n  action ALLOW;');
    expect(pfc).toContain('if ($syscall == 83)  # mkdir\n  if (($a1 & 0x7) == 0x7)\n    action LOG;\n  action ALLOW;');
    expect(pfc).toContain('# filter for arch x86 (1073741827)');
    expect(pfc).toContain('if ($syscall == 64)  # getppid\n  action ERRNO(13);');
    // x32 numbers in an x86_64 filter without x32 go to the bad-arch action
    expect(pfc).toContain('if ($syscall >= 1073741824 && $syscall <= 4294967294)\n  action KILL_PROCESS;');
    expect(pfc).toMatch(/# default action\naction ALLOW;\n# filter for arch x86/);
    expect(pfc).toMatch(/# invalid architecture action\naction KILL_PROCESS;\n#\n# pseudo filter code end\n#\n$/);
  });

  it('disasm is the seccomp-tools listing', () => {
    const text = formatFilter(le, 'disasm') as string;
    expect(text).toMatch(/^ line {2}CODE {2}JT {3}JF {6}K\n=+\n 0000: 0x20 0x00 0x00 0x00000004 {2}A = arch\n/);
  });
});

describe('C output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syswall-cout-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles with gcc and, loaded in a child process, decides like the raw program', () => {
    if (process.arch !== 'x64') throw new Error('this test loads an x86_64 filter; run it on x86_64');
    const filter = compilePolicy(policy(['x86_64', 'x86', 'x32']));
    writeFileSync(join(dir, 'filter.h'), formatFilter(filter, 'c') as string);
    writeFileSync(join(dir, 'harness.c'), `#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "filter.h"
int main(int argc, char **argv) {
  char buf[4096];
  int off = 0;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("no_new_privs"); return 3; }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter_prog)) { perror("PR_SET_SECCOMP"); return 3; }
  for (int i = 1; i < argc; i++) {
    long nr = 0, a0 = 0;
    sscanf(argv[i], "%ld:%ld", &nr, &a0);
    errno = 0;
    long r = syscall(nr, a0, 0, 0, 0, 0, 0);
    off += snprintf(buf + off, sizeof buf - off, "%ld %d\\n", r, r == -1 ? errno : 0);
  }
  return write(1, buf, off) == off ? 0 : 4;
}
`);
    const gcc = spawnSync('gcc', ['-Wall', '-Werror', '-O1', '-o', join(dir, 'harness'), join(dir, 'harness.c')], { encoding: 'utf8' });
    if (gcc.error) throw new Error(`gcc is needed for this test: ${gcc.error.message} (install gcc)`);
    expect(gcc.stderr).toBe('');
    expect(gcc.status).toBe(0);
    const calls: [number, number][] = [[110, 0], [140, 7], [140, 0], [39, 0], [110, 1]];
    const r = spawnSync(join(dir, 'harness'), calls.map(([n, a]) => `${n}:${a}`), { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
    calls.forEach(([nr, a0], i) => {
      const action = runProgram(filter.instructions, { nr, arch: 0xc000003e, args: [BigInt(a0)] });
      const [ret, errno] = lines[i];
      if ((action & C.SECCOMP_RET_ACTION_FULL) >>> 0 === C.SECCOMP_RET_ERRNO) {
        expect([ret, errno], `syscall ${nr}(${a0})`).toEqual([-1, action & C.SECCOMP_RET_DATA]);
      } else {
        expect(action).toBe(C.SECCOMP_RET_ALLOW);
        expect(ret, `syscall ${nr}(${a0}) allowed`).toBeGreaterThanOrEqual(0);
      }
    });
    expect(lines[0]).toEqual([-1, 13]);
    expect(lines[1]).toEqual([-1, 5]);
  });
});
