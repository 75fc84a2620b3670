/**
 * `syswall run`'s start-up: the compile cache (src/node/program-cache.ts)
 * and the built-in default precompiled at build time
 * (scripts/gen-run-precompiled.mjs, src/cli/commands/run-plan.ts).
 *
 * The cache is attacked as the brief says: an entry planted by another user,
 * an entry changed after it was written, a cache directory others can write,
 * root running with HOME in another user's directory. Each attack uses an
 * entry that decodes to an allow-all program for the exact key `run` looks
 * up, and each has a control showing that the same entry, where the check
 * does not apply (owned by us, checksum recomputed, private directory), is
 * used: so it is the check, not a wrong key, that stops it.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/runtime.js';
import { ProgramCache, decodeEntry, encodeEntry, sha256Hex } from '../src/node/program-cache.js';
import { decodePlan, encodePlan, precompiledPlan, readBuildId, type PlanOptions } from '../src/cli/commands/run-plan.js';
import { computePlan } from '../src/cli/commands/run-compile.js';
import { ARCHES } from '../src/core/arch/arches.js';
import { builtinProfilePath } from '../src/node/builtin-profiles.js';
import { encodeProgram } from '../src/core/bpf/codec.js';
import { ret } from '../src/core/bpf/instruction.js';
import { SECCOMP_RET_ALLOW } from '../src/core/bpf/constants.js';
import { hostArch } from '../src/node/host.js';

const OTHER_UID = 65534; // nobody

function requireRoot(): void {
  if (process.geteuid?.() !== 0) throw new Error('these tests plant files owned by another user: run them as root (CI does)');
}

let dir: string;
let denyMkdir: string;

beforeAll(() => {
  dir = tempDir('syswall-cache-');
  denyMkdir = join(dir, 'deny-mkdir.json');
  writeFileSync(denyMkdir, JSON.stringify({ comment: 'test profile', defaultAction: 'allow', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'errno(EPERM)' }] }));
});

/** A fresh cache home for one test: XDG_CACHE_HOME (0700, ours). */
function cacheHome(): { env: NodeJS.ProcessEnv; home: string; dir: string } {
  const home = tempDir('syswall-xdg-');
  return { env: { ...process.env, XDG_CACHE_HOME: home, SYSWALL_NO_CACHE: '', SYSWALL_CACHE: '1' }, home, dir: join(home, 'syswall') };
}

/** `syswall run -v -p PROFILE -- mkdir TARGET`: whether mkdir got through, and where the filter came from. */
function tryMkdir(env: NodeJS.ProcessEnv, extra: string[] = []): { made: boolean; from: string; stderr: string; status: number | null } {
  const target = join(tempDir('syswall-target-'), 'x');
  const r = runCli(['run', '-v', '-p', denyMkdir, ...extra, '--', 'mkdir', target], { env });
  const from = /^syswall: compiled filter: (.*)$/m.exec(r.stderr)?.[1] ?? '';
  return { made: existsSync(target), from, stderr: r.stderr, status: r.status };
}

/** The entry file `run` stored for the deny-mkdir profile (after one run with the cache on). */
function storedEntry(env: NodeJS.ProcessEnv): string {
  const r = tryMkdir(env);
  expect(r.made).toBe(false);
  const m = /stored in the compile cache, (\S+\.entry)$/.exec(r.from);
  if (!m) throw new Error(`expected the plan to be stored: ${r.stderr}`);
  return m[1];
}

/** The same entry with its program replaced by allow-all, and a valid checksum (anyone can compute SHA-256). */
function allowAllEntry(entryFile: string): string {
  const digest = entryFile.split('/').pop()!.replace(/\.entry$/, '');
  const value = decodeEntry(readFileSync(entryFile, 'utf8'), digest);
  if (value === undefined) throw new Error('the stored entry does not decode');
  const plan = decodePlan(value)!;
  const evil = encodePlan({ ...plan, program: encodeProgram([ret(SECCOMP_RET_ALLOW)], hostArch().endian) });
  return encodeEntry(evil, digest);
}

function plant(file: string, text: string, uid: number, mode = 0o600): void {
  rmSync(file, { force: true });
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  chownSync(file, uid, uid);
}

