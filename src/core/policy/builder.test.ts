import { describe, expect, it } from 'vitest';
import { arg, policy } from './builder.js';
import { errno, ACT_KILL_PROCESS } from './actions.js';
import { expandGroup } from './groups.js';
import { formatRule } from './validate.js';

describe('policy builder', () => {
  it('builds the example from the docs', () => {
    const p = policy({ default: errno('EPERM'), arches: ['x86_64', 'x86', 'x32'] })
      .allow('read', 'write')
      .errno('EACCES', 'mkdir', arg(1).gt(0o700))
      .kill('ptrace')
      .notify('openat')
      .build();
    expect(p.defaultAction).toEqual({ kind: 'ERRNO', data: 1 });
    expect(p.badArchAction).toEqual({ kind: 'KILL_THREAD' });
    expect(p.arches).toEqual(['x86_64', 'x86', 'x32']);
    expect(p.rules.map(formatRule)).toEqual(['read: ALLOW', 'write: ALLOW', 'mkdir: ERRNO(13) if arg1 > 0x1c0', 'ptrace: KILL_THREAD', 'openat: USER_NOTIF']);
  });
  it('accepts action strings, aliases and all action methods', () => {
    const p = policy({ default: 'allow', arches: ['amd64'], badArch: 'kill-process', deny: 'errno(ENOSYS)' })
      .trap('kill').trace(5, 'tkill').log('uname').killProcess('execve').killThread('fork').deny('vfork').rule('trap(9)', 'tgkill').rule(ACT_KILL_PROCESS, 1000)
      .build();
    expect(p.arches).toEqual(['x86_64']);
    expect(p.badArchAction).toEqual({ kind: 'KILL_PROCESS' });
    expect(p.rules.map(formatRule)).toEqual(['kill: TRAP(0)', 'tkill: TRACE(5)', 'uname: LOG', 'execve: KILL_PROCESS', 'fork: KILL_THREAD', 'vfork: ERRNO(38)', 'tgkill: TRAP(9)', '1000: KILL_PROCESS']);
  });
  it('has typed conditions: all ops, masks, 32-bit compares, sign extension', () => {
    const p = policy({ default: 'allow' })
      .kill('ioctl', arg(0).eq(1), arg(1).ne(2), arg(2).lt(3), arg(3).le(4), arg(4).ge(5), arg(5).u32().maskedEq(0xff, 0x10))
      .kill('openat', arg(0).eq(-100), arg(1).u32().eq(-1), arg(2).bitsSet(0o100), arg(3).bitsClear(1n << 63n))
      .build();
    expect(p.rules.map(formatRule)).toEqual([
      'ioctl: KILL_THREAD if arg0 == 0x1 && arg1 != 0x2 && arg2 < 0x3 && arg3 <= 0x4 && arg4 >= 0x5 && (arg5.u32 & 0xff) == 0x10',
      'openat: KILL_THREAD if arg0 == 0xffffffffffffff9c && arg1.u32 == 0xffffffff && (arg2 & 0x40) == 0x40 && (arg3 & 0x8000000000000000) == 0x0',
    ]);
  });
  it('expands groups', () => {
    const p = policy({ default: 'allow' }).deny('@mount').build();
    expect(p.rules.map((r) => r.syscall)).toEqual(expandGroup('@mount'));
    expect(p.rules[0].origin?.group).toBe('@mount');
    expect(p.rules.every((r) => r.action.kind === 'ERRNO' && r.action.data === 1)).toBe(true);
  });
  it('leaves out rules equal to the default action', () => {
    expect(policy({ default: 'allow' }).allow('read').kill('ptrace').build().rules.map((r) => r.syscall)).toEqual(['ptrace']);
  });
  it('checks names and values when called', () => {
    const b = policy({ default: 'allow' });
    expect(() => b.kill('opne' as never)).toThrow(/unknown syscall "opne"/);
    try {
      b.kill('opne' as never);
    } catch (e) {
      expect((e as { hint?: string }).hint).toMatch(/did you mean "open"/);
    }
    expect(() => b.kill('@mounts' as never)).toThrow(/unknown syscall group "@mounts"/);
    expect(() => arg(6)).toThrow(/argument index 6 is out of range/);
    expect(() => arg(0).eq(2 ** 60)).toThrow(/not a safe integer/);
    expect(() => arg(0).u32().eq(2 ** 32)).toThrow(/does not fit in 32 bits/);
    expect(() => arg(0).eq(1n << 64n)).toThrow(/does not fit in 64 bits/);
    expect(() => b.errno('EFOO' as never, 'read')).toThrow(/unknown errno name "EFOO"/);
    expect(() => b.rule('errno(5000)' as never, 'read')).toThrow(/not an errno/);
    expect(() => b.kill()).toThrow(/at least one syscall/);
    expect(() => b.kill('read', arg(0).eq(1), arg(1).eq(1), arg(2).eq(1), arg(3).eq(1), arg(4).eq(1), arg(5).eq(1), arg(0).eq(2))).toThrow(/at most 6/);
    expect(() => policy({ default: 'allow', arches: ['vax'] })).toThrow(/unknown architecture "vax"/);
    expect(() => policy({} as never)).toThrow(/needs a default action/);
  });
});
