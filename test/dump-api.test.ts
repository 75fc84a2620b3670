/**
 * The Node API of dump and status: results, typed errors, the helper's
 * stream protocol and /proc parsing. Filters load only in child processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DumpError, dumpCommand, dumpPid, filterFlagNames, getFilterHint, parseHelperStream, ptraceHint } from '../src/node/dump.js';
import { parseProcStatus, readSeccompStatus, seccompStatus, StatusError } from '../src/node/status.js';
import { decodeProgram } from '../src/core/bpf/codec.js';
import { compile, impossiblePid, requireGcc, startAndWaitFor, tempDir } from './helpers/dump-fixtures.js';

let dir: string;
let cleanup: () => void;
let twoFilters: string;

beforeAll(() => {
  requireGcc();
  ({ dir, cleanup } = tempDir('syswall-dump-api-'));
  twoFilters = compile(dir, 'two_filters');
});
afterAll(() => cleanup?.());

async function rejection(p: Promise<unknown>): Promise<DumpError> {
  try {
    await p;
  } catch (e) {
    return e as DumpError;
  }
  throw new Error('expected a rejection');
}

describe('dumpCommand / dumpPid', () => {
  it('returns the filters with pid, tid, via, flags, arch and decoded program', async () => {
    const out = join(dir, 'api');
    mkdirSync(out);
    const r = await dumpCommand(twoFilters, [out, '--listener'], { stdio: 'ignore' });
    expect(r.reason).toBe('exit');
    expect(r.exitCode).toBe(0);
    expect(r.filters.map((f) => [f.via, f.arch, f.flagNames])).toEqual([
      ['prctl', 'x86_64', []],
      ['seccomp', 'x86_64', []],
      ['seccomp', 'x86_64', ['NEW_LISTENER']],
    ]);
    r.filters.forEach((f, n) => {
      const want = readFileSync(join(out, `expected-${n}.bpf`));
      expect(Buffer.from(f.bytes)).toEqual(want);
      expect(f.program).toEqual(decodeProgram(want));
      expect(f.pid).toBeGreaterThan(0);
      expect(f.tid).toBe(f.pid);
    });
    expect(r.filters[2].listenerFd).toBeGreaterThanOrEqual(0);
  });

  it('throws typed errors', async () => {
    const e1 = await rejection(dumpCommand('/nonexistent/x', [], { stdio: 'ignore' }));
    expect(e1).toBeInstanceOf(DumpError);
    expect(e1).toMatchObject({ code: 'EXEC_FAILED', errno: 'ENOENT', kind: 'input' });
    const e2 = await rejection(dumpPid(impossiblePid()));
    expect(e2).toMatchObject({ code: 'NO_SUCH_PROCESS', errno: 'ESRCH', kind: 'input' });
    expect(() => dumpPid(process.pid)).toThrow(DumpError);
    expect(() => dumpPid(-3)).toThrow(/not a process id/);
    expect(() => dumpCommand('true', [], { limit: 0 })).toThrow(/limit must be a positive integer/);
    const e3 = await rejection(dumpCommand('true', [], { helper: join(dir, 'no-helper') }));
    expect(e3).toMatchObject({ code: 'HELPER_FAILED' });
  });

  it('dumpPid reads a live process, oldest filter first', async () => {
    const out = join(dir, 'api-pid');
    mkdirSync(out);
    const holder = await startAndWaitFor(twoFilters, [out, '--sleep'], 'ready');
    try {
      const r = await dumpPid(holder.pid!);
      const mine = r.filters.slice(-2);
      expect(mine.map((f) => Buffer.from(f.bytes))).toEqual([0, 1].map((n) => readFileSync(join(out, `expected-${n}.bpf`))));
      expect(r.filters.map((f) => f.index)).toEqual(r.filters.map((_, i) => i));
      expect(r.mode).toBe(2);
      expect(r.reason).toBe('done');
      const st = readSeccompStatus(holder.pid!);
      expect(st).toMatchObject({ mode: 2, filters: r.filters.length, noNewPrivs: true, comm: 'two_filters' });
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('helper stream protocol', () => {
  it('parses filters, strict installs, warnings and the end record', () => {
    const text = [
      '{"type":"filter","pid":10,"tid":11,"via":"seccomp","mode":2,"flags":9,"arch":3221225534,"nr":1073742141,"ret":4,"length":1,"program":"060000000000ff7f"}',
      '{"type":"filter","pid":10,"tid":10,"via":"prctl","mode":2,"flags":0,"arch":2147483670,"nr":172,"ret":0,"length":1,"program":"000600007fff0000"}',
      '{"type":"strict","pid":12,"tid":12,"via":"prctl","mode":1,"arch":1073741827}',
      '{"type":"warning","message":"w"}',
      '{"type":"end","reason":"limit","exitCode":null,"signal":31,"detached":false,"count":3}',
    ].join('\n');
    const r = parseHelperStream(text);
    expect(r.filters[0]).toMatchObject({ arch: 'x32', flagNames: ['TSYNC', 'NEW_LISTENER'], listenerFd: 4, tid: 11 });
    expect(r.filters[0].program).toEqual([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }]);
    // s390x programs are big-endian
    expect(r.filters[1]).toMatchObject({ arch: 's390x', program: [{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }] });
    expect(r.strict).toEqual([{ pid: 12, tid: 12, via: 'prctl', arch: 'x86', archToken: 0x40000003, seq: 2 }]);
    expect(r).toMatchObject({ reason: 'limit', signal: 'SIGSYS', warnings: ['w'] });
  });

  it('turns error records into typed errors (errno numbers named from core\'s table) and rejects garbage', () => {
    expect(() => parseHelperStream('{"type":"error","code":"GET_FILTER_DENIED","errno":13,"message":"needs CAP_SYS_ADMIN"}')).toThrow(
      expect.objectContaining({ code: 'GET_FILTER_DENIED', errno: 'EACCES', kind: 'runtime', hint: getFilterHint() }),
    );
    expect(() => parseHelperStream('not json')).toThrow(/not JSON/);
    expect(() => parseHelperStream('')).toThrow(/without a result/);
  });

  it('hints at what PTRACE_SECCOMP_GET_FILTER lacks: CAP_SYS_ADMIN, a filter of our own, or neither (never "run as root" to root)', () => {
    const root = 'CapEff:\t000001ffffffffff\nSeccomp:\t0\n';
    expect(getFilterHint('CapEff:\t0000000000000000\nSeccomp:\t0\n')).toMatch(/^run as root/);
    expect(getFilterHint('CapEff:\t000001ffffffffff\nSeccomp:\t2\n')).toMatch(/syswall itself runs under seccomp \(Seccomp: 2/);
    expect(getFilterHint(root)).not.toMatch(/run as root/);
    expect(getFilterHint(root)).toMatch(/security module/);
  });

  it('hints at what a refused attach lacks: the target\'s other tracer, CAP_SYS_PTRACE, yama; never "run as root" to root', () => {
    const root = 'CapEff:\t000001fffeffffff\n';
    const user = 'CapEff:\t0000000000000000\n';
    expect(ptraceHint('TracerPid:\t4242\n', root, undefined)).toMatch(/already traced by process 4242/);
    expect(ptraceHint('TracerPid:\t0\n', user, undefined)).toMatch(/^run as root \(attaching to another user's process needs CAP_SYS_PTRACE\)$/);
    expect(ptraceHint('TracerPid:\t0\n', user, '1\n')).toMatch(/or lower \/proc\/sys\/kernel\/yama\/ptrace_scope \(now 1\)/);
    expect(ptraceHint('TracerPid:\t0\n', root, '3\n')).toMatch(/ptrace_scope is 3/);
    for (const yama of [undefined, '0', '1', '2']) {
      const h = ptraceHint('TracerPid:\t0\n', root, yama);
      expect(h).not.toMatch(/run as root/);
      expect(h).toMatch(/security module/);
    }
    expect(ptraceHint('', root, undefined)).toMatch(/CAP_SYS_PTRACE and there is no yama/);
  });

  it('names filter flags', () => {
    expect(filterFlagNames(0)).toEqual([]);
    expect(filterFlagNames(1 | 2 | 16 | 0x100)).toEqual(['TSYNC', 'LOG', 'TSYNC_ESRCH', '0x100']);
  });
});

describe('status from /proc', () => {
  const sample = (extra: string) => `Name:\tmy\\\\prog\nUmask:\t0022\nState:\tS (sleeping)\nNoNewPrivs:\t1\n${extra}Speculation_Store_Bypass:\tvulnerable\n`;

  it('parses mode, filter count and no_new_privs', () => {
    expect(parseProcStatus(5, sample('Seccomp:\t2\nSeccomp_filters:\t3\n'))).toEqual({ pid: 5, comm: 'my\\prog', mode: 2, modeName: 'filter', filters: 3, noNewPrivs: true });
    // before Linux 5.9 there is no Seccomp_filters line; without CONFIG_SECCOMP no Seccomp line
    expect(parseProcStatus(5, sample('Seccomp:\t1\n'))).toMatchObject({ mode: 1, modeName: 'strict', filters: null });
    expect(parseProcStatus(5, sample(''))).toMatchObject({ mode: null, modeName: 'unknown', filters: null });
  });

  it('skips vanished processes when listing, fails for an explicit one', () => {
    const root = join(dir, 'proc');
    mkdirSync(join(root, '7'), { recursive: true });
    mkdirSync(join(root, '12'), { recursive: true });
    mkdirSync(join(root, 'self'), { recursive: true });
    writeFileSync(join(root, '7', 'status'), sample('Seccomp:\t0\nSeccomp_filters:\t0\n'));
    writeFileSync(join(root, '12', 'status'), sample('Seccomp:\t2\nSeccomp_filters:\t1\n'));
    mkdirSync(join(root, '9')); // a process that vanished: no status file
    expect(seccompStatus([], root).map((s) => [s.pid, s.mode])).toEqual([[7, 0], [12, 2]]);
    expect(seccompStatus([12, 7], root).map((s) => s.pid)).toEqual([12, 7]);
    expect(() => seccompStatus([9], root)).toThrow(StatusError);
    expect(() => seccompStatus([9], root)).toThrow(/no such process: 9/);
  });
});
