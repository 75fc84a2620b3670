/** Docker's real default profile (data/profiles/docker-default.json) resolved like moby does. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_CAPS, exportDocker, exportOci, formatRule, parsePolicyText, type Policy, type ResolveContext } from '../src/core/index.js';
import { ROOT } from './helpers/cli.js';

const TEXT = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
const parse = (context: ResolveContext) => parsePolicyText(TEXT, { file: 'docker-default.json', context });
const rulesFor = (p: Policy, name: string) => p.rules.filter((r) => r.syscall === name).map(formatRule);
const names = (p: Policy) => new Set(p.rules.map((r) => r.syscall));

describe('Docker default profile', () => {
  it("uses Docker's 14 default capabilities", () => {
    expect([...DOCKER_DEFAULT_CAPS].sort()).toEqual([
      'CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD',
      'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
    ]);
  });

  describe('amd64, default caps, kernel 6.1', () => {
    const r = parse({ arch: 'amd64', kernel: [6, 1] });
    const p = r.policy;
    it('is detected as docker and has the archMap entry for x86_64', () => {
      expect(r.kind).toBe('docker');
      expect(p.arches).toEqual(['x86_64', 'x86', 'x32']);
      expect(p.defaultAction).toEqual({ kind: 'ERRNO', data: 1 });
      expect(p.badArchAction).toEqual({ kind: 'KILL_THREAD' });
    });
    it('allows clone only without namespace flags (arg0 mask)', () => {
      expect(rulesFor(p, 'clone')).toEqual(['clone: ALLOW if (arg0 & 0x7e020000) == 0x0']);
    });
    it('answers clone3 with ENOSYS without CAP_SYS_ADMIN', () => {
      expect(rulesFor(p, 'clone3')).toEqual(['clone3: ERRNO(38)']);
    });
    it('limits personality to the five known values', () => {
      expect(rulesFor(p, 'personality')).toEqual([0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map((v) => `personality: ALLOW if arg0 == 0x${v.toString(16)}`));
    });
    it('splits socket into three ranges (AF_ALG 38 and AF_VSOCK 40 blocked)', () => {
      expect(rulesFor(p, 'socket')).toEqual(['socket: ALLOW if arg0 < 0x26', 'socket: ALLOW if arg0 == 0x27', 'socket: ALLOW if arg0 > 0x28']);
    });
    it('includes ptrace (minKernel 4.8) and the amd64-only rules, not cap-gated ones', () => {
      const n = names(p);
      for (const s of ['ptrace', 'process_vm_readv', 'process_vm_writev', 'arch_prctl', 'modify_ldt', 'read', 'write', 'openat']) expect(n.has(s), s).toBe(true);
      for (const s of ['mount', 'umount2', 'unshare', 'setns', 'bpf', 'perf_event_open', 'reboot', 'init_module', 'open_by_handle_at', 'kcmp', 'iopl', 'settimeofday', 'syslog', 'io_uring_setup', 'arm_fadvise64_64', 's390_runtime_instr']) expect(n.has(s), s).toBe(false);
    });
    it('has the expected rule count and every action is ALLOW or ERRNO(38)', () => {
      expect(p.rules.length).toBe(377);
      expect(new Set(p.rules.map((x) => `${x.action.kind}${x.action.data ?? ''}`))).toEqual(new Set(['ALLOW', 'ERRNO38']));
    });
    it('reports what it left out and why', () => {
      const left = r.warnings.filter((w) => w.code === 'RULE_NOT_APPLICABLE').map((w) => w.message);
      expect(left.some((m) => m.includes('syscalls[17]') && m.includes('CAP_SYS_ADMIN'))).toBe(true);
      expect(left.some((m) => m.includes('syscalls[19]') && m.includes('s390'))).toBe(true);
      expect(r.warnings.some((w) => w.code === 'KERNEL_ASSUMED')).toBe(false);
    });
  });

  it('drops ptrace and process_vm_* below kernel 4.8 and warns when no kernel is given', () => {
    expect(names(parse({ arch: 'x86_64', kernel: [4, 4] }).policy).has('ptrace')).toBe(false);
    expect(names(parse({ arch: 'x86_64', kernel: '4.8' }).policy).has('ptrace')).toBe(true);
    const r = parse({ arch: 'x86_64' });
    expect(names(r.policy).has('ptrace')).toBe(true);
    expect(r.warnings.some((w) => w.code === 'KERNEL_ASSUMED' && w.severity === 'warning')).toBe(true);
  });

  it('with CAP_SYS_ADMIN allows clone, clone3 and mount unconditionally', () => {
    const p = parse({ arch: 'amd64', kernel: [6, 1], caps: [...DOCKER_DEFAULT_CAPS, 'sys_admin'] }).policy;
    expect(rulesFor(p, 'clone')).toEqual(['clone: ALLOW']);
    expect(rulesFor(p, 'clone3')).toEqual(['clone3: ALLOW']);
    expect(rulesFor(p, 'mount')).toEqual(['mount: ALLOW']);
  });

  it('caps ALL includes every cap-gated rule', () => {
    const p = parse({ arch: 'amd64', kernel: [6, 1], caps: ['ALL'] }).policy;
    for (const s of ['bpf', 'perf_event_open', 'reboot', 'init_module', 'open_by_handle_at', 'kcmp', 'iopl', 'settimeofday', 'syslog', 'vhangup', 'acct', 'mbind']) expect(names(p).has(s), s).toBe(true);
  });

  it('arm64: aarch64 + arm, arm-only rules, clone mask on arg0', () => {
    const p = parse({ arch: 'arm64', kernel: [6, 1] }).policy;
    expect(p.arches).toEqual(['aarch64', 'arm']);
    expect(names(p).has('arm_fadvise64_64')).toBe(true);
    expect(names(p).has('arch_prctl')).toBe(false);
    expect(rulesFor(p, 'clone')).toEqual(['clone: ALLOW if (arg0 & 0x7e020000) == 0x0']);
  });

  it('s390x: s390x + s390, clone mask on arg1, s390 syscalls', () => {
    const p = parse({ arch: 's390x', kernel: [6, 1] }).policy;
    expect(p.arches).toEqual(['s390x', 's390']);
    expect(rulesFor(p, 'clone')).toEqual(['clone: ALLOW if (arg1 & 0x7e020000) == 0x0']);
    expect(names(p).has('s390_runtime_instr')).toBe(true);
    expect(names(p).has('modify_ldt')).toBe(false);
  });

  it('riscv64 has no sub-arches; ppc64le lacks an archMap entry so only the native arch is used', () => {
    expect(parse({ arch: 'riscv64', kernel: [6, 1] }).policy.arches).toEqual(['riscv64']);
    const r = parse({ arch: 'ppc64le', kernel: [6, 1] });
    expect(r.policy.arches).toEqual(['ppc64le']);
    expect(r.warnings.some((w) => w.code === 'ARCHMAP_NO_ENTRY')).toBe(true);
    expect(names(r.policy).has('sync_file_range2')).toBe(true);
  });

  it('round-trips through OCI and Docker export', () => {
    const p = parse({ arch: 'amd64', kernel: [6, 1] }).policy;
    const strip = (q: Policy) => q.rules.map((x) => ({ syscall: x.syscall, action: x.action, conditions: x.conditions }));
    const viaOci = parsePolicyText(exportOci(p), { context: { arch: 'amd64' } });
    expect(viaOci.kind).toBe('oci');
    expect(strip(viaOci.policy)).toEqual(strip(p));
    expect(viaOci.policy.arches).toEqual(p.arches);
    expect(viaOci.policy.defaultAction).toEqual(p.defaultAction);
    const viaDocker = parsePolicyText(exportDocker(p), { context: { arch: 'amd64' } });
    expect(viaDocker.kind).toBe('docker');
    expect(strip(viaDocker.policy)).toEqual(strip(p));
    expect(viaDocker.policy.arches).toEqual(p.arches);
  });
});
