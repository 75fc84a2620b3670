/**
 * The files the agent touches as root (socket, log, records): each attack a
 * user with a writable directory could try, refused, next to the same
 * attack working on a naive write (the control).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPrivateDir, openLogFile, prepareRecordDir, prepareSocketPath, readRecord, writeRecord } from '../src/node/agent-files.js';


const base = mkdtempSync(join(tmpdir(), 'syswall-agent-files-'));
chmodSync(base, 0o700);
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (mode = 0o700) => {
  const d = join(base, `d${++n}`);
  mkdirSync(d, { mode });
  chmodSync(d, mode);
  return d;
};

describe('socket path', () => {
  it('refuses a directory others can write (they could stand in for the agent while it is down), a symlinked one, a foreign one', async () => {
    await expect(prepareSocketPath(join(fresh(0o1777), 'a.sock'))).rejects.toThrow(/is writable by other users \(mode 1777\)/);
    await expect(prepareSocketPath(join(fresh(0o770), 'a.sock'))).rejects.toThrow(/writable by other users \(mode 770\)/);
    const real = fresh();
    const link = join(base, `link${++n}`);
    symlinkSync(real, link);
    await expect(prepareSocketPath(join(link, 'a.sock'))).rejects.toThrow(/is a symbolic link/);
    const foreign = fresh();
    chownSync(foreign, 65534, 65534);
    await expect(prepareSocketPath(join(foreign, 'a.sock'))).rejects.toThrow(/belongs to uid 65534/);
  });

  it('never removes what is not a socket; removes a stale socket; refuses a live one', async () => {
    const d = fresh();
    writeFileSync(join(d, 'file.sock'), 'precious');
    await expect(prepareSocketPath(join(d, 'file.sock'))).rejects.toThrow(/exists and is not a socket; not removing it/);
    expect(readFileSync(join(d, 'file.sock'), 'utf8')).toBe('precious');
    const live = join(d, 'live.sock');
    const server = createServer(() => {}).listen(live);
    await new Promise((r) => server.once('listening', r));
    await expect(prepareSocketPath(live)).rejects.toThrow(/another process listens on/);
    // A socket nobody listens on (the server stops, the file stays).
    const stale = join(d, 'stale.sock');
    const py = spawnSync('/usr/bin/python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', stale]);
    expect(py.status).toBe(0);
    expect(lstatSync(stale).isSocket()).toBe(true);
    expect(await prepareSocketPath(stale)).toBe(stale);
    expect(existsSync(stale)).toBe(false);
    server.close();
  });
});

describe('log file', () => {
  it('a planted symlink is not followed (control: a plain append follows it)', () => {
    const d = fresh(0o777);
    const victim = join(fresh(), 'victim');
    writeFileSync(victim, 'root:x:0:0\n');
    symlinkSync(victim, join(d, 'agent.log'));
    expect(() => openLogFile(join(d, 'agent.log'))).toThrow(/is a symbolic link; the agent does not follow links/);
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\n');
    writeFileSync(join(d, 'agent.log'), 'appended\n', { flag: 'a' });
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\nappended\n');
  });

  it('a planted hard link to a file of ours is refused; a file of another user is refused; a FIFO and /dev/null are fine', () => {
    const d = fresh(0o777);
    const victim = join(d, 'shadow');
    writeFileSync(victim, 'secret\n');
    linkSync(victim, join(d, 'agent.log'));
    expect(() => openLogFile(join(d, 'agent.log'))).toThrow(/has 2 hard links; refusing to append/);
    const theirs = join(d, 'theirs.log');
    writeFileSync(theirs, '');
    chownSync(theirs, 65534, 65534);
    expect(() => openLogFile(theirs)).toThrow(/belongs to uid 65534/);
    const fd = openLogFile('/dev/null');
    closeSync(fd);
    const ok = join(fresh(), 'agent.log');
    const f = openLogFile(ok);
    writeSync(f, 'line\n');
    closeSync(f);
    expect(statSync(ok).mode & 0o777).toBe(0o600);
  });
});

describe('records', () => {
  it('a record directory others can write is refused; a missing one is created 0700', () => {
    expect(() => prepareRecordDir(fresh(0o777))).toThrow(/writable by other users/);
    const d = join(fresh(), 'records');
    expect(prepareRecordDir(d)).toBe(d);
    expect(statSync(d).mode & 0o7777).toBe(0o700);
    expect(() => checkPrivateDir(d, 'x')).not.toThrow();
  });

  it('a planted symlink at DIR/<id>.json is neither followed nor replaced (control: writeFileSync follows it)', () => {
    const d = fresh();
    const victim = join(fresh(), 'victim');
    writeFileSync(victim, 'keep\n');
    symlinkSync(victim, join(d, 'c1.json'));
    expect(() => readRecord(d, 'c1.json')).toThrow(/is a symbolic link; left alone/);
    expect(() => writeRecord(d, 'c1.json', '{}')).toThrow(/exists and is not a regular file; left alone/);
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(lstatSync(join(d, 'c1.json')).isSymbolicLink()).toBe(true);
    writeFileSync(join(d, 'c1.json'), 'overwritten');
    expect(readFileSync(victim, 'utf8')).toBe('overwritten');
  });

  it('a planted FIFO does not block the agent; a hard-linked record is not read', () => {
    const d = fresh();
    expect(spawnSync('mkfifo', [join(d, 'c2.json')]).status).toBe(0);
    const t0 = Date.now();
    expect(() => readRecord(d, 'c2.json')).toThrow(/is not a regular file; left alone/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(() => writeRecord(d, 'c2.json', '{}')).toThrow(/exists and is not a regular file/);
    const other = join(d, 'other');
    writeFileSync(other, '{}');
    linkSync(other, join(d, 'c3.json'));
    expect(() => readRecord(d, 'c3.json')).toThrow(/has 2 hard links/);
  });

  it('writes a new file atomically (0600), replacing an old record, leaving no temporary file; refuses names with a path', () => {
    const d = fresh();
    expect(readRecord(d, 'c4.json')).toBeUndefined();
    writeRecord(d, 'c4.json', '{"a":1}');
    writeRecord(d, 'c4.json', '{"a":2}');
    expect(readRecord(d, 'c4.json')).toBe('{"a":2}');
    expect(statSync(join(d, 'c4.json')).mode & 0o777).toBe(0o600);
    expect(spawnSync('ls', ['-A', d], { encoding: 'utf8' }).stdout.trim()).toBe('c4.json');
    for (const bad of ['../x.json', 'a/b.json', '.hidden.json', '..']) expect(() => writeRecord(d, bad, '{}')).toThrow(/refusing record file name/);
  });
});
