/**
 * Policy-level lint on the corpus of intentionally weak policies
 * (test/fixtures/weak-policies/, one planted weakness per file, named in the
 * file's comment as `EXPECT: CODE`), on Docker's default profile, and the
 * analysis commands on policy and assembly inputs.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectInput } from '../src/core/formats/door.js';
import { loadInput } from '../src/core/input/load.js';
import { lintInput, type PolicyFinding } from '../src/core/analyze/policy-lint.js';
import { lintExitCode } from '../src/cli/exit.js';
import { ARCHES } from '../src/core/arch/arches.js';
import { encodeProgram } from '../src/core/bpf/codec.js';
import { expectCleanError, ROOT, runCli } from './helpers/cli.js';

const CORPUS = join(ROOT, 'test', 'fixtures', 'weak-policies');
const DOCKER = join(ROOT, 'data', 'profiles', 'docker-default.json');
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();

function lintFile(path: string, label: string, context: { arch?: string; kernel?: [number, number]; caps?: string[] } = {}) {
  const input = loadInput(readFileSync(path), { file: label, context: { arch: 'x86_64', kernel: [6, 1], ...context }, recover: true });
  return lintInput(input);
}

/** Codes that name a policy rule: their findings must carry its line and column. */
const RULE_CODES = new Set(['SAME_ARG_OR', 'SHADOWED_BY_DEFAULT', 'RULE_SHADOWED', 'UNKNOWN_SYSCALL', 'ERRNO_RET_NOT_ERRNO', 'NOTIFY_ESSENTIAL', 'NOTIFY_WITHOUT_LISTENER', 'UPPER_HALF_BYPASS', 'EQUIVALENT_GAP', 'DANGEROUS_ALLOW', 'CLONE_NAMESPACES']);

describe('weak-policy corpus', () => {
  it('has one file per planted weakness, each naming its expected codes', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
    for (const f of files) expect(readFileSync(join(CORPUS, f), 'utf8'), f).toMatch(/WEAKNESS: .+EXPECT: [A-Z_]+/);
  });

  for (const f of files) {
    it(`${f}: lint finds the planted weakness`, () => {
      const text = readFileSync(join(CORPUS, f), 'utf8');
      const expected = /EXPECT: ([A-Z_, ]+)/.exec(text)![1].split(',').map((s) => s.trim()).filter(Boolean);
      const report = lintFile(join(CORPUS, f), f);
      const codes = report.findings.map((x) => x.code);
      for (const code of expected) {
        const hits = report.findings.filter((x) => x.code === code) as PolicyFinding[];
        expect(hits.length, `${f}: ${code} not in ${codes.join(', ')}`).toBeGreaterThan(0);
        expect(hits.some((h) => h.severity !== 'info'), `${f}: ${code} only as info`).toBe(true);
        expect(hits.every((h) => h.hint), `${f}: ${code} without a hint`).toBe(true);
        if (RULE_CODES.has(code) && !/defaultAction": "SCMP_ACT_ALLOW/.test(text)) {
          const h = hits.find((x) => x.location.line !== undefined);
          expect(h, `${f}: ${code} without a line`).toBeDefined();
          expect(h!.location.file).toBe(f);
          expect(h!.location.column).toBeGreaterThan(0);
        }
      }
      expect(lintExitCode(report)).toBeGreaterThan(0);
    });
  }

  it('points at the planted rule (line of the name, or of args for SAME_ARG_OR)', () => {
    const lineOf = (f: string, needle: string) => readFileSync(join(CORPUS, f), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
    const find = (f: string, code: string) => lintFile(join(CORPUS, f), f).findings.find((x) => x.code === code) as PolicyFinding;
    expect(find('same-arg-or.json', 'SAME_ARG_OR').location.line).toBe(lineOf('same-arg-or.json', '"args"'));
    expect(find('rule-shadowed.json', 'RULE_SHADOWED').location.line).toBe(lineOf('rule-shadowed.json', '"names": ["ioctl"],\n      "action": "SCMP_ACT_ERRNO"') || 13);
    expect(find('unknown-syscall.json', 'UNKNOWN_SYSCALL').location.line).toBe(lineOf('unknown-syscall.json', '"opne"'));
    expect(find('errnoret-non-errno.json', 'ERRNO_RET_NOT_ERRNO').location.line).toBe(lineOf('errnoret-non-errno.json', '"errnoRet": 1'));
    expect(find('upper-half-ioctl.json', 'UPPER_HALF_BYPASS').hint).toContain('"width": 32');
  });

  it('severities: an allow rule widened by runc\'s OR and NOTIFY as default or on write are errors', () => {
    const sev = (f: string, code: string) => lintFile(join(CORPUS, f), f).findings.find((x) => x.code === code)!.severity;
    expect(sev('same-arg-or.json', 'SAME_ARG_OR')).toBe('error');
    expect(sev('notify-default.json', 'NOTIFY_DEFAULT')).toBe('error');
    expect(sev('notify-write.json', 'NOTIFY_ESSENTIAL')).toBe('error');
    expect(sev('errnoret-non-errno.json', 'ERRNO_RET_NOT_ERRNO')).toBe('error');
    expect(sev('rule-shadowed.json', 'RULE_SHADOWED')).toBe('warning');
  });

  it('the CLI exits 3 on errors, 4 on warnings, with file:line:col prefixes', () => {
    const e = runCli(['lint', join('test/fixtures/weak-policies/same-arg-or.json')]);
    expect(e.status).toBe(3);
    expect(e.stdout).toMatch(/^test\/fixtures\/weak-policies\/same-arg-or\.json:\d+:\d+: error: SAME_ARG_OR \(socket\): /m);
    const w = runCli(['lint', 'test/fixtures/weak-policies/unknown-syscall.json', '--kernel', '6.1']);
    expect(w.status).toBe(4);
    expect(w.stdout).toMatch(/unknown-syscall\.json:9:17: warning: UNKNOWN_SYSCALL \(opne\): unknown syscall "opne" is left out \(did you mean "open"\?\)/);
    const j = runCli(['lint', 'test/fixtures/weak-policies/errnoret-non-errno.json', '--json']);
    expect(j.status).toBe(3);
    const parsed = JSON.parse(j.stdout);
    expect(parsed.worst).toBe('error');
    expect(parsed.findings[0]).toMatchObject({ severity: 'error', code: 'ERRNO_RET_NOT_ERRNO', location: { line: 11, column: 19 } });
  });
});

