/**
 * Proof that runc decides as syswall says (issue 15, item 3): a container
 * runs under a syswall-written profile; `syswall dump --pid` reads the
 * filter runc installed in it; `syswall diff` compares that with syswall's
 * own compilation of the same profile in runc's mode (`--compat runc
 * --enosys runc`): no difference, for Docker's default, a recorded
 * allow-list, a deny-list with argument conditions, and the routed profile
 * `compile --for-agent` writes.
 *
 * runc skips names its libseccomp does not know (Debian 12: 2.5.4, which
 * lacks the newest syscalls), and syswall cannot know which those are, so
 * the profile both are given names only what this runc's libseccomp knows
 * (asked of the reference, python3-seccomp). A last test shows that without
 * that step the only differences are exactly those names.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveArch } from '../src/core/arch/arches.js';
import { syscallNumber } from '../src/core/arch/syscalls.js';
import { runCli, ROOT } from './helpers/cli.js';
import { AgentProcess, RuncLab, until } from './helpers/containers.js';
import { runPythonSeccomp } from './helpers/libseccomp-python.js';

let lab: RuncLab;
let agent: AgentProcess;
let sock: string;

const SCMP_ARCHES: Record<string, string> = { SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_X32: 'x32' };

interface OciProfile {
  architectures?: string[];
  syscalls: { names: string[] }[];
  [k: string]: unknown;
}

/** Names of `p` that this host's libseccomp does not resolve on some arch where syswall's table has them. */
function unknownToLibseccomp(p: OciProfile): string[] {
  return libseccompView(p).unknown;
}

/** What this host's libseccomp makes of `p`'s names: those it lacks, and per arch the highest number it knows among them (runc's stub maximum). */
function libseccompView(p: OciProfile): { unknown: string[]; max: Record<string, number> } {
  const arches = (p.architectures ?? ['SCMP_ARCH_X86_64']).map((a) => SCMP_ARCHES[a]).filter(Boolean);
  if (!arches.includes('x86_64')) arches.unshift('x86_64'); // runc adds the native arch
  const names = [...new Set(p.syscalls.flatMap((s) => s.names))];
  const py = `
import seccomp, json
A = {"x86_64": seccomp.Arch.X86_64, "x86": seccomp.Arch.X86, "x32": seccomp.Arch.X32}
out = {}
for a in ${JSON.stringify(arches)}:
    for n in ${JSON.stringify(names)}:
        try: out[a + ":" + n] = seccomp.resolve_syscall(A[a], n)
        except Exception: out[a + ":" + n] = None
print(json.dumps(out))`;
  const lib = runPythonSeccomp<Record<string, number | null>>(py);
  const unknown = names.filter((n) => arches.some((a) => {
    const ours = syscallNumber(resolveArch(a), n);
    const theirs = lib[`${a}:${n}`];
    return ours !== undefined && (theirs === null || theirs < 0);
  })).sort();
  const max: Record<string, number> = {};
  for (const a of arches) max[a] = Math.max(-1, ...names.map((n) => lib[`${a}:${n}`] ?? -1));
  return { unknown, max };
}

function withoutNames(p: OciProfile, drop: readonly string[]): OciProfile {
  const syscalls = p.syscalls.map((s) => ({ ...s, names: s.names.filter((n) => !drop.includes(n)) })).filter((s) => s.names.length > 0);
  return { ...p, syscalls };
}

/** Runs a container under `profile` (waiting at /shared/go), dumps the filter runc installed, and diffs it with syswall's runc-mode compilation. */
async function proveOne(tag: string, profile: object): Promise<{ diff: ReturnType<typeof runCli>; dumped: string; compiled: string }> {
  const dir = join(lab.dir, tag);
  const shared = join(dir, 'shared');
  mkdirSync(shared, { recursive: true });
  const file = join(dir, 'profile.json');
  writeFileSync(file, JSON.stringify(profile, null, 1));
  const id = lab.id(tag);
  const run = lab.run(lab.bundle(id, { args: ['sh', '-c', 'touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.05; done'], seccomp: profile, shared }), id);
  let dumped: string;
  try {
    await until(() => existsSync(join(shared, 'ready')), 20_000, `container ${id} to start`);
    const pid = lab.pid(id);
    const d = runCli(['dump', '--pid', String(pid), '-f', 'raw', '-o', join(dir, 'dumped')]);
    expect(d.status, d.stderr).toBe(0);
    dumped = join(dir, 'dumped', 'filter-0.bpf');
    expect(existsSync(join(dir, 'dumped', 'filter-1.bpf'))).toBe(false);
  } finally {
    writeFileSync(join(shared, 'go'), '');
  }
  const r = await run;
  expect(r.code, r.stderr).toBe(0);
  const compiled = join(dir, 'syswall.bpf');
  const c = runCli(['compile', file, '--compat', 'runc', '--enosys', 'runc', '-o', compiled]);
  expect(c.status, c.stderr).toBe(0);
  return { diff: runCli(['diff', dumped, compiled, '--json']), dumped, compiled };
}

