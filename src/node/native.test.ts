import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isSyswallError } from '../core/errors.js';
import { helperPath, loadAddon, nativeDirs, PACKAGE_ROOT } from './native.js';
import { spawn } from './spawn.js';
import { ret } from '../core/bpf/instruction.js';

const saved = process.env.SYSWALL_NATIVE_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.SYSWALL_NATIVE_DIR;
  else process.env.SYSWALL_NATIVE_DIR = saved;
});

function caught(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('native loader', () => {
  it('finds the helper and the addon of this build', () => {
    expect(nativeDirs()[0]).toBe(join(PACKAGE_ROOT, 'build', 'Release'));
    expect(helperPath()).toBe(join(PACKAGE_ROOT, 'build', 'Release', 'syswall-helper'));
    expect(typeof loadAddon().seccompLoad).toBe('function');
  });

  it('names every path it tried and how to fix a missing build', () => {
    const empty = mkdtempSync(join(tmpdir(), 'syswall-native-'));
    process.env.SYSWALL_NATIVE_DIR = empty;
    const e = caught(() => helperPath());
    expect(isSyswallError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'NATIVE_MISSING', kind: 'runtime' });
    // (a stale build/native-build-error.txt from an earlier failed build may add its reason after this)
    expect(e.message.startsWith(`syswall's native runtime is not built: syswall-helper not found (tried ${join(empty, 'syswall-helper')})`)).toBe(true);
    expect(e.hint).toContain('apt-get install build-essential python3');
    expect(e.hint).toContain('npm rebuild syswall');
    const a = caught(() => loadAddon());
    expect(a.message).toContain(`syswall_addon.node not found (tried ${join(empty, 'syswall_addon.node')})`);
    expect(caught(() => spawn('true', [], { program: [ret(0x7fff0000)] })).code).toBe('NATIVE_MISSING');
  });

  it('includes the recorded build failure', () => {
    const build = mkdtempSync(join(tmpdir(), 'syswall-native-'));
    mkdirSync(join(build, 'Release'));
    writeFileSync(join(build, 'native-build-error.txt'), 'gyp info spawn make\nmake: cc: No such file or directory\ngyp ERR! build error\n');
    process.env.SYSWALL_NATIVE_DIR = join(build, 'Release');
    const e = caught(() => helperPath());
    expect(e.message).toContain('the native build failed at install');
    expect(e.message).toContain('gyp ERR! build error');
  });

  it('a child process using the ./node entry gets the same clean error', () => {
    const empty = mkdtempSync(join(tmpdir(), 'syswall-native-'));
    const entry = pathToFileURL(join(PACKAGE_ROOT, 'dist', 'node', 'index.js')).href;
    const script = `import { spawn } from ${JSON.stringify(entry)};
      try { spawn('true', [], { program: new Uint8Array(8) }); } catch (e) { console.log(e.name + ' ' + e.code + ': ' + e.message + ' | ' + e.hint); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SYSWALL_NATIVE_DIR: empty } });
    expect(r.stdout).toContain(`SyswallError NATIVE_MISSING: syswall's native runtime is not built: syswall-helper not found (tried ${join(empty, 'syswall-helper')})`);
  });
});
