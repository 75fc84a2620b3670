/**
 * The playground's engine and URL state, without a browser: the same code the
 * page runs (web/src/engine.ts, web/src/state.ts), checked against the CLI's
 * core entry points.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ARCHES, traceProgram, compilePolicy, encodeProgram, hexText, INPUT_KINDS, parsePolicyText, runProgram, syscallNumber, actionName } from '../src/core/index.js';
import { analyzeFull, buildProgram, detectMode, diff, emulate, emulateSteps, INPUT_MODES, parseNumber, type Built, type InputMode } from '../web/src/engine.js';
import { DEFAULT_STATE, decodeState, encodeState, type State } from '../web/src/state.js';
import { ROOT, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'syswall-engine-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DOCKER = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
const ASM = 'A = arch\nA == ARCH_X86_64 ? next : dead\nA = sys_number\nA == mkdir ? deny : ok\nok:\nreturn ALLOW\ndeny:\nreturn ERRNO(2)\ndead:\nreturn KILL\n';

function built(text: string, mode: InputMode = 'auto', kernel = '', pick = ''): Built {
  const r = buildProgram(text, mode, 'x86_64', kernel, pick);
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

describe('the input-mode selector: every kind the CLI\'s --input reads, through the same door', () => {
  const hexOf = (file: string) => hexText(readFileSync(join(ROOT, file)));
  // Two SeccompProfiles (and a ConfigMap) in one file; their base profile lives in another file, which a page cannot read.
  const SPO = readFileSync(join(ROOT, 'test/fixtures/door/spo/profiles.yaml'), 'utf8').replace(/^\s*baseProfileName: .*\n/gm, '');
  const SPO_FILE = join(tmp, 'profiles.yaml');
  writeFileSync(SPO_FILE, SPO);
  // Each kind of the door, an input of that kind, and what the CLI needs to read the same file (--thread/--name).
  const CASES: [InputMode, string, string[], string?][] = [
    ['oci', 'test/fixtures/door/config.json', []],
    ['docker', 'data/profiles/docker-default.json', []],
    ['containers-common', 'test/fixtures/door/containers-common.json', []],
    ['syswall', 'data/profiles/default/x86_64.json', []],
    ['spo', SPO_FILE, ['--name', 'redis'], 'redis'],
    ['firecracker', 'test/fixtures/formats/firecracker.json', ['--thread', 'api'], 'api'],
    ['minijail', 'test/fixtures/formats/common_device.policy', []],
    ['kafel', 'test/fixtures/formats/sandbox.kafel', []],
    ['raw', 'examples/sample.bpf', []],
    ['hex', 'examples/sample.bpf', []],
    ['asm', 'examples/sample.asm', []],
    ['policy', 'test/fixtures/door/nsjail-common.kafel', []],
    ['program', 'examples/sample.asm', []],
  ];

  it('offers auto-detect and then exactly the door\'s kinds, each with a label', () => {
    expect(INPUT_MODES.map((m) => m.value)).toEqual(['auto', ...INPUT_KINDS]);
    for (const m of INPUT_MODES) expect(m.label.length, m.value).toBeGreaterThan(4);
    expect(CASES.map((c) => c[0]).sort()).toEqual([...INPUT_KINDS].sort());
  });

  it.each(CASES.map(([mode, file, flags, pick]) => [mode, basename(file), file, flags, pick] as const))('%s: the page reads %s as the CLI does with --input (explain JSON identical)', (mode, _name, file, flags, pick) => {
    const text = mode === 'raw' || mode === 'hex' ? hexOf(file) : readFileSync(resolve(ROOT, file), 'utf8');
    expect(text).not.toMatch(/baseProfileName/);
    const b = built(text, mode, '6.1', pick);
    if (mode !== 'policy' && mode !== 'program') expect(b.kind).toBe(mode);
    const page = analyzeFull(b, text).explain;
    // The CLI reads the file itself (raw bytes for raw, a hex file for hex) with the same --input.
    let cliFile = file;
    if (mode === 'hex') {
      cliFile = join(tmp, 'sample.hex');
      writeFileSync(cliFile, text);
    }
    const r = runCli(['explain', cliFile, '--input', mode, '--kernel', '6.1', '--json', ...flags]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(JSON.stringify(page))).toEqual(JSON.parse(r.stdout));
  });

  it('a file with several threads or profiles: the error says to pick one in the page, and the pick is used', () => {
    const fc = readFileSync(join(ROOT, 'test/fixtures/formats/firecracker.json'), 'utf8');
    const r = buildProgram(fc, 'auto', 'x86_64');
    expect(r).toMatchObject({ ok: false, error: { code: 'FIRECRACKER_THREAD', hint: expect.stringContaining('"Thread / profile" box') } });
    expect(r.ok || r.error.message).toMatch(/3 thread filters \(vmm, api, vcpu\)/);
    const spo = SPO;
    expect(buildProgram(spo, 'spo', 'x86_64')).toMatchObject({ ok: false, error: { code: 'SPO_AMBIGUOUS', hint: expect.stringContaining('"Thread / profile" box') } });
    expect(buildProgram(spo, 'auto', 'x86_64', '', 'nginx').ok).toBe(true);
    expect(buildProgram(spo, 'auto', 'x86_64', '', 'nope')).toMatchObject({ ok: false });
    // A pick is ignored by kinds that have nothing to pick (the CLI's diff shares its selectors the same way).
    expect(built(DOCKER, 'auto', '', 'vmm').instructions).toEqual(built(DOCKER).instructions);
  });

  it('an include (minijail, Kafel) is an error at its line that says what to do in a page', () => {
    const device = readFileSync(join(ROOT, 'test/fixtures/formats/device.policy'), 'utf8');
    const r = buildProgram(device, 'auto', 'x86_64');
    expect(r).toMatchObject({ ok: false, error: { line: 3, hint: expect.stringContaining('paste the included file') } });
    const kafel = readFileSync(join(ROOT, 'test/fixtures/door/nsjail.kafel'), 'utf8');
    expect(buildProgram(kafel, 'kafel', 'x86_64')).toMatchObject({ ok: false, error: { line: expect.any(Number), hint: expect.stringContaining('paste the included file') } });
  });

  it('raw mode reads the bytes behind the hex text, and says what it expects when the text is not hex', () => {
    const bytes = readFileSync(join(ROOT, 'examples/sample.bpf'));
    expect(built(hexText(bytes), 'raw').instructions).toEqual(built(hexText(bytes), 'hex').instructions);
    expect(buildProgram(ASM, 'raw', 'x86_64')).toMatchObject({ ok: false, error: { code: 'NOT_RAW_BPF', hint: expect.stringContaining('Open file') } });
  });
});

describe('the built-in sample policy (examples/playground-sample.json)', () => {
  const SAMPLE = readFileSync(join(ROOT, 'examples', 'playground-sample.json'), 'utf8');
  const O_RDONLY = 0n;
  const O_WRONLY = 1n;
  const O_RDWR = 2n;
  const openat = (b: Built, flags: bigint) => {
    const r = emulate(b, { arch: 'x86_64', syscall: 'openat', args: ['-100', '0', `0x${flags.toString(16)}`] });
    return r.ok ? r.action : r.error.message;
  };

  it('is the page\'s first-visit input', () => {
    expect(readFileSync(join(ROOT, 'web', 'src', 'main.ts'), 'utf8')).toMatch(/import SAMPLE from '\.\.\/\.\.\/examples\/playground-sample\.json\?raw'/);
  });

  it('allows openat read-only only (mask 3, value 0: "value" is the mask in OCI profiles), and lints clean', () => {
    const b = built(SAMPLE);
    expect([openat(b, O_RDONLY), openat(b, O_RDONLY | 0x80000n), openat(b, O_WRONLY), openat(b, O_RDWR | 0x40n)]).toEqual(['ALLOW', 'ALLOW', 'ERRNO(38)', 'ERRNO(38)']);
    const lint = analyzeFull(b, SAMPLE).lint;
    expect('findings' in lint && lint.findings).toEqual([]);
    const cli = runCli(['lint', 'examples/playground-sample.json']);
    expect(cli.stdout).toBe('');
    expect(cli.status).toBe(0);
  });

  it('the old sample (value and mask swapped) allowed openat with any flags, and lint says so', () => {
    const old = SAMPLE.replace('"value": 3, "valueTwo": 0', '"value": 0, "valueTwo": 3');
    expect(old).not.toBe(SAMPLE);
    const b = built(old);
    expect([openat(b, O_RDONLY), openat(b, O_WRONLY), openat(b, O_RDWR)]).toEqual(['ALLOW', 'ALLOW', 'ALLOW']);
    const lint = analyzeFull(b, old).lint;
    const f = 'findings' in lint ? lint.findings.find((x) => x.code === 'MASKED_EQ_NEVER_MATCHES') : undefined;
    expect(f).toMatchObject({ severity: 'warning', location: { syscall: 'openat', line: 7 } });
    expect(f!.hint).toContain('"value": 3, "valueTwo": 0');
  });
});

describe('playground URL state', () => {
  const state: State = { ...DEFAULT_STATE, text: DOCKER, mode: 'policy', arch: 'aarch64', kernel: '6.1', pick: 'vmm', emu: { arch: 'x32', syscall: 'mkdir', args: ['1', '0x2', '', '', '', '-1'], ip: '7' }, diffText: 'ünïcødé ✓' };

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
    // A mode the selector does not offer is damage, not something to show as an empty selector.
    await expect(decodeState('#b.' + Buffer.from('{"v":1,"text":"x","mode":"bogus"}').toString('base64url'))).rejects.toThrow(/unknown input mode "bogus"/);
  });
});