function dockerDefault(): OciProfile {
  const r = runCli(['compile', join(ROOT, 'data', 'profiles', 'docker-default.json'), '--format', 'oci']);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  lab = new RuncLab('syswall-runc-proof-');
  sock = join(lab.dir, 'agent.sock');
  agent = await new AgentProcess(sock, ['--record', join(lab.dir, 'recorded')]).ready();
});
afterAll(async () => {
  await agent?.stop();
  lab?.cleanup();
});

describe('runc installs what syswall compiles (dump --pid, diff)', () => {
  it('Docker\'s default profile', async () => {
    const p = dockerDefault();
    const { diff } = await proveOne('docker', withoutNames(p, unknownToLibseccomp(p)));
    expect(diff.stdout + diff.stderr).toBe(JSON.stringify({ equivalent: true, entries: [] }, null, 2) + '\n');
    expect(diff.status).toBe(0);
  });

  it('a recorded allow-list (syswall agent record, converted with syswall convert --to oci)', async () => {
    // Record a busybox workload through the agent, then use the recorded profile as plain OCI.
    const file = join(lab.dir, 'docker.json');
    writeFileSync(file, JSON.stringify(dockerDefault()));
    const out = join(lab.dir, 'record.routed.json');
    expect(runCli(['compile', file, '--for-agent', 'record', '--listener-path', sock, '-o', out]).status).toBe(0);
    const id = lab.id('rec');
    const shared = join(lab.dir, 'rec-shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'go'), '');
    const r = await lab.run(lab.bundle(id, { args: ['sh', '-c', 'touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.05; done'], seccomp: JSON.parse(readFileSync(out, 'utf8')), shared }), id);
    expect(r.code, r.stderr).toBe(0);
    const [rec] = await agent.waitFor('recorded', id);
    const oci = runCli(['convert', rec.file, '--to', 'oci']);
    expect(oci.status, oci.stderr).toBe(0);
    const p = JSON.parse(oci.stdout) as OciProfile;
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    const { diff } = await proveOne('recorded', withoutNames(p, unknownToLibseccomp(p)));
    expect(diff.stdout).toBe(JSON.stringify({ equivalent: true, entries: [] }, null, 2) + '\n');
  });

  it('a deny-list with argument conditions (same-index conditions OR\'d, masked compares, 64-bit values) on x86_64 and x86', async () => {
    const p: OciProfile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }, { index: 0, value: 38, op: 'SCMP_CMP_EQ' }] },
        { names: ['unshare', 'setns'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0x10000000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_GT' }] },
        { names: ['kexec_load', 'init_module'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['mknod', 'mknodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 0o170000, valueTwo: 0o020000, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['ptrace'], action: 'SCMP_ACT_TRAP' },
      ],
    };
    expect(unknownToLibseccomp(p)).toEqual([]);
    const { diff } = await proveOne('denylist', p);
    expect(diff.stdout).toBe(JSON.stringify({ equivalent: true, entries: [] }, null, 2) + '\n');
  });

  it('the routed profile of compile --for-agent explain (Docker\'s default: NOTIFY rules for every denied syscall)', async () => {
    const base = dockerDefault();
    const file = join(lab.dir, 'docker-known.json');
    writeFileSync(file, JSON.stringify(withoutNames(base, unknownToLibseccomp(base))));
    const out = join(lab.dir, 'docker.routed.json');
    expect(runCli(['compile', file, '--for-agent', 'explain', '--listener-path', sock, '-o', out]).status).toBe(0);
    const p = JSON.parse(readFileSync(out, 'utf8')) as OciProfile;
    const { diff } = await proveOne('routed', withoutNames(p, unknownToLibseccomp(p)));
    expect(diff.stdout).toBe(JSON.stringify({ equivalent: true, entries: [] }, null, 2) + '\n');
    expect(agent.events('refused')).toEqual([]);
  });

  it('without leaving out the names runc\'s libseccomp does not know, the only differences are those names and the numbers above its stub maximum', async () => {
    const p = dockerDefault();
    const { unknown, max } = libseccompView(p);
    expect(unknown.length).toBeGreaterThan(0);
    const { diff } = await proveOne('docker-all', p);
    expect(diff.status).toBe(3); // different (README, "Exit status")
    const report = JSON.parse(diff.stdout) as { entries: { arch: string; syscall: string; syscalls?: string[]; nrLo: number }[] };
    expect(report.entries.length).toBeGreaterThan(0);
    for (const e of report.entries) {
      const names = e.syscalls ?? [e.syscall];
      const explained = e.nrLo > max[e.arch] || names.every((n) => unknown.includes(n));
      expect(explained, `${e.arch} ${names.join(',')} (nr ${e.nrLo}) differs, below libseccomp's maximum ${max[e.arch]} and known to it`).toBe(true);
    }
  });
});
