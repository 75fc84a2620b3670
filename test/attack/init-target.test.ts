/**
 * The sandbox's init as a target (issue 12, follow-up): pid 1 is syswall's
 * process, the one the command can name. Signals to it (kill(2) and
 * pidfd_send_signal(2)) from inside its PID namespace are ignored by the
 * kernel, SIGKILL and SIGSTOP included, because the init has no handler for
 * them; the handlers it has (the signal relay) act only on signals from
 * outside. So the init stays, and under --explain the supervisor still
 * answers the command's denied calls. The control: the same signals end a
 * same-user parent that is not a namespace's init.
 * docs/security.md ("It cannot reach what it can name") names this test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { attackUser, compileAttack, control, ROOT_RUNNER, runAsAsync, sharedDir, type Runner } from '../helpers/attack.js';

let bin: Record<string, string> = {};
let runners: Runner[] = [];

beforeAll(() => {
  runners = [ROOT_RUNNER, attackUser()];
  const dir = sharedDir('syswall-attack-init-');
  bin = Object.fromEntries(['init_target', 'control_parent', 'reaper'].map((p) => [p, compileAttack(p, dir)]));
});

describe.concurrent.each([0, 1])('signals to the init (runner %s: root, then the unprivileged user)', (which) => {
  it('control: a same-user parent that is not a namespace init is stopped and killed', ({ expect }) => {
    const marker = join(sharedDir('syswall-attack-init-', runners[which]), 'made');
    const r = control(runners[which], bin.reaper, [bin.control_parent, bin.init_target, 'PARENT', marker]);
    expect(r.stdout, r.stderr).toMatch(/kill\(\d+, Killed\): sent/);
    expect(r.stdout).toMatch(/^TARGET DOWN$/m);
  });

  it.for(['run', 'run --explain'])('syswall %s --deny mkdir,mkdirat: the init ignores every signal, and the denied mkdir is still answered', async (mode, { expect }) => {
    const marker = join(sharedDir('syswall-attack-init-', runners[which]), 'made');
    const r = await runAsAsync(runners[which], [...mode.split(' '), '--deny', 'mkdir,mkdirat', '--', bin.init_target, '1', marker]);
    expect(r.stdout, r.stderr).toMatch(/kill\(1, Killed\): sent/); // accepted, and ignored by the kernel
    expect(r.stdout).toMatch(/pidfd_send_signal\(Killed\): sent/);
    expect(r.stdout).toMatch(/^target state: S$/m);
    expect(r.stdout).toMatch(/^mkdir: Operation not permitted$/m);
    expect(r.stdout).toMatch(/^target alive$/m);
    if (mode === 'run --explain') expect(r.stderr).toMatch(/\] mkdir\(".*made", 0755\) = -1 EPERM/);
    expect(existsSync(marker)).toBe(false);
  });
});
