import { describe, expect, it } from 'vitest';
import { loadInput } from '../input/load.js';
import { formatPolicyLint, lintInput, type PolicyFinding } from './policy-lint.js';

const enc = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o, null, 2));
const base = ['read', 'write', 'close', 'exit_group', 'exit', 'futex', 'mmap', 'munmap', 'brk', 'rt_sigreturn', 'execve'];

function lint(profile: Record<string, unknown>, syscalls: unknown[]): readonly PolicyFinding[] {
  const doc = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'], ...profile, syscalls: [{ names: base, action: 'SCMP_ACT_ALLOW' }, ...syscalls] };
  const input = loadInput(enc(doc), { file: 'p.json', context: { arch: 'x86_64', kernel: [6, 1] }, recover: true });
  return lintInput(input).findings;
}
const codes = (fs: readonly PolicyFinding[]) => fs.map((f) => `${f.severity}:${f.code}`);

describe('policy lint', () => {
  it('a clean allow-list has no findings', () => {
    expect(lint({}, [])).toEqual([]);
  });

  it.each([
    ['runc OR on an allow rule is an error', [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_GE' }, { index: 0, value: 10, op: 'SCMP_CMP_LE' }] }], 'error:SAME_ARG_OR'],
    ['runc OR on a deny rule is a warning', [{ names: ['kill'], action: 'SCMP_ACT_ALLOW' }, { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }], 'warning:SAME_ARG_OR'],
    ['a rule equal to the default', [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }], 'warning:SHADOWED_BY_DEFAULT'],
    ['an unconditional rule shadows a conditional one (either order)', [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 0x5412, op: 'SCMP_CMP_EQ', width: 32 }] }, { names: ['ioctl'], action: 'SCMP_ACT_ALLOW' }], 'warning:RULE_SHADOWED'],
    ['an unsatisfiable rule', [{ names: ['getrandom'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_LT' }] }], 'warning:RULE_SHADOWED'],
    ['a conditional rule redundant with an unconditional one', [{ names: ['getrandom'], action: 'SCMP_ACT_ALLOW' }, { names: ['getrandom'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 4, op: 'SCMP_CMP_EQ' }] }], 'info:RULE_REDUNDANT'],
    ['an unknown name', [{ names: ['gettimeofdy'], action: 'SCMP_ACT_ALLOW' }], 'warning:UNKNOWN_SYSCALL'],
    ['errnoRet on a non-errno action', [{ names: ['ptrace'], action: 'SCMP_ACT_KILL', errnoRet: 1 }], 'error:ERRNO_RET_NOT_ERRNO'],
    ['USER_NOTIF on sendmsg', [{ names: ['sendmsg'], action: 'SCMP_ACT_NOTIFY' }], 'error:NOTIFY_ESSENTIAL'],
    ['USER_NOTIF in an OCI profile without listenerPath', [{ names: ['openat'], action: 'SCMP_ACT_ALLOW' }, { names: ['fsync'], action: 'SCMP_ACT_NOTIFY' }], 'warning:NOTIFY_WITHOUT_LISTENER'],
    ['a 64-bit compare on socket\'s domain in an allow rule with >', [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }] }], 'warning:UPPER_HALF_BYPASS'],
    ['a 64-bit compare on an allow rule with !=', [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x400000, op: 'SCMP_CMP_NE' }] }], 'warning:UPPER_HALF_BYPASS'],
    ['EPERM for clone3', [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }], 'warning:ERRNO_NOT_ENOSYS'],
  ])('%s', (_t, rules, want) => {
    expect(codes(lint({}, rules as unknown[]))).toContain(want);
  });

  it('fail-safe upper-half checks are info, and width 32 or a 32-bit mask silences them', () => {
    expect(codes(lint({}, [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }]))).toEqual(['info:UPPER_HALF_BYPASS']);
    expect(lint({}, [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_GT', width: 32 }] }])).toEqual([]);
    expect(lint({}, [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }] }]).filter((f) => f.code === 'UPPER_HALF_BYPASS')).toEqual([]);
  });

  it('no upper-half finding where no argument value changes the decision (a deny-list whose socket rule is redundant)', () => {
    const fs = lint({ defaultAction: 'SCMP_ACT_ALLOW' }, [
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] },
    ]);
    expect(fs.filter((f) => f.code === 'UPPER_HALF_BYPASS')).toEqual([]);
    // A deny rule shadowed by an unconditional allow: personality is always allowed, whatever the upper half holds.
    const shadowed = lint({}, [{ names: ['personality'], action: 'SCMP_ACT_ALLOW' }, { names: ['personality'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 0x400000, op: 'SCMP_CMP_EQ' }] }]);
    expect(codes(shadowed)).toContain('warning:RULE_SHADOWED');
    expect(shadowed.filter((f) => f.code === 'UPPER_HALF_BYPASS')).toEqual([]);
  });

  it('MASKED_EQ whose value has bits outside the mask (value and mask swapped) is a warning pointing at the rule', () => {
    const fs = lint({}, [{ names: ['openat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 0, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }] }]);
    const f = fs.find((x) => x.code === 'MASKED_EQ_NEVER_MATCHES')!;
    expect(f.severity).toBe('warning');
    expect(f.location.syscall).toBe('openat');
    expect(f.location.line).toBeGreaterThan(1);
    expect(f.message).toContain('args[2] & 0x0 == 0x3');
    expect(f.message).toContain('which every value matches');
    expect(f.hint).toContain('"value": 3, "valueTwo": 0');
    // The right way round is clean.
    expect(lint({}, [{ names: ['openat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 3, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }]).filter((x) => x.code === 'MASKED_EQ_NEVER_MATCHES')).toEqual([]);
  });

  it('USER_NOTIF as default is an error, and listenerPath silences NOTIFY_WITHOUT_LISTENER', () => {
    expect(codes(lint({ defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/s' }, []))).toContain('error:NOTIFY_DEFAULT');
    expect(codes(lint({ listenerPath: '/s' }, [{ names: ['mkdirat'], action: 'SCMP_ACT_NOTIFY' }]))).toEqual([]);
  });

  it('findings carry file:line:col and render with them; the worst severity is reported', () => {
    const fs = lint({}, [{ names: ['gettimeofdy'], action: 'SCMP_ACT_ALLOW' }]);
    expect(fs[0].location).toMatchObject({ file: 'p.json', syscall: 'gettimeofdy' });
    expect(fs[0].location.line).toBeGreaterThan(1);
    const text = formatPolicyLint({ findings: fs, worst: 'warning' });
    expect(text).toMatch(/^p\.json:\d+:\d+: warning: UNKNOWN_SYSCALL \(gettimeofdy\): unknown syscall "gettimeofdy"/);
    expect(text).toContain('\n  hint: ');
  });

  it('keeps linting after errnoRet on several non-errno actions and reports each', () => {
    const fs = lint({}, [{ names: ['ptrace'], action: 'SCMP_ACT_KILL', errnoRet: 1 }, { names: ['bpf'], action: 'SCMP_ACT_TRAP', errnoRet: 3 }, { names: ['mount'], action: 'SCMP_ACT_ALLOW' }]);
    expect(fs.filter((f) => f.code === 'ERRNO_RET_NOT_ERRNO')).toHaveLength(2);
    expect(codes(fs)).toContain('warning:DANGEROUS_ALLOW');
  });
});
