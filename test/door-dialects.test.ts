/**
 * Acceptance of the one input door (issue 13): every command reads every
 * dialect with the same defaults.
 *
 * - For each dialect, on a real-world-like file (a crosvm-style minijail
 *   device policy with an absolute include resolved by -I and a frequency
 *   file, an nsjail-style Kafel policy with an include, a multi-document SPO
 *   file whose profiles share a base profile, Firecracker per thread, and
 *   the OCI-family JSON dialects): compile, explain, lint, diff and graph run;
 *   the policy diffs equal to its own compile output; and the decisions are
 *   checked against the convert path (the policy converted to syswall JSON
 *   decides the same, and explains to the same table), plus a few decisions
 *   checked by emulating the compiled filter.
 * - For the built-in default and three policies, `diff POLICY <(compile
 *   POLICY)` is empty.
 * - The playground engine and the CLI give the same explain table.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatExplain } from '../src/core/analyze/explain.js';
import { analyzeFull, buildProgram } from '../web/src/engine.js';
import { ROOT, runCli } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'syswall-door-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DOOR = 'test/fixtures/door';
const FMT = 'test/fixtures/formats';

interface Case {
  name: string;
  file: string;
  /** Flags selecting or reading the input (-I, --name, --thread). */
  flags: string[];
  kind: string;
  /** Syscalls and what the compiled x86_64 filter must return for them (emu). */
  emu: [string[], RegExp][];
}

const CASES: Case[] = [
  {
    name: 'minijail (crosvm-style device policy, absolute @include found by -I, @frequency)',
    file: `${DOOR}/crosvm/block_device.policy`, flags: ['-I', `${DOOR}/crosvm`], kind: 'minijail',
    emu: [[['pread64', '3'], /ALLOW/], [['mmap', '0', '4096', '6'], /KILL/], [['mmap', '0', '4096', '5'], /ALLOW/], [['openat', '0'], /ERRNO\(2\)/], [['ioctl', '0', '0x5421'], /ERRNO\(25\)/], [['ptrace'], /KILL/]],
  },
  {
    name: 'Kafel (nsjail-style, with #include)',
    file: `${DOOR}/nsjail.kafel`, flags: [], kind: 'kafel',
    emu: [[['read'], /ALLOW/], [['mmap', '0', '4096', '6'], /KILL_PROCESS/], [['socket', '10'], /ERRNO\(13\)/], [['socket', '2'], /ALLOW/], [['ptrace'], /KILL/]],
  },
  {
    name: 'SPO (several documents, --name, a shared base profile)',
    file: `${DOOR}/spo/profiles.yaml`, flags: ['--name', 'redis'], kind: 'spo',
    emu: [[['fsync'], /ALLOW/], [['execve'], /ALLOW/], [['socket', '10'], /ALLOW/], [['socket', '2'], /ERRNO\(1\)/], [['ptrace'], /ERRNO\(1\)/]],
  },
  {
    name: 'SPO (the other document of the same file)',
    file: `${DOOR}/spo/profiles.yaml`, flags: ['--name', 'nginx'], kind: 'spo',
    emu: [[['sendfile'], /ALLOW/], [['ptrace'], /ERRNO\(13\)/], [['fsync'], /ERRNO\(1\)/]],
  },
  ...['vmm', 'api', 'vcpu'].map((thread): Case => ({
    name: `Firecracker (thread ${thread})`, file: `${FMT}/firecracker.json`, flags: ['--thread', thread], kind: 'firecracker', emu: [],
  })),
  {
    name: 'OCI (a runc config.json, linux.seccomp)',
    file: `${DOOR}/config.json`, flags: [], kind: 'oci',
    emu: [[['personality', '8'], /ALLOW/], [['personality', '1'], /ERRNO\(1\)/], [['clone', '0x10000000'], /ERRNO\(1\)/], [['clone', '0x11'], /ALLOW/], [['ptrace'], /ERRNO\(38\)/]],
  },
  {
    name: 'containers-common (defaultErrno, errno, caps)',
    file: `${DOOR}/containers-common.json`, flags: ['--caps', 'CAP_CHOWN'], kind: 'containers-common',
    emu: [[['read'], /ALLOW/], [['ptrace'], /ERRNO\(1\)/], [['bpf'], /ERRNO\(38\)/], [['chroot'], /ERRNO\(38\)/]],
  },
  { name: 'Docker/moby JSON', file: 'data/profiles/docker-default.json', flags: [], kind: 'docker', emu: [[['mkdir'], /ALLOW/], [['reboot'], /ERRNO\(1\)/]] },
  { name: 'syswall JSON (the built-in default)', file: 'data/profiles/default/x86_64.json', flags: [], kind: 'syswall', emu: [[['read'], /ALLOW/]] },
];