describe('compile cache: a plan is compiled once, then read back', () => {
  it('the second run reads the cache; both print the same lines and deny the same call', () => {
    const { env, dir: cdir } = cacheHome();
    const docker = join(dir, 'docker.json');
    writeFileSync(docker, readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json')));
    const run = () => runCli(['run', '-v', '-p', docker, '--', 'sh', '-c', 'exit 3'], { env });
    const cold = run();
    const warm = run();
    expect(cold.stderr).toMatch(/^syswall: compiled filter: compiled now, stored in the compile cache, /m);
    expect(warm.stderr).toMatch(/^syswall: compiled filter: from the compile cache, /m);
    const strip = (t: string) => t.split('\n').filter((l) => !/^syswall: (compiled filter|command pid)/.test(l)).join('\n');
    expect(strip(warm.stderr)).toBe(strip(cold.stderr));
    expect(strip(cold.stderr)).toMatch(/UPPER_HALF_BYPASS/); // the bypass findings come back from the cache too
    expect([cold.status, warm.status]).toEqual([3, 3]);
    const st = statSync(cdir);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(process.geteuid!());
    for (const f of readdirSync(cdir)) expect(statSync(join(cdir, f)).mode & 0o777).toBe(0o600);
    expect(tryMkdir(env).made).toBe(false);
  });

  it('a changed profile file is a new key (never the old plan)', () => {
    const { env } = cacheHome();
    const file = join(tempDir('syswall-prof-'), 'p.json');
    writeFileSync(file, JSON.stringify({ comment: 'test profile', defaultAction: 'allow', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'errno(EPERM)' }] }));
    const target = join(tempDir('syswall-target-'), 'x');
    expect(runCli(['run', '-p', file, '--', 'mkdir', target], { env }).status).toBe(1);
    writeFileSync(file, JSON.stringify({ comment: 'test profile', defaultAction: 'allow', syscalls: [{ names: ['getppid'], action: 'errno(EPERM)' }] }));
    const r = runCli(['run', '-v', '-p', file, '--', 'mkdir', target], { env });
    expect(r.stderr).toMatch(/^syswall: compiled filter: compiled now, stored/m);
    expect(r.status).toBe(0);
    expect(existsSync(target)).toBe(true);
  });

  it('the plan stored under a key is compiled from the bytes the key was made of, even if the file changes in between', async () => {
    const file = join(tempDir('syswall-prof-'), 'p.json');
    const denyMkdir = Buffer.from(JSON.stringify({ comment: 'test profile', defaultAction: 'allow', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'errno(EPERM)' }] }));
    const allowAll = JSON.stringify({ comment: 'test profile', defaultAction: 'allow', syscalls: [{ names: ['getppid'], action: 'errno(EPERM)' }] });
    const o: PlanOptions = { spec: file, strictNames: false, includeDirs: [], allow: [], deny: [], exact: false };
    // The file changes after run read it for the key (a writer racing the run).
    writeFileSync(file, allowAll);
    const fromKeyBytes = (await computePlan(o, { bytes: denyMkdir })).plan;
    const fromFile = (await computePlan(o)).plan;
    writeFileSync(file, denyMkdir);
    const control = (await computePlan(o)).plan;
    expect(Buffer.from(fromKeyBytes.program).equals(Buffer.from(control.program))).toBe(true);
    // Control: reading the file again would have stored the changed content under the old key.
    expect(Buffer.from(fromFile.program).equals(Buffer.from(control.program))).toBe(false);
  });

  it('--no-cache and SYSWALL_NO_CACHE=1 neither read nor write it', () => {
    const { env } = cacheHome();
    const entry = storedEntry(env);
    plant(entry, allowAllEntry(entry), process.geteuid!());
    // Control: with the cache on, this (our own, valid) entry is used.
    expect(tryMkdir(env).made).toBe(true);
    const off = tryMkdir(env, ['--no-cache']);
    expect(off).toMatchObject({ made: false, from: 'compiled now (compile cache off)' });
    const offEnv = tryMkdir({ ...env, SYSWALL_NO_CACHE: '1' });
    expect(offEnv).toMatchObject({ made: false, from: 'compiled now (compile cache off)' });
    const { env: env2, dir: dir2 } = cacheHome();
    tryMkdir({ ...env2, SYSWALL_NO_CACHE: '1' });
    expect(existsSync(dir2)).toBe(false);
  });

  it('a profile that reads other files (SPO base profile) is not cached', () => {
    const { env } = cacheHome();
    const d = tempDir('syswall-spo-');
    writeFileSync(join(d, 'base.yaml'), 'apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: base\nspec:\n  defaultAction: SCMP_ACT_ALLOW\n');
    writeFileSync(join(d, 'p.yaml'), 'apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: p\nspec:\n  baseProfileName: base\n  defaultAction: SCMP_ACT_ALLOW\n  syscalls:\n    - action: SCMP_ACT_ERRNO\n      names: [getppid]\n');
    const r = runCli(['run', '-v', '-p', join(d, 'p.yaml'), '--', 'true'], { env });
    expect(r.stderr).toMatch(/^syswall: compiled filter: compiled now \(the profile reads other files: not cached\)$/m);
    expect(r.status).toBe(0);
  });
});

