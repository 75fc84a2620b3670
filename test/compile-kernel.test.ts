/**
 * Real kernel: Docker's default profile compiled by syswall, loaded in a
 * child process (never in the test runner) through the native helper.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../src/core/compile/index.js';
import { parsePolicyText } from '../src/core/formats/index.js';
import type { Policy } from '../src/core/policy/types.js';
import { spawn } from '../src/node/spawn.js';
import { ROOT, collect } from './helpers/runtime.js';

function dockerWithMkdirDenied(): Policy {
  const text = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
  const { policy } = parsePolicyText(text, { file: 'docker-default.json', context: { arch: 'x86_64', kernel: [6, 18] } });
  // Deny mkdir/mkdirat with EACCES (13): a deny rule with a chosen errno.
  const deny = { kind: 'ERRNO', data: 13 } as const;
  return { ...policy, rules: [...policy.rules.filter((r) => r.syscall !== 'mkdir' && r.syscall !== 'mkdirat'), { syscall: 'mkdir', action: deny, conditions: [] }, { syscall: 'mkdirat', action: deny, conditions: [] }] };
}

const PY = String.raw`
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def sc(nr, *args):
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return 0 if r >= 0 else ctypes.get_errno()
out = {}
out['getpid'] = sc(39)
out['read'] = sc(0, 0, 0, 0)
try:
    os.mkdir('/tmp/syswall-should-not-exist')
    out['mkdir'] = 0
except OSError as e:
    out['mkdir'] = e.errno
out['personality_0x1234'] = sc(135, 0x1234)
out['personality_0'] = sc(135, 0)
out['x32_mount'] = sc(0x40000000 | 165, 0, 0, 0, 0, 0)
print(out)
`;

describe('compiled Docker default on the real kernel', () => {
  it('allows what Docker allows, returns the chosen errno, denies personality(0x1234) and x32 calls', async () => {
    const filter = compilePolicy(dockerWithMkdirDenied());
    const child = spawn('/usr/bin/python3', ['-c', PY], { program: filter.instructions, flags: filter.flags, stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err, result] = await Promise.all([collect(child.stdout), collect(child.stderr), child.result]);
    expect(result.exitCode, err).toBe(0);
    const got = JSON.parse(out.trim().replace(/'/g, '"'));
    expect(got.getpid).toBe(0);
    expect(got.read).toBe(0);
    expect(got.mkdir).toBe(13); // EACCES from the deny rule
    expect(got.personality_0x1234).toBe(1); // EPERM: only 0, 8, 0x20000, 0x20008, 0xffffffff pass
    expect(got.personality_0).toBe(0);
    expect(got.x32_mount).not.toBe(0); // refused (EPERM from the filter)
  });
});

const PY_EDGES = String.raw`
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
def sc(nr, *args):
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return 0 if r >= 0 else ctypes.get_errno()
print(json.dumps({'getppid': sc(110), 'minus1': sc(-1), 'nr1000': sc(1000), 'getuid': sc(102), 'getpid': sc(39)}))
`;

describe('edge cases on the real kernel', () => {
  it('ERRNO(4095) returns -4095, a rule on -1 decides syscall(-1), and --enosys unknown answers ENOSYS above the table', async () => {
    const policy: Policy = {
      defaultAction: { kind: 'ERRNO', data: 1 },
      badArchAction: { kind: 'KILL_PROCESS' },
      arches: ['x86_64'],
      rules: [
        ...['execve', 'brk', 'mmap', 'munmap', 'mprotect', 'openat', 'open', 'read', 'pread64', 'close', 'fstat', 'newfstatat', 'lseek', 'getdents64', 'getrandom', 'futex', 'rt_sigaction', 'rt_sigprocmask', 'ioctl', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'readlink', 'write', 'exit_group', 'getcwd', 'sysinfo', 'gettid', 'getpid', 'sigaltstack', 'stat', 'lstat', 'access', 'faccessat2', 'dup', 'fcntl', 'readlinkat', 'statx', 'uname', 'getuid', 'geteuid', 'getgid', 'getegid', 'mremap', 'madvise', 'clock_gettime', 'clock_getres', 'gettimeofday', 'getppid']
          .filter((n) => n !== 'getppid' && n !== 'getuid')
          .map((syscall) => ({ syscall, action: { kind: 'ALLOW' as const }, conditions: [] })),
        { syscall: 'getppid', action: { kind: 'ERRNO', data: 4095 }, conditions: [] },
        { syscall: 0xffffffff, action: { kind: 'ERRNO', data: 7 }, conditions: [] },
      ],
    };
    const filter = compilePolicy(policy, { enosys: 'unknown' });
    const child = spawn('/usr/bin/python3', ['-c', PY_EDGES], { program: filter.instructions, flags: filter.flags, stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err, result] = await Promise.all([collect(child.stdout), collect(child.stderr), child.result]);
    expect(result.exitCode, err).toBe(0);
    expect(JSON.parse(out)).toEqual({ getppid: 4095, minus1: 7, nr1000: 38, getuid: 1, getpid: 0 });
  });
});
