/**
 * Real-kernel tests of `syswall dump` and `syswall status`: C programs built
 * here with gcc install known filters; the dump must return exactly those
 * (decoded instruction by instruction), in order, and nothing for failed
 * installs. Filters are only ever loaded in child processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProgram } from '../src/core/bpf/codec.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { expectCleanError, runCli } from './helpers/cli.js';
import { compile, impossiblePid, procSeccomp, requireGcc, startAndWaitFor, tempDir } from './helpers/dump-fixtures.js';

let dir: string;
let cleanup: () => void;
let twoFilters: string;
let multi: string;
let i386: string;

/** The filters the program wrote to OUT/expected-N.bpf, decoded. */
function expected(out: string): Instruction[][] {
  const progs: Instruction[][] = [];
  for (let n = 0; existsSync(join(out, `expected-${n}.bpf`)); n++) progs.push(decodeProgram(readFileSync(join(out, `expected-${n}.bpf`))));
  return progs;
}

function plain(p: readonly Instruction[]): Instruction[] {
  return p.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k }));
}

function outDir(name: string): string {
  return join(dir, name);
}

beforeAll(() => {
  requireGcc();
  ({ dir, cleanup } = tempDir('syswall-dump-'));
  twoFilters = compile(dir, 'two_filters');
  multi = compile(dir, 'multi', ['-pthread']);
  i386 = join(dir, 'i386_filters');
  // No libc needed, so this builds without 32-bit multilib packages.
  const r = compile(dir, 'i386_filters', ['-m32', '-nostdlib', '-static', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector']);
  expect(r).toBe(i386);
});

afterAll(() => cleanup?.());

describe('syswall dump -- CMD', () => {
  it('captures exactly the installed programs (prctl, then seccomp), not the one the kernel rejected', () => {
    const out = outDir('two-json');
    runMkdir(out);
    const r = runCli(['dump', '--json', '--', twoFilters, out]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const want = expected(out);
    expect(want).toHaveLength(2);
    expect(doc.filters).toHaveLength(2); // the invalid filter in between is not reported
    expect(doc.filters.map((f: any) => f.via)).toEqual(['prctl', 'seccomp']);
    expect(doc.filters.map((f: any) => f.program)).toEqual(want.map(plain));
    for (const f of doc.filters) {
      expect(f.arch).toBe('x86_64');
      expect(f.flags).toBe(0);
      expect(f.pid).toBe(f.tid);
    }
    expect(doc.reason).toBe('exit');
    expect(doc.exitCode).toBe(0);
    // the target's own output went to stderr, not into the JSON on stdout
    expect(r.stderr).toMatch(/getppid=-1 errno=38\nready/);
  });

  it('prints a listing of each filter by default', () => {
    const out = outDir('two-disasm');
    runMkdir(out);
    const r = runCli(['dump', '--', twoFilters, out]);
    expect(r.status, r.stderr).toBe(0);
    const want = expected(out);
    expect(r.stdout).toMatch(/^# filter 0: pid \d+, via prctl, arch x86_64, 4 instructions$/m);
    expect(r.stdout).toMatch(/^# filter 1: pid \d+, via seccomp, arch x86_64, 7 instructions$/m);
    expect(r.stdout).not.toMatch(/# filter 2/);
    const rows = [...r.stdout.matchAll(/^ (\d{4}): 0x([0-9a-f]{2}) 0x([0-9a-f]{2}) 0x([0-9a-f]{2}) 0x([0-9a-f]{8}) {2}\S.*$/gm)].map((m) => ({
      code: parseInt(m[2], 16), jt: parseInt(m[3], 16), jf: parseInt(m[4], 16), k: parseInt(m[5], 16),
    }));
    expect(rows).toEqual(plain([...want[0], ...want[1]]));
    expect(r.stdout).not.toMatch(/ready/);
  });

  it('catches a NEW_LISTENER filter (seccomp-tools misses those) with its listener fd', () => {
    const out = outDir('listener');
    runMkdir(out);
    const r = runCli(['dump', '--json', '--', twoFilters, out, '--listener']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const want = expected(out);
    expect(want).toHaveLength(3);
    expect(doc.filters.map((f: any) => f.program)).toEqual(want.map(plain));
    expect(doc.filters[2].flagNames).toEqual(['NEW_LISTENER']);
    expect(doc.filters[2].listenerFd).toBeGreaterThanOrEqual(0);
  });

  it('writes raw files with -o DIR --format raw', () => {
    const out = outDir('raw-src');
    runMkdir(out);
    const raw = outDir('raw-out');
    const r = runCli(['dump', '-o', raw, '--format', 'raw', '--', twoFilters, out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(raw, 'filter-0.bpf'))).toEqual(readFileSync(join(out, 'expected-0.bpf')));
    expect(readFileSync(join(raw, 'filter-1.bpf'))).toEqual(readFileSync(join(out, 'expected-1.bpf')));
    expect(existsSync(join(raw, 'filter-2.bpf'))).toBe(false);
    expect(r.stdout).toMatch(/filter-0\.bpf: filter 0: pid \d+, via prctl/);
  });

  it('stops at --limit and kills the command', () => {
    const out = outDir('limit');
    runMkdir(out);
    const r = runCli(['dump', '--json', '--limit', '1', '--', twoFilters, out]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.filters).toHaveLength(1);
    expect(doc.reason).toBe('limit');
    expect(doc.detached).toBe(false);
    // killed at the syscall exit of the first install: it never saved it
    expect(existsSync(join(out, 'expected-0.bpf'))).toBe(false);
    expect(r.stderr).not.toMatch(/ready/);
  });

  it('with --limit and --continue detaches and lets the command finish', () => {
    const out = outDir('continue');
    runMkdir(out);
    const r = runCli(['dump', '--json', '--limit', '1', '--continue', '--', twoFilters, out]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.filters).toHaveLength(1);
    expect(doc.detached).toBe(true);
    // runCli waits for the detached program (it holds our stderr): it ran on
    expect(r.stderr).toMatch(/ready/);
    expect(expected(out)).toHaveLength(2);
    expect(doc.filters[0].program).toEqual(plain(expected(out)[0]));
  });

  it('follows forks, vforks, execs and threads, and records strict mode', () => {
    const r = runCli(['dump', '--json', '--', multi]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    // each filter is one `return ALLOW|marker`
    const markers = doc.filters.map((f: any) => f.program[0].k & 0xffff);
    expect(markers).toEqual([1, 3, 4]);
    const [forked, execd, thread] = doc.filters;
    const main = thread.pid;
    expect(forked.pid).not.toBe(main);
    expect(execd.pid).not.toBe(main);
    expect(thread.tid).not.toBe(thread.pid); // installed by a second thread
    expect(thread.flagNames).toEqual(['TSYNC']);
    expect(thread.via).toBe('seccomp');
    expect(doc.strict).toHaveLength(1);
    expect(doc.strict[0]).toMatchObject({ via: 'prctl', seq: 2 });
    expect(doc.filters.map((f: any) => f.seq)).toEqual([0, 1, 3]);
    // the listing keeps the install order
    const heads = runCli(['dump', '--', multi]).stdout.split('\n').filter((l) => l.startsWith('#'));
    expect(heads.map((l) => l.replace(/pid \d+, (tid \d+, )?/, ''))).toEqual([
      '# filter 0: via prctl, arch x86_64, 1 instruction',
      '# filter 1: via prctl, arch x86_64, 1 instruction',
      '# strict mode: via prctl, arch x86_64: the kernel allows only read, write, exit, rt_sigreturn; equivalent filter',
      '# filter 2: via seccomp, flags TSYNC, arch x86_64, 1 instruction',
    ]);
  });

  it('understands i386 tracees (32-bit struct sock_fprog, i386 syscall numbers)', () => {
    const r = runCli(['dump', '--json', '--', i386]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.exitCode).toBe(0);
    expect(doc.filters.map((f: any) => [f.via, f.arch])).toEqual([['prctl', 'x86'], ['seccomp', 'x86']]);
    expect(doc.filters[0].program).toEqual([
      { code: 0x20, jt: 0, jf: 0, k: 4 },
      { code: 0x15, jt: 1, jf: 0, k: 0x40000003 },
      { code: 0x06, jt: 0, jf: 0, k: 0 },
      { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 },
    ]);
    expect(doc.filters[1].program[1]).toEqual({ code: 0x15, jt: 0, jf: 1, k: 20 });
  });

  it('dumps a libseccomp filter that bwrap installs, byte for byte (--pass-fd)', () => {
    const bpf = join(dir, 'libseccomp.bpf');
    const py = spawnSync('/usr/bin/python3', ['-c', [
      'import seccomp, sys',
      'f = seccomp.SyscallFilter(seccomp.ALLOW)',
      'f.add_arch(seccomp.Arch.X86)',
      'f.add_rule(seccomp.ERRNO(1), "mkdir")',
      'f.add_rule(seccomp.ERRNO(13), "personality", seccomp.Arg(0, seccomp.NE, 0))',
      'f.export_bpf(open(sys.argv[1], "wb"))',
    ].join('\n'), bpf], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`python3-seccomp is needed (apt-get install python3-seccomp): ${py.error?.message ?? py.stderr}`);
    const bw = spawnSync('bwrap', ['--version']);
    if (bw.error || bw.status !== 0) throw new Error('bubblewrap is needed: apt-get install bubblewrap');
    const raw = outDir('bwrap-out');
    const fd = openSync(bpf, 'r');
    try {
      const r = runCli(['dump', '-o', raw, '--format', 'raw', '--pass-fd', '3', '--', 'bwrap', '--ro-bind', '/', '/', '--seccomp', '3', 'true'], { stdio: ['ignore', 'pipe', 'pipe', fd] });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(raw, 'filter-0.bpf'))).toEqual(readFileSync(bpf));
      expect(existsSync(join(raw, 'filter-1.bpf'))).toBe(false);
    } finally {
      closeSync(fd);
    }
  });

  it('warns and exits 3 when nothing installs a filter', () => {
    const r = runCli(['dump', '--', 'true']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^syswall: warning: true installed no seccomp filter \(it exited with status 0\)$/m);
  });

  it('stops at --timeout and reports what it has', () => {
    const r = runCli(['dump', '--timeout', '0.3', '--json', '--', 'sleep', '60']);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ filters: [], reason: 'timeout' });
    expect(r.stderr).toMatch(/timed out; killed sleep/);
  });
});

describe('syswall dump --pid and syswall status', () => {
  let holder: ChildProcess;
  let plainProc: ChildProcess;
  let out: string;
  const self = () => procSeccomp('self');

  beforeAll(async () => {
    out = join(dir, 'holder');
    runMkdir(out);
    holder = await startAndWaitFor(twoFilters, [out, '--sleep'], 'ready');
    plainProc = await startAndWaitFor('/bin/sh', ['-c', 'echo up; exec sleep 600'], 'up');
  });

  afterAll(() => {
    holder?.kill('SIGKILL');
    plainProc?.kill('SIGKILL');
  });

  it('--pid prints the filters the process holds, oldest first', () => {
    const r = runCli(['dump', '--pid', String(holder.pid), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const inherited = self().filters; // filters the test runner itself runs under (e.g. a container's)
    expect(doc.filters).toHaveLength(inherited + 2);
    expect(doc.filters.map((f: any) => f.index)).toEqual([...Array(inherited + 2).keys()]);
    expect(doc.filters.slice(inherited).map((f: any) => f.program)).toEqual(expected(out).map(plain));
    expect(doc.filters.every((f: any) => f.via === 'ptrace' && f.pid === holder.pid)).toBe(true);
    expect(doc.mode).toBe(2);
  });

  it('--pid prints listings by default', () => {
    const r = runCli(['dump', '--pid', String(holder.pid)]);
    expect(r.status, r.stderr).toBe(0);
    const n = self().filters;
    expect(r.stdout).toMatch(new RegExp(`^# filter ${n}: pid ${holder.pid}, index ${n}, arch x86_64, 4 instructions$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^# filter ${n + 1}: pid ${holder.pid}, index ${n + 1}, arch x86_64, 7 instructions$`, 'm'));
  });

  it('--pid on a process without filters warns and exits 3', () => {
    if (self().mode !== 0) return; // under an inherited filter every process has one; covered above
    const r = runCli(['dump', '--pid', String(plainProc.pid)]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`process ${plainProc.pid} holds no seccomp filter \\(seccomp mode 0\\)`));
  });

  it('status shows mode 2, the filter count and no_new_privs', () => {
    const r = runCli(['status', String(holder.pid), String(plainProc.pid), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const [h, p] = JSON.parse(r.stdout);
    expect(h).toEqual({ pid: holder.pid, comm: 'two_filters', mode: 2, modeName: 'filter', filters: self().filters + 2, noNewPrivs: true });
    const me = self();
    expect(p).toMatchObject({ pid: plainProc.pid, comm: 'sleep', mode: me.mode, filters: me.filters });
    if (me.mode === 0) expect(p).toMatchObject({ mode: 0, modeName: 'disabled', filters: 0 });
  });

  it('status prints a table, and lists every process by default', () => {
    const r = runCli(['status', String(holder.pid)]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*PID\s+COMM\s+MODE\s+FILTERS\s+NNP$/);
    expect(lines[1]).toMatch(new RegExp(`^\\s*${holder.pid}\\s+two_filters\\s+2 filter\\s+${self().filters + 2}\\s+yes$`));
    const all = runCli(['status', '--json']);
    expect(all.status).toBe(0);
    const pids = JSON.parse(all.stdout).map((x: any) => x.pid);
    expect(pids).toContain(holder.pid);
    expect(pids).toContain(plainProc.pid);
    const sandboxed = JSON.parse(runCli(['status', '--sandboxed', '--json']).stdout);
    expect(sandboxed.map((x: any) => x.pid)).toContain(holder.pid);
    expect(sandboxed.every((x: any) => x.mode !== 0)).toBe(true);
  });
});

describe('per-thread filters', () => {
  let proc: ChildProcess;
  let tid: number;

  beforeAll(async () => {
    const prog = compile(dir, 'thread_filter', ['-pthread']);
    proc = await startAndWaitFor(prog, [], 'ready');
    // the thread printed "ready" after installing; it is the one that is not the main thread
    tid = readdirSync(`/proc/${proc.pid}/task`).map(Number).filter((t) => t !== proc.pid)[0];
  });

  afterAll(() => proc?.kill('SIGKILL'));

  it('status --threads shows the thread holding a filter the main thread lacks', () => {
    const base = procSeccomp('self');
    const r = runCli(['status', '--threads', '--json', String(proc.pid)]);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: any) => [x.pid, x.tid, x.filters])).toEqual([[proc.pid, proc.pid, base.filters], [proc.pid, tid, base.filters + 1]]);
    expect(rows[1]).toMatchObject({ mode: 2, noNewPrivs: true });
    const table = runCli(['status', '--threads', String(proc.pid)]).stdout.split('\n');
    expect(table[0]).toMatch(/^\s*PID\s+TID\s+COMM\s+MODE\s+FILTERS\s+NNP$/);
    expect(table[2]).toMatch(new RegExp(`^\\s*${proc.pid}\\s+${tid}\\s+thread_filter\\s+2 filter\\s+${base.filters + 1}\\s+yes$`));
  });

  it('dump --pid TID reads one thread\'s filters', () => {
    const r = runCli(['dump', '--json', '--pid', String(tid)]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.filters.at(-1).program).toEqual([{ code: 6, jt: 0, jf: 0, k: 0x7fff0007 }]);
  });
});

describe('bad input gives one clear line', () => {
  it('dump', () => {
    expect(expectCleanError(runCli(['dump']))).toMatch(/missing command/);
    expect(expectCleanError(runCli(['dump', '--', '/nonexistent/prog']))).toMatch(/cannot exec \/nonexistent\/prog: No such file or directory/);
    expect(expectCleanError(runCli(['dump', '--', 'no-such-command-xyz']))).toMatch(/cannot exec no-such-command-xyz/);
    expect(expectCleanError(runCli(['dump', '--pid', 'abc']))).toMatch(/--pid expects a process id, got "abc"/);
    expect(expectCleanError(runCli(['dump', '--pid', String(impossiblePid())]))).toMatch(/no such process/);
    expect(expectCleanError(runCli(['dump', '--pid', '1', '--', 'true']))).toMatch(/either --pid PID or a command/);
    expect(expectCleanError(runCli(['dump', '--pid', '1', '--limit', '2']))).toMatch(/--limit applies to a command/);
    expect(expectCleanError(runCli(['dump', '--format', 'raw', '--', 'true']))).toMatch(/needs -o DIR/);
    expect(expectCleanError(runCli(['dump', '-o', '/dev/null', '--', 'true']))).toBe('syswall: error: cannot create directory /dev/null: a file of that name exists');
    expect(expectCleanError(runCli(['dump', '--format', 'xml', '--', 'true']))).toMatch(/unknown format "xml"/);
    expect(expectCleanError(runCli(['dump', '--limit', '0', '--', 'true']))).toMatch(/--limit expects a positive integer/);
    expect(expectCleanError(runCli(['dump', '--timeout', 'soon', '--', 'true']))).toMatch(/--timeout expects a positive number/);
    expect(expectCleanError(runCli(['dump', '--bogus']))).toMatch(/bogus/);
    expect(expectCleanError(runCli(['dump', '--pass-fd', '2', '--', 'true']))).toMatch(/--pass-fd expects a file descriptor from 3 to 1023/);
    expect(expectCleanError(runCli(['dump', '--pass-fd', '1000', '--', 'true']))).toMatch(/file descriptor 1000 is not open/);
  });

  it('a refused attach says why, never "run as root" to root: a process another tracer holds; process 1', async () => {
    expect(process.getuid?.()).toBe(0);
    // strace traces sh, which prints its pid and becomes sleep (same pid, still traced).
    const { spawn } = await import('node:child_process');
    const tracer = spawn('strace', ['-o', '/dev/null', 'sh', '-c', 'echo $$; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pid = 0;
    try {
      pid = await new Promise<number>((resolve, reject) => {
        let buf = '';
        tracer.stdout!.on('data', (c: Buffer) => {
          buf += c;
          if (buf.includes('\n')) resolve(Number(buf.trim()));
        });
        tracer.on('exit', (code) => reject(new Error(`strace exited early (${code}); is strace installed?`)));
      });
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^TracerPid:\\s*${tracer.pid}$`, 'm'));
      const r = runCli(['dump', '--pid', String(pid)]);
      expect(expectCleanError(r, 1)).toBe(`syswall: error: not permitted to attach to process ${pid}`);
      expect(r.stderr).toMatch(new RegExp(`^hint: the process is already traced by process ${tracer.pid} \\(TracerPid`, 'm'));
    } finally {
      tracer.kill('SIGKILL');
      if (pid > 0) process.kill(pid, 'SIGKILL');
      tracer.stdout!.destroy();
    }
    // Process 1: read where the kernel allows it; where it refuses root, the hint says what syswall has.
    const one = runCli(['dump', '--pid', '1']);
    expect(one.stderr).not.toMatch(/run as root/);
    if (one.status === 1) expect(one.stderr).toMatch(/^hint: .*(already traced|although syswall has CAP_SYS_PTRACE|yama)/m);
  });

  it('status', () => {
    expect(expectCleanError(runCli(['status', 'abc']))).toMatch(/expected a process id, got "abc"/);
    expect(expectCleanError(runCli(['status', String(impossiblePid())]))).toMatch(/no such process: \d+/);
  });
});

/** The C program writes its expected-N.bpf files into an existing directory. */
function runMkdir(d: string): void {
  mkdirSync(d, { recursive: true });
}
