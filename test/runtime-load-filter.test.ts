/**
 * loadFilter() locks down a child Node process (never this one): a syscall
 * that worked before is denied afterwards in every thread.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { C, INVALID_PROGRAM, ruleProgramBytes } from './helpers/bpf.js';
import { ROOT, tempDir } from './helpers/runtime.js';
import { toProgramBytes } from '../src/node/spawn.js';

const ENTRY = pathToFileURL(join(ROOT, 'dist', 'node', 'index.js')).href;

const SCRIPT = `
import { loadFilter } from ${JSON.stringify(ENTRY)};
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import fs from 'node:fs';
const dir = process.env.DIR;
const program = new Uint8Array(Buffer.from(process.env.PROG_HEX, 'hex'));
const tryMk = (p) => { try { fs.mkdirSync(p); return 'ok'; } catch (e) { return e.code; } };
const workerSrc = "const { parentPort } = require('node:worker_threads'); const fs = require('node:fs');" +
  "parentPort.on('message', (p) => { try { fs.mkdirSync(p); parentPort.postMessage('ok'); } catch (e) { parentPort.postMessage(e.code); } });";
async function inWorker(w, p) { w.postMessage(p); const [m] = await once(w, 'message'); return m; }
const out = {};
out.before = tryMk(dir + '/before');
const early = new Worker(workerSrc, { eval: true });
await once(early, 'online');
out.earlyWorkerBefore = await inWorker(early, dir + '/early-before');
try {
  loadFilter(program, JSON.parse(process.env.OPTS || '{}'));
} catch (e) {
  console.log(JSON.stringify({ error: { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, message: e.message } }));
  process.exit(0);
}
out.main = tryMk(dir + '/main');
out.threadPool = await fs.promises.mkdir(dir + '/pool').then(() => 'ok', (e) => e.code);
out.earlyWorker = await inWorker(early, dir + '/early');
const late = new Worker(workerSrc, { eval: true });
await once(late, 'online');
out.lateWorker = await inWorker(late, dir + '/late');
const tasks = fs.readdirSync('/proc/self/task');
out.threads = tasks.length;
out.filteredThreads = tasks.filter((t) => /Seccomp:\\s+2/.test(fs.readFileSync('/proc/self/task/' + t + '/status', 'utf8'))).length;
console.log(JSON.stringify(out));
process.exit(0);
`;

let dir: string;
let script: string;
beforeAll(() => {
  dir = tempDir('syswall-load-');
  script = join(dir, 'lock.mjs');
  writeFileSync(script, SCRIPT);
});

function lockDown(program: Uint8Array, opts: object = {}, sub = 'a') {
  const d = join(dir, sub);
  mkdirSync(d);
  const r = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    env: { ...process.env, DIR: d, PROG_HEX: Buffer.from(program).toString('hex'), OPTS: JSON.stringify(opts) },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child node failed (${r.status} ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const DENY_MKDIR = ruleProgramBytes([{ names: ['mkdir', 'mkdirat'], action: C.SECCOMP_RET_ERRNO | 1 }]);

describe('loadFilter', () => {
  it('denies a syscall that worked before, in every thread (tsync default)', () => {
    const out = lockDown(DENY_MKDIR, {}, 'tsync');
    expect(out).toMatchObject({
      before: 'ok', earlyWorkerBefore: 'ok',
      main: 'EPERM', threadPool: 'EPERM', earlyWorker: 'EPERM', lateWorker: 'EPERM',
    });
    expect(out.threads).toBeGreaterThan(4);
    expect(out.filteredThreads).toBe(out.threads);
  });

  it('without tsync only the calling thread (and threads it starts later) is filtered', () => {
    const out = lockDown(DENY_MKDIR, { tsync: false }, 'notsync');
    expect(out).toMatchObject({ before: 'ok', main: 'EPERM', earlyWorker: 'ok', lateWorker: 'EPERM' });
    expect(out.filteredThreads).toBeLessThan(out.threads);
  });

  it('a program the kernel rejects throws a NativeError with the errno name', () => {
    const out = lockDown(toProgramBytes(INVALID_PROGRAM), {}, 'invalid');
    expect(out.error).toMatchObject({ name: 'NativeError', code: 'EINVAL', errno: 22, syscall: 'seccomp' });
    expect(out.error.message).toBe('seccomp: Invalid argument (EINVAL)');
  });
});
