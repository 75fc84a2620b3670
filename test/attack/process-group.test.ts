/**
 * The process group (issue 12, follow-up): a PID namespace does not separate
 * process groups, so kill(0, sig) from the command reaches every process of
 * the group it shares with syswall's Node process and, in a pipeline or a
 * script, with the rest of the job. SIGUSR1 makes a Node process start its
 * inspector on 127.0.0.1:9229, which runs any JavaScript it is sent: the
 * attack (test/attack/inspector_escape.c) has the Node process mkdir a
 * marker, outside any filter.
 *
 * SAFETY: every case runs in a network namespace of its own (port 9229 can
 * only be a process of the case) and a new session (kill(0) reaches only
 * processes of the case); the expression acts only in a process whose argv
 * names the case's marker.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';
import { attackUser, compileAttack, ROOT_RUNNER, sharedDir, type Runner } from '../helpers/attack.js';

let attack = '';
let runners: Runner[] = [];

beforeAll(() => {
  runners = [ROOT_RUNNER, attackUser()];
  attack = compileAttack('inspector_escape', sharedDir('syswall-attack-pgrp-'));
});

/** Runs `cmd` as `who` in a new network namespace (loopback up) and a new session. */
async function isolated(who: Runner, cmd: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; out: string }> {
  const drop = who.uid === 0 ? [] : ['setpriv', `--reuid=${who.uid}`, `--regid=${who.gid}`, '--clear-groups'];
  const child = spawn('unshare', ['--net', 'setsid', '--wait', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...drop, ...cmd], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return await new Promise((res, rej) => {
    child.once('error', (e) => rej(new Error(`this test needs unshare, setsid and ip (util-linux, iproute2): ${e.message}`)));
    child.once('close', (status) => {
      clearTimeout(timer);
      res({ status, out });
    });
  });
}

/** A Node parent that waits for its child asynchronously, as syswall's CLI and any spawn() caller do. */
const NODE_PARENT = `const c = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' }); c.on('exit', (code) => process.exit(code ?? 1));`;

/**
 * `left... | node`: the Node consumer echoes its input and its argv names the
 * marker; left starts the attack only once the consumer is ready (a file
 * beside the marker), so that SIGUSR1 never meets a Node still starting.
 * Returns the command and its environment.
 */
function pipeline(left: string[], marker: string): { cmd: string[]; env: NodeJS.ProcessEnv } {
  const ready = `${marker}.ready`;
  const consumer = `require('node:fs').writeFileSync(process.env.READY, ''); process.stdin.pipe(process.stdout)`;
  const waitThenAttack = ['sh', '-c', 'while [ ! -e "$READY" ]; do sleep 0.05; done; exec "$@"', 'sh', attack, marker];
  return {
    cmd: ['sh', '-c', 'trap "" USR1; "$@" | "$NODE" -e "$CONSUMER" "$MARKER"', 'sh', ...left, ...waitThenAttack],
    env: { ...process.env, READY: ready, NODE: process.execPath, CONSUMER: consumer, MARKER: marker },
  };
}

/** spawn() from the library under the default profile. */
const LIBRARY = `import { spawn, loadProfile, programForHost } from ${JSON.stringify(join(ROOT, 'dist', 'node', 'index.js'))};
const h = programForHost(loadProfile('default').policy);
const p = spawn(process.argv[1], process.argv.slice(2), { program: h.program, flags: h.flags, stdio: 'inherit' });
process.exitCode = (await p.result).exitCode ?? 1;`;

describe.concurrent('kill(0, SIGUSR1), then the inspector of a Node process in the group', () => {
  it('control: against a Node parent (unconfined), the marker is made by the parent', async ({ expect }) => {
    const marker = join(sharedDir('syswall-attack-pgrp-'), 'escaped');
    const r = await isolated(ROOT_RUNNER, [process.execPath, '-e', NODE_PARENT, attack, marker]);
    expect(r.out).toMatch(/kill\(0, SIGUSR1\): sent/);
    expect(r.out).toMatch(/evaluate: "value":"made by pid \d+"/);
    expect(existsSync(marker)).toBe(true);
  });

  it('control: a Node process later in the pipeline is reached the same way', async ({ expect }) => {
    const marker = join(sharedDir('syswall-attack-pgrp-'), 'escaped');
    const p = pipeline([], marker);
    const r = await isolated(ROOT_RUNNER, p.cmd, p.env);
    expect(r.out).toMatch(/kill\(0, SIGUSR1\): sent/);
    expect(existsSync(marker)).toBe(true);
  });

  describe.for([0, 1])('as runner %s (root, then the unprivileged user)', (which) => {
    const cases: [string, (marker: string) => { cmd: string[]; env?: NodeJS.ProcessEnv }][] = [
      ['syswall run, a Node process later in the pipeline', (m) => pipeline([process.execPath, CLI, 'run', '--'], m)],
      ['syswall run --explain', (m) => ({ cmd: [process.execPath, CLI, 'run', '--explain', '--', attack, m] })],
      ['syswall record', (m) => ({ cmd: [process.execPath, CLI, 'record', '-o', '/dev/null', '--', attack, m] })],
      ['spawn() from a Node program', (m) => ({ cmd: [process.execPath, '--input-type=module', '-e', LIBRARY, attack, m] })],
    ];
    it.for(cases)('%s: kill(0) is refused, no inspector, no marker', async ([, make], { expect }) => {
      const marker = join(sharedDir('syswall-attack-pgrp-', runners[which]), 'escaped');
      const { cmd, env } = make(marker);
      const r = await isolated(runners[which], cmd, env);
      expect(r.out).toMatch(/kill\(0, SIGUSR1\): Operation not permitted/);
      expect(r.out).toMatch(/^contained$/m);
      expect(r.out).not.toMatch(/Debugger listening/);
      expect(existsSync(marker)).toBe(false);
    });
  });
});
