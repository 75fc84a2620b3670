/**
 * The CLI contract of README.md ("CLI contract" and its "Exit status"
 * table), checked on the real binary: the table is read from README and
 * walked command by command (every status it lists for a command has a case
 * here that produces it, and no case produces a status it does not list);
 * global flags before or after the command; closed pipes; write errors;
 * escaped, capped error lines; negative numbers as option values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { COMMANDS } from '../src/cli/commands/index.js';
import { CLI, expectCleanError, ROOT, runCli, runCliAsync, type CliAsyncOptions, type CliResult } from './helpers/cli.js';
import { helperPath } from '../src/node/native.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

/** README's exit-status table: command -> status ("0", "126", "any other") -> meaning. */
function readmeExitTable(): Map<string, Map<string, string>> {
  const start = README.indexOf('### Exit status');
  if (start < 0) throw new Error('README.md has no "### Exit status" section');
  const section = README.slice(start, README.indexOf('\n## ', start));
  const table = new Map<string, Map<string, string>>();
  const all = Object.keys(COMMANDS);
  for (const line of section.split('\n')) {
    const m = /^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/.exec(line);
    if (!m || m[1] === 'command' || m[1].startsWith('---')) continue;
    const who = m[1].trim() === 'every command' ? all : [...m[1].matchAll(/`([^`]+)`/g)].map((x) => x[1]);
    if (who.length === 0) throw new Error(`README exit-status row names no command: ${line}`);
    for (const c of who) {
      if (!table.has(c)) table.set(c, new Map());
      table.get(c)!.set(m[2].trim(), m[3].trim());
    }
  }
  return table;
}

let dir: string;
let devFull: number;
let busyPort: Server;
const f = (name: string) => join(dir, name);

/** One case: arguments (and options) whose run must end with the status it is filed under. */
interface Case {
  args: string[];
  opts?: CliAsyncOptions;
  /** For the "any other" row: the status this case must give. */
  status?: number;
  /** Extra checks on the result. */
  check?: (r: CliResult) => void;
  /** Not through runCliAsync (servers). */
  custom?: () => Promise<CliResult>;
}

const full = (args: string[]): Case => ({
  args,
  opts: { get stdoutFd() { return devFull; } },
  check: (r) => {
    // Warnings may come first; the failure is the last line, and the only error.
    expect(r.stderr.trim().split('\n').at(-1)).toBe('syswall: error: cannot write to stdout: no space left on device');
    expect(r.stderr.match(/^syswall: (internal )?error:/gm)).toHaveLength(1);
  },
});
/** Output to a file on a full device (-o /dev/full): a run-time failure, as for stdout. */
const fullFile = (args: string[]): Case => ({
  args: [...args, '-o', '/dev/full'],
  check: (r) => expect(expectCleanError(r, 1)).toBe('syswall: error: cannot write /dev/full: no space left on device'),
});
const bad = (args: string[], re: RegExp): Case => ({ args, check: (r) => expect(expectCleanError(r, 2)).toMatch(re) });
const noNative = (args: string[]): Case => ({
  args,
  opts: { env: { ...process.env, SYSWALL_NATIVE_DIR: '/nonexistent-syswall-native' } },
  check: (r) => expect(expectCleanError(r, 1)).toMatch(/native runtime is not built/),
});

/** Serves the playground from a one-file build, fetches /, stops it with SIGTERM. */
async function playgroundServes(): Promise<CliResult> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [CLI, 'playground', '--port', '0', '--no-open', '--dir', f('web')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const m = /at (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`playground exited early: ${stderr}`)));
  });
  const page = await (await fetch(url)).text();
  expect(page).toContain('contract-test-page');
  const done = new Promise<CliResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  child.kill('SIGTERM');
  return done;
}

/** Starts the OCI seccomp agent on a socket in a private directory, waits for it to listen, stops it with SIGTERM. */
async function agentServes(): Promise<CliResult> {
  const { spawn } = await import('node:child_process');
  const sock = join(mkdtempSync(join(dir, 'agent-')), 'a.sock');
  const child = spawn(process.execPath, [CLI, 'agent', '--socket', sock], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (/listening on /.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`agent exited early: ${stderr}`)));
  });
  const done = new Promise<CliResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  child.kill('SIGTERM');
  return done;
}

/** Cases per command and status (keys as in README's table). */
function cases(): Record<string, Record<string, Case[]>> {
  const helper = helperPath();
  return {
    syscalls: {
      0: [{ args: ['syscalls', 'openat', '--arch', 'aarch64'], check: (r) => expect(r.stdout).toBe('56\n') }],
      1: [full(['syscalls', '--arch', 'x86_64'])],
      2: [bad(['syscalls', 'frobnicate'], /unknown syscall "frobnicate"/), bad(['syscalls', '--arch', 'vax'], /vax/)],
    },
    groups: {
      0: [{ args: ['groups', '@mount'] }],
      1: [full(['groups'])],
      2: [bad(['groups', '@nope'], /unknown syscall group "@nope"/)],
    },
    explain: {
      0: [{ args: ['explain', 'examples/sample.bpf'] }],
      1: [full(['explain', 'examples/sample.bpf'])],
      2: [bad(['explain', f('missing.bpf')], /cannot read .*missing\.bpf: no such file/), bad(['explain', f('seven.bin')], /seven\.bin/)],
    },
    lint: {
      0: [{ args: ['lint', f('clean.asm'), '--arch', 'x86_64'], check: (r) => expect(r.stdout).toBe('') }],
      1: [full(['lint', 'examples/sample.bpf'])],
      2: [bad(['lint', f('missing.json')], /no such file/)],
      3: [{ args: ['lint', 'test/fixtures/weak-policies/same-arg-or.json'], check: (r) => expect(r.stdout).toMatch(/error: SAME_ARG_OR/) }],
      4: [{ args: ['lint', 'examples/sample.bpf'], check: (r) => expect(r.stdout).toMatch(/^warning: /m) }],
    },
    diff: {
      0: [{ args: ['diff', 'examples/sample.bpf', 'examples/sample.bpf'], check: (r) => expect(r.stdout).toBe('') }],
      1: [full(['diff', 'examples/sample.bpf', f('clean.asm'), '--arch', 'x86_64'])],
      2: [bad(['diff', 'examples/sample.bpf'], /expected two inputs/)],
      3: [{ args: ['diff', 'examples/sample.bpf', f('clean.asm'), '--arch', 'x86_64'], check: (r) => expect(r.stdout).toMatch(/openat/) }],
    },
    graph: {
      0: [{ args: ['graph', 'examples/sample.bpf', '-o', '-'], check: (r) => expect(r.stdout).toMatch(/^<svg /) }],
      1: [full(['graph', 'examples/sample.bpf', '-o', '-'])],
      2: [bad(['graph', 'examples/sample.bpf', '-o', f('x.png')], /png/)],
    },
    disasm: {
      0: [{ args: ['disasm', 'examples/sample.bpf'], check: (r) => expect(r.stdout).toMatch(/ line {2}CODE {2}JT {3}JF {6}K/) }],
      1: [full(['disasm', 'examples/sample.bpf']), fullFile(['disasm', 'examples/sample.bpf'])],
      2: [bad(['disasm', f('seven.bin')], /seven\.bin/)],
    },
    asm: {
      0: [{ args: ['asm', 'examples/sample.asm', '--arch', 'x86_64', '--format', 'hex'] }],
      1: [full(['asm', 'examples/sample.asm', '--arch', 'x86_64', '--format', 'hex']), fullFile(['asm', 'examples/sample.asm', '--arch', 'x86_64'])],
      2: [bad(['asm', f('bad.asm'), '--arch', 'x86_64'], /bad\.asm:1:/)],
    },
    emu: {
      0: [{ args: ['emu', 'examples/sample.bpf', 'write', '1', '-q'], check: (r) => expect(r.stdout).toMatch(/return ALLOW/) }],
      1: [full(['emu', 'examples/sample.bpf', 'write'])],
      2: [bad(['emu', 'examples/sample.bpf', 'frobnicate'], /frobnicate/)],
    },
    compile: {
      0: [{ args: ['compile', 'test/fixtures/docker-default.json', '--arch', 'x86_64', '--format', 'hex'] }],
      1: [full(['compile', 'test/fixtures/docker-default.json', '--arch', 'x86_64', '--format', 'hex']), fullFile(['compile', 'test/fixtures/docker-default.json'])],
      2: [bad(['compile', f('bad.json')], /bad\.json:1:\d+: .*defaultAction/)],
    },
    convert: {
      0: [{ args: ['convert', 'test/fixtures/docker-default.json', '--to', 'oci'] }],
      1: [full(['convert', 'test/fixtures/docker-default.json', '--to', 'oci']), fullFile(['convert', 'test/fixtures/docker-default.json', '--to', 'oci'])],
      2: [bad(['convert', 'test/fixtures/docker-default.json', '--to', 'yaml'], /yaml/)],
    },
    status: {
      0: [{ args: ['status', String(process.pid)], check: (r) => expect(r.stdout).toContain(String(process.pid)) }],
      1: [full(['status', String(process.pid)])],
      2: [bad(['status', '999999999'], /999999999/)],
    },
    dump: {
      0: [{ args: ['dump', '--', helper, 'exec', f('allow.bpf'), '--', '/bin/true'], check: (r) => expect(r.stdout).toMatch(/^# filter \d+: pid \d+, via seccomp, arch x86_64, 1 instruction$/m) }],
      1: [full(['dump', '--', helper, 'exec', f('allow.bpf'), '--', '/bin/true'])],
      2: [bad(['dump'], /missing command/)],
      3: [{ args: ['dump', '--', '/bin/true'], check: (r) => expect(r.stderr).toMatch(/installed no seccomp filter/) }],
    },
    run: {
      0: [{ args: ['run', '--', '/bin/true'] }],
      1: [noNative(['run', '--', '/bin/true'])],
      2: [bad(['run', '--profile', f('bad.json'), '--', '/bin/true'], /bad\.json/), bad(['run', '--bogus', '--', '/bin/true'], /unknown option --bogus/)],
      126: [{ args: ['run', '--', '/etc/passwd'], check: (r) => expect(expectCleanError(r, 126)).toMatch(/cannot exec/) }],
      127: [{ args: ['run', '--', 'no-such-command-xyz'], check: (r) => expect(expectCleanError(r, 127)).toMatch(/cannot exec/) }],
      'any other': [
        { args: ['run', '--', 'sh', '-c', 'exit 42'], status: 42 },
        { args: ['run', '--', 'sh', '-c', 'kill -TERM $$'], status: 128 + 15 },
        { args: ['run', '--profile', f('kill-mkdir.json'), '--', 'mkdir', f('never')], status: 128 + 31 },
      ],
    },
    record: {
      0: [{ args: ['record', '-o', f('rec.json'), '--', '/bin/true'] }],
      1: [noNative(['record', '-o', f('rec1.json'), '--', '/bin/true']), { ...fullFile(['record']), args: ['record', '-o', '/dev/full', '--', '/bin/true'] }],
      2: [bad(['record', '--format', 'yaml', '--', '/bin/true'], /unknown format "yaml"/)],
      126: [{ args: ['record', '-o', f('rec126.json'), '--', '/etc/passwd'], check: (r) => expect(expectCleanError(r, 126)).toMatch(/cannot exec/) }],
      127: [{ args: ['record', '-o', f('rec127.json'), '--', 'no-such-command-xyz'], check: (r) => expect(expectCleanError(r, 127)).toMatch(/cannot exec/) }],
      'any other': [{ args: ['record', '-o', f('rec42.json'), '--', 'sh', '-c', 'exit 42'], status: 42 }],
    },
    agent: {
      0: [{ args: [], custom: agentServes, check: (r) => expect(r.stderr).toMatch(/syswall agent: stopped/) }],
      1: [noNative(['agent', '--socket', f('no-native.sock')])],
      2: [bad(['agent'], /--socket PATH is required/), bad(['agent', '--socket', join(tmpdir(), `syswall-contract-${process.pid}.sock`)], /writable by other users/)],
    },
    playground: {
      0: [{ args: [], custom: playgroundServes }],
      1: [{ args: [], custom: () => runCliAsync(['playground', '--no-open', '--port', String((busyPort.address() as { port: number }).port), '--dir', f('web')]), check: (r) => expect(expectCleanError(r, 1)).toMatch(/cannot listen/) }],
      2: [bad(['playground', '--port', 'http'], /not a port number/)],
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syswall-contract-'));
  devFull = openSync('/dev/full', 'w');
  writeFileSync(f('clean.asm'), [
    'A = arch', 'if (A != ARCH_X86_64) goto kill', 'A = sys_number', 'if (A >= 0x40000000) goto kill',
    'if (A == read) goto allow', 'if (A == write) goto allow', 'if (A == exit_group) goto allow',
    'return ERRNO(38)', 'allow: return ALLOW', 'kill: return KILL_PROCESS', '',
  ].join('\n'));
  writeFileSync(f('seven.bin'), Uint8Array.of(1, 2, 3, 0, 5, 6, 7));
  writeFileSync(f('bad.asm'), 'A = frobnicate\n');
  writeFileSync(f('bad.json'), '{"defaultAction": "SCMP_ACT_FROB"}\n');
  writeFileSync(f('allow.bpf'), Uint8Array.of(6, 0, 0, 0, 0, 0, 0xff, 0x7f)); // return ALLOW
  writeFileSync(f('kill-mkdir.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
  mkdirSync(f('web'));
  writeFileSync(f('web/index.html'), '<!doctype html><title>contract-test-page</title>');
  busyPort = createServer();
  await new Promise<void>((r) => busyPort.listen(0, '127.0.0.1', r));
});

afterAll(() => {
  closeSync(devFull);
  busyPort?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('README exit-status table', () => {
  const table = readmeExitTable();

  it('names every command, and only real ones', () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(COMMANDS).sort());
    for (const [cmd, statuses] of table) {
      for (const s of ['0', '1', '2']) expect(statuses.has(s), `${cmd} ${s}`).toBe(true);
    }
  });

  it('has a case here for every status it lists, and no case for one it does not', () => {
    const c = cases();
    for (const [cmd, statuses] of table) {
      expect(Object.keys(c[cmd] ?? {}).sort(), cmd).toEqual([...statuses.keys()].sort());
    }
  });

  it("agrees with every command's own --help (its \"Exit status:\" paragraph)", () => {
    for (const [cmd, statuses] of table) {
      const usage = runCli([cmd, '--help']).stdout;
      const m = /Exit status: ([\s\S]*?)(\n\n|$)/.exec(usage);
      if (!m) continue;
      const said = new Set([...m[1].matchAll(/(?:^|[\s,(])(\d+) /g)].map((x) => x[1]));
      expect([...said].sort(), `${cmd} --help: ${m[0]}`).toEqual([...statuses.keys()].filter((s) => /^\d+$/.test(s)).sort());
    }
  });

  for (const cmd of Object.keys(COMMANDS)) {
    it(`${cmd}: every status of the table, from a real run`, async () => {
      const mine = cases()[cmd];
      const runs = Object.entries(mine).flatMap(([status, list]) =>
        list.map(async (k) => {
          const r = k.custom ? await k.custom() : await runCliAsync(k.args, k.opts);
          const want = k.status ?? Number(status);
          const what = `${k.custom ? cmd : k.args.join(' ')} (README: ${table.get(cmd)!.get(status)}): ${r.stderr}`;
          expect(r.status, what).toBe(want);
          expect(r.stderr, what).not.toMatch(/\n\s+at /);
          k.check?.(r);
        }),
      );
      await Promise.all(runs);
    });
  }
});

describe('global flags before or after the command', () => {
  it('--help: syswall --help compile, syswall compile --help and syswall help compile agree; --help wins over bad options', async () => {
    const [a, b, c, d, e] = await Promise.all([
      runCliAsync(['--help', 'compile']),
      runCliAsync(['compile', '--help']),
      runCliAsync(['help', 'compile']),
      runCliAsync(['compile', '--bogus', '-h']),
      runCliAsync(['-h', 'compile', '--bogus']),
    ]);
    expect(a.stdout).toMatch(/^Usage: syswall compile /);
    for (const r of [a, b, c, d, e]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(a.stdout);
    }
    // The help of help is the main help.
    const [main, hh] = await Promise.all([runCliAsync(['--help']), runCliAsync(['help', 'help'])]);
    expect(main.stdout).toMatch(/^Usage: syswall /);
    expect(hh.status).toBe(0);
    expect(hh.stdout).toBe(main.stdout);
  });

  it('--debug before the command is global (an error then carries the stack), after it too', async () => {
    const [before, after, none] = await Promise.all([
      runCliAsync(['--debug', 'compile', f('missing.json')]),
      runCliAsync(['compile', f('missing.json'), '--debug']),
      runCliAsync(['compile', f('missing.json')]),
    ]);
    for (const r of [before, after]) {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^syswall: error: cannot read .*missing\.json: no such file or directory\n/);
      expect(r.stderr).toMatch(/\n\s+at /);
    }
    expect(expectCleanError(none)).toMatch(/cannot read/);
  });

  it('--version and -V anywhere', async () => {
    const rs = await Promise.all([['--version'], ['-V'], ['--version', 'compile'], ['syscalls', '--version'], ['compile', 'x', '-V']].map((a) => runCliAsync(a)));
    for (const r of rs) {
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`syswall ${VERSION}\n`);
    }
  });

  it('--json before the command where the command prints JSON; refused where it does not', async () => {
    const [a, b, c] = await Promise.all([runCliAsync(['--json', 'syscalls', 'read', '--arch', 'x86_64']), runCliAsync(['syscalls', 'read', '--arch', 'x86_64', '--json']), runCliAsync(['--json', 'asm', 'examples/sample.asm'])]);
    expect(a.status).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
    expect(expectCleanError(c)).toBe('syswall: error: asm has no --json output');
  });

  it('unknown global options, unknown commands (with the closest one), no command', async () => {
    const [a, b, c, d, e] = await Promise.all([
      runCliAsync(['--frob', 'syscalls']),
      runCliAsync(['syscals', 'read']),
      runCliAsync([]),
      runCliAsync(['help', 'nosuch']),
      runCliAsync(['compile', '--arhc', 'x86_64', 'p.json']),
    ]);
    expect(expectCleanError(a)).toBe('syswall: error: unknown global option --frob');
    expect(expectCleanError(b)).toBe('syswall: error: unknown command "syscals"');
    expect(b.stderr).toMatch(/hint: did you mean `syswall syscalls`\?/);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/^Usage: syswall /);
    expect(expectCleanError(d)).toMatch(/unknown command "nosuch"/);
    expect(expectCleanError(e)).toBe('syswall: error: compile: unknown option --arhc');
    expect(e.stderr).toMatch(/hint: did you mean --arch\?/);
  });

  it('options after -- belong to the sandboxed command', async () => {
    const r = await runCliAsync(['run', '--', 'sh', '-c', 'echo "$@"', 'sh', '--help', '--debug', '--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('--help --debug --version\n');
  });

  it('for the other commands -- ends the options and what follows are operands (a file named like an option)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syswall-dd-'));
    const odd = join(dir, '-a.bpf');
    copyFileSync(join(ROOT, 'examples', 'sample.bpf'), odd);
    const plain = runCli(['disasm', join(ROOT, 'examples', 'sample.bpf')]);
    const r = runCli(['disasm', '--', odd], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    expect(runCli(['disasm', '--', '-a.bpf'], { cwd: dir }).stdout).toBe(plain.stdout);
    // Nothing after -- is dropped silently: one operand too many is the command's usage error.
    expect(expectCleanError(runCli(['lint', odd, '--', odd]))).toMatch(/lint: expected one INPUT file/);
    expect(expectCleanError(runCli(['status', '--', 'x']))).toMatch(/status: expected a process id, got "x"/);
  });
});

describe('numbers and option values', () => {
  it('--ip -5 is a value, not an option, and errors never show the internal placeholder', async () => {
    const [a, b, c, d] = await Promise.all([
      runCliAsync(['emu', 'examples/sample.bpf', 'read', '--ip', '-5', '-q']),
      runCliAsync(['emu', 'examples/sample.bpf', 'read', '--ip=-5', '-q']),
      runCliAsync(['emu', 'examples/sample.bpf', 'read', '--ip', '-5x']),
      runCliAsync(['syscalls', '-1']),
    ]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(expectCleanError(c)).toMatch(/--ip: "-5x" is not a number/);
    expect(expectCleanError(d)).toBe('syswall: error: syscalls: unknown option -1');
    for (const r of [a, b, c, d]) expect(r.stderr).not.toMatch(/neg:|\\0/);
  });

  it('an option without its value, a flag with one', async () => {
    const [a, b] = await Promise.all([runCliAsync(['syscalls', '--arch']), runCliAsync(['syscalls', '--json=yes'])]);
    expect(expectCleanError(a)).toBe('syswall: error: syscalls: option --arch needs a value');
    expect(expectCleanError(b)).toBe('syswall: error: syscalls: option --json takes no value');
  });
});

describe('closed pipes and failed writes', () => {
  // Our end of the pipe is closed before the child starts, so its first write
  // gets EPIPE every time (a `| head -1` race made it 3 runs in 5).
  it.each([
    [['syscalls', '--arch', 'x86_64'], 0],
    [['status'], 0],
    [['graph', 'test/fixtures/docker-default.json', '-o', '-'], 0],
    [['diff', '--json', 'examples/sample.bpf', 'test/fixtures/docker-default.json'], 3],
    [['lint', 'test/fixtures/docker-default.json'], 4],
    [['disasm', 'test/fixtures/seccomp-tools/libseccomp.bpf'], 0],
    [['compile', 'test/fixtures/docker-default.json', '--format', 'disasm'], 0],
  ] as [string[], number][])('%j into a closed pipe: quiet, exit %i (its own status)', async (args, status) => {
    const r = await runCliAsync(args, { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(status);
  });

  it('dump into a closed pipe', async () => {
    const r = await runCliAsync(['dump', '--', helperPath(), 'exec', f('allow.bpf'), '--', '/bin/true'], { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a closed stderr does not turn bad input into a crash', async () => {
    const r = await runCliAsync(['compile', f('missing.json')], { closeStderr: true });
    expect(r.status).toBe(2);
  });

  it('`syswall syscalls | head -1` in a shell, 5 times: one line, no error', () => {
    for (let i = 0; i < 5; i++) {
      const r = spawnSync('sh', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} syscalls --arch x86_64 | head -1; echo "status \${?}"`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('0\tread\nstatus 0\n');
    }
  });
});

