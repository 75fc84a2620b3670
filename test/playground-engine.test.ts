/**
 * The playground's engine and URL state, without a browser: the same code the
 * page runs (web/src/engine.ts, web/src/state.ts), checked against the CLI's
 * core entry points.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, traceProgram, compilePolicy, encodeProgram, hexText, parsePolicyText, runProgram, syscallNumber, actionName } from '../src/core/index.js';
import { analyzeFull, buildProgram, detectMode, diff, emulate, emulateSteps, parseNumber, type Built } from '../web/src/engine.js';
import { DEFAULT_STATE, decodeState, encodeState, type State } from '../web/src/state.js';
import { ROOT } from './helpers/cli.js';

const DOCKER = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
const ASM = 'A = arch\nA == ARCH_X86_64 ? next : dead\nA = sys_number\nA == mkdir ? deny : ok\nok:\nreturn ALLOW\ndeny:\nreturn ERRNO(2)\ndead:\nreturn KILL\n';

function built(text: string, mode: 'auto' | 'policy' | 'asm' | 'hex' = 'auto'): Built {
  const r = buildProgram(text, mode, 'x86_64');
  if (!r.ok) throw new Error(r.error.message);
  return r.built;
}

describe('playground engine', () => {
  it('detects the input kind', () => {
    expect(detectMode(DOCKER)).toBe('policy');
    expect(detectMode(ASM)).toBe('asm');
    expect(detectMode('20 00 00 00 04 00 00 00\n06 00 00 00 00 00 ff 7f\n')).toBe('hex');
    expect(detectMode('')).toBeUndefined(); // empty: refused by the door, never guessed
  });

  it('compiles Docker default exactly as the core does, and emulates it', () => {
    const b = built(DOCKER);
    const ref = compilePolicy(parsePolicyText(DOCKER, { context: { arch: 'x86_64' } }).policy);
    expect(b.instructions).toEqual(ref.instructions);
    expect(b.arches.map((a) => a.name)).toEqual(['x86_64', 'x86', 'x32']);
    for (const [name, want] of [['mkdir', 'ALLOW'], ['mount', 'ERRNO(1)'], ['reboot', 'ERRNO(1)']]) {
      const r = emulate(b, { arch: 'x86_64', syscall: name, args: [] });
      expect(r.ok && r.action, name).toBe(want);
      const nr = syscallNumber(ARCHES.x86_64, name)!;
      expect(actionName(runProgram(ref.instructions, { nr, arch: ARCHES.x86_64.token }))).toBe(want);
    }
    const a = analyzeFull(b, DOCKER);
    expect('arches' in a.explain && a.explain.arches.map((x) => x.arch)).toContain('x86_64');
    expect('findings' in a.lint && a.lint.findings.length).toBeGreaterThan(0);
    expect(a.stats.length).toBe(b.instructions.length);
    expect(a.stats.perArch.map((p) => p.arch)).toEqual(['x86_64', 'x86', 'x32']);
    for (const p of a.stats.perArch) expect(p.min).toBeLessThanOrEqual(p.max);
  });

  it('links each rule of a policy to its lines and instructions, and each instruction to its syscalls', () => {
    const b = built(DOCKER);
    const { links } = analyzeFull(b, DOCKER);
    const lines = DOCKER.split('\n');
    // The rule allowing socket for domains above 40 (one entry of "syscalls"): its lines span the whole object.
    const sock = links.rules.find((r) => r.syscalls.includes('socket') && lines.slice(r.from - 1, r.to).join('\n').includes('"value": 40'))!;
    expect(sock).toBeDefined();
    expect(lines[sock.from - 1].trim()).toBe('{');
    expect(lines[sock.to - 1].trim()).toMatch(/^},?$/);
    // Its instructions are the ones socket(41, ...) runs on the policy's arches, without the ones every syscall runs.
    const path = b.arches.flatMap((a) => traceProgram(b.instructions, { nr: syscallNumber(a, 'socket')!, arch: a.token, args: [41n, 0n, 0n, 0n, 0n, 0n] }, a.endian).path);
    for (const pc of sock.pcs) expect(path).toContain(pc);
    expect(sock.pcs).not.toContain(0);
    expect(links.pcSyscalls[0]).toBeUndefined();
    expect(links.pcSyscalls[sock.pcs[sock.pcs.length - 1]]).toContain('socket');
  });

  it('the emulator records every step: A, X and the scratch memory', () => {
    const b = built('A = arch\nmem[3] = A\nX = A\nA = sys_number\nmem[5] = X\nA == mkdir ? deny : ok\nok:\nreturn ALLOW\ndeny:\nreturn ERRNO(2)\n');
    const r = emulateSteps(b, { arch: 'x86_64', syscall: 'mkdir', args: [] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.action).toBe('ERRNO(2)');
    expect(r.steps.map((s) => s.pc)).toEqual([0, 1, 2, 3, 4, 5, 7]);
    expect(r.steps[1].mem[3]).toBe(ARCHES.x86_64.token);
    expect(r.steps[0].mem[3]).toBeNull();
    expect(r.steps[2].x).toBe(ARCHES.x86_64.token);
    expect(r.steps[3].a).toBe(83);
    expect(r.steps[4].mem[5]).toBe(ARCHES.x86_64.token);
    expect(r.steps[5].taken).toBe(true);
  });

  it('reads assembly and hex, and the three kinds agree', () => {
    const asm = built(ASM);
    expect(asm.mode).toBe('asm');
    const hex = built(hexText(encodeProgram(asm.instructions, 'little')));
    expect(hex.mode).toBe('hex');
    expect(hex.instructions).toEqual(asm.instructions);
    const policy = built('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":2}]}');
    const d = diff(asm, hex);
    expect(d.ok && d.report.equivalent).toBe(true);
    // The policy's compiled filter decides exactly like the hand-written program.
    const d2 = diff(asm, policy);
    expect(d2.ok && d2.report.equivalent).toBe(true);
    const d3 = diff(asm, built('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'));
    expect(d3.ok && d3.report.entries.map((e) => [e.syscall, e.changes[0].a, e.changes[0].b])).toEqual([['mkdir', 'ERRNO(2)', 'ERRNO(1)']]);
    for (const b of [asm, hex, policy]) expect(emulate(b, { arch: 'x86_64', syscall: 'mkdir', args: [] })).toMatchObject({ ok: true, action: 'ERRNO(2)' });
  });

  it('places errors at their line', () => {
    const bad = buildProgram('{\n "defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": [ {"names": ["read"] "action": "X"} ]\n}', 'auto', 'x86_64');
    expect(bad).toMatchObject({ ok: false, error: { line: 3 } });
    const bad2 = buildProgram(ASM.replace('return ERRNO(2)', 'return BOGUS'), 'auto', 'x86_64');
    expect(bad2).toMatchObject({ ok: false, error: { line: 8 } });
    expect(buildProgram('zz', 'hex', 'x86_64')).toMatchObject({ ok: false, error: { code: 'NOT_HEX' } });
    expect(buildProgram('00 00', 'hex', 'x86_64').ok).toBe(false);
  });

  it('parses emulator numbers and syscalls', () => {
    expect(parseNumber('0x1ff', 64, 'a')).toBe(0x1ffn);
    expect(parseNumber('-1', 64, 'a')).toBe((1n << 64n) - 1n);
    expect(parseNumber('0b101', 32, 'a')).toBe(5n);
    expect(() => parseNumber('1x', 64, 'args[0]')).toThrow(/args\[0\]: "1x" is not a number/);
    expect(() => parseNumber('0x100000000', 32, 'n')).toThrow(/does not fit/);
    const b = built(ASM);
    expect(emulate(b, { arch: 'x86_64', syscall: 'mkdri', args: [] })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SYSCALL', message: 'unknown syscall "mkdri" on x86_64 (did you mean "mkdir"?)' } });
    expect(emulate(b, { arch: 'x86_64', syscall: '83', args: [] })).toMatchObject({ ok: true, name: 'mkdir', action: 'ERRNO(2)' });
    expect(emulate(b, { arch: 'aarch64', syscall: 'read', args: [] })).toMatchObject({ ok: true, action: 'KILL' });
  });
});

describe('playground URL state', () => {
  const state: State = { ...DEFAULT_STATE, text: DOCKER, mode: 'policy', arch: 'aarch64', kernel: '6.1', emu: { arch: 'x32', syscall: 'mkdir', args: ['1', '0x2', '', '', '', '-1'], ip: '7' }, diffText: 'ünïcødé ✓' };

  it('round-trips compressed and plain', async () => {
    const z = await encodeState(state, true);
    const b = await encodeState(state, false);
    expect(z.startsWith('z.')).toBe(true);
    expect(b.startsWith('b.')).toBe(true);
    expect(z.length).toBeLessThan(b.length / 3);
    expect(/^[A-Za-z0-9_.-]+$/.test(z) && /^[A-Za-z0-9_.-]+$/.test(b)).toBe(true);
    expect(await decodeState('#' + z)).toEqual(state);
    expect(await decodeState(b)).toEqual(state);
  });

  it('ignores empty or foreign hashes and rejects damaged ones', async () => {
    expect(await decodeState('')).toBeUndefined();
    expect(await decodeState('#section-2')).toBeUndefined();
    await expect(decodeState('#z.AAAA')).rejects.toThrow();
    await expect(decodeState('#b.' + Buffer.from('{"v":9}').toString('base64url'))).rejects.toThrow(/version/);
  });
});