describe('every command reads every dialect (the one door)', () => {
  it.each(CASES)('$name: compile, explain, lint, diff, graph, and the convert path decides the same', (c) => {
    const out = (ext: string) => join(tmp, `${c.name.replace(/\W+/g, '_')}.${ext}`);
    // compile (with the settings printed), to a raw filter
    const comp = runCli(['compile', c.file, ...c.flags, '-o', out('bpf'), '--verbose']);
    expect(comp.status, comp.stderr).toBe(0);
    expect(comp.stderr).toMatch(new RegExp(`syswall: ${c.kind} input .*enosys=unknown .*arch=x86_64`));
    // explain
    const ex = runCli(['explain', c.file, ...c.flags]);
    expect(ex.status, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/^x86_64:\n/);
    // lint (findings are fine: 0, 3 errors, 4 warnings; bad input, exit 2, and failure, 1, are not)
    const li = runCli(['lint', c.file, ...c.flags, '--json']);
    expect([0, 3, 4], li.stderr).toContain(li.status);
    expect(Array.isArray(JSON.parse(li.stdout).findings)).toBe(true);
    // diff: the policy equals its own compile output
    const same = runCli(['diff', c.file, out('bpf'), ...c.flags]);
    expect(same.stderr).toBe('');
    expect(same.stdout).toBe('');
    expect(same.status).toBe(0);
    // graph
    const gr = runCli(['graph', c.file, ...c.flags, '-o', out('svg')]);
    expect(gr.status, gr.stderr).toBe(0);
    expect(readFileSync(out('svg'), 'utf8')).toMatch(/^<svg|^<\?xml/);
    // The convert path: the same input converted to syswall JSON decides exactly the same...
    const conv = runCli(['convert', c.file, ...c.flags, '--to', 'syswall', '-o', out('json')]);
    expect(conv.status, conv.stderr).toBe(0);
    const d = runCli(['diff', c.file, out('json'), ...c.flags]);
    expect(d.stdout + d.stderr).toBe('');
    expect(d.status).toBe(0);
    // ...and explains to the same table.
    expect(runCli(['explain', out('json')]).stdout).toBe(ex.stdout);
    // Decisions, emulated on the compiled filter.
    for (const [args, want] of c.emu) {
      const r = runCli(['emu', out('bpf'), ...args, '--arch', 'x86_64', '-q']);
      expect(r.stdout, `${c.name}: ${args.join(' ')}`).toMatch(want);
    }
  });
});

describe('a policy diffs equal to its own compile output', () => {
  it.each([
    ['the built-in default', 'data/profiles/default/x86_64.json', []],
    ["Docker's default profile", 'data/profiles/docker-default.json', []],
    ['a minijail policy', `${FMT}/device.policy`, []],
    ['a Kafel policy', `${FMT}/sandbox.kafel`, []],
  ] as [string, string, string[]][])('%s: syswall diff POLICY <(syswall compile POLICY) is empty', (_n, file, flags) => {
    const bpf = join(tmp, `self-${file.replace(/\W+/g, '_')}.bpf`);
    expect(runCli(['compile', file, ...flags, '-o', bpf]).status).toBe(0);
    const r = runCli(['diff', file, bpf, ...flags]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the playground engine and the CLI give the same explain table', () => {
  it.each([
    ["Docker's default profile", 'data/profiles/docker-default.json'],
    ['a Kafel policy', `${FMT}/sandbox.kafel`],
    ['a syswall policy', 'test/fixtures/weak-policies/dangerous-allow.json'],
    ['assembly', 'examples/sample.asm'],
  ])('%s', (_n, file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const b = buildProgram(text, 'auto', 'x86_64');
    if (!b.ok) throw new Error(b.error.message);
    const a = analyzeFull(b.built, text);
    if (!('arches' in a.explain)) throw new Error(a.explain.message);
    const cli = runCli(['explain', file, '--arch', 'x86_64']);
    expect(cli.status, cli.stderr).toBe(0);
    // The CLI with --arch reports on that arch; the engine on every arch the input has: compare the x86_64 table.
    const engine = formatExplain({ arches: a.explain.arches.filter((x) => x.arch === 'x86_64' || x.arch === 'other arches' || x.arch === 'any arch') });
    const cliTable = cli.stdout.trimEnd();
    expect(engine.trimEnd()).toBe(cliTable);
  });
});
