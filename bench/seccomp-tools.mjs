// disasm and emu, syswall against seccomp-tools 1.7.1, side by side in one
// run, both as the command a user types (process start included), on:
//   - 34 instructions: `A = args[0]`, 16 blocks of `if (A == c) goto +1; X = c`,
//     `return ALLOW` (seccomp-tools keeps one state per path: 2^16);
//   - 42 instructions: the same with 20 blocks (2^20 paths);
//   - 4,096 instructions: the same with 2,047 blocks (the kernel's maximum);
//   - a real filter: Docker's default profile compiled by libseccomp for
//     x86_64 (via python3-seccomp), for a case without path explosion.
// Each command runs in compat mode (`--compat seccomp-tools`, the same output
// as seccomp-tools) and in syswall's default mode. seccomp-tools is stopped
// after --limit seconds (default 120); its time is then reported as "> limit".
// Wall time and peak memory (GNU time's %M) per command; ratios are
// seccomp-tools / syswall compat.
//
//   node bench/seccomp-tools.mjs [CHECKOUT] [--limit S]      (npm run bench -- seccomp-tools)
//
// CHECKOUT: $SECCOMP_TOOLS_DIR, else ../sectools-ref (scripts/seccomp-tools-reference.md).
// Without a checkout only syswall's figures are printed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'dist', 'bin', 'syswall.cjs');

function encode(prog) {
  const b = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    b.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return b;
}

/** `A = args[0]`, `blocks` x (`if (A == c) goto +1; X = c`), `return ALLOW`. */
function branching(blocks) {
  const p = [[0x20, 0, 0, 16]];
  for (let i = 0; i < blocks; i++) p.push([0x15, 1, 0, 1000 + i], [0x01, 0, 0, 1000 + i]);
  p.push([0x06, 0, 0, 0x7fff0000]);
  return p;
}

function dockerFilter() {
  const script = String.raw`
import json, sys, tempfile, base64
from seccomp import *
d = json.load(open(sys.argv[1]))
f = SyscallFilter(ERRNO(1))
for s in d['syscalls']:
    if s['action'] != 'SCMP_ACT_ALLOW' or s.get('args') or s.get('includes', {}).get('caps') or s.get('excludes'): continue
    for n in s['names']:
        try: f.add_rule(ALLOW, n)
        except Exception: pass
with tempfile.TemporaryFile() as t:
    f.export_bpf(t); t.seek(0); print(base64.b64encode(t.read()).decode())`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, join(root, 'test', 'fixtures', 'docker-default.json')], { encoding: 'utf8' });
  return r.status === 0 ? Buffer.from(r.stdout.trim(), 'base64') : undefined;
}

/** Runs a command under GNU time; returns seconds, peak RSS in MB, and whether it was stopped at the limit. */
function measure(cmd, args, limitS, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd, encoding: 'utf8', timeout: limitS * 1000, killSignal: 'SIGKILL', maxBuffer: 1 << 28 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const killed = r.signal === 'SIGKILL' || r.error?.code === 'ETIMEDOUT';
  const kb = Number(/(\d+)\s*$/.exec(r.stderr ?? '')?.[1] ?? NaN);
  return { s, mb: kb / 1024, killed, out: r.stdout, status: r.status };
}

const fmtS = (m, limit) => (m.killed ? `> ${limit} s (killed)` : m.s < 1 ? `${(m.s * 1000).toFixed(0)} ms` : `${m.s.toFixed(1)} s`);
const fmtMB = (m) => (Number.isFinite(m.mb) && !m.killed ? `${m.mb.toFixed(0)} MB` : '-');

export async function run(argv = process.argv.slice(2)) {
  const li = argv.indexOf('--limit');
  const limit = li >= 0 ? Number(argv[li + 1]) : 120;
  const dirArg = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--limit' && !['seccomp-tools'].includes(a));
  const checkout = resolve(dirArg ?? process.env.SECCOMP_TOOLS_DIR ?? join(root, '..', 'sectools-ref'));
  const haveSt = existsSync(join(checkout, 'bin', 'seccomp-tools'));
  if (!existsSync(CLI)) throw new Error('build first: npm run build');
  if (!haveSt) console.log(`(no seccomp-tools checkout at ${checkout}: syswall only; see scripts/seccomp-tools-reference.md)`);
  const tmp = mkdtempSync(join(tmpdir(), 'bench-st-'));
  const programs = [
    ['34 insns, 2^16 paths', encode(branching(16)), ['openat', '1015', '0', '0', '0', '0', '0']],
    ['42 insns, 2^20 paths', encode(branching(20)), ['openat', '1019', '0', '0', '0', '0', '0']],
    ['4,096 insns, 2^2047 paths', encode(branching(2047)), ['openat', '3046', '0', '0', '0', '0', '0']],
  ];
  const docker = dockerFilter();
  if (docker) programs.push([`libseccomp docker-default, ${docker.length / 8} insns`, docker, ['openat', '0', '0', '0', '0', '0', '0']]);
  console.log(`| program | command | seccomp-tools 1.7.1 | syswall --compat seccomp-tools | syswall (default) | seccomp-tools / syswall compat |`);
  console.log('|---|---|---|---|---|---|');
  for (const [name, bytes, emuArgs] of programs) {
    const f = join(tmp, 'prog.bpf');
    writeFileSync(f, bytes);
    for (const [cmd, stArgs, swArgs] of [
      ['disasm', ['disasm', f, '-a', 'amd64'], ['disasm', f, '-a', 'x86_64']],
      ['emu', ['emu', '-a', 'amd64', f, ...emuArgs], ['emu', f, '-a', 'x86_64', ...emuArgs]],
    ]) {
      const compat = measure(process.execPath, [CLI, ...swArgs, '--compat', 'seccomp-tools'], limit);
      const plain = measure(process.execPath, [CLI, ...swArgs], limit);
      let st;
      if (haveSt) {
        st = measure('ruby', ['-Ilib', 'bin/seccomp-tools', ...stArgs], limit, checkout);
        if (!st.killed && st.status === 0 && compat.out !== st.out) console.log(`!! ${name} ${cmd}: outputs differ`);
      }
      const ratio = !st ? '-' : st.killed ? `> ${(limit / compat.s).toFixed(0)}x` : `${(st.s / compat.s).toFixed(1)}x`;
      console.log(`| ${name} | ${cmd} | ${st ? `${fmtS(st, limit)}, ${fmtMB(st)}` : '-'} | ${fmtS(compat, limit)}, ${fmtMB(compat)} | ${fmtS(plain, limit)}, ${fmtMB(plain)} | ${ratio} |`);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