describe("Docker's default profile", () => {
  for (const arch of ['x86_64', 'aarch64', 'x86']) {
    it(`has no error-level finding (${arch}, default caps, kernel 6.1)`, () => {
      const r = lintFile(DOCKER, 'docker-default.json', { arch });
      expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    });
  }

  it('still shows the documented weak spots as warnings: socket domain compared as 64-bit, ptrace', () => {
    const r = lintFile(DOCKER, 'docker-default.json');
    const upper = r.findings.find((f) => f.code === 'UPPER_HALF_BYPASS' && f.severity === 'warning') as PolicyFinding;
    expect(upper.location.syscall).toBe('socket');
    expect(upper.message).toContain('compares "args[0] > 0x28" on all 64 bits');
    expect(upper.witness).toMatchObject({ arg: 0, action: 'ALLOW', kernelAction: 'ERRNO(1)' });
    expect(upper.location.line).toBeGreaterThan(0);
    expect(r.findings.some((f) => f.code === 'DANGEROUS_ALLOW' && f.location.syscall === 'ptrace')).toBe(true);
    expect(r.worst).toBe('warning');
  });

  it('with all capabilities the lint sees the cap-gated dangerous allows', () => {
    const r = lintFile(DOCKER, 'docker-default.json', { caps: ['ALL'] });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const names = r.findings.filter((f) => f.code === 'DANGEROUS_ALLOW').map((f) => f.location.syscall);
    expect(names).toEqual(expect.arrayContaining(['mount', 'bpf', 'setns']));
  });
});

describe('input detection (the one door)', () => {
  const kind = (b: Uint8Array) => detectInput(b).kind;
  it('tells raw programs, assembly and policies apart by content', () => {
    expect(kind(encodeProgram([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }], 'little'))).toBe('raw');
    expect(kind(new TextEncoder().encode('\n  { "defaultAction": "SCMP_ACT_ALLOW" }'))).toBe('oci');
    expect(kind(new TextEncoder().encode(' A = arch\n return ALLOW\n'))).toBe('asm');
    expect(kind(new Uint8Array([0xff, 0xfe, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41]))).toBe('raw');
    // Refused, never guessed: an empty input and a JSON array are neither a policy nor a program.
    expect(() => kind(new Uint8Array())).toThrow(/empty input/);
    expect(() => kind(new TextEncoder().encode('\uFEFF[]'))).toThrow(/neither a policy/);
  });

  it('assembles assembly for the given arch and compiles policies', () => {
    const asm = loadInput(new TextEncoder().encode('A = sys_number\nA == execve ? dead : ok\ndead:\nreturn KILL\nok:\nreturn ALLOW\n'), { programArch: ARCHES.aarch64 });
    expect(asm.input.kind).toBe('asm');
    expect(asm.program[1].k).toBe(221); // execve on aarch64
    const pol = loadInput(readFileSync(join(CORPUS, 'dangerous-allow.json')), { context: { arch: 'x86_64' } });
    expect(pol.input.type).toBe('policy');
    expect(pol.compiled!.arches.map((a) => a.name)).toEqual(['x86_64']);
  });
});

