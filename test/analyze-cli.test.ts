/** CLI tests for explain, diff, lint and graph (built CLI in a child process). */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expectCleanError, runCli } from './helpers/cli.js';
import { DOCKER_PROFILE, libseccompBytes } from './helpers/libseccomp.js';
import { ALLOW, KILL, X86_64, archCheck, bytes, ld, nrList } from './helpers/bpf-build.js';

let dir: string;
let d1: string;
let d2: string;
let planted: string;
let weak: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syswall-analyze-'));
  d1 = join(dir, 'docker1.bpf');
  d2 = join(dir, 'docker2.bpf');
  planted = join(dir, 'planted.bpf');
  weak = join(dir, 'weak.bpf');
  writeFileSync(d1, libseccompBytes({ docker: { profile: DOCKER_PROFILE, arch: 'amd64' }, optimize: 1 }));
  writeFileSync(d2, libseccompBytes({ docker: { profile: DOCKER_PROFILE, arch: 'amd64' }, optimize: 2 }));
  writeFileSync(planted, libseccompBytes({ docker: { profile: DOCKER_PROFILE, arch: 'amd64' }, optimize: 2, rules: [{ action: 'ALLOW', syscall: 'syslog', args: [{ arg: 0, op: 'GE', a: 16 }] }] }));
  writeFileSync(weak, bytes([...archCheck(X86_64, false), ...nrList([[59, KILL]], ALLOW)]));
});

/** Parses XML with a real parser (Python's ElementTree); returns the error text or ''. */
function xmlParseError(file: string): string {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])', file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr || 'parse failed';
}

describe('syswall explain', () => {
  it('prints the table and JSON', () => {
    const r = runCli(['explain', d2]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('  clone: ERRNO(1) when args[0] & 0x7e020000 != 0x0, else ALLOW\n');
    expect(r.stdout).toContain('other arches: KILL');
    const j = JSON.parse(runCli(['explain', d2, '--json', '--arch', 'x86_64']).stdout);
    expect(j.arches.map((a: any) => a.arch)).toEqual(['x86_64', 'other arches']);
    expect(runCli(['explain', d1]).stdout).toBe(r.stdout);
  });
});

describe('syswall diff', () => {
  it('exit 0 and no output when equivalent', () => {
    const r = runCli(['diff', d1, d2]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
  it('exit 3 with the difference', () => {
    const r = runCli(['diff', d1, planted]);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('syslog (x86_64 nr 103): A=ERRNO(1), B=ALLOW when args[0] >= 0x10\n');
    const j = JSON.parse(runCli(['diff', d1, planted, '--json']).stdout);
    expect(j.equivalent).toBe(false);
    expect(j.entries[0]).toMatchObject({ arch: 'x86_64', syscall: 'syslog', nrLo: 103, changes: [{ a: 'ERRNO(1)', b: 'ALLOW', when: 'args[0] >= 0x10' }] });
  });
});

describe('syswall lint', () => {
  it('exit 3 on error findings, JSON output', () => {
    const r = runCli(['lint', weak]);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^error: X32_BYPASS \(x32 execve\)/m);
    const j = JSON.parse(runCli(['lint', weak, '--json']).stdout);
    expect(j.worst).toBe('error');
  });
  it('Docker default: warnings only (exit 4)', () => {
    const r = runCli(['lint', d2]);
    expect(r.status).toBe(4);
    expect(r.stdout).not.toMatch(/^error:/m);
  });
});

describe('syswall graph', () => {
  it('writes valid self-contained SVG with syscall names, DOT and HTML', () => {
    const svg = join(dir, 'd.svg');
    expect(runCli(['graph', d2, '--view', 'cfg', '-o', svg]).status).toBe(0); // 1243 instructions
    expect(xmlParseError(svg)).toBe('');
    const text = readFileSync(svg, 'utf8');
    for (const name of ['switch on nr', 'read, write', 'arch x86_64/x32', 'args[0]', 'return ALLOW', 'return ERRNO(1)']) expect(text).toContain(name);
    expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const map = join(dir, 'map.svg');
    expect(runCli(['graph', d2, '-o', map]).status).toBe(0);
    expect(xmlParseError(map)).toBe('');
    expect(readFileSync(map, 'utf8')).toContain('data-name="execve"');
    const html = join(dir, 'd.html');
    expect(runCli(['graph', d1, '-o', html]).status).toBe(0);
    const h = readFileSync(html, 'utf8');
    expect(h).toContain('<svg');
    expect(h).not.toMatch(/<script[^>]*src=|<link /);
    const dot = runCli(['graph', d2, '-o', '-', '--view', 'cfg', '--format', 'dot']);
    expect(dot.stdout).toMatch(/^digraph "docker2.bpf" \{/);
    expect(dot.stdout).toContain('label="arch x86_64/x32"');
  });
});

describe('bad input: one line, exit 2', () => {
  it('missing files, bad sizes, text input, bad programs, usage', () => {
    const text = join(dir, 'policy.json');
    writeFileSync(text, '{"defaultAction": "SCMP_ACT_ALLOW"}\n');
    const odd = join(dir, 'odd.bpf');
    writeFileSync(odd, new Uint8Array(12));
    const noret = join(dir, 'noret.bpf');
    writeFileSync(noret, bytes([ld(0)]));
    const badjump = join(dir, 'badjump.bpf');
    writeFileSync(badjump, bytes([ld(0), { code: 0x15, jt: 9, jf: 0, k: 0 }, { code: 6, jt: 0, jf: 0, k: 0 }]));
    const badload = join(dir, 'badload.bpf');
    writeFileSync(badload, bytes([{ code: 0x20, jt: 0, jf: 0, k: 2 }, { code: 6, jt: 0, jf: 0, k: 0 }]));
    for (const cmd of ['explain', 'lint']) {
      expect(expectCleanError(runCli([cmd, join(dir, 'missing.bpf')]))).toMatch(/cannot read .*missing.bpf: no such file/);
      expect(expectCleanError(runCli([cmd, odd]))).toMatch(/12 bytes of binary data are neither a policy \(text\) nor a raw BPF program \(8 bytes per instruction\)/);
      expect(expectCleanError(runCli([cmd, text, '--input', 'raw']))).toMatch(/expected a raw BPF program/);
      expect(expectCleanError(runCli([cmd, noret]))).toMatch(/instruction 0: control falls off the end/);
      expect(expectCleanError(runCli([cmd, badjump]))).toMatch(/instruction 1: jump to 11 is out of range/);
      expect(expectCleanError(runCli([cmd, badload]))).toMatch(/instruction 0: load from offset 2/);
      expect(expectCleanError(runCli([cmd]))).toMatch(/expected one INPUT/);
      expect(expectCleanError(runCli([cmd, d1, '--arch', 'vax']))).toMatch(/unknown architecture "vax"/);
    }
    expect(expectCleanError(runCli(['diff', d1]))).toMatch(/expected two inputs/);
    expect(expectCleanError(runCli(['diff', d1, odd]))).toMatch(/odd.bpf: 12 bytes of binary data/);
    expect(expectCleanError(runCli(['graph', d1]))).toMatch(/missing -o/);
    expect(expectCleanError(runCli(['graph', d1, '-o', join(dir, 'x.png')]))).toMatch(/cannot tell the format/);
    expect(expectCleanError(runCli(['graph', d1, '-o', '-', '--format', 'pdf']))).toMatch(/unknown format "pdf"/);
    expect(expectCleanError(runCli(['graph', d1, '-o', join(dir, 'no/such/dir.svg')]))).toMatch(/cannot write/);
  });
});

