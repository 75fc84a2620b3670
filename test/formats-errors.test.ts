/**
 * Bad input to the dialect importers: every error names the file, line and
 * column (YAML, minijail, Kafel) or the JSON path (Firecracker, SPO spec),
 * and says what was expected. One test per error kind; CLI cases check the
 * one-line message, the exit code 2 and the warning lines of `convert`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../src/core/errors.js';
import { importFirecracker } from '../src/core/formats/firecracker.js';
import { importKafel } from '../src/core/formats/kafel.js';
import { importMinijail } from '../src/core/formats/minijail.js';
import { importSpo } from '../src/core/formats/spo.js';
import { ROOT, expectCleanError, runCli } from './helpers/cli.js';

function errorOf(f: () => unknown): PolicyError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('expected an error');
}

const SPO_HEAD = 'apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: p\nspec:\n';

describe('SPO errors', () => {
  const cases: [string, string, RegExp, number, number?][] = [
    ['YAML syntax', SPO_HEAD + '  defaultAction: [unclosed\n', /p\.yaml:\d+:\d+: /, 7],
    ['duplicate key', SPO_HEAD + '  defaultAction: SCMP_ACT_ERRNO\n  defaultAction: SCMP_ACT_LOG\n', /p\.yaml:7:\d+: .*[Mm]ap keys must be unique/, 7],
    ['unknown spec key', SPO_HEAD + '  defaultAction: SCMP_ACT_ERRNO\n  defaultErrnoRet: 38\n', /p\.yaml:7:3: \$\.spec\.defaultErrnoRet: unknown key/, 7, 3],
    ['wrong type', SPO_HEAD + '  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n    - names: read\n      action: SCMP_ACT_ALLOW\n', /p\.yaml:8:14: \$\.spec\.syscalls\[0\]\.names: expected an array/, 8, 14],
    ['unknown action', SPO_HEAD + '  defaultAction: SCMP_ACT_NOPE\n', /p\.yaml:6:18: \$\.spec\.defaultAction: unknown action "SCMP_ACT_NOPE"/, 6, 18],
    ['int64 overflow', SPO_HEAD + '  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n    - names: [lseek]\n      action: SCMP_ACT_ALLOW\n      args:\n        - {index: 1, value: 18446744073709551516, op: SCMP_CMP_EQ}\n', /p\.yaml:11:\d+: \$\.spec\.syscalls\[0\]\.args\[0\]\.value: value 18446744073709551516 does not fit SPO's signed int64/, 11],
    ['bad apiVersion', 'apiVersion: v1\nkind: SeccompProfile\nmetadata: {name: p}\nspec: {defaultAction: SCMP_ACT_LOG}\n', /p\.yaml:1:13: \$\.apiVersion: unsupported apiVersion "v1"/, 1, 13],
    ['not a SeccompProfile', 'apiVersion: v1\nkind: ConfigMap\n', /expected a SeccompProfile resource/, 1],
    ['base profile not found', SPO_HEAD + '  baseProfileName: missing-base\n  defaultAction: SCMP_ACT_ERRNO\n', /p\.yaml:6:20: \$\.spec\.baseProfileName: base profile "missing-base" not found/, 6, 20],
    ['OCI artifact base', SPO_HEAD + '  baseProfileName: oci://ghcr.io/x/y:1\n  defaultAction: SCMP_ACT_ERRNO\n', /is an OCI artifact/, 6],
  ];
  for (const [name, text, re, line, col] of cases) {
    it(name, () => {
      const e = errorOf(() => importSpo(text, { file: 'p.yaml', resolveBase: () => undefined }));
      expect(e.message).toMatch(re);
      expect(e.location?.line).toBe(line);
      if (col !== undefined) expect(e.location?.column).toBe(col);
    });
  }

  it('base profile cycle', () => {
    const a = SPO_HEAD.replace('name: p', 'name: a') + '  baseProfileName: b\n  defaultAction: SCMP_ACT_ERRNO\n';
    const b = SPO_HEAD.replace('name: p', 'name: b') + '  baseProfileName: a\n  defaultAction: SCMP_ACT_ERRNO\n';
    const e = errorOf(() => importSpo(a, { file: 'a.yaml', resolveBase: (n) => ({ text: n === 'a' ? a : b, file: `${n}.yaml` }) }));
    expect(e.message).toMatch(/cycle: a -> b -> a/);
  });
});

describe('Firecracker errors', () => {
  const wrap = (filter: string, extra = '') => `{"t": {"default_action": "trap", "filter_action": "allow"${extra}, "filter": [${filter}]}}`;
  const cases: [string, string, RegExp][] = [
    ['JSON syntax', '{"t": {', /f\.json:1:\d+: /],
    ['unknown key', wrap('{"syscall": "read", "agrs": []}'), /f\.json:1:\d+: \$\["t"\]\.filter\[0\]\.agrs: unknown key "agrs"/],
    ['unknown op', wrap('{"syscall": "read", "args": [{"index": 0, "type": "dword", "op": "equals", "val": 1}]}'), /\$\["t"\]\.filter\[0\]\.args\[0\]\.op: unknown operator "equals"/],
    ['bad type', wrap('{"syscall": "read", "args": [{"index": 0, "type": "word", "op": "eq", "val": 1}]}'), /\.args\[0\]\.type: unknown argument type "word"/],
    ['dword too big', wrap('{"syscall": "read", "args": [{"index": 0, "type": "dword", "op": "eq", "val": 4294967296}]}'), /\.args\[0\]\.val: val 4294967296 does not fit a dword/],
    ['index out of range', wrap('{"syscall": "read", "args": [{"index": 6, "type": "qword", "op": "eq", "val": 1}]}'), /\.args\[0\]\.index: argument index 6 is out of range/],
    ['unknown action', '{"t": {"default_action": "deny", "filter_action": "allow", "filter": []}}', /\$\["t"\]\.default_action: unknown action "deny"/],
    ['missing key', '{"t": {"default_action": "trap", "filter": []}}', /\$\["t"\]: missing required key "filter_action"/],
    ['unknown syscall', wrap('{"syscall": "raed"}'), /\.filter\[0\]\.syscall: unknown syscall "raed"/],
    ['same arg twice', wrap('{"syscall": "read", "args": [{"index": 0, "type": "qword", "op": "ge", "val": 1}, {"index": 0, "type": "qword", "op": "le", "val": 5}]}'), /argument 0 is compared twice/],
    ['unknown thread', wrap(''), /no thread "vmm" in the file; it has t/],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const e = errorOf(() => importFirecracker(text, { file: 'f.json', ...(name === 'unknown thread' ? { thread: 'vmm' } : {}) }));
      expect(e.message).toMatch(re);
      expect(e.location?.line).toBeGreaterThan(0);
    });
  }
});

describe('minijail errors', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid token', 'read: arg0 == $1\n', /p\.policy:1:15: invalid token "\$1"/],
    ['unknown constant', 'write: 1\nmmap: arg2 in ~PROT_EXECUTE\n', /p\.policy:2:16: unknown constant "PROT_EXECUTE"/],
    ['nonexistent syscall', 'raed: 1\n', /p\.policy:1:1: nonexistent syscall "raed" on x86_64/],
    ['missing colon', 'read 1\n', /p\.policy:1:6: expected ":", found "1"/],
    ['bad operator', 'read: arg0 = 1\n', /p\.policy:1:12: expected an operator/],
    ['argument out of range', 'read: arg6 == 1\n', /p\.policy:1:7: argument index 6 is out of range/],
    ['overflow', 'read: arg0 == 0x10000000000000000\n', /p\.policy:1:15: constant 0x10000000000000000 overflows an unsigned 64-bit word/],
    ['missing filter', 'read:\n', /p\.policy:1:6: missing filter/],
    ['unconditional twice', 'read: 1\nread: return EPERM\n', /p\.policy:2:7: syscall read already had an unconditional action applied/],
    ['bad default', '@default allow\n', /p\.policy:1:10: "allow" is not allowed as the default action/],
    ['denylist without return', '@denylist\nread: allow\n', /p\.policy:2:7: a @denylist policy must use "return ERRNO"/],
    ['include missing', '@include ./nope.policy\n', /p\.policy:1:10: @include \.\/nope\.policy: cannot read nope\.policy/],
    ['syscall group', 'io@libc: 1\n', /syscall groups such as "io@libc" are not supported/],
    ['unclosed brace', '{read, write: 1\n', /p\.policy:1:13: unclosed brace/],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const e = errorOf(() => importMinijail(text, { file: 'p.policy', readFile: () => undefined }));
      expect(e.message).toMatch(re);
    });
  }
});

describe('Kafel errors', () => {
  const cases: [string, string, RegExp][] = [
    ['argument vs argument', 'ALLOW {\n  write(fd, buf, count) { fd != count }\n} DEFAULT KILL\n', /k\.kafel:2:27: comparison between arguments \("fd != count"\) cannot be expressed/],
    ['bitop between arguments', 'ALLOW { write(fd, buf, count) { (fd & count) == 0 } }\n', /k\.kafel:1:37: "&" between two arguments cannot be expressed/],
    ['unknown name', 'ALLOW { write { fdd == 1 } }\n', /k\.kafel:1:17: unknown name "fdd": not an argument of this syscall \(fd, buf, count\)/],
    ['unknown syscall', 'ALLOW { wirte }\n', /k\.kafel:1:9: unknown syscall "wirte" on x86_64/],
    ['undefined policy', 'USE nope DEFAULT KILL\n', /k\.kafel:1:5: USE of undefined policy "nope"/],
    ['self use', 'POLICY a { USE a }\nUSE a\n', /policy a USEs itself/],
    ['bad action', 'ALOW { read }\n', /k\.kafel:1:1: expected POLICY, USE, DEFAULT, an action block or #define, found "ALOW"/],
    ['missing brace', 'ALLOW { read, write\nDEFAULT KILL\n', /k\.kafel:2:1: expected "}" closing the rule list, found "DEFAULT"/],
    ['ordering on masked argument', 'ALLOW { mmap { (prot & 4) < 2 } }\n', /k\.kafel:1:27: "<" on a masked argument cannot be expressed/],
    ['bad character', 'ALLOW { read } $\n', /k\.kafel:1:16: unexpected character "\$"/],
    ['errno out of range', 'ERRNO(70000) { read }\n', /k\.kafel:1:7: ERRNO value 70000 is out of range/],
  ];
  for (const [name, text, re] of cases) {
    it(name, () => {
      const e = errorOf(() => importKafel(text, { file: 'k.kafel' }));
      expect(e.message).toMatch(re);
    });
  }
});

describe('syswall convert (CLI)', () => {
  const fx = (f: string) => join(ROOT, 'test', 'fixtures', 'formats', f);
  const dir = mkdtempSync(join(tmpdir(), 'syswall-convert-'));

  it('converts minijail with @include to OCI and reports the frequency loss', () => {
    const r = runCli(['convert', fx('device.policy'), '--to', 'oci']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).defaultAction).toBe('SCMP_ACT_KILL_THREAD');
    expect(r.stderr).toMatch(/^syswall: warning: the @frequency weights of the input are not written/m);
  });

  it('needs --thread for a multi-thread Firecracker file', () => {
    const msg = expectCleanError(runCli(['convert', fx('firecracker.json'), '--to', 'oci']));
    expect(msg).toMatch(/firecracker\.json:1:1: \$: the file has 3 thread filters \(vmm, api, vcpu\)/);
  });

  it('reports every loss with --lossy, errors without', () => {
    const msg = expectCleanError(runCli(['convert', fx('firecracker.json'), '--thread', 'vmm', '--to', 'oci']));
    expect(msg).toMatch(/bad-arch action KILL_PROCESS/);
    const r = runCli(['convert', fx('firecracker.json'), '--thread', 'vmm', '--to', 'oci', '--lossy']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^syswall: warning: the bad-arch action KILL_PROCESS cannot be expressed/m);
  });

  it('writes SPO with -o and reads it back', () => {
    const out = join(dir, 'vmm.yaml');
    const r = runCli(['convert', fx('firecracker.json'), '--thread', 'api', '--to', 'spo', '--name', 'api', '-o', out, '--lossy']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/syswall: warning: SPO has no defaultErrnoRet|bad-arch/);
    const back = runCli(['convert', out, '--to', 'syswall']);
    expect(back.status).toBe(0);
    expect(back.stdout).toContain('recvfrom');
  });

  it('resolves SPO base profiles next to the input', () => {
    const r = runCli(['convert', fx('nginx-profile.yaml'), '--to', 'oci']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('capset');
  });

  it('bad input exits 2 with file:line:col', () => {
    const f = join(dir, 'bad.kafel');
    writeFileSync(f, 'POLICY p {\n  ALLOW { write(fd, buf, n) { fd == n } }\n}\nUSE p DEFAULT KILL\n');
    const msg = expectCleanError(runCli(['convert', f, '--to', 'oci']));
    expect(msg).toMatch(/bad\.kafel:2:31: comparison between arguments/);
  });

  it('usage errors', () => {
    expect(expectCleanError(runCli(['convert', fx('device.policy')]))).toMatch(/--to is required/);
    expect(expectCleanError(runCli(['convert', fx('device.policy'), '--to', 'xml']))).toMatch(/unknown output format "xml"/);
  });
});
