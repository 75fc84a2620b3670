import { describe, expect, it } from 'vitest';
import { ACTIONS, ACTION_KINDS, actionName, decodeReturn, isPermissive, normalizeAction, raisesSigsys, returnValue } from './actions.js';
import * as C from './constants.js';

describe('the one action table', () => {
  it('has the kernel values of include/uapi/linux/seccomp.h', () => {
    expect(ACTION_KINDS.map((k) => ACTIONS[k].value)).toEqual([
      C.SECCOMP_RET_KILL_PROCESS, C.SECCOMP_RET_KILL_THREAD, C.SECCOMP_RET_TRAP, C.SECCOMP_RET_ERRNO,
      C.SECCOMP_RET_USER_NOTIF, C.SECCOMP_RET_TRACE, C.SECCOMP_RET_LOG, C.SECCOMP_RET_ALLOW,
    ].map((v) => v >>> 0));
  });

  it.each([
    [0x7fff0000, 'ALLOW', 0, true],
    [0x7fff1234, 'ALLOW', 0, true], // data of an action without data is ignored
    [0x00050001, 'ERRNO', 1, true],
    [0x0005ffff, 'ERRNO', 4095, true], // the kernel caps ERRNO data at MAX_ERRNO
    [0x00030005, 'TRAP', 5, true],
    [0x00000000, 'KILL_THREAD', 0, true],
    [0x80000000, 'KILL_PROCESS', 0, true],
    [0x12340000, 'KILL_PROCESS', 0, false], // an unknown action kills the process
  ])('decodes 0x%s as the kernel does', (v, kind, data, known) => {
    expect(decodeReturn(v)).toEqual({ kind, data, known });
  });

  it('names and normalises values', () => {
    expect(actionName(0x00050026)).toBe('ERRNO(38)');
    expect(actionName(0)).toBe('KILL');
    expect(actionName(0x00030000)).toBe('TRAP');
    expect(actionName(0x12340000)).toMatch(/^KILL_PROCESS \(unknown action/);
    expect(normalizeAction(0x7fff1234)).toBe(0x7fff0000);
    expect(normalizeAction(0x12340000)).toBe(0x80000000);
    expect(returnValue('ERRNO', 1)).toBe(0x00050001);
  });

  it('classifies what the kernel does', () => {
    expect(isPermissive(0x7fff0000) && isPermissive(0x7ffc0000)).toBe(true);
    expect(isPermissive(0x00050001)).toBe(false);
    expect(raisesSigsys(0) && raisesSigsys(0x80000000) && raisesSigsys(0x00030000)).toBe(true);
    expect(raisesSigsys(0x00050001)).toBe(false);
  });
});
