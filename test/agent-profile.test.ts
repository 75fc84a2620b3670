/**
 * `compile --for-agent`: the routed profile routes exactly what the agent
 * must see and decides everything else as the policy does (checked with
 * syswall's exact diff on runc-mode compilations of both), and the
 * listenerMetadata carries the policy and its program intact (and refuses
 * to decode anything else).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { diffPrograms } from '../src/core/analyze/diff.js';
import { SECCOMP_RET_USER_NOTIF } from '../src/core/bpf/constants.js';
import { isPermissive } from '../src/core/bpf/actions.js';
import { compilePolicy } from '../src/core/compile/compile.js';
import { parsePolicyText } from '../src/core/formats/parse.js';
import type { Policy } from '../src/core/policy/types.js';
import { agentProfile, decodeAgentMetadata, METADATA_PREFIX, RECORD_KEPT, type AgentMode } from '../src/node/agent-profile.js';
import { ROOT } from './helpers/cli.js';
import { runPythonSeccomp } from './helpers/libseccomp-python.js';

const SOCK = '/run/syswall/agent.sock';

function read(text: string, file = 'p.json'): Policy {
  return parsePolicyText(text, { file, context: { arch: 'x86_64', kernel: '6.8' } }).policy;
}

const DOCKER = read(readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8'), 'docker-default.json');
const POLICIES: Record<string, Policy> = {
  'Docker default': DOCKER,
  'deny-list with conditions and every action': read(JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }, { index: 0, value: 38, op: 'SCMP_CMP_EQ' }] },
      { names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['ptrace'], action: 'SCMP_ACT_TRAP' },
      { names: ['kexec_load'], action: 'SCMP_ACT_KILL' },
      { names: ['acct'], action: 'SCMP_ACT_TRACE', errnoRet: 5 },
      { names: ['chroot'], action: 'SCMP_ACT_LOG' },
      { names: ['write'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 99, op: 'SCMP_CMP_EQ' }] },
    ],
  })),
  'allow-list with conditional allows': read(JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['read', 'write', 'exit_group', 'execve', 'brk', 'mmap', 'rt_sigreturn'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 2, args: [{ index: 2, value: 0o100, valueTwo: 0o100, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['openat'], action: 'SCMP_ACT_ALLOW' },
    ],
  })),
};

/** The routed profile as runc will read it, and both compiled as runc compiles. */
function compiled(p: Policy, mode: AgentMode) {
  const r = agentProfile(p, { mode, listenerPath: SOCK, file: 'p.json' });
  const routed = parsePolicyText(r.text, { file: 'routed.json', context: { arch: 'x86_64' } }).policy;
  const R = compilePolicy(routed, { enosys: 'runc' });
  const P = compilePolicy(p, { enosys: 'runc' });
  const Pmapped = compilePolicy(p, { enosys: 'runc', mapAction: (v) => (isPermissive(v) ? v : SECCOMP_RET_USER_NOTIF) });
  return { r, routed, R, P, Pmapped };
}