describe('error lines: escaped and capped', () => {
  it('a 3 MB name gives a line of at most about 1,000 characters', async () => {
    writeFileSync(f('huge.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_' + 'A'.repeat(3_000_000) }));
    const r = await runCliAsync(['compile', f('huge.json')]);
    const line = expectCleanError(r);
    expect(line.length).toBeLessThan(1100);
    expect(line).toMatch(/\.\.\. \[\d+ more characters\]$/);
  });

  it('control characters from the input are escaped, never echoed raw', async () => {
    writeFileSync(f('ctl.json'), '{"defaultAction": "SCMP\\u0000\\u001b[2J\\u202e\\u0007X"}');
    writeFileSync(f('ctl.policy'), 'read: 1\nwrite\u001b]0;pwned\u0007\u0085: 1\n');
    const [a, b] = await Promise.all([runCliAsync(['compile', f('ctl.json')]), runCliAsync(['convert', f('ctl.policy'), '--input', 'minijail', '--to', 'oci', '--arch', 'x86_64'])]);
    for (const r of [a, b]) {
      expectCleanError(r);
      expect(r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    }
    expect(a.stderr).toContain('SCMP\\0\\e[2J\\u202e\\x07X');
    expect(b.stderr).toMatch(/\\e\]0;pwned\\x07\\x85/);
  });
});
