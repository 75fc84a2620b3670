/**
 * `syswall run` hands its own process to the sandbox: the helper exec's in
 * place of Node (src/node/helper-exec.ts, native/helper_exec.c
 * --report-exec), and a short Node script reports the end when it is not
 * exit 0 (src/cli/run-report.ts). Checked here: the process really is the
 * helper while the command runs; both ways `run` can take (in place, and
 * Node waiting for the helper as its child, which --verbose and --explain
 * still take) end with the same lines and statuses; stdio reaches the
 * command as the caller gave it; job control stops the launcher; and the
 * helper's --report-exec contract on its own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';
import { ALLOW_ALL, C, ruleProgramBytes } from './helpers/bpf.js';
import { HELPER, tempDir } from './helpers/runtime.js';
import { toProgramBytes } from '../src/node/spawn.js';

let dir: string;
/** The helper as /proc/PID/exe names it (symbolic links resolved). */
let helperExe: string;
beforeAll(() => {
  if (!existsSync(HELPER)) throw new Error(`${HELPER} is missing: the native build failed (apt-get install build-essential python3 && npm rebuild)`);
  dir = tempDir('syswall-inplace-');
  helperExe = realpathSync(HELPER);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `pred` holds (polling), or fails after `ms`. */
async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe('syswall run in place of Node', () => {
  it('the process the caller started is syswall-helper while the command runs (no Node waits), and its status is the command\'s', async () => {
    const child = spawn(process.execPath, [CLI, 'run', '--', 'sleep', '1'], { stdio: 'ignore' });
    const exe = () => {
      try {
        return readlinkSync(`/proc/${child.pid}/exe`);
      } catch {
        return '';
      }
    };
    await until(() => exe() === helperExe);
    const status = await new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    expect(status).toBe(0);
    // Control: with --verbose, Node stays and waits for the helper, its child.
    const v = spawn(process.execPath, [CLI, 'run', '-v', '--', 'sleep', '1'], { stdio: 'ignore' });
    await sleep(400);
    expect(readlinkSync(`/proc/${v.pid}/exe`)).toBe(readlinkSync('/proc/self/exe'));
    await new Promise((res) => v.on('exit', res));
  });

  describe('ends as the Node-waits path does (same lines, same status)', () => {
    let killProfile: string;
    let notExecutable: string;
    beforeAll(() => {
      killProfile = join(dir, 'kill-mkdir.json');
      writeFileSync(killProfile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
      notExecutable = join(dir, 'not-executable');
      writeFileSync(notExecutable, '#!/bin/sh\n');
      chmodSync(notExecutable, 0o644);
    });
    const cases: [string, () => string[], number][] = [
      ['exit 0', () => ['--', 'true'], 0],
      ['exit 3 (the hint to --explain)', () => ['--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], 3],
      ['a denied call (ERRNO), exit 1', () => ['--deny', 'mkdir', '--', 'mkdir', join(dir, 'm')], 1],
      ['killed by seccomp (SIGSYS)', () => ['-p', killProfile, '-q', '--', 'mkdir', join(dir, 'k')], 159],
      ['killed by SIGTERM', () => ['--', 'sh', '-c', 'kill -TERM $$'], 143],
      ['command not found', () => ['--', 'syswall-no-such-command'], 127],
      ['not executable', () => ['--', notExecutable], 126],
      ['strict mode', () => ['--strict', '--', 'true'], 159],
    ];
    // --verbose takes the path where Node waits; its own lines (settings, pid) are left out.
    const verboseOnly = /^syswall: (compiled filter|built-in profile|profile |filter: |seccomp flags|strict mode \(|command pid)|^syswall: warning: \d+ syscalls exist on none/;
    for (const [name, args, status] of cases) {
      it(name, () => {
        const inPlace = runCli(['run', ...args()]);
        const waited = runCli(['run', '-v', ...args()]);
        expect(inPlace.status, inPlace.stderr).toBe(status);
        expect(waited.status, waited.stderr).toBe(status);
        expect(inPlace.stdout).toBe(waited.stdout);
        const keep = (t: string) => t.split('\n').filter((l) => !verboseOnly.test(l)).join('\n');
        expect(inPlace.stderr).toBe(keep(waited.stderr));
      });
    }
  });

  it('hands stdio on as the caller gave it: blocking pipes, even after Node wrote a warning to stderr', () => {
    // --deny mkdir makes run write a note to stderr (a pipe here) before the command starts.
    const probe = `import fcntl, os, sys
flags = [fcntl.fcntl(fd, fcntl.F_GETFL) for fd in (0, 1, 2)]
cloexec = [fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC for fd in (0, 1, 2)]
print([bool(f & os.O_NONBLOCK) for f in flags], cloexec)`;
    const r = runCli(['run', '--deny', 'mkdir', '--', 'python3', '-c', probe]);
    expect(r.stderr).toMatch(/^syswall: --deny also denies /m); // Node did write to the stderr pipe first
    expect(r.stdout).toBe('[False, False, False] [0, 0, 0]\n');
    // Control: Node itself makes a stdio pipe it writes to non-blocking (and restores it only when it exits).
    const c = spawnSync(process.execPath, ['-e', `process.stderr.write('x'); const t = require('fs').readFileSync('/proc/self/fdinfo/2', 'utf8'); console.log((parseInt(/flags:\\s+(\\d+)/.exec(t)[1], 8) & 0o4000) !== 0)`], { encoding: 'utf8' });
    expect(c.stdout).toBe('true\n');
  });

  it('the launcher stops with the job (SIGTSTP is left at its default) and goes on after SIGCONT', () => {
    // The kernel discards SIGTSTP in an orphaned process group, so the driver keeps the
    // launcher in a group of its own whose parent (the driver) is in another group of the session.
    const driver = `import os, signal, sys, time
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.execv(sys.argv[1], sys.argv[1:])
time.sleep(0.05)
for _ in range(500):
    try:
        if os.readlink('/proc/%d/exe' % pid) == ${JSON.stringify(helperExe)}: break
    except OSError: pass
    time.sleep(0.01)
os.kill(pid, signal.SIGTSTP)
state = 'running'
for _ in range(100):
    r, st = os.waitpid(pid, os.WUNTRACED | os.WNOHANG)
    if r:
        state = 'stopped' if os.WIFSTOPPED(st) else 'exited early'
        break
    time.sleep(0.01)
print(state)
os.killpg(pid, signal.SIGCONT)
_, st = os.waitpid(pid, 0)
print('exited %d' % os.WEXITSTATUS(st))`;
    const drive = (argv: string[]) => spawnSync('python3', ['-c', driver, ...argv], { encoding: 'utf8', timeout: 30_000 }).stdout;
    expect(drive([process.execPath, CLI, 'run', '--', 'sleep', '1'])).toBe('stopped\nexited 0\n');
    // Control: the helper as Node's child (no --report-exec) relays SIGTSTP to the command and keeps running.
    const allow = join(dir, 'allow-tstp.bpf');
    writeFileSync(allow, toProgramBytes(ALLOW_ALL));
    expect(drive([HELPER, 'exec', allow, '--', 'sleep', '1'])).toBe('running\nexited 0\n');
  });
});

describe('syswall-helper exec --report-exec', () => {
  let allow: string;
  let reporter: string;
  let out: string;
  beforeAll(() => {
    allow = join(dir, 'allow.bpf');
    writeFileSync(allow, toProgramBytes(ALLOW_ALL));
    out = join(dir, 'report-args.txt');
    reporter = join(dir, 'reporter.sh');
    writeFileSync(reporter, `#!/bin/sh\nprintf '%s\\n' "$@" > ${out}\nexit 42\n`);
    chmodSync(reporter, 0o755);
  });
  const run = (extra: string[], cmd: string[], prog = allow) => {
    writeFileSync(out, '');
    const r = spawnSync(HELPER, ['exec', prog, '--isolate', 'require', ...extra, '--report-exec', reporter, 'SCRIPT', 'CTX', '--', ...cmd], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, args: readFileSync(out, 'utf8').split('\n').slice(0, -1) };
  };

  it('exits 0 by itself when the command exits 0 (no report)', () => {
    writeFileSync(out, '');
    expect(run([], ['true'])).toEqual({ status: 0, stderr: '', args: [] });
  });

  it('reports another exit code with the command\'s pid', () => {
    const r = run([], ['sh', '-c', 'exit 5']);
    expect(r.status).toBe(42);
    expect(r.args.slice(0, 4)).toEqual(['SCRIPT', 'CTX', 'exit', '5']);
    expect(Number(r.args[4])).toBeGreaterThan(1);
  });

  it('with --report-exit TEXT, prints TEXT for a non-zero exit ({code}: the code) and exits with it, without the report program', () => {
    writeFileSync(out, '');
    const r = spawnSync(HELPER, ['exec', allow, '--isolate', 'require', '--report-exec', reporter, 'S', 'C', '--report-exit', 'exited {code}; again {code}\n', '--', 'sh', '-c', 'exit 4'], { encoding: 'utf8' });
    expect(r.status).toBe(4);
    expect(r.stderr).toBe('exited 4; again 4\n');
    const quiet = spawnSync(HELPER, ['exec', allow, '--isolate', 'require', '--report-exec', reporter, 'S', 'C', '--report-exit', '', '--', 'sh', '-c', 'exit 4'], { encoding: 'utf8' });
    expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 4, stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(''); // the report program never ran
  });

  it('reports a signal (SIGSYS of a KILL action) once the sandbox is gone', () => {
    const prog = join(dir, 'kill-getpid.bpf');
    writeFileSync(prog, ruleProgramBytes([{ names: ['mkdir', 'mkdirat'], action: C.SECCOMP_RET_KILL_PROCESS }]));
    const r = run([], ['mkdir', join(dir, 'never')], prog);
    expect(r.args.slice(0, 4)).toEqual(['SCRIPT', 'CTX', 'signal', '31']);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('reports a failure before exec as fail STAGE ERRNO MESSAGE (the command never ran)', () => {
    expect(run([], ['syswall-no-such-command']).args).toEqual(['SCRIPT', 'CTX', 'fail', 'exec', '2', 'cannot exec syswall-no-such-command']);
    const r = run(['--flags', '0x80000'], ['true']);
    expect(r.args.slice(0, 5)).toEqual(['SCRIPT', 'CTX', 'fail', 'seccomp', '22']);
  });

  it('is refused without --isolate require, and with --report-fd (usage, reported the same way)', () => {
    const r = spawnSync(HELPER, ['exec', allow, '--isolate', 'auto', '--report-exec', reporter, 'S', 'C', '--', 'true'], { encoding: 'utf8' });
    expect(r.status).toBe(42);
    expect(readFileSync(out, 'utf8')).toMatch(/^S\nC\nfail\nusage\n0\n--report-exec needs --isolate require/);
  });

  it('bad usage of the two options is one line on stderr and exit 125 (the command never runs)', () => {
    const marker = join(dir, 'never-ran');
    const cases: [string[], RegExp][] = [
      [['--report-exec', 'relative/node', 'S', 'C'], /^syswall-helper: --report-exec expects NODE \(an absolute path\), SCRIPT and CONTEXT\n$/],
      [['--report-exec', reporter], /^syswall-helper: --report-exec expects NODE \(an absolute path\), SCRIPT and CONTEXT\n$/],
      [['--report-exit', 'x'], /^syswall-helper: --report-exit needs --report-exec\n$/],
    ];
    for (const [opts, want] of cases) {
      const r = spawnSync(HELPER, ['exec', allow, '--isolate', 'require', ...opts, '--', 'touch', marker], { encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 125, stderr: expect.stringMatching(want) });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('says so when the report program cannot be started, and exits with the command\'s status', () => {
    const r = spawnSync(HELPER, ['exec', allow, '--isolate', 'require', '--report-exec', '/nonexistent/node', 'S', 'C', '--', 'sh', '-c', 'exit 6'], { encoding: 'utf8' });
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/^syswall: error: cannot start \/nonexistent\/node to report how the command ended \(exit 6 \d+\): No such file or directory\n$/);
  });
});