describe('compile --for-agent explain: what is routed', () => {
  for (const [name, p] of Object.entries(POLICIES)) {
    it(`${name}: the routed profile differs from the policy only by routing, and routes every denial but write's`, () => {
      const { r, routed, R, P, Pmapped } = compiled(p, 'explain');
      expect(routed.defaultAction).toEqual(p.defaultAction);
      expect(routed.rules.every((x) => x.action.kind !== 'USER_NOTIF' || x.conditions.length === 0)).toBe(true);
      const allows = (a: string) => a === 'ALLOW' || a === 'LOG';
      // Numbers no table knows (holes in a table, above its end) cannot be named in an OCI profile: they keep the
      // default action, where the policy under runc may have had runc's ENOSYS for some of them. A denial either way.
      const unnamed = (e: { syscall: string; syscalls?: readonly string[] }) => /^nr /.test(e.syscall) && e.syscalls === undefined;
      // Wherever the routed filter does not route, it decides as the policy; it never allows what the policy denies.
      for (const e of diffPrograms(R.instructions, P.instructions).entries) {
        for (const c of e.changes) {
          const ok = c.a === 'USER_NOTIF' || (unnamed(e) && !allows(c.a) && c.b === 'ERRNO(38)');
          expect(ok, `${e.arch} ${e.syscall}: routed ${c.a}, policy ${c.b} ${c.when}`).toBe(true);
          expect(allows(c.a) && !allows(c.b)).toBe(false);
        }
      }
      // Wherever the policy denies, the routed filter routes: except write (runc refuses NOTIFY there),
      // unnamed numbers (above), and arches the policy does not cover (the bad-arch action, decided in the kernel as the policy says).
      for (const e of diffPrograms(R.instructions, Pmapped.instructions).entries) {
        for (const c of e.changes) {
          const ok = (c.a === 'USER_NOTIF' && allows(c.b)) || (c.b === 'USER_NOTIF' && !allows(c.a) && (e.syscall === 'write' || unnamed(e) || !p.arches.includes(e.arch as never)));
          expect(ok, `${e.arch} ${e.syscall}: routed ${c.a}, policy ${c.b} ${c.when}`).toBe(true);
        }
      }
      expect(r.routedNames.length).toBeGreaterThan(0);
      expect(r.object.listenerPath).toBe(SOCK);
      expect(String(r.object.listenerMetadata)).toMatch(/^syswall-agent\/1 [A-Za-z0-9_-]+$/);
    });
  }

  it('a syscall with conditional allows and a denying default is routed whole (libseccomp lets an unconditional rule override conditional ones)', () => {
    const { r } = compiled(POLICIES['allow-list with conditional allows'], 'explain');
    expect(r.routedNames).toEqual(expect.arrayContaining(['personality', 'clone', 'openat', 'mkdir']));
    expect(r.routedNames).not.toContain('read');
    expect(r.routedNames).not.toContain('write');
  });

  it('why: libseccomp lets an unconditional NOTIFY override a conditional ALLOW of the same syscall, in either order (python3-seccomp)', () => {
    const pfc = runPythonSeccomp<string[]>(`
import seccomp, tempfile, json
out = []
for order in (0, 1):
    f = seccomp.SyscallFilter(seccomp.ERRNO(1))
    rules = [lambda: f.add_rule(seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, 0x7E020000, 0)), lambda: f.add_rule(seccomp.NOTIFY, "clone")]
    for r in (rules if order == 0 else rules[::-1]): r()
    with tempfile.TemporaryFile(mode="w+") as t:
        f.export_pfc(t); t.seek(0); out.append(t.read())
print(json.dumps(out))`);
    for (const text of pfc) {
      const clone = text.slice(text.indexOf('filter for syscall "clone"'), text.indexOf('# default action'));
      expect(clone).toContain('action 0x7fc00000;');
      expect(clone).not.toMatch(/\$a0|ALLOW/);
    }
  });

  it('write keeps the policy\'s own rules and says its denials are not explained', () => {
    const { r, routed } = compiled(POLICIES['deny-list with conditions and every action'], 'explain');
    expect(routed.rules.filter((x) => x.syscall === 'write')).toMatchObject([{ action: { kind: 'ERRNO', data: 1 }, conditions: [{ arg: 0, op: 'EQ', value: 99n }] }]);
    expect(r.warnings).toEqual(['write: its denials stay in the kernel and are not explained (runc refuses SCMP_ACT_NOTIFY for write)']);
  });

  it('record mode routes every syscall of the table but those the runtime needs before the handoff', () => {
    const { r, routed } = compiled(DOCKER, 'record');
    expect(routed.defaultAction).toEqual(DOCKER.defaultAction);
    const allowed = routed.rules.filter((x) => x.action.kind === 'ALLOW').map((x) => String(x.syscall)).sort();
    expect(allowed).toEqual([...RECORD_KEPT].sort());
    expect(r.routedNames).toEqual(expect.arrayContaining(['mkdir', 'execve', 'openat', 'clone', 'read', 'exit_group']));
    expect(r.routedNames).not.toContain('write');
  });

  it('refuses what runtimes refuse or the agent could not serve, with one clear message each', () => {
    const notifyDefault = read(JSON.stringify({ defaultAction: 'SCMP_ACT_NOTIFY', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    expect(() => agentProfile(notifyDefault, { mode: 'explain', listenerPath: SOCK })).toThrow(/default action is SCMP_ACT_NOTIFY; runtimes refuse it/);
    expect(() => agentProfile(DOCKER, { mode: 'explain', listenerPath: 'agent.sock' })).toThrow(/--listener-path must be an absolute path/);
    expect(() => agentProfile(DOCKER, { mode: 'explain', listenerPath: '/' + 'x'.repeat(120) })).toThrow(/a unix socket path holds at most 107/);
    expect(() => agentProfile(DOCKER, { mode: 'explain', listenerPath: SOCK, label: 'x'.repeat(300) })).toThrow(/--listener-metadata is 300 characters; at most 256/);
  });
});

describe('listenerMetadata', () => {
  it('carries the policy (with the rules\' input locations) and the program the runtime model compiles, intact', () => {
    const r = agentProfile(DOCKER, { mode: 'explain', listenerPath: SOCK, label: 'web', file: 'docker-default.json' });
    const m = decodeAgentMetadata(String(r.object.listenerMetadata));
    expect(m.meta).toMatchObject({ mode: 'explain', runtime: 'runc', label: 'web', file: 'docker-default.json' });
    expect(m.original.instructions).toEqual(compilePolicy(DOCKER, { enosys: 'runc' }).instructions);
    expect(m.policy.rules.length).toBe(DOCKER.rules.length);
    expect(m.policy.rules.map((x) => x.origin?.location?.path)).toEqual(DOCKER.rules.map((x) => x.origin?.location?.path));
    expect(diffPrograms(compilePolicy(m.policy, { enosys: 'runc' }).instructions, m.original.instructions).equivalent).toBe(true);
    // Small enough for any runtime: Docker's whole default profile and its program in a few KB.
    expect(String(r.object.listenerMetadata).length).toBeLessThan(12_000);
  });

  it('crun has no ENOSYS stub: the agent models it without one', () => {
    const r = agentProfile(DOCKER, { mode: 'explain', listenerPath: SOCK, runtime: 'crun' });
    expect(decodeAgentMetadata(String(r.object.listenerMetadata)).original.instructions).toEqual(compilePolicy(DOCKER, { enosys: 'none' }).instructions);
  });

  const enc = (o: unknown) => METADATA_PREFIX + deflateRawSync(Buffer.from(typeof o === 'string' ? o : JSON.stringify(o))).toString('base64url');
  const good = () => JSON.parse(inflateRawSync(Buffer.from(String(agentProfile(DOCKER, { mode: 'explain', listenerPath: SOCK }).object.listenerMetadata).slice(METADATA_PREFIX.length), 'base64url')).toString());

  it('refuses everything else: not ours, not base64, not deflate, not JSON, bad fields, an invalid program, a bomb', () => {
    expect(() => decodeAgentMetadata('hello')).toThrow(/not syswall's/);
    expect(() => decodeAgentMetadata(METADATA_PREFIX + '!!!')).toThrow(/not base64url/);
    expect(() => decodeAgentMetadata(METADATA_PREFIX + 'AAAA')).toThrow(/does not inflate|not JSON/);
    expect(() => decodeAgentMetadata(enc('not json'))).toThrow(/not JSON after inflating/);
    expect(() => decodeAgentMetadata(enc([1]))).toThrow(/not a JSON object/);
    expect(() => decodeAgentMetadata(enc({ ...good(), mode: 'allow-everything' }))).toThrow(/mode must be explain or record/);
    expect(() => decodeAgentMetadata(enc({ ...good(), program: '' }))).toThrow(/program is 0 bytes/);
    // A jump out of the program: the kernel would refuse it, so does the agent.
    const bad = Buffer.from([0x15, 0, 200, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]).toString('base64');
    expect(() => decodeAgentMetadata(enc({ ...good(), program: bad }))).toThrow(/not a valid seccomp filter/);
    expect(() => decodeAgentMetadata(enc({ ...good(), policy: '{"defaultAction": "SCMP_ACT_NOPE"}' }))).toThrow(/SCMP_ACT_NOPE/);
    // 64 MiB of zeros deflate to ~64 KB; inflating stops at the limit.
    const bomb = METADATA_PREFIX + deflateRawSync(Buffer.alloc(64 << 20)).toString('base64url');
    expect(() => decodeAgentMetadata(bomb)).toThrow(/does not inflate/);
  });
});