describe('compile cache: attacks on it do not get through', () => {
  it('by default a sandboxed command cannot poison a later run: it rewrites the entry from inside, and only --cache would load it', () => {
    const { env } = cacheHome();
    const entry = storedEntry(env);
    const poisoned = join(tempDir('syswall-poison-'), 'evil');
    writeFileSync(poisoned, allowAllEntry(entry), { mode: 0o644 });
    const off = { ...env, SYSWALL_CACHE: '' };
    // The attack, from inside the sandbox: the command runs as us under the deny-mkdir
    // profile (and under the built-in default), and may write the cache directory.
    for (const p of [denyMkdir, 'default']) {
      const r = runCli(['run', '-p', p, '--', 'sh', '-c', `cat ${poisoned} > ${entry}`], { env: off });
      expect(r.status, r.stderr).toBe(0);
    }
    expect(readFileSync(entry, 'utf8')).toBe(readFileSync(poisoned, 'utf8'));
    // Without --cache (the default) the poisoned entry is not read.
    const attacked = tryMkdir(off);
    expect(attacked).toMatchObject({ made: false, from: 'compiled now (compile cache not asked for: --cache)' });
    // Control: with the cache asked for, the entry passes every check and is loaded.
    const control = tryMkdir(off, ['--cache']);
    expect(control.from).toBe(`from the compile cache, ${entry}`);
    expect(control.made).toBe(true);
  });

  it('an entry planted by another user is not used (control: the same entry owned by us is)', () => {
    requireRoot();
    const { env } = cacheHome();
    const entry = storedEntry(env);
    const evil = allowAllEntry(entry);
    plant(entry, evil, OTHER_UID);
    const attacked = tryMkdir(env);
    expect(attacked.made).toBe(false);
    expect(attacked.stderr).toMatch(new RegExp(`^syswall: warning: cache entry ${entry} not used: owned by uid ${OTHER_UID}, not by this user \\(uid 0\\); compiled instead$`, 'm'));
    // Control: the very same bytes, owned by us, are read and loaded (mkdir gets through).
    plant(entry, evil, process.geteuid!());
    const control = tryMkdir(env);
    expect(control.from).toBe(`from the compile cache, ${entry}`);
    expect(control.made).toBe(true);
  });

  it('an entry changed after it was written is not used (control: with its checksum recomputed it is)', () => {
    const { env } = cacheHome();
    const entry = storedEntry(env);
    const good = readFileSync(entry, 'utf8');
    const evil = allowAllEntry(entry);
    // Tampered: the allow-all body under the genuine header (old checksum).
    const tampered = good.slice(0, good.indexOf('\n') + 1) + evil.slice(evil.indexOf('\n') + 1);
    plant(entry, tampered, process.geteuid!());
    const attacked = tryMkdir(env);
    expect(attacked.made).toBe(false);
    expect(attacked.stderr).toMatch(/cache entry .* not used: its checksum or key does not match/);
    // Truncated entries (a torn write) are refused the same way.
    plant(entry, good.slice(0, good.length - 10), process.geteuid!());
    expect(tryMkdir(env).made).toBe(false);
    // Control: the checksum is what stopped it.
    plant(entry, evil, process.geteuid!());
    expect(tryMkdir(env).made).toBe(true);
  });

  it('an entry of another key copied over this one is not used', () => {
    const { env } = cacheHome();
    const entry = storedEntry(env);
    const evil = allowAllEntry(entry);
    const other = sha256Hex('another key');
    const digest = entry.split('/').pop()!.replace(/\.entry$/, '');
    plant(entry, encodeEntry(decodeEntry(evil, digest)!, other), process.geteuid!());
    expect(tryMkdir(env).made).toBe(false);
  });

  it('a cache directory others can write, or another user owns, is not used (control: the same directory made private is)', () => {
    requireRoot();
    const { env, dir: cdir } = cacheHome();
    const entry = storedEntry(env);
    plant(entry, allowAllEntry(entry), process.geteuid!());
    chmodSync(cdir, 0o777);
    const open = tryMkdir(env);
    expect(open.made).toBe(false);
    chmodSync(cdir, 0o700);
    chownSync(cdir, OTHER_UID, OTHER_UID);
    expect(tryMkdir(env).made).toBe(false);
    chownSync(cdir, process.geteuid!(), process.getegid!());
    expect(tryMkdir(env).made).toBe(true); // control
  });

  it('a symbolic link as the cache directory or as an entry is not followed', () => {
    const { env, dir: cdir, home } = cacheHome();
    const entry = storedEntry(env);
    const evil = allowAllEntry(entry);
    const elsewhere = join(tempDir('syswall-evil-'), 'e');
    plant(elsewhere, evil, process.geteuid!());
    rmSync(entry);
    symlinkSync(elsewhere, entry);
    expect(tryMkdir(env).made).toBe(false);
    // The whole directory as a link to a (private, ours) directory holding the evil entry.
    const evilDir = tempDir('syswall-evildir-');
    plant(join(evilDir, entry.split('/').pop()!), evil, process.geteuid!());
    rmSync(cdir, { recursive: true });
    symlinkSync(evilDir, join(home, 'syswall'));
    expect(tryMkdir(env).made).toBe(false);
  });

  it('root with HOME in another user\'s directory neither reads nor writes a cache there', () => {
    requireRoot();
    const { env } = cacheHome();
    const entry = storedEntry(env);
    const evil = allowAllEntry(entry);
    // The other user's home, with a (their own, private) cache holding the allow-all entry.
    const home = tempDir('syswall-home-');
    const theirs = join(home, '.cache', 'syswall');
    mkdirSync(theirs, { recursive: true, mode: 0o700 });
    plant(join(theirs, entry.split('/').pop()!), evil, OTHER_UID);
    for (const d of [home, join(home, '.cache'), theirs]) chownSync(d, OTHER_UID, OTHER_UID);
    const envHome = { ...process.env, HOME: home, XDG_CACHE_HOME: '', SYSWALL_NO_CACHE: '', SYSWALL_CACHE: '1' };
    const r = tryMkdir(envHome);
    expect(r.made).toBe(false);
    expect(r.stderr).toMatch(/compile cache not used: .* belongs to uid 65534/);
    expect(readdirSync(theirs)).toEqual([entry.split('/').pop()]);
    // And nothing is created in a home without a cache yet.
    const bare = tempDir('syswall-home2-');
    chownSync(bare, OTHER_UID, OTHER_UID);
    tryMkdir({ ...envHome, HOME: bare });
    expect(readdirSync(bare)).toEqual([]);
  });

  it('a directory above the cache writable by others (not sticky) makes the cache unused', () => {
    const base = tempDir('syswall-open-');
    chmodSync(base, 0o777);
    const c = new ProgramCache(join(base, 'syswall'));
    expect(c.dir).toBeUndefined();
    expect(c.notes.join('\n')).toMatch(/is writable by others/);
    expect(existsSync(join(base, 'syswall'))).toBe(false);
    // Control: sticky, as /tmp.
    chmodSync(base, 0o1777);
    expect(new ProgramCache(join(base, 'syswall')).dir).toBe(join(base, 'syswall'));
  });
});

