import { describe, expect, it } from 'vitest';
import { PolicyError } from '../errors.js';
import { formatRule } from '../policy/validate.js';
import { parsePolicyText, type ParsePolicyOptions } from './parse.js';
import { exportDocker, exportOci, exportSyswall } from './export.js';
import { policy, arg } from '../policy/builder.js';
import type { Policy } from '../policy/types.js';

/** Pretty-prints an object so line numbers are predictable: each key on its own line. */
const J = (o: unknown) => JSON.stringify(o, null, 2);

function fail(text: string, options: ParsePolicyOptions = {}): PolicyError {
  try {
    parsePolicyText(text, { file: 'p.json', ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('expected an error');
}

/** Line and column (1-based) of the first occurrence of `needle` in `text`. */
function pos(text: string, needle: string, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const col = at - before.lastIndexOf('\n');
  return `${line}:${col}`;
}

const rule = (extra: object) => ({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['write'], action: 'SCMP_ACT_ALLOW', ...extra }] });

describe('parsePolicyText errors name the JSON path and line:column', () => {
  const cases: { name: string; text: string; code: string; path: string; at: string; msg: RegExp; options?: ParsePolicyOptions }[] = [];
  const add = (name: string, obj: unknown, code: string, path: string, needle: string, msg: RegExp, options?: ParsePolicyOptions, nth = 0) => {
    const text = J(obj);
    cases.push({ name, text, code, path, at: pos(text, needle, nth), msg, options });
  };
  add('unknown top-level key', { defaultAction: 'SCMP_ACT_ALLOW', defaultActoin: 'x' }, 'UNKNOWN_KEY', '$.defaultActoin', '"defaultActoin"', /unknown key "defaultActoin"/);
  add('missing defaultAction', { syscalls: [] }, 'MISSING_KEY', '$', '{', /missing required key "defaultAction"/);
  add('unknown default action', { defaultAction: 'SCMP_ACT_DENY' }, 'UNKNOWN_ACTION', '$.defaultAction', '"SCMP_ACT_DENY"', /unknown action "SCMP_ACT_DENY"/);
  add('wrong type', { defaultAction: 7 }, 'POLICY_TYPE', '$.defaultAction', '7', /expected a string, found a number \(7\)/);
  add('unknown rule key', rule({ nmaes: ['x'] }), 'UNKNOWN_KEY', '$.syscalls[1].nmaes', '"nmaes"', /unknown key "nmaes"/);
  add('unknown rule action', rule({ action: 'SCMP_ACT_ALLOWED' }), 'UNKNOWN_ACTION', '$.syscalls[1].action', '"SCMP_ACT_ALLOWED"', /unknown action/);
  add('unknown op', rule({ args: [{ index: 0, value: 1, op: 'SCMP_CMP_FOO' }] }), 'UNKNOWN_OP', '$.syscalls[1].args[0].op', '"SCMP_CMP_FOO"', /unknown operator "SCMP_CMP_FOO"/);
  add('index above 5', rule({ args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }), 'ARG_INDEX', '$.syscalls[1].args[0].index', '6', /argument index 6 is out of range/);
  add('more than 6 args', rule({ args: Array.from({ length: 7 }, (_, i) => ({ index: i % 6, value: 1, op: 'SCMP_CMP_EQ' })) }), 'TOO_MANY_ARGS', '$.syscalls[1].args', '[', /7 argument conditions; at most 6/, undefined, 3);
  add('errnoRet on ALLOW', rule({ errnoRet: 1 }), 'ERRNO_RET_NOT_ALLOWED', '$.syscalls[1].errnoRet', '1\n', /errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW/);
  add('defaultErrnoRet on KILL', { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 38 }, 'ERRNO_RET_NOT_ALLOWED', '$.defaultErrnoRet', '38', /defaultErrnoRet is only valid/);
  add('errno too large', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 4096 }, 'POLICY_RANGE', '$.defaultErrnoRet', '4096', /4096 is out of range for ERRNO; expected 0..4095/);
  add('negative value', rule({ args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }), 'POLICY_RANGE', '$.syscalls[1].args[0].value', '-1', /negative -1/);
  add('listenerMetadata without listenerPath', { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'm' }, 'LISTENER_METADATA_WITHOUT_PATH', '$.listenerMetadata', '"m"', /listenerMetadata is set without listenerPath/);
  add('unknown arch', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'] }, 'UNKNOWN_ARCH', '$.architectures[1]', '"SCMP_ARCH_VAX"', /unknown architecture "SCMP_ARCH_VAX"/);
  add('OCI arch must be SCMP_ARCH_*', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['x86_64'] }, 'UNKNOWN_ARCH', '$.architectures[0]', '"x86_64"', /unknown architecture "x86_64"/);
  add('unknown flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] }, 'UNKNOWN_FLAG', '$.flags[0]', '"SECCOMP_FILTER_FLAG_FAST"', /unknown seccomp flag/);
  add('empty names', rule({ names: [] }), 'NO_SYSCALL_NAMES', '$.syscalls[1].names', '[]', /"names" is empty/);
  add('name not a string', rule({ names: ['write', 5] }), 'POLICY_TYPE', '$.syscalls[1].names[1]', '5', /expected a string, found a number/, { kind: 'oci' });
  add('archMap and architectures', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] }] }, 'ARCHITECTURES_AND_ARCHMAP', '$.archMap', '[\n    {', /both "architectures" and "archMap"/);
  add('name and names (docker)', rule({ name: 'read' }), 'NAME_AND_NAMES', '$.syscalls[1].name', '"read"', /both "name" and "names"/, undefined, 1);
  add('bad minKernel', rule({ includes: { minKernel: '4.8.1' } }), 'BAD_KERNEL_VERSION', '$.syscalls[1].includes.minKernel', '"4.8.1"', /invalid kernel version "4.8.1"/);
  add('minKernel 0.0', rule({ excludes: { minKernel: '0.0' } }), 'BAD_KERNEL_VERSION', '$.syscalls[1].excludes.minKernel', '"0.0"', /cannot be 0.0/);
  add('unknown includes key', rule({ includes: { cap: ['CAP_SYS_ADMIN'] } }), 'UNKNOWN_KEY', '$.syscalls[1].includes.cap', '"cap"', /unknown key "cap"/);
  add('containers-common errno name', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOSUCH' }, 'BAD_ERRNO', '$.defaultErrno', '"ENOSUCH"', /unknown errno name "ENOSUCH"/);
  add('containers-common has no minKernel', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOSYS', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } }] }, 'UNKNOWN_KEY', '$.syscalls[0].includes.minKernel', '"minKernel"', /unknown key "minKernel"/);
  add('unknown syscall with strictNames', rule({ names: ['write', 'wirte'] }), 'UNKNOWN_SYSCALL', '$.syscalls[1].names[1]', '"wirte"', /unknown syscall "wirte"/, { strictNames: true });
  add('syswall: bad width', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ', width: 16 }] }] }, 'BAD_WIDTH', '$.syscalls[0].args[0].width', '16', /width must be 32 or 64/);
  add('syswall: 32-bit value too wide', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 4294967296, op: 'SCMP_CMP_EQ', width: 32 }] }] }, 'POLICY_RANGE', '$.syscalls[0].args[0].value', '4294967296', /does not fit the 32-bit compare/);
  add('syswall: unknown group', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['@mounts'], action: 'SCMP_ACT_KILL' }] }, 'UNKNOWN_GROUP', '$.syscalls[0].names[0]', '"@mounts"', /unknown syscall group "@mounts"/);
  add('syswall: bad errno name', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 'EPREM', badArchAction: 'SCMP_ACT_KILL_PROCESS' }, 'BAD_ERRNO', '$.defaultErrnoRet', '"EPREM"', /unknown errno name "EPREM"/);

  for (const c of cases) {
    it(c.name, () => {
      const e = fail(c.text, c.options);
      expect(e.code).toBe(c.code);
      expect(e.message).toContain(`p.json:${c.at}: ${c.path}: `);
      expect(e.message).toMatch(c.msg);
      expect(e.kind).toBe('input');
    });
  }

  it('values above 2^64-1', () => {
    const text = '{"defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": [{"names": ["read"], "action": "SCMP_ACT_KILL",\n  "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}]}';
    const e = fail(text);
    expect(e.message).toContain(`p.json:${pos(text, '18446744073709551616')}: `);
    expect(e.message).toMatch(/^p\.json:3:\d+: \$\.syscalls\[0\]\.args\[0\]\.value: 18446744073709551616 does not fit in 64 bits/);
  });

  it('malformed JSON reports line and column', () => {
    const cases: [string, string, RegExp][] = [
      ['{\n  "defaultAction": "SCMP_ACT_ALLOW",\n}', '3:1', /trailing comma before "}"/],
      ['{\n  "defaultAction" "x"\n}', '2:19', /expected ":" after key "defaultAction"/],
      ['{"a": [1, 2,]}', '1:13', /trailing comma before "]"/],
      ['{"a": 0x10}', '1:8', /JSON has no hex numbers/],
      ['{"a": "x\ny"}', '1:9', /a line break inside a string/],
      ['{"a": 1, "a": 2}', '1:10', /duplicate key "a"/],
      ['', '1:1', /found end of input/],
      ['{"a": tru}', '1:7', /expected a JSON value/],
      ['{"a": 1} x', '1:10', /expected end of input/],
      ["{'a': 1}", '1:2', /expected a key string/],
      ['{"a": "\\q"}', '1:8', /bad escape "\\q"/],
      ['{"a": 01}', '1:8', /leading zeros/],
    ];
    for (const [text, at, msg] of cases) {
      const e = fail(text);
      expect(e.code, text).toMatch(/^JSON_/);
      expect(e.message, text).toContain(`p.json:${at}: malformed JSON: `);
      expect(e.message, text).toMatch(msg);
    }
  });

  it('a top-level array is rejected', () => {
    expect(fail('[1]').message).toMatch(/p\.json:1:1: \$: expected a seccomp profile object, found an array/);
  });

  it('unknown keys of another dialect get a hint', () => {
    const e = fail(J({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', width: 32 }] }), { kind: 'oci' });
    expect(e.hint).toMatch(/not valid in a oci profile/);
  });
});

const strip = (p: Policy) => p.rules.map((r) => ({ syscall: r.syscall, action: r.action, conditions: r.conditions }));

describe('runc semantics', () => {
  const sameIndex = J({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97, args: [{ index: 0, value: 38, op: 'SCMP_CMP_NE' }, { index: 0, value: 40, op: 'SCMP_CMP_NE' }, { index: 1, value: 1, op: 'SCMP_CMP_EQ' }] }],
  });
  it('several conditions on one argument: every condition becomes its own rule (OR)', () => {
    const r = parsePolicyText(sameIndex);
    expect(r.policy.rules.map(formatRule)).toEqual(['socket: ERRNO(97) if arg0 != 0x26', 'socket: ERRNO(97) if arg0 != 0x28', 'socket: ERRNO(97) if arg1 == 0x1']);
    expect(r.warnings.find((w) => w.code === 'SAME_ARG_SPLIT')?.message).toMatch(/each of its 3 conditions becomes its own rule/);
  });
  it('strict mode ANDs them in one rule', () => {
    const r = parsePolicyText(sameIndex, { compat: 'strict' });
    expect(r.policy.rules.map(formatRule)).toEqual(['socket: ERRNO(97) if arg0 != 0x26 && arg0 != 0x28 && arg1 == 0x1']);
  });
  it('conditions on different arguments stay ANDed', () => {
    const r = parsePolicyText(J({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mmap'], action: 'SCMP_ACT_KILL', args: [{ index: 2, value: 4, op: 'SCMP_CMP_MASKED_EQ', valueTwo: 4 }, { index: 3, value: 1, op: 'SCMP_CMP_GT' }] }] }));
    expect(r.policy.rules.map(formatRule)).toEqual(['mmap: KILL_THREAD if (arg2 & 0x4) == 0x4 && arg3 > 0x1']);
  });
  it('a rule equal to the default action is dropped and reported', () => {
    const r = parsePolicyText(J({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
    expect(r.policy.rules.map(formatRule)).toEqual(['read: ALLOW', 'rmdir: ERRNO(13)']);
    const w = r.warnings.find((x) => x.code === 'RULE_EQUALS_DEFAULT')!;
    expect(w.severity).toBe('info');
    expect(w.names).toEqual(['mkdir']);
    expect(w.location?.path).toBe('$.syscalls[1].action');
  });
  it('SCMP_ACT_KILL equals SCMP_ACT_KILL_THREAD', () => {
    const r = parsePolicyText(J({ defaultAction: 'SCMP_ACT_KILL_THREAD', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL' }] }));
    expect(r.policy.rules).toEqual([]);
  });
  it('unknown names are warnings and left out, errors with strictNames', () => {
    const text = J({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'frobnicate', 'opne'], action: 'SCMP_ACT_ALLOW' }] });
    const r = parsePolicyText(text, { file: 'x.json' });
    expect(r.policy.rules.map((x) => x.syscall)).toEqual(['read']);
    const ws = r.warnings.filter((w) => w.code === 'UNKNOWN_SYSCALL');
    expect(ws.map((w) => w.names?.[0])).toEqual(['frobnicate', 'opne']);
    expect(ws[1].message).toMatch(/did you mean "open"/);
    expect(ws[0].location).toMatchObject({ file: 'x.json', line: 7, column: 9, path: '$.syscalls[0].names[1]' });
    expect(() => parsePolicyText(text, { strictNames: true })).toThrow(/unknown syscall "frobnicate"/);
  });
  it('adds the native arch (runc/libseccomp) and reports it', () => {
    const r = parsePolicyText(J({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'] }), { context: { arch: 'x86_64' } });
    expect(r.policy.arches).toEqual(['x86_64', 'x86']);
    expect(r.warnings.some((w) => w.code === 'NATIVE_ARCH_ADDED')).toBe(true);
    expect(parsePolicyText(J({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'] }), { compat: 'strict' }).policy.arches).toEqual(['x86']);
    expect(parsePolicyText(J({ defaultAction: 'SCMP_ACT_ALLOW' }), { context: { arch: 'arm64' } }).policy.arches).toEqual(['aarch64']);
  });
  it('reads every OCI field', () => {
    const r = parsePolicyText(J({
      defaultAction: 'SCMP_ACT_TRACE', defaultErrnoRet: 7, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_NATIVE'],
      flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      listenerPath: '/run/l.sock', listenerMetadata: 'meta',
      syscalls: [{ names: ['openat'], action: 'SCMP_ACT_NOTIFY' }, { names: ['kill'], action: 'SCMP_ACT_TRAP' }, { names: ['getpid'], action: 'SCMP_ACT_LOG' }, { names: ['exit'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 2, op: 'SCMP_CMP_LE' }, { index: 2, value: 18446744073709551615n.toString() as unknown as number, op: 'SCMP_CMP_GE' }] }],
    }).replace('"18446744073709551615"', '18446744073709551615'));
    expect(r.kind).toBe('oci');
    const p = r.policy;
    expect(p.defaultAction).toEqual({ kind: 'TRACE', data: 7 });
    expect(p.flags).toEqual({ tsync: true, log: true, specAllow: true, waitKillableRecv: true });
    expect(p.listenerPath).toBe('/run/l.sock');
    expect(p.listenerMetadata).toBe('meta');
    expect(p.rules.map(formatRule)).toEqual(['openat: USER_NOTIF', 'kill: TRAP(0)', 'getpid: LOG', 'exit: KILL_PROCESS', 'write: ERRNO(5) if arg0 <= 0x2 && arg2 >= 0xffffffffffffffff']);
  });
  it('accepts a whole OCI config.json', () => {
    const r = parsePolicyText(J({ ociVersion: '1.0.2', process: {}, linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ERRNO' }] } } }));
    expect(r.policy.rules.map(formatRule)).toEqual(['ptrace: ERRNO(1)']);
    const e = fail(J({ linux: { seccomp: { defaultAction: 'SCMP_ACT_ALOW' } } }));
    expect(e.message).toMatch(/\$\.linux\.seccomp\.defaultAction: unknown action/);
  });
  it('warns when valueTwo is set for a non-masked op', () => {
    const r = parsePolicyText(J({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 1, valueTwo: 3, op: 'SCMP_CMP_EQ' }] }] }));
    expect(r.warnings.some((w) => w.code === 'VALUE_TWO_IGNORED')).toBe(true);
  });
});

describe('containers/common profiles', () => {
  const cc = J({
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, defaultErrno: 'ENOSYS',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }, { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [], comment: '', includes: {}, excludes: {} },
      { names: ['mount', 'umount2'], action: 'SCMP_ACT_ERRNO', args: [], comment: '', includes: {}, excludes: {}, errnoRet: 1, errno: 'EPERM' },
      { names: ['unshare'], action: 'SCMP_ACT_ALLOW', args: [], comment: '', includes: { caps: ['CAP_SYS_ADMIN'] }, excludes: {} },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', args: [], comment: '', includes: { arches: ['amd64'] }, excludes: {} },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }], comment: '', includes: {}, excludes: {} },
    ],
  });
  it('reads errno names, resolves arches and caps', () => {
    const r = parsePolicyText(cc, { context: { arch: 'x86_64' } });
    expect(r.kind).toBe('containers-common');
    expect(r.policy.defaultAction).toEqual({ kind: 'ERRNO', data: 38 });
    expect(r.policy.arches).toEqual(['x86_64', 'x86', 'x32']);
    expect(r.policy.rules.map(formatRule)).toEqual(['read: ALLOW', 'write: ALLOW', 'mount: ERRNO(1)', 'umount2: ERRNO(1)', 'arch_prctl: ALLOW', 'personality: ALLOW if arg0 == 0x8']);
    const arm = parsePolicyText(cc, { context: { arch: 'aarch64', caps: ['CAP_SYS_ADMIN'] } });
    expect(arm.policy.arches).toEqual(['aarch64', 'arm']);
    expect(arm.policy.rules.map((x) => x.syscall)).toContain('unshare');
    expect(arm.policy.rules.map((x) => x.syscall)).not.toContain('arch_prctl');
  });
  it('errno strings override errnoRet', () => {
    const r = parsePolicyText(J({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, defaultErrno: 'ENOSYS', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, errno: 'EACCES' }] }));
    expect(r.policy.defaultAction).toEqual({ kind: 'ERRNO', data: 38 });
    expect(r.policy.rules.map(formatRule)).toEqual(['mkdir: ERRNO(13)']);
  });
  it('errno on a non-errno action is an error', () => {
    const e = fail(J({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOSYS', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errno: 'EPERM' }] }));
    expect(e.code).toBe('ERRNO_RET_NOT_ALLOWED');
    expect(e.message).toMatch(/\$\.syscalls\[0\]\.errno: errno is only valid/);
  });
});

describe('syswall format', () => {
  const text = J({
    comment: 'a test policy',
    defaultAction: 'errno(EPERM)',
    badArchAction: 'SCMP_ACT_KILL_PROCESS',
    architectures: ['amd64', 'x86'],
    noNewPrivs: false,
    groups: { '@mine': ['read', 'write', '@sync'] },
    syscalls: [
      { names: ['@mine'], action: 'SCMP_ACT_ALLOW' },
      { names: [1000], action: 'trap(3)', comment: 'a future syscall' },
      { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: '0x5401', op: 'eq', width: 32 }] },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 'EACCES', args: [{ index: 1, value: 448, op: 'SCMP_CMP_GT' }, { index: 1, value: 4096, op: 'SCMP_CMP_LT' }] },
      { names: ['@mount'], action: 'SCMP_ACT_KILL_PROCESS' },
    ],
  });
  it('is detected and read with its extensions', () => {
    const r = parsePolicyText(text, { context: { arch: 'arm64' } });
    expect(r.kind).toBe('syswall');
    const p = r.policy;
    expect(p.arches).toEqual(['x86_64', 'x86']);
    expect(p.badArchAction).toEqual({ kind: 'KILL_PROCESS' });
    expect(p.noNewPrivs).toBe(false);
    expect(p.comment).toBe('a test policy');
    const f = p.rules.map(formatRule);
    expect(f.slice(0, 9)).toEqual(['fdatasync: ALLOW', 'fsync: ALLOW', 'msync: ALLOW', 'read: ALLOW', 'sync: ALLOW', 'sync_file_range: ALLOW', 'sync_file_range2: ALLOW', 'syncfs: ALLOW', 'write: ALLOW']);
    expect(f).toContain('1000: TRAP(3)');
    expect(f).toContain('ioctl: ALLOW if arg1.u32 == 0x5401');
    expect(f).toContain('mkdir: ERRNO(13) if arg1 > 0x1c0 && arg1 < 0x1000');
    expect(f).toContain('mount: KILL_PROCESS');
    expect(p.rules.find((x) => x.syscall === 'mount')?.origin?.group).toBe('@mount');
    expect(r.warnings.some((w) => w.code === 'UNKNOWN_SYSCALL_NUMBER')).toBe(true);
  });
  it('round-trips through exportSyswall exactly', () => {
    const p = parsePolicyText(text).policy;
    const back = parsePolicyText(exportSyswall(p)).policy;
    expect(strip(back)).toEqual(strip(p));
    expect({ ...back, rules: [] }).toEqual({ ...p, rules: [] });
  });
  it('OCI export refuses what OCI cannot say, unless lossy', () => {
    const p = parsePolicyText(text).policy;
    expect(() => exportOci(p)).toThrow(/bad-arch action KILL_PROCESS cannot be expressed/);
    const o = JSON.parse(exportOci(p, { lossy: true }));
    expect(o.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    // the 32-bit EQ becomes a MASKED_EQ with the low-half mask
    expect(o.syscalls.find((s: any) => s.names.includes('ioctl')).args).toEqual([{ index: 1, value: 4294967295, valueTwo: 21505, op: 'SCMP_CMP_MASKED_EQ' }]);
  });
});

describe('round trips of built policies', () => {
  const built = policy({ default: 'errno(ENOSYS)', arches: ['x86_64', 'x86', 'x32'] })
    .allow('@basic-io', '@io-event')
    .allow('clone', arg(0).bitsClear(0x7e020000))
    .errno('EACCES', 'mkdir', 'mkdirat', arg(2).gt(0o700))
    .rule('trace(9)', 'ptrace')
    .killProcess('execveat')
    .notify('openat', arg(0).eq(-100), arg(2).maskedEq(3, 1))
    .log('uname')
    .build();
  for (const [name, exp] of [['oci', exportOci], ['docker', exportDocker], ['syswall', exportSyswall]] as const) {
    it(`export ${name} -> parse gives the same rules`, () => {
      const r = parsePolicyText(exp(built), { context: { arch: 'x86_64' } });
      expect(r.kind).toBe(name);
      expect(strip(r.policy)).toEqual(strip(built));
      expect(r.policy.arches).toEqual(built.arches);
      expect(r.policy.defaultAction).toEqual(built.defaultAction);
    });
  }
});

describe('docs/policy-format.md', () => {
  it('its syswall example parses', async () => {
    const { readFileSync } = await import('node:fs');
    const md = readFileSync(new URL('../../../docs/policy-format.md', import.meta.url), 'utf8');
    const example = md.split('```json')[1].split('```')[0];
    const r = parsePolicyText(example, { file: 'example.json' });
    expect(r.kind).toBe('syswall');
    expect(r.policy.defaultAction).toEqual({ kind: 'ERRNO', data: 38 });
    expect(r.policy.rules.map(formatRule)).toContain('ioctl: ALLOW if arg1.u32 == 0x5401');
    expect(r.warnings.filter((w) => w.severity === 'warning').map((w) => w.code)).toEqual(['UNKNOWN_SYSCALL_NUMBER']);
  });
});
