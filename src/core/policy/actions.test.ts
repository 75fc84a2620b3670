import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ACTION_KINDS } from '../bpf/actions.js';
import { actionFromValue, actionValue, actionsEqual, formatAction, parseAction } from './actions.js';
import { ERRNO, errnoName, errnoNumber, parseErrno } from '../arch/errno.js';
import type { Action } from './types.js';

describe('actions', () => {
  const table: [Action, number, string][] = [
    [{ kind: 'KILL_PROCESS' }, 0x80000000, 'KILL_PROCESS'],
    [{ kind: 'KILL_THREAD' }, 0x00000000, 'KILL_THREAD'],
    [{ kind: 'TRAP', data: 3 }, 0x00030003, 'TRAP(3)'],
    [{ kind: 'ERRNO', data: 1 }, 0x00050001, 'ERRNO(1)'],
    [{ kind: 'ERRNO', data: 4095 }, 0x00050fff, 'ERRNO(4095)'],
    [{ kind: 'USER_NOTIF' }, 0x7fc00000, 'USER_NOTIF'],
    [{ kind: 'TRACE', data: 0xffff }, 0x7ff0ffff, 'TRACE(65535)'],
    [{ kind: 'LOG' }, 0x7ffc0000, 'LOG'],
    [{ kind: 'ALLOW' }, 0x7fff0000, 'ALLOW'],
  ];
  it.each(table)('%o = %i', (a, v, text) => {
    expect(actionValue(a)).toBe(v);
    expect(actionFromValue(v)).toEqual(a);
    expect(formatAction(a)).toBe(text);
  });
  it('ignores data bits of actions without data, rejects unknown action fields', () => {
    expect(actionFromValue(0x7fff1234)).toEqual({ kind: 'ALLOW' });
    expect(() => actionFromValue(0x00010000)).toThrow(/not a seccomp action/);
  });
  it('formats errno names on request', () => {
    expect(formatAction({ kind: 'ERRNO', data: 38 }, { errnoNames: true })).toBe('ERRNO(ENOSYS)');
  });
  it('lists the kinds strictest first', () => {
    expect(ACTION_KINDS.map((k) => actionValue({ kind: k }) | 0)).toEqual([...ACTION_KINDS.map((k) => actionValue({ kind: k }) | 0)].sort((a, b) => a - b));
  });
  it('parses OCI names (SCMP_ACT_KILL is KILL_THREAD) and compact forms', () => {
    const cases: [string, number | undefined, Action][] = [
      ['SCMP_ACT_KILL', undefined, { kind: 'KILL_THREAD' }],
      ['SCMP_ACT_KILL_THREAD', undefined, { kind: 'KILL_THREAD' }],
      ['SCMP_ACT_KILL_PROCESS', undefined, { kind: 'KILL_PROCESS' }],
      ['SCMP_ACT_TRAP', undefined, { kind: 'TRAP', data: 0 }],
      ['SCMP_ACT_ERRNO', undefined, { kind: 'ERRNO', data: 1 }],
      ['SCMP_ACT_ERRNO', 38, { kind: 'ERRNO', data: 38 }],
      ['SCMP_ACT_TRACE', undefined, { kind: 'TRACE', data: 1 }],
      ['SCMP_ACT_ALLOW', undefined, { kind: 'ALLOW' }],
      ['SCMP_ACT_LOG', undefined, { kind: 'LOG' }],
      ['SCMP_ACT_NOTIFY', undefined, { kind: 'USER_NOTIF' }],
      ['errno(EACCES)', undefined, { kind: 'ERRNO', data: 13 }],
      ['ERRNO(38)', undefined, { kind: 'ERRNO', data: 38 }],
      ['trap(7)', undefined, { kind: 'TRAP', data: 7 }],
      ['trace(0x10)', undefined, { kind: 'TRACE', data: 16 }],
      ['kill-process', undefined, { kind: 'KILL_PROCESS' }],
      ['allow', undefined, { kind: 'ALLOW' }],
      ['notify', undefined, { kind: 'USER_NOTIF' }],
    ];
    for (const [t, d, a] of cases) expect(parseAction(t, d), t).toEqual(a);
  });
  it('rejects bad actions and data', () => {
    expect(() => parseAction('SCMP_ACT_DENY')).toThrow(/unknown action "SCMP_ACT_DENY"/);
    expect(() => parseAction('allow(1)')).toThrow(/takes no value/);
    expect(() => parseAction('errno(4096)')).toThrow(/not an errno/);
    expect(() => parseAction('trace(65536)')).toThrow(/0..65535/);
    expect(() => parseAction('errno(EFOO)')).toThrow(/unknown errno name "EFOO"/);
  });
  it('compares by return value', () => {
    expect(actionsEqual({ kind: 'ERRNO', data: 1 }, parseAction('SCMP_ACT_ERRNO'))).toBe(true);
    expect(actionsEqual({ kind: 'ERRNO', data: 1 }, { kind: 'ERRNO', data: 2 })).toBe(false);
  });
});

describe('errno table', () => {
  it('knows the usual names', () => {
    expect(errnoNumber('EPERM')).toBe(1);
    expect(errnoNumber('enosys')).toBe(38);
    expect(errnoName(13)).toBe('EACCES');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    expect(parseErrno('0x26')).toBe(38);
    expect(() => parseErrno(5000)).toThrow(/0..4095/);
  });
  it('agrees with the C library on this machine (python3 errno module)', () => {
    const py = spawnSync('/usr/bin/python3', ['-c', 'import errno, json; print(json.dumps({n: getattr(errno, n) for n in dir(errno) if n.startswith("E") and isinstance(getattr(errno, n), int)}))'], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`this test needs /usr/bin/python3 (apt install python3): ${py.stderr}`);
    const sys = JSON.parse(py.stdout) as Record<string, number>;
    let checked = 0;
    for (const [name, nr] of Object.entries(ERRNO)) {
      if (name in sys) {
        expect(sys[name], name).toBe(nr);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(125);
    for (const [name, nr] of Object.entries(sys)) if (nr <= 133 && !['ENOTSUP'].includes(name)) expect(errnoNumber(name), name).toBe(nr);
  });
});