describe('the built-in default, precompiled at build time', () => {
  const DIR = join(ROOT, 'dist', 'cli', 'run-precompiled');
  const read = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { profile: string; plan: string };

  it('is from this build (its build id is the hash of dist/ now)', async () => {
    const { buildId } = await import('../scripts/gen-run-precompiled.mjs' as string);
    expect(readFileSync(join(DIR, 'build-id.txt'), 'utf8').trim()).toBe(buildId());
    expect(readBuildId()).toBe(buildId());
  });

  it('equals a fresh compile for every host arch, and was compiled from the built-in profile as it is', async () => {
    const o: PlanOptions = { spec: 'default', strictNames: false, includeDirs: [], allow: [], deny: [], exact: false };
    const names = readdirSync(join(ROOT, 'data', 'profiles', 'default')).map((f) => f.replace(/\.json$/, '')).sort();
    expect(readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort()).toEqual(names);
    for (const name of names) {
      const host = ARCHES[name as keyof typeof ARCHES];
      const fresh = (await computePlan(o, { host })).plan;
      const pre = read(name);
      expect(decodePlan(pre.plan), name).toEqual(fresh);
      const bytes = readFileSync(builtinProfilePath('default', host));
      expect(pre.profile, name).toBe(bytes.toString('utf8'));
      expect(precompiledPlan(host, bytes), name).toEqual(fresh);
    }
  });

  it('is not used once the built-in profile file differs from what it was compiled from', () => {
    const host = ARCHES.x86_64;
    const bytes = readFileSync(builtinProfilePath('default', host));
    expect(precompiledPlan(host, bytes)).toBeDefined();
    const edited = Buffer.from(bytes.toString('utf8').replace('"defaultAction"', ' "defaultAction"'));
    expect(precompiledPlan(host, edited)).toBeUndefined();
    expect(precompiledPlan(host, bytes.subarray(0, bytes.length - 1))).toBeUndefined();
  });

  it('is what `syswall run` loads (and the same program a fresh compile gives)', () => {
    const { env } = cacheHome();
    const r = runCli(['run', '-v', '--', 'true'], { env });
    expect(r.stderr).toMatch(/^syswall: compiled filter: precompiled at build time$/m);
    const fresh = runCli(['run', '-v', '--no-cache', '--', 'true'], { env });
    expect(fresh.stderr).toMatch(/^syswall: compiled filter: compiled now \(compile cache off\)$/m);
    const strip = (t: string) => t.split('\n').filter((l) => !/^syswall: (compiled filter|command pid)/.test(l)).join('\n');
    expect(strip(r.stderr)).toBe(strip(fresh.stderr));
  });
});