describe('analysis CLIs on policies and assembly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'syswall-policy-cli-'));

  it('explain of a policy (with compile\'s default, --enosys unknown, and with --enosys none)', () => {
    const r = runCli(['explain', 'test/fixtures/weak-policies/dangerous-allow.json', '--arch', 'x86_64']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^x86_64:\n {2}ALLOW: read, write, [^]*\bbpf\b/);
    expect(r.stdout).toContain('<other syscalls>: ERRNO(38)');
    const u = runCli(['explain', 'test/fixtures/weak-policies/eperm-default.json', '--arch', 'x86_64', '--enosys', 'unknown']);
    expect(u.status).toBe(0);
    expect(u.stdout).toContain('<other syscalls>: ERRNO(38)');
    const n = runCli(['explain', 'test/fixtures/weak-policies/eperm-default.json', '--arch', 'x86_64', '--enosys', 'none']);
    expect(n.stdout).toContain('<other syscalls>: ERRNO(1)');
  });

  it('diff of a policy and its assembled equivalent, and of two policies', () => {
    const asm = join(dir, 'same.asm');
    writeFileSync(asm, [
      'A = arch', 'A == ARCH_X86_64 ? next : bad', 'A = sys_number', 'A >= 0x40000000 ? bad : next',
      'A == read ? ok : next', 'A == write ? ok : next', 'A == close ? ok : next', 'A == exit_group ? ok : next', 'A == exit ? ok : next',
      'A == futex ? ok : next', 'A == mmap ? ok : next', 'A == munmap ? ok : next', 'A == brk ? ok : next', 'A == rt_sigreturn ? ok : next',
      'A == execve ? ok : next', 'A == clone ? ok : next', 'return ERRNO(38)', 'ok:', 'return ALLOW', 'bad:', 'return KILL', '',
    ].join('\n'));
    const eq = runCli(['diff', 'test/fixtures/weak-policies/clone-namespaces.json', asm, '--arch', 'x86_64']);
    expect(eq.stderr).toBe('');
    expect(eq.stdout).toBe('');
    expect(eq.status).toBe(0);
    const ne = runCli(['diff', 'test/fixtures/weak-policies/clone-namespaces.json', 'test/fixtures/weak-policies/dangerous-allow.json', '--arch', 'x86_64']);
    expect(ne.status).toBe(3);
    expect(ne.stdout.split('\n')).toEqual(expect.arrayContaining(['clone (x86_64 nr 56): A=ALLOW, B=ERRNO(38)', 'bpf (x86_64 nr 321): A=ERRNO(38), B=ALLOW']));
  });

  it('graph of a policy draws the compiled filter', () => {
    const out = join(dir, 'p.svg');
    const r = runCli(['graph', DOCKER, '-o', out, '--view', 'cfg']);
    expect(r.status).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg|^<\?xml/);
    // syswall's compiler splits syscall numbers into ranges (jge); the collapsed switch names the syscalls on its edges
    expect(svg).toContain('switch on nr');
    expect(svg).toMatch(/data-syscalls=" [^"]* mkdir /);
    expect(svg).toContain('ALLOW');
  });

  it('bad inputs: unknown --input, --enosys, --kernel; a policy error; binary given as policy', () => {
    expect(expectCleanError(runCli(['lint', DOCKER, '--input', 'elf']))).toContain('unknown --input kind "elf"');
    expect(expectCleanError(runCli(['explain', DOCKER, '--enosys', 'maybe']))).toContain('unknown --enosys mode');
    expect(expectCleanError(runCli(['diff', DOCKER, DOCKER, '--kernel', 'six']))).toContain('invalid --kernel');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["read"], "action": "SCMP_ACT_ALOW" } ] }');
    expect(expectCleanError(runCli(['explain', bad]))).toMatch(/bad\.json:1:\d+: .*unknown action "SCMP_ACT_ALOW"/);
    const bin = join(dir, 'prog.bpf');
    writeFileSync(bin, encodeProgram([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }], 'little'));
    expect(expectCleanError(runCli(['lint', bin, '--input', 'policy']))).toContain('expected a policy (text), got binary data');
    expect(expectCleanError(runCli(['explain', 'test/fixtures/weak-policies/dangerous-allow.json', '--input', 'raw']))).toContain('expected a raw BPF program');
  });
});
