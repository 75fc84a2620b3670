/**
 * Attacks on the files syswall writes and runs (issue 12, items 5 and 6): as
 * root, `-o` onto a device, a FIFO or a symbolic link another user planted in
 * a shared directory; a planted native helper. Each attack is shown working
 * against the naive code syswall used to have (the control), then failing
 * against syswall. docs/security.md names the guarantee each test checks.
 */
import { spawn as nodeSpawn, spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanError, ROOT } from '../helpers/cli.js';
import { attackUser, ROOT_RUNNER, runAs, sharedDir, type Runner } from '../helpers/attack.js';

let attacker: Runner;
let policy = '';

beforeAll(() => {
  attacker = attackUser();
  const dir = sharedDir('syswall-files-');
  policy = join(dir, 'p.json');
  writeFileSync(policy, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] }));
});

/** The write syswall's CLI used before: a predictable temp name beside the target, then rename(). */
function naiveWrite(path: string, data: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Makes a character device like /dev/null (1, 3) at path (root only). */
function mknodNull(path: string): void {
  const r = spawnSync('mknod', ['-m', '666', path, 'c', '1', '3']);
  if (r.status !== 0) throw new Error(`mknod failed (the file tests run as root): ${r.stderr}`);
}

describe('-o onto a character device (issue 12, item 5)', () => {
  it('control: the old temp-and-rename write replaces the device with a regular file', () => {
    const dev = join(sharedDir('syswall-files-'), 'null');
    mknodNull(dev);
    naiveWrite(dev, 'x');
    expect(lstatSync(dev).isFile()).toBe(true);
  });

  it.each(['compile', 'asm', 'convert'])('syswall %s -o DEVICE writes through it and leaves it a device', (cmd) => {
    const dev = join(sharedDir('syswall-files-'), 'null');
    mknodNull(dev);
    const src = cmd === 'asm' ? join(sharedDir('syswall-files-'), 'a.asm') : policy;
    if (cmd === 'asm') writeFileSync(src, 'return ALLOW\n');
    const args = cmd === 'convert' ? ['convert', src, '--to', 'oci', '-o', dev] : [cmd, src, '-o', dev];
    const r = runAs(ROOT_RUNNER, args);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(statSync(dev).rdev).toBe((1 << 8) | 3); // still the device we made (1, 3)
  });

  it('-o STDOUT_LINK (a link like /dev/stdout, into /proc/self/fd/1) writes to the real stdout', () => {
    // A private copy of /dev/stdout: a test must never risk the machine's own.
    const link = join(sharedDir('syswall-files-'), 'stdout');
    symlinkSync('/proc/self/fd/1', link);
    const r = runAs(ROOT_RUNNER, ['convert', policy, '--to', 'oci', '-o', link]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO' });
  });
});

describe('-o onto a FIFO', () => {
  it('control: the old write replaces the FIFO', () => {
    const fifo = join(sharedDir('syswall-files-'), 'fifo');
    spawnSync('mkfifo', [fifo]);
    naiveWrite(fifo, 'x');
    expect(lstatSync(fifo).isFIFO()).toBe(false);
  });

  it('syswall writes into the FIFO (a reader gets the data) and leaves it a FIFO', async () => {
    const fifo = join(sharedDir('syswall-files-'), 'fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = nodeSpawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let got = '';
    reader.stdout.setEncoding('utf8').on('data', (d: string) => (got += d));
    const done = new Promise((res) => reader.once('close', res));
    const r = runAs(ROOT_RUNNER, ['convert', policy, '--to', 'oci', '-o', fifo]);
    expect(r.status, r.stderr).toBe(0);
    await done;
    expect(JSON.parse(got)).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO' });
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe('-o through a symbolic link another user planted in a shared sticky directory', () => {
  const setup = () => {
    const base = sharedDir('syswall-files-');
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777); // like /tmp
    const secret = join(base, 'secret');
    writeFileSync(secret, 'root only\n', { mode: 0o600 });
    const link = join(shared, 'out.json');
    // The attacker plants the link (it owns it).
    const r = spawnSync('ln', ['-s', secret, link], { uid: attacker.uid, gid: attacker.gid });
    if (r.status !== 0) throw new Error(`planting the link failed: ${r.stderr}`);
    return { shared, secret, link };
  };

  it('control: the old write as root follows it and overwrites the root-only file', () => {
    const { secret, link } = setup();
    writeFileSync(link, 'overwritten\n'); // what a plain open(O_TRUNC) does
    expect(readFileSync(secret, 'utf8')).toBe('overwritten\n');
  });

  it.each(['compile', 'convert', 'record'])('syswall %s -o LINK (as root) refuses it and the file is untouched', (cmd) => {
    const { secret, link } = setup();
    const args = cmd === 'record' ? ['record', '-o', link, '--', 'true'] : cmd === 'convert' ? ['convert', policy, '--to', 'oci', '-o', link] : ['compile', policy, '-o', link];
    const r = runAs(ROOT_RUNNER, args);
    const line = expectCleanError(r, 2);
    expect(line).toMatch(/out\.json is a symbolic link that uid \d+ owns in a directory every user can write; refusing to follow it/);
    expect(readFileSync(secret, 'utf8')).toBe('root only\n');
  });

  it('run --explain-json LINK is refused the same way, before the command runs', () => {
    const { secret, link } = setup();
    const marker = join(sharedDir('syswall-files-'), 'ran');
    const r = runAs(ROOT_RUNNER, ['run', '--explain-json', link, '--', 'touch', marker]);
    expectCleanError(r, 2);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(secret, 'utf8')).toBe('root only\n');
  });

  it("a link of root's own in the same directory is followed", () => {
    const { shared, secret } = setup();
    const own = join(shared, 'mine.json');
    symlinkSync(secret, own);
    const r = runAs(ROOT_RUNNER, ['convert', policy, '--to', 'oci', '-o', own]);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(own).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(secret, 'utf8'))).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO' });
  });
});

describe('-o onto a regular file', () => {
  it('keeps its mode and owner, leaves no temp file, and refuses a directory in one line', () => {
    const dir = sharedDir('syswall-files-');
    const out = join(dir, 'kept.json');
    writeFileSync(out, 'old');
    chmodSync(out, 0o640);
    chownSync(out, attacker.uid, attacker.gid);
    const r = runAs(ROOT_RUNNER, ['convert', policy, '--to', 'oci', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const st = statSync(out);
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([attacker.uid, attacker.gid]);
    expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.trim()).toBe('kept.json');
    const d = runAs(ROOT_RUNNER, ['run', '--explain-json', dir, '--', 'true']);
    expect(expectCleanError(d, 2)).toMatch(/cannot write .*: is a directory/);
  });
});

describe('a planted native helper (issue 12, item 6)', () => {
  const plant = (dir: string, marker: string) => {
    const planted = join(dir, 'planted');
    mkdirSync(planted);
    copyFileSync(join(ROOT, 'build', 'Release', 'syswall_addon.node'), join(planted, 'syswall_addon.node'));
    writeFileSync(join(planted, 'syswall-helper'), `#!/bin/sh\ntouch ${marker}\nexit 0\n`, { mode: 0o755 });
    return planted;
  };

  it('control: a trusted absolute SYSWALL_NATIVE_DIR is honoured, so a helper there does run', () => {
    const dir = sharedDir('syswall-files-');
    const marker = join(dir, 'planted-ran');
    const planted = plant(dir, marker);
    runAs(ROOT_RUNNER, ['run', '--', 'true'], { env: { ...process.env, SYSWALL_NATIVE_DIR: planted } });
    expect(existsSync(marker)).toBe(true);
  });

  it('a relative SYSWALL_NATIVE_DIR is refused (exit 2) and nothing runs', () => {
    const dir = sharedDir('syswall-files-');
    const marker = join(dir, 'planted-ran');
    plant(dir, marker);
    const r = runAs(ROOT_RUNNER, ['run', '--', 'true'], { cwd: dir, env: { ...process.env, SYSWALL_NATIVE_DIR: 'planted' } });
    expect(expectCleanError(r, 2)).toMatch(/refusing SYSWALL_NATIVE_DIR=planted: "planted" is not an absolute path/);
    expect(existsSync(marker)).toBe(false);
  });

  it('an absolute one that another user can write is refused', () => {
    const dir = sharedDir('syswall-files-');
    const marker = join(dir, 'planted-ran');
    const planted = plant(dir, marker);
    chmodSync(planted, 0o777);
    const r = runAs(ROOT_RUNNER, ['run', '--', 'true'], { env: { ...process.env, SYSWALL_NATIVE_DIR: planted } });
    expect(expectCleanError(r, 2)).toMatch(/is writable by every user/);
    chmodSync(planted, 0o755);
    chownSync(join(planted, 'syswall-helper'), attacker.uid, attacker.gid);
    const r2 = runAs(ROOT_RUNNER, ['run', '--', 'true'], { env: { ...process.env, SYSWALL_NATIVE_DIR: planted } });
    expect(expectCleanError(r2, 2)).toMatch(/syswall-helper belongs to uid \d+, not to root or to us/);
    expect(existsSync(marker)).toBe(false);
  });

  it('SYSWALL_HELPER for dump is checked the same way', () => {
    const dir = sharedDir('syswall-files-');
    const marker = join(dir, 'planted-ran');
    plant(dir, marker);
    const r = runAs(ROOT_RUNNER, ['dump', '--', 'true'], { cwd: dir, env: { ...process.env, SYSWALL_HELPER: 'planted/syswall-helper' } });
    expect(expectCleanError(r, 2)).toMatch(/not an absolute path/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('-o names the command replaces with a symbolic link while it runs (the same user)', () => {
  // The command runs as syswall's own user, so a link it plants is "ours" and the sticky-directory
  // rule does not apply. What protects the output: syswall resolves the name and makes its temp
  // file before the command starts, and renames over the name at the end (a rename replaces a
  // link, never follows it). The victim: a file the command's policy may not write (no open is
  // needed to plant a link), that a write resolved after the run would overwrite.
  const setup = () => {
    const dir = sharedDir('syswall-files-', attacker);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'original\n');
    chownSync(victim, attacker.uid, attacker.gid);
    return { dir, victim, out: join(dir, 'out.json'), counts: join(dir, 'counts.json') };
  };
  const plant = (victim: string, ...names: string[]) => names.map((n) => `rm -f '${n}'; ln -s '${victim}' '${n}'`).join('; ');

  it('control: an output resolved after the command ran follows the link onto the victim', () => {
    const { victim, out } = setup();
    const r = spawnSync('sh', ['-c', plant(victim, out)], { uid: attacker.uid, gid: attacker.gid });
    expect(r.status).toBe(0);
    writeFileSync(out, 'the output\n'); // resolved now, as `record -o` used to be
    expect(readFileSync(victim, 'utf8')).toBe('the output\n');
  });

  it('syswall record -o OUT --counts C: both names replaced, the victim untouched', () => {
    const { victim, out, counts } = setup();
    const r = runAs(attacker, ['record', '-o', out, '--counts', counts, '--', 'sh', '-c', plant(victim, out, counts)]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
    expect(lstatSync(out).isFile()).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(/"syscalls"/);
    expect(JSON.parse(readFileSync(counts, 'utf8'))).toHaveProperty('execve');
  });

  it('syswall run --explain-json OUT with open and creat denied (busybox, static): the explained calls go to OUT, not to the victim', () => {
    const { dir, victim, out } = setup();
    const denied = join(dir, 'x\n$(touch pwned)');
    const script = `mkdir "$1"; ${plant(victim, out)}`;
    const r = runAs(attacker, ['run', '--explain-json', out, '--deny', 'mkdir,mkdirat,open,openat,openat2,creat', '--', 'busybox', 'sh', '-c', script, 'sh', denied]);
    expect(r.stderr).toMatch(/\] mkdir\(/);
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
    expect(lstatSync(out).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(out, 'utf8').split('\n')[0])).toMatchObject({ syscall: 'mkdir', action: 'ERRNO(EPERM)' });
  });
});
