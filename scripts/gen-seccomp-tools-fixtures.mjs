#!/usr/bin/env node
// Regenerates test/fixtures/seccomp-tools/reference/*.json.gz: what the real
// seccomp-tools 1.7.1 prints for thousands of programs, assembly sources and
// emulator runs, so `--compat seccomp-tools` is tested against the tool
// itself (test/sectools-compat.test.ts).
//
// Needs: a seccomp-tools v1.7.1 checkout (see scripts/seccomp-tools-reference.md),
// Debian's ruby, /usr/bin/python3 with python3-seccomp (libseccomp-compiled
// filters), and a built syswall (`npm run build`, for syswall-compiled filters).
//
//   node scripts/gen-seccomp-tools-fixtures.mjs [CHECKOUT] [--seed N] [--jobs N] [--only color|cli]
//
// The cases are made from a seeded PRNG (same seed, same cases): random
// programs over amd64, i386, aarch64, riscv64 and s390x (chaotic opcode mixes
// and seccomp-shaped filters), real filters (libseccomp-compiled profiles,
// syswall-compiled profiles, seccomp-tools' own example filters), assembly
// sources (seccomp-tools' examples, the disassembly of the programs above,
// generated sources, and mutations of them that must fail), and emulator runs.
// Every job runs seccomp-tools' CLI in-process (scripts/seccomp-tools-ref.rb)
// with a time limit: seccomp-tools needs minutes on some branching programs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(root, 'test', 'fixtures', 'seccomp-tools', 'reference');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : def;
};
const SEED = Number(opt('--seed', '20261201'));
const JOBS = Number(opt('--jobs', '2'));
const checkout = resolve(argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')) ?? process.env.SECCOMP_TOOLS_DIR ?? join(root, '..', 'sectools-ref'));
if (!existsSync(join(checkout, 'lib', 'seccomp-tools', 'version.rb'))) {
  console.error(`no seccomp-tools checkout at ${checkout}; see scripts/seccomp-tools-reference.md`);
  process.exit(2);
}

// ---------------------------------------------------------------- PRNG
let seed = SEED >>> 0;
function rnd() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const chance = (p) => rnd() < p;
const u32 = () => (Math.floor(rnd() * 65536) * 65536 + Math.floor(rnd() * 65536)) >>> 0;

// ---------------------------------------------------------------- seccomp-tools facts used to shape cases
const ARCHES = ['amd64', 'i386', 'aarch64', 'riscv64', 's390x'];
const AUDIT = { amd64: 0xc000003e, i386: 0x40000003, aarch64: 0xc00000b7, riscv64: 0xc00000f3, s390x: 0x80000016 };
const AUDIT_CONST = { amd64: 'ARCH_X86_64', i386: 'ARCH_I386', aarch64: 'ARCH_AARCH64', riscv64: 'ARCH_RISCV64', s390x: 'ARCH_S390X' };
const BIG = { s390x: true };
const tables = JSON.parse(spawnSync('ruby', ['-e', `
$LOAD_PATH.unshift(ARGV[0]); require 'json'; require 'seccomp-tools/const'
puts JSON.generate(%w[amd64 i386 aarch64 riscv64 s390x].to_h { |a| [a, SeccompTools::Const::Syscall.const_get(a.upcase.to_sym).to_a] })`, join(checkout, 'lib')], { encoding: 'utf8' }).stdout);
const names = {};
for (const a of ARCHES) names[a] = tables[a].filter(([n]) => !n.startsWith('x32_'));

const ACTIONS = [0x7fff0000, 0x00050001, 0x0005000d, 0x00000000, 0x80000000, 0x00030000, 0x00030007, 0x7ff00000, 0x7ff0002a, 0x7ffc0000, 0x7fc00000, 0x7fff0005, 0x12340000, 0x7ffc0009];
const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 12, 13, 15, 16, 17, 20, 24, 31, 32, 33, 60, 63, 64, 0xff, 0x1000, 0x40000000, 0x3fffffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0xc000003e, 0x40000003, 0xc00000b7, 0xc00000f3, 0x80000016, 0x40000028, ...ACTIONS];

// ---------------------------------------------------------------- program encoding
function encode(prog, arch) {
  const buf = Buffer.alloc(prog.length * 8);
  const le = !BIG[arch];
  prog.forEach(([code, jt, jf, k], i) => {
    if (le) buf.writeUInt16LE(code, i * 8);
    else buf.writeUInt16BE(code, i * 8);
    buf[i * 8 + 2] = jt;
    buf[i * 8 + 3] = jf;
    if (le) buf.writeUInt32LE(k >>> 0, i * 8 + 4);
    else buf.writeUInt32BE(k >>> 0, i * 8 + 4);
  });
  return buf;
}

const CANONICAL = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d, 0x20, 0x24, 0x25, 0x2c, 0x2d, 0x34, 0x35, 0x3c, 0x3d, 0x44, 0x45, 0x4c, 0x4d, 0x54, 0x5c, 0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81, 0x84, 0x87, 0xa4, 0xac];
const ODD_DECODABLE = [0x28, 0x30, 0x21, 0x29, 0x38, 0x0e, 0x1e, 0x0a, 0x0b, 0x95, 0x9d, 0x85, 0xa5, 0xb5, 0x8f - 8, 0x66, 0xc6, 0x68, 0x70, 0x88, 0x89, 0x0d, 0x8c, 0xbe];
const INVALID = [0x40, 0x48, 0x41, 0xa0, 0xa1, 0xc0, 0xe0, 0x94, 0x9c, 0xb4, 0xc4, 0xf4, 0x55, 0x65, 0x75, 0x0f, 0x17, 0x47];

function randK(code, arch) {
  const cls = code & 7;
  if ((cls === 0 || cls === 1) && (code & 0xe0) === 0x20) return chance(0.85) ? pick([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]) : pick([1, 2, 3, 5, 13, 62, 64, 68, 0x100, u32()]);
  if ((cls === 0 || cls === 1) && (code & 0xe0) === 0x60) return chance(0.93) ? int(0, 15) : int(16, 20);
  if (cls === 2 || cls === 3) return chance(0.95) ? int(0, 15) : int(16, 18);
  if (cls === 4 && ((code & 0xf0) === 0x60 || (code & 0xf0) === 0x70)) return chance(0.985) ? int(0, 31) : pick([32, 33, 63, 64, 100]);
  if (cls === 4 && (code & 0xf0) === 0x30) return chance(0.9) ? int(1, 100) : 0;
  if (cls === 6) return pick(ACTIONS);
  if (cls === 5 && (code & 0x70) === 0) return chance(0.9) ? int(0, 4) : pick([100, u32()]);
  if (chance(0.3)) return names[arch].length ? pick(names[arch])[1] : 0;
  return chance(0.7) ? pick(INTERESTING) : u32();
}

/** A chaotic opcode mix: mostly decodable, some kernel-invalid, a few that seccomp-tools cannot decode. */
function chaotic(arch) {
  const n = int(1, 22);
  const prog = [];
  const invalidRate = chance(0.25) ? 0.12 : 0;
  for (let i = 0; i < n; i++) {
    const left = n - 1 - i;
    let code;
    const r = rnd();
    if (i === n - 1 && chance(0.85)) code = pick([0x06, 0x16, 0x06, 0x06]);
    else if (r < invalidRate) code = pick(INVALID);
    else if (r < 0.8) code = pick(CANONICAL);
    else if (r < 0.97) code = pick(ODD_DECODABLE);
    else code = int(0, 255);
    let jt = 0;
    let jf = 0;
    if ((code & 7) === 5 && (code & 0x70) !== 0) {
      const lim = chance(0.95) ? Math.max(0, left - 1) : 255;
      jt = int(0, Math.min(lim, 255));
      jf = int(0, Math.min(lim, 255));
      if (chance(0.05)) jf = jt;
    }
    let k = randK(code, arch);
    if ((code & 7) === 5 && (code & 0x70) === 0 && chance(0.95)) k = int(0, Math.max(0, left - 1));
    if ((code & 7) === 5 && (code & 0x70) !== 0 && (code & 8) && chance(0.7)) k = 0;
    prog.push([code, jt, jf, k]);
  }
  return prog;
}

// A small label-resolving builder for seccomp-shaped programs.
function builder() {
  const ins = [];
  const labels = new Map();
  return {
    ins,
    label(l) { labels.set(l, ins.length); },
    op(code, k = 0) { ins.push({ code, k, jt: 0, jf: 0 }); },
    jmp(code, k, t, f) { ins.push({ code, k, t, f }); },
    build() {
      return ins.map((x, i) => {
        const res = (l) => (l === undefined ? 0 : typeof l === 'number' ? l : labels.get(l) - i - 1);
        if (x.t !== undefined || x.f !== undefined) return [x.code, res(x.t), res(x.f), x.k >>> 0];
        return [x.code, 0, 0, x.k >>> 0];
      });
    },
  };
}

/** A filter shaped like real ones: arch check, syscall dispatch, argument checks, scratch memory, X compares. */
function shaped(arch) {
  const b = builder();
  const lo = (i) => 16 + 8 * i + (BIG[arch] ? 4 : 0);
  const hi = (i) => 16 + 8 * i + (BIG[arch] ? 0 : 4);
  const nrs = () => (chance(0.85) ? pick(names[arch])[1] : int(0, 600));
  let nextLabel = 0;
  const L = () => `l${nextLabel++}`;
  const kill = 'kill';
  const other = pick(ARCHES.filter((a) => a !== arch));
  const checkArch = chance(0.85);
  const multi = checkArch && chance(0.25);
  if (checkArch) {
    b.op(0x20, 4);
    if (multi) b.jmp(0x15, AUDIT[other], 'other', 0);
    if (chance(0.5)) b.jmp(0x15, AUDIT[arch], 0, kill);
    else b.jmp(0x15, AUDIT[arch], 'main', kill);
  }
  b.label('main');
  b.op(0x20, 0);
  if (arch === 'amd64' && chance(0.5)) {
    if (chance(0.5)) b.jmp(0x35, 0x40000000, kill, 0);
    else {
      const ok = L();
      b.jmp(0x35, 0x40000000, 0, ok);
      b.jmp(0x15, 0xffffffff, 0, kill);
      b.label(ok);
    }
  }
  const nRules = int(1, 7);
  const blocks = [];
  for (let r = 0; r < nRules; r++) {
    const nr = nrs();
    const blk = L();
    const style = rnd();
    if (style < 0.6) b.jmp(0x15, nr, blk, 0);
    else if (style < 0.75) b.jmp(0x15, nr, 0, (blocks.push(null), blk));
    else if (style < 0.85) b.jmp(0x35, nr, blk, 0);
    else if (style < 0.92) b.jmp(0x25, nr, 0, blk);
    else { b.op(0x01, nr); b.jmp(0x1d, 0, blk, 0); }
    if (blocks[blocks.length - 1] === null) blocks.pop();
    blocks.push(blk);
  }
  b.op(0x06, pick(ACTIONS));
  for (const blk of blocks) {
    b.label(blk);
    const kind = rnd();
    if (kind < 0.35) {
      b.op(0x06, pick(ACTIONS));
    } else {
      const nArgs = int(1, 3);
      const deny = L();
      for (let j = 0; j < nArgs; j++) {
        const ai = int(0, 5);
        const useHi = chance(0.3);
        b.op(0x20, useHi ? hi(ai) : lo(ai));
        const c = rnd();
        if (c < 0.4) b.jmp(0x15, pick(INTERESTING), 0, deny);
        else if (c < 0.55) b.jmp(0x45, pick([1, 2, 4, 0x10, 0x80000]), deny, 0);
        else if (c < 0.65) b.jmp(0x25, pick(INTERESTING), deny, 0);
        else if (c < 0.72) b.jmp(0x35, pick(INTERESTING), 0, deny);
        else if (c < 0.8) { b.op(0x54, pick([0xff, 0xffff, 3])); b.jmp(0x15, int(0, 3), 0, deny); }
        else if (c < 0.88) { const slot = int(0, 15); b.op(0x02, slot); b.op(0x20, lo(int(0, 5))); b.op(0x07); b.op(0x60, slot); b.jmp(0x1d, 0, 0, deny); }
        else if (c < 0.94) { b.op(0x07); b.op(0x20, 0); b.jmp(0x1d, 0, deny, 0); }
        else { b.op(0x01, pick(INTERESTING)); b.jmp(0x1d, 0, 0, deny); }
      }
      b.op(0x06, pick(ACTIONS));
      b.label(deny);
      b.op(0x06, pick(ACTIONS));
    }
  }
  if (multi) {
    b.label('other');
    b.op(0x20, 0);
    for (let r = 0; r < int(1, 3); r++) {
      const nr = pick(names[other])[1];
      const ok = L();
      b.jmp(0x15, nr, 0, ok);
      b.op(0x20, 16);
      b.op(0x06, pick(ACTIONS));
      b.label(ok);
    }
    b.op(0x06, pick(ACTIONS));
  }
  b.label(kill);
  b.op(0x06, pick([0, 0x80000000]));
  const prog = b.build();
  return prog.every(([, jt, jf]) => jt <= 255 && jf <= 255) ? prog : shaped(arch);
}

// ---------------------------------------------------------------- hand-made programs
/**
 * Programs that probe known behaviours: seccomp-tools' path explosion
 * (k blocks of `if (A == c) goto +1; X = c` give it 2^k states), shifts of 32
 * or more (seccomp-tools computes 0; the kernel masks a shift by X and refuses
 * a constant one), division by X = 0, a long linear program.
 */
function specials() {
  const out = [];
  const lo = (i, a) => 16 + 8 * i + (BIG[a] ? 4 : 0);
  for (const k of [6, 10, 13, 15, 22]) {
    const p = [[0x20, 0, 0, 16]];
    for (let i = 0; i < k; i++) p.push([0x15, 1, 0, 100 + i], [0x01, 0, 0, 100 + i]);
    p.push([0x1d, 0, 1, 0], [0x06, 0, 0, 0x7fff0000], [0x06, 0, 0, 0x00050001]);
    out.push({ id: `special/explosion-${k}`, arch: 'amd64', prog: p, emu: [['openat', '100', '101', '0', '0', '0', '0'], ['read', '0', '0', '0', '0', '0', '0']], timeout: k > 16 ? 20 : 60 });
  }
  for (const a of ['amd64', 's390x']) {
    out.push({ id: `special/shift-x-40/${a}`, arch: a, prog: [[0x20, 0, 0, lo(1, a)], [0x07, 0, 0, 0], [0x20, 0, 0, lo(0, a)], [0x6c, 0, 0, 0], [0x16, 0, 0, 0]], emu: [['read', '0x12345678', '40', '0', '0', '0', '0'], ['read', '0x12345678', '31', '0', '0', '0', '0']] });
    out.push({ id: `special/rshift-x-33/${a}`, arch: a, prog: [[0x20, 0, 0, lo(1, a)], [0x07, 0, 0, 0], [0x20, 0, 0, lo(0, a)], [0x7c, 0, 0, 0], [0x16, 0, 0, 0]], emu: [['read', '0xffff0000', '33', '0', '0', '0', '0'], ['read', '0xffff0000', '3', '0', '0', '0', '0']] });
    out.push({ id: `special/shift-k-40/${a}`, arch: a, prog: [[0x20, 0, 0, lo(0, a)], [0x64, 0, 0, 40], [0x16, 0, 0, 0]], emu: [['read', '0x12345678', '0', '0', '0', '0', '0']] });
    out.push({ id: `special/div-x-zero/${a}`, arch: a, prog: [[0x00, 0, 0, 5], [0x01, 0, 0, 0], [0x3c, 0, 0, 0], [0x16, 0, 0, 0]], emu: [['read', '0', '0', '0', '0', '0', '0']] });
  }
  const long = [[0x20, 0, 0, 0]];
  for (let i = 0; i < 1500; i++) long.push([0x15, 1500 - i, 0, i]);
  long.push([0x06, 0, 0, 0x00050001], [0x06, 0, 0, 0x7fff0000]);
  out.push({ id: 'special/linear-1500', arch: 'amd64', prog: long, emu: [['1499'], ['1500'], ['write']], timeout: 60 });
  return out;
}

// ---------------------------------------------------------------- real filters
function pythonFilters() {
  const docker = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'docker-default.json'), 'utf8'));
  const allow = [...new Set(docker.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args?.length && !s.includes?.caps && !s.excludes).flatMap((s) => s.names))];
  const script = String.raw`
import seccomp, base64, json, sys, tempfile
from seccomp import *
names = json.loads(sys.argv[1])
def export(f):
    with tempfile.TemporaryFile() as t:
        f.export_bpf(t); t.seek(0); return base64.b64encode(t.read()).decode()
def mk(arches, default, small):
    f = SyscallFilter(default)
    if (seccomp.system_arch() & 0xffffffff) not in [a & 0xffffffff for a in arches]:
        f.remove_arch(Arch.NATIVE)
    for a in arches:
        if not f.exist_arch(a): f.add_arch(a)
    for n in (names[:25] if small else names):
        try: f.add_rule(ALLOW, n)
        except Exception: pass
    for (act, n, args) in [(ERRNO(13), 'openat', [Arg(2, MASKED_EQ, 3, 1)]), (ALLOW, 'personality', [Arg(0, EQ, 0)]),
                           (ALLOW, 'personality', [Arg(0, EQ, 0xffffffff)]), (ALLOW, 'clone', [Arg(0, MASKED_EQ, 0x7e020000, 0)]),
                           (TRAP, 'kill', [Arg(1, NE, 9)]), (LOG, 'fcntl', [Arg(1, GE, 3), Arg(0, LT, 0x100000000)]),
                           (KILL_PROCESS, 'ptrace', []), (TRACE(7), 'uname', []), (ERRNO(1), 'socket', [Arg(0, EQ, 16), Arg(2, EQ, 9)])]:
        try: f.add_rule(act, n, *args)
        except Exception: pass
    return export(f)
out = {}
A = {'amd64': Arch.X86_64, 'i386': Arch.X86, 'aarch64': Arch.AARCH64, 'riscv64': Arch.RISCV64, 's390x': Arch.S390X}
for name, arch in A.items():
    out['libseccomp/docker-' + name] = [name, mk([arch], ERRNO(1), False)]
    out['libseccomp/small-' + name] = [name, mk([arch], KILL_PROCESS, True)]
out['libseccomp/small-amd64+i386+x32'] = ['amd64', mk([Arch.X86_64, Arch.X86, Arch.X32], ERRNO(38), True)]
out['libseccomp/small-aarch64+arm'] = ['aarch64', mk([Arch.AARCH64, Arch.ARM], ERRNO(1), True)]
out['libseccomp/small-s390x+s390'] = ['s390x', mk([Arch.S390X, Arch.S390], ERRNO(1), True)]
print(json.dumps(out))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, JSON.stringify(allow)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3-seccomp failed: ${r.stderr}`);
  return Object.entries(JSON.parse(r.stdout)).map(([id, [arch, b64]]) => ({ id, arch, bytes: Buffer.from(b64, 'base64') }));
}

function syswallFilters() {
  const cli = join(root, 'dist', 'bin', 'syswall.cjs');
  if (!existsSync(cli)) throw new Error('build syswall first: npm run build');
  const tmp = mkdtempSync(join(tmpdir(), 'st-gen-'));
  const out = [];
  const sw = { amd64: 'x86_64', i386: 'x86', aarch64: 'aarch64', riscv64: 'riscv64', s390x: 's390x' };
  for (const a of ARCHES) {
    const f = join(tmp, `${a}.bpf`);
    const r = spawnSync(process.execPath, [cli, 'compile', join(root, 'test', 'fixtures', 'docker-default.json'), '--arch', sw[a], '-o', f], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`syswall compile failed: ${r.stderr}`);
    out.push({ id: `syswall/docker-${a}`, arch: a, bytes: readFileSync(f) });
  }
  const f = join(tmp, 'multi.bpf');
  const r = spawnSync(process.execPath, [cli, 'compile', join(root, 'test', 'fixtures', 'docker-default.json'), '--arch', 'x86_64,x86,x32', '-o', f], { encoding: 'utf8' });
  if (r.status === 0) out.push({ id: 'syswall/docker-amd64+i386+x32', arch: 'amd64', bytes: readFileSync(f) });
  rmSync(tmp, { recursive: true, force: true });
  return out;
}

function exampleFilters() {
  const out = [];
  const dir = join(checkout, 'spec', 'data');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.bpf')).sort()) {
    const bytes = readFileSync(join(dir, f));
    for (const a of f.startsWith('DEF-CON') ? ['aarch64', 'amd64'] : ['amd64', 'i386', 'aarch64']) out.push({ id: `examples/${f}/${a}`, arch: a, bytes });
  }
  return out;
}

// ---------------------------------------------------------------- assembly sources
const sysName = (arch) => pick(names[arch])[0];
function constText(arch) {
  const r = rnd();
  if (r < 0.3) return String(pick([0, 1, 2, 5, 16, 59, 64, 255, 1000, 4294967295]));
  if (r < 0.5) return '0x' + pick(INTERESTING).toString(16);
  if (r < 0.55) return '-' + int(1, 100);
  if (r < 0.8) return sysName(arch);
  if (r < 0.85) { const o = pick(ARCHES); return `${o}.${sysName(o)}`; }
  if (r < 0.88 && arch === 'amd64') return 'x32_' + sysName('amd64');
  if (r < 0.95) { const c = AUDIT_CONST[pick(ARCHES)]; return chance(0.8) ? c : c.toLowerCase().replace('arch_', 'ARCH_'); }
  return `(${constText(arch)})`;
}
const sp = () => (chance(0.85) ? ' ' : pick(['  ', '\t', ' \t ']));
const kwcase = (w) => (chance(0.9) ? w : chance(0.5) ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1));

function asmSource(arch) {
  const n = int(2, 14);
  const lines = [];
  const labelsAt = new Map();
  for (let i = 0; i < n; i++) if (chance(0.35)) labelsAt.set(i, chance(0.15) ? String(i).padStart(4, '0') : `L${i}`);
  const targetFor = (i) => {
    const later = [...labelsAt.entries()].filter(([j]) => j > i);
    const r = rnd();
    if (later.length && r < 0.6) return pick(later)[1];
    if (r < 0.8) return 'next';
    return String(int(0, Math.max(0, n - i - 2)));
  };
  const cmp = () => pick(['==', '!=', '>', '>=', '<', '<=', '&']);
  const val = () => (chance(0.15) ? kwcase('X') : constText(arch));
  for (let i = 0; i < n; i++) {
    let pre = '';
    if (labelsAt.has(i)) pre = labelsAt.get(i) + ':' + (chance(0.4) ? '\n' : sp());
    const last = i === n - 1;
    let st;
    const r = rnd();
    if (last || r < 0.12) st = `${kwcase('return')}${sp()}${pick([kwcase('A'), 'ALLOW', 'KILL', 'KILL_PROCESS', 'KILL_THREAD', 'TRAP', 'LOG', 'USER_NOTIF', 'TRACE', `ERRNO(${int(0, 200)})`, `TRAP(${constText(arch)})`, `TRACE(0x${int(0, 0xfffff).toString(16)})`, constText(arch)])}`;
    else if (r < 0.4) {
      const src = pick(['sys_number', 'arch', `args[${int(0, 5)}]`, `args_h[${int(0, 5)}]`, `args[${int(0, 5)}] >> 32`, 'instruction_pointer', 'instruction_pointer >> 32', `data[${4 * int(0, 15)}]`, 'len', `mem[${int(0, 15)}]`, 'X', '-A', constText(arch)]);
      st = `${kwcase('A')}${sp()}=${sp()}${src.replace(/^(sys_number|arch|args_h|args|instruction_pointer|data|len|mem)/, (w) => kwcase(w))}`;
    } else if (r < 0.48) st = `${kwcase('X')} = ${pick(['A', `mem[${int(0, 15)}]`, constText(arch)])}`;
    else if (r < 0.54) st = `mem[${int(0, 15)}] = ${pick(['A', 'X'])}`;
    else if (r < 0.64) st = `A ${pick(['+', '-', '*', '/', '|', '&', '^', '<<', '>>'])}=${chance(0.1) ? '\n' : sp()}${chance(0.2) ? 'X' : chance(0.5) ? String(int(0, 40)) : constText(arch)}`;
    else if (r < 0.7) st = `${pick(['goto', 'jmp', 'jump', 'GOTO'])}${chance(0.1) ? '\n' : sp()}${targetFor(i)}`;
    else if (r < 0.85) {
      const nl = () => (chance(0.15) ? '\n' + sp() : sp());
      let cond = `A${nl()}${cmp()}${nl()}${val()}`;
      if (chance(0.15)) cond = `!(${cond})`;
      if (chance(0.05)) cond = `!(${cond})`;
      st = `${kwcase('if')}${sp()}(${chance(0.1) ? '\n' : ''}${cond}${chance(0.1) ? '\n' : ''})${nl()}${pick(['goto', 'jmp', 'jump'])} ${targetFor(i)}`;
      if (chance(0.4)) st += `${nl()}${kwcase('else')} ${pick(['goto', 'jmp'])} ${targetFor(i)}`;
    } else st = `A ${cmp()} ${val()} ?${sp()}${targetFor(i)}${chance(0.5) ? ' : ' : ':'}${targetFor(i)}`;
    const comment = chance(0.15) ? `${sp()}# ${pick(['note', 'write(1)', 'A = 5', ':'])}` : '';
    lines.push(pre + st + comment);
    if (chance(0.08)) lines.push(chance(0.5) ? '' : '# comment line');
  }
  return lines.join('\n') + (chance(0.9) ? '\n' : '');
}

const GARBAGE = ['foo', '0xABC', '?', '@', '$', '%=', '\u00c2\u00a0', '\f', '\v', 'A', 'X', '=', '(', ')', ']', '[', '!', 'goto', 'if', 'else', '>>', '32', 'mem', 'args', 'next:', 'lbl:', '4294967296', '-0x1', 'return', '\n', 'ALLOW', 'allow', 'read', 'aarch64.open', 'amd64.nosuch', 'x32_read'];
function mutate(src, arch) {
  const kind = rnd();
  const tokens = src.split(/(\s+)/);
  if (kind < 0.5) {
    const i = int(0, tokens.length - 1);
    tokens[i] = pick(GARBAGE);
  } else if (kind < 0.7) {
    tokens.splice(int(0, tokens.length - 1), 1);
  } else if (kind < 0.85) {
    tokens.splice(int(0, tokens.length), 0, ' ' + pick(GARBAGE) + ' ');
  } else {
    return pick([
      `A = mem[${pick([16, 20, -1])}]\nreturn A\n`, `A = args[${pick([6, 9, -1])}]\nreturn A\n`, `A = data[${pick([3, 64, 65, 100])}]\nreturn A\n`,
      `mem[16] = A\nreturn A\n`, `A = -X\nreturn A\n`, `X = sys_number\nreturn A\n`, `next: return A\n`, `a: A = 1\na: return A\n`,
      `a: A = 1\ngoto a\nreturn A\n`, `goto nowhere\nreturn A\n`, `A = args[0] >> 31\nreturn A\n`, `A = args[0] + 32\nreturn A\n`,
      `A = aarch64.open\nreturn A\n`, `if (A == 1) goto far\n${'A = 0\n'.repeat(300)}far: return ALLOW\n`,
      `A = 1 +\n2\nreturn A\n`, `A = sys_number\nif A == 1 goto x\nx: return A\n`, `lbl:\n`, `A = 1\nlbl:`, `return ERRNO(0x1fffff)\n`,
      `A = 4294967296\nreturn 0x1ffffffff\n`, `A = arch_x86_64\nreturn A\n`, `A == 1 ? a\na: return A\n`, `if (A == 1) goto a a: return A\n`,
      `A = ${sysName(arch)}\u00a0\nreturn A\n`, `A = 1\f\nreturn ALLOW\n`, `A = 1\vreturn ALLOW\n`, `\n\n\n`, `# only a comment\n`, ``,
    ]);
  }
  return tokens.join('');
}

// ---------------------------------------------------------------- emu arguments
function rubyInt(v) {
  const r = rnd();
  if (r < 0.5) return String(v);
  if (r < 0.8) return '0x' + v.toString(16);
  if (r < 0.85) return '0b' + v.toString(2);
  if (r < 0.9) return '0' + v.toString(8);
  if (r < 0.95) return '0o' + v.toString(8);
  return String(v).replace(/(\d)(?=(\d{3})+$)/g, '$1_');
}
function emuArgs(arch, prog) {
  const consts = prog.map((x) => x[3]).filter((k) => k < 0x100000000);
  const nr = chance(0.6) && consts.length ? pick(consts) : pick(names[arch])[1];
  const sys = chance(0.6) ? (names[arch].find(([, v]) => v === nr)?.[0] ?? rubyInt(nr)) : rubyInt(nr);
  const nArgs = chance(0.85) ? 6 : int(0, 5);
  const args = [];
  for (let i = 0; i < nArgs; i++) {
    let v = chance(0.5) && consts.length ? BigInt(pick(consts)) : BigInt(pick(INTERESTING));
    if (chance(0.2)) v = (v << 32n) | BigInt(pick(INTERESTING));
    args.push(chance(0.7) ? rubyInt(Number(v & 0xffffffffn)) : (v > 0xffffffffn ? '0x' + v.toString(16) : String(v)));
  }
  const ip = chance(0.6) ? ['-i', rubyInt(int(0, 0x7fffffff))] : [];
  return { sys, args, ip };
}

// ---------------------------------------------------------------- running seccomp-tools
const driver = join(root, 'scripts', 'seccomp-tools-ref.rb');
async function runJobs(jobs, label) {
  const results = new Map();
  let done = 0;
  const queue = jobs.slice();
  const t0 = Date.now();
  async function worker() {
    while (queue.length) {
      const batch = queue.splice(0, 200);
      await new Promise((res, rej) => {
        const p = spawn('ruby', [driver, checkout], { stdio: ['pipe', 'pipe', 'inherit'] });
        let buf = '';
        p.stdout.on('data', (d) => {
          buf += d;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const r = JSON.parse(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
            results.set(r.id, r);
            done++;
          }
        });
        p.on('exit', (code) => {
          const missing = batch.filter((j) => !results.has(j.id));
          if (missing.length && code !== 0) {
            // The driver died (out of memory?): the first missing job crashed it; retry the rest.
            results.set(missing[0].id, { id: missing[0].id, stdout: '', error: { class: 'DriverDied', message: Buffer.from(`exit ${code}`).toString('hex') } });
            queue.push(...missing.slice(1));
          }
          res();
        });
        p.on('error', rej);
        p.stdin.end(batch.map((j) => JSON.stringify(j)).join('\n') + '\n');
      });
      process.stderr.write(`\r${label}: ${done}/${jobs.length} (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
  }
  await Promise.all(Array.from({ length: JOBS }, worker));
  process.stderr.write('\n');
  return results;
}

/** A result as stored: stdout (latin1 string) alone, or an object with error/timeout. */
function stored(r) {
  const stdout = Buffer.from(r.stdout, 'base64').toString('latin1');
  if (r.timeout) return { timeout: true };
  if (r.error) return { stdout, error: { class: r.error.class, message: Buffer.from(r.error.message, 'hex').toString('latin1') } };
  if (r.exit !== undefined) return { stdout, exit: r.exit };
  return stdout;
}

const b64 = (b) => Buffer.from(b).toString('base64');

// ---------------------------------------------------------------- main
const DISASM_FLAGS = { bpf: [], 'no-bpf': ['--no-bpf'], 'no-arg-infer': ['--no-arg-infer'], 'asm-able': ['--asm-able'] };
const ASM_FORMATS = ['inspect', 'raw', 'c_array', 'carray', 'c_source', 'assembly'];

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  const only = opt('--only', undefined);
  if (only === 'color') {
    writeGz('color.json.gz', { cases: colorCases() });
    return;
  }
  if (only === 'cli') {
    writeGz('cli.json.gz', { cases: await cliCases() });
    return;
  }
  // 1. programs
  const programs = [];
  for (const a of ARCHES) {
    for (let i = 0; i < 300; i++) programs.push({ id: `chaotic/${a}/${i}`, arch: a, prog: chaotic(a) });
    for (let i = 0; i < 300; i++) programs.push({ id: `shaped/${a}/${i}`, arch: a, prog: shaped(a) });
  }
  for (let i = 0; i < 30; i++) {
    const a = pick(['amd64', 'aarch64']);
    programs.push({ id: `wrong-endian/${i}`, arch: 's390x', prog: shaped(a), encodeAs: a });
  }
  const cases = programs.map((p) => ({ id: p.id, arch: p.arch, bytes: encode(p.prog, p.encodeAs ?? p.arch), prog: p.prog }));
  for (const sp of specials()) cases.push({ ...sp, bytes: encode(sp.prog, sp.arch) });
  const reals = [...pythonFilters(), ...syswallFilters(), ...exampleFilters()];
  for (const r of reals) cases.push({ ...r, real: true });
  for (const f of readdirSync(join(root, 'test', 'fixtures', 'seccomp-tools')).filter((x) => x.endsWith('.bpf'))) {
    const bytes = readFileSync(join(join(root, 'test', 'fixtures', 'seccomp-tools'), f));
    if (!cases.some((c) => c.bytes.equals(bytes))) cases.push({ id: `shared/${f}`, arch: f.startsWith('DEF') ? 'aarch64' : 'amd64', bytes, real: true });
  }
  // A few programs with no -a (seccomp-tools uses the host's arch, amd64 here) and read from stdin.
  const disasmJobs = [];
  for (const c of cases) {
    for (const [flag, extra] of Object.entries(DISASM_FLAGS)) {
      disasmJobs.push({ id: `${c.id}#${flag}`, argv: ['disasm', 'prog.bpf', '-a', c.arch, ...extra], files: { 'prog.bpf': b64(c.bytes) }, timeout: c.timeout ?? (c.real ? 60 : 5) });
    }
  }
  const dres = await runJobs(disasmJobs, 'disasm');
  const disasmCases = cases.map((c) => ({
    id: c.id,
    arch: c.arch,
    hex: c.bytes.toString('hex'),
    results: Object.fromEntries(Object.keys(DISASM_FLAGS).map((f) => [f, stored(dres.get(`${c.id}#${f}`))])),
  }));
  writeGz('disasm.json.gz', { cases: disasmCases });

  // 2. emulator runs
  const emuJobs = [];
  const emuCases = [];
  for (const c of cases) {
    if (c.id.startsWith('wrong-endian')) continue;
    const runs = c.emu ? c.emu.length : c.real ? 4 : c.id.startsWith('shaped') ? 2 : chance(0.4) ? 1 : 0;
    for (let r = 0; r < runs; r++) {
      const { sys, args, ip } = c.emu ? { sys: c.emu[r][0], args: c.emu[r].slice(1), ip: [] } : emuArgs(c.arch, c.prog ?? [[0, 0, 0, 0]]);
      const noSys = !c.emu && chance(0.03);
      const tail = noSys ? [] : [sys, ...args];
      const id = `${c.id}@${r}`;
      emuCases.push({ id, arch: c.arch, hex: c.bytes.toString('hex'), argv: [...ip, ...tail] });
      for (const q of [false, true]) emuJobs.push({ id: `${id}#${q ? 'quiet' : 'verbose'}`, argv: ['emu', '-a', c.arch, ...ip, ...(q ? ['-q'] : []), 'prog.bpf', ...tail], files: { 'prog.bpf': b64(c.bytes) }, timeout: c.timeout ?? (c.real ? 60 : 3) });
    }
  }
  const eres = await runJobs(emuJobs, 'emu');
  for (const e of emuCases) e.results = { verbose: stored(eres.get(`${e.id}#verbose`)), quiet: stored(eres.get(`${e.id}#quiet`)) };
  writeGz('emu.json.gz', { cases: emuCases });

  // 3. assembly sources
  const sources = [];
  const exDir = join(checkout, 'spec', 'data');
  for (const f of readdirSync(exDir).filter((x) => x.endsWith('.asm')).sort()) {
    for (const a of ARCHES) sources.push({ id: `examples/${f}/${a}`, arch: a, src: readFileSync(join(exDir, f), 'latin1') });
  }
  sources.push({ id: 'shared/asm-example.asm', arch: 'amd64', src: readFileSync(join(root, 'test', 'fixtures', 'seccomp-tools', 'asm-example.asm'), 'latin1') });
  // The --asm-able listings seccomp-tools printed above (its own round trip).
  for (const c of disasmCases) {
    const r = c.results['asm-able'];
    if (typeof r === 'string' && chance(c.id.startsWith('chaotic') ? 0.25 : 0.3)) sources.push({ id: `roundtrip/${c.id}`, arch: c.arch, src: r });
  }
  for (const a of ARCHES) {
    for (let i = 0; i < 140; i++) sources.push({ id: `generated/${a}/${i}`, arch: a, src: asmSource(a) });
    for (let i = 0; i < 90; i++) sources.push({ id: `mutated/${a}/${i}`, arch: a, src: mutate(asmSource(a), a) });
  }
  const SPECIAL_ASM = {
    'newline-after-compare': 'A = sys_number\nif (A ==\n  read) goto ok\nif (A !=\n\n  write)\n  goto bad\nif (\n  A\n  &\n  1\n) goto ok\nok: return ALLOW\nbad: return KILL\n',
    'comment-after-constant': 'A = write # note(write)\nA = sys_number # read(fd, buf, count)\nreturn ALLOW\n',
    'seccomp-tools-names': 'A = sys_number\nif (A == timerfd) goto ok\nif (A == x32_execve) goto ok\nif (A == i386.madvise1) goto ok\nif (A == aarch64.newfstat) goto ok\nA = args_h[2]\nA = args_h[0] >> 32\nok: return ALLOW\n',
    'crlf': 'A = sys_number\r\nif (A == read) goto ok\r\nreturn KILL\r\nok: return ALLOW\r\n',
    'trailing-blank-newline': 'A = 1 \nreturn ALLOW\n',
    'statements-on-one-line': 'A = 1 X = 2 return A\n',
    'nbsp': 'A = 1\u00c2\u00a0\nreturn ALLOW\n',
    'form-feed': 'A = 1\f\nreturn ALLOW\n',
    'vertical-tab': 'A =\v1\nreturn ALLOW\n',
    'too-big-constants': 'A = 4294967296\nreturn 0x1ffffffff\n',
    'errno-too-big': 'return ERRNO(0x10001)\n',
    'empty': '',
    'only-comments': '# nothing\n\n',
    'over-4096': 'A = 0\n'.repeat(4100) + 'return A\n',
    'goto-past-end': 'A = 1\ngoto 5\nreturn A\n',
    'next-at-end': 'A = 1\ngoto next\n',
    'lowercase-arch-constant': 'A = arch\nif (A == arch_x86_64) goto ok\nreturn KILL\nok: return ALLOW\n',
  };
  for (const [name, src] of Object.entries(SPECIAL_ASM)) for (const a of ['amd64', 'i386', 'aarch64']) sources.push({ id: `special/${name}/${a}`, arch: a, src });
  const asmJobs = [];
  for (const s of sources) {
    for (const f of ASM_FORMATS) asmJobs.push({ id: `${s.id}#${f}`, argv: ['asm', 'prog.asm', '-a', s.arch, '-f', f], files: { 'prog.asm': Buffer.from(s.src, 'latin1').toString('base64') }, timeout: 10 });
  }
  const ares = await runJobs(asmJobs, 'asm');
  const asmCases = sources.map((s) => ({ id: s.id, arch: s.arch, source: s.src, results: Object.fromEntries(ASM_FORMATS.map((f) => [f, stored(ares.get(`${s.id}#${f}`))])) }));
  writeGz('asm.json.gz', { cases: asmCases });
  const dumps = dumpCases();
  writeGz('dump.json.gz', { cases: dumps });
  writeGz('color.json.gz', { cases: colorCases() });
  writeGz('cli.json.gz', { cases: await cliCases() });
  console.log(`cases: disasm ${disasmCases.length} programs, emu ${emuCases.length} runs, asm ${asmCases.length} sources, dump ${dumps.length}`);
}

/**
 * `seccomp-tools dump` of the C test programs of test/fixtures/dump (built
 * here and again by the test, so the filters are the same): its stdout for
 * each output format. The programs' own output goes to /dev/null, as
 * seccomp-tools' README suggests (`-c "./bin > /dev/null"`).
 */
const DUMP_PROGRAMS = [
  { name: 'multi', cflags: ['-pthread'], args: [], limit: 10 },
  { name: 'two_filters', cflags: [], args: ['OUTDIR'], limit: 10 },
  { name: 'i386_filters', cflags: ['-m32', '-nostdlib', '-static', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector'], args: [], limit: 10 },
];
function dumpCases() {
  const tmp = mkdtempSync(join(tmpdir(), 'st-dump-'));
  const out = [];
  for (const p of DUMP_PROGRAMS) {
    const bin = join(tmp, p.name);
    const cc = spawnSync('gcc', ['-O2', '-Wall', '-o', bin, join(root, 'test', 'fixtures', 'dump', `${p.name}.c`), ...p.cflags], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc ${p.name}: ${cc.stderr}`);
    const args = p.args.map((x) => (x === 'OUTDIR' ? tmp : x));
    for (const format of ['disasm', 'inspect', 'raw']) {
      const r = spawnSync('ruby', ['-Ilib', 'bin/seccomp-tools', 'dump', '-c', `${[bin, ...args].join(' ')} >/dev/null`, '-l', String(p.limit), '-f', format], { cwd: checkout, timeout: 30000 });
      if (r.status !== 0) throw new Error(`seccomp-tools dump ${p.name}: ${r.stderr}`);
      out.push({ id: `dump/${p.name}/${format}`, program: p.name, cflags: p.cflags, args: p.args, limit: p.limit, format, stdout: r.stdout.toString('latin1') });
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  return out;
}

/**
 * seccomp-tools' colours, recorded on a terminal (script(1) gives it a pty):
 * disasm and emu of a few programs that exercise every coloured piece
 * (syscall and arch operands, argument names and their comments, the dimmed
 * emu listing), and dump's [WARN] line.
 */
function colorCases() {
  const tmp = mkdtempSync(join(tmpdir(), 'st-color-'));
  const fx = join(root, 'test', 'fixtures', 'seccomp-tools');
  const hand = {
    'args-and-arch': [[0x20, 0, 0, 4], [0x15, 0, 7, 0xc000003e], [0x20, 0, 0, 0], [0x15, 0, 3, 257], [0x20, 0, 0, 32], [0x15, 0, 3, 0x41], [0x06, 0, 0, 0x7fff0000], [0x15, 0, 1, 0x999], [0x06, 0, 0, 0x0005000d], [0x06, 0, 0, 0]],
    'hex-syscall-and-arm': [[0x20, 0, 0, 4], [0x15, 0, 4, 0x40000028], [0x20, 0, 0, 0], [0x25, 2, 0, 100], [0x15, 1, 0, 0x999], [0x06, 0, 0, 0], [0x06, 0, 0, 0x7fff0000]],
  };
  const progs = [
    ['libseccomp.bpf', readFileSync(join(fx, 'libseccomp.bpf')), 'amd64', ['write', '1']],
    ['DEF-CON-2020-bdooos.bpf', readFileSync(join(fx, 'DEF-CON-2020-bdooos.bpf')), 'aarch64', ['ioctl', '0', '0']],
    ...Object.entries(hand).map(([n, p]) => [n, encode(p, 'amd64'), 'amd64', ['openat', '0', '0', '0x41', '0', '0', '0']]),
  ];
  const out = [];
  const run = (argv) => {
    const cmd = ['ruby', '-Ilib', 'bin/seccomp-tools', ...argv].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: checkout, timeout: 60000 });
    if (r.status !== 0) throw new Error(`seccomp-tools ${argv.join(' ')} on a pty: ${r.stderr}`);
    return r.stdout.toString('latin1').replace(/\r\n/g, '\n');
  };
  for (const [name, bytes, arch, emu] of progs) {
    const f = join(tmp, 'prog.bpf');
    writeFileSync(f, bytes);
    out.push({ id: `color/disasm/${name}`, command: 'disasm', arch, hex: bytes.toString('hex'), argv: [], stdout: run(['disasm', f, '-a', arch]) });
    out.push({ id: `color/emu/${name}`, command: 'emu', arch, hex: bytes.toString('hex'), argv: emu, stdout: run(['emu', '-a', arch, f, ...emu]) });
  }
  out.push({ id: 'color/dump/warn', command: 'dump', arch: 'amd64', hex: '', argv: ['true'], stdout: run(['dump', '-c', 'true']) });
  rmSync(tmp, { recursive: true, force: true });
  return out;
}

/**
 * Whole command lines: the examples of README's table of default-mode
 * differences (src/cli/sectools-compat.ts, ST_DIFFERENCES; the test runs each
 * in both modes of syswall), and emu's number arguments as seccomp-tools'
 * option parser reads them (negative numbers before and after "--", Ruby
 * integer forms). `argv` is seccomp-tools' (after `seccomp-tools`), FILE is
 * `prog.bpf` or `prog.asm` in the working directory.
 */
async function cliCases() {
  const ALLOW = 0x7fff0000;
  const checkNr = (nr) => [[0x20, 0, 0, 0], [0x15, 1, 0, nr], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]];
  const bpf = (prog, arch = 'amd64') => ({ name: 'prog.bpf', data: encode(prog, arch) });
  const armGuard = [[0x20, 0, 0, 4], [0x15, 0, 3, 0x40000028], [0x20, 0, 0, 0], [0x15, 1, 0, 3], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]];
  const noBpf = (a = 'amd64') => ['-a', a, '--no-bpf'];
  const diffs = {
    'return-data': [bpf([[0x06, 0, 0, ALLOW | 1]]), 'disasm', noBpf()],
    len: [bpf([[0x80, 0, 0, 0], [0x16, 0, 0, 0]]), 'disasm', noBpf()],
    'names-x86_64': [bpf(checkNr(283)), 'disasm', noBpf()],
    'names-x86': [bpf(checkNr(219), 'i386'), 'disasm', noBpf('i386')],
    'names-aarch64': [bpf(checkNr(80), 'aarch64'), 'disasm', noBpf('aarch64')],
    'x32-names': [bpf(checkNr(0x40000208)), 'disasm', noBpf()],
    params: [bpf([[0x20, 0, 0, 0], [0x15, 0, 2, 7], [0x20, 0, 0, 32], [0x16, 0, 0, 0], [0x06, 0, 0, ALLOW]]), 'disasm', noBpf()],
    'x32-guard': [bpf([
      [0x20, 0, 0, 4], [0x15, 0, 8, 0xc000003e], [0x20, 0, 0, 0], [0x35, 0, 1, 0x40000000], [0x15, 0, 5, 0xffffffff],
      [0x15, 0, 3, 257], [0x20, 0, 0, 32], [0x15, 0, 1, 0x41], [0x06, 0, 0, 0x0005000d], [0x06, 0, 0, ALLOW], [0x06, 0, 0, 0],
    ]), 'disasm', noBpf()],
    'arch-names': [bpf(armGuard), 'disasm', noBpf()],
    'arch-syscalls': [bpf(armGuard), 'disasm', noBpf()],
    invalid: [bpf([[0x00, 0, 0, 1], [0x87, 0, 0, 0], [0x0f, 0, 0, 0], [0x16, 0, 0, 0]]), 'disasm', noBpf()],
    truncated: [{ name: 'prog.bpf', data: Buffer.concat([encode([[0x06, 0, 0, ALLOW]], 'amd64'), Buffer.from([1, 2, 3])]) }, 'disasm', noBpf()],
    'jump-past-end': [bpf([[0x05, 0, 0, 98], [0x06, 0, 0, ALLOW]]), 'disasm', noBpf()],
    empty: [{ name: 'prog.bpf', data: Buffer.alloc(0) }, 'disasm', noBpf()],
    'wrong-endian': [bpf([[0x20, 0, 0, 4], [0x15, 1, 0, 0x80000016], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]], 's390x'), 'disasm', noBpf()],
    // No -a: seccomp-tools names syscalls from this machine's table (x86_64 here).
    'no-arch': [{ name: 'prog.bpf', data: readFileSync(join(root, 'test', 'fixtures', 'seccomp-tools', 'DEF-CON-2020-bdooos.bpf')) }, 'disasm', ['--no-bpf']],
    'asm-x32': [{ name: 'prog.asm', data: Buffer.from('A = x32_execve\nreturn KILL\n') }, 'asm', ['-a', 'amd64', '-f', 'c_array']],
    'emu-data': [bpf([[0x06, 0, 0, 0x00030003]]), 'emu', ['read', '-a', 'amd64', '-q']],
    'emu-missing-arg': [bpf([[0x20, 0, 0, 24], [0x15, 1, 0, 0], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]]), 'emu', ['read', '-a', 'amd64', '-q']],
    'emu-negative': [bpf([[0x20, 0, 0, 16], [0x15, 1, 0, 0xffffffff], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]]), 'emu', ['read', '-1', '-a', 'amd64', '-q']],
  };
  const cases = Object.entries(diffs).map(([id, [file, cmd, rest]]) => ({ id: `difference/${id}`, file, argv: [cmd, file.name, ...rest] }));
  const progs = {
    'return-arg0': [[0x20, 0, 0, 16], [0x16, 0, 0, 0]],
    'arg0-all-ones': [[0x20, 0, 0, 16], [0x15, 1, 0, 0xffffffff], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]],
    'arg1-high': [[0x20, 0, 0, 28], [0x15, 1, 0, 0xffffffff], [0x06, 0, 0, 0], [0x06, 0, 0, ALLOW]],
  };
  const argvs = [
    ['read', '-1'], ['read', '0', '-1'], ['read', '-12'], ['read', '-0x10'], ['read', '--', '-1'], ['read', '--', '0', '-1'],
    ['read', '--', '-4294967296'], ['read', '--', '-0x10'], ['read', '--', '-1_0'], ['read', '--', '-0b1'], ['read', '--', '-'],
    ['--', 'read', '-1', '-1'], ['-i', '-1', 'read', '0', '0'], ['read', '0x10', '-q'], ['-q', 'read', '--', '-1', '-q'],
  ];
  for (const [name, prog] of Object.entries(progs)) {
    argvs.forEach((argv, i) => cases.push({ id: `emu-argv/${name}/${i}`, file: bpf(prog), argv: ['emu', '-a', 'amd64', 'prog.bpf', ...argv] }));
  }
  const res = await runJobs(cases.map((c) => ({ id: c.id, argv: c.argv, files: { [c.file.name]: c.file.data.toString('base64') }, timeout: 10 })), 'cli');
  return cases.map((c) => ({ id: c.id, file: c.file.name, hex: c.file.data.toString('hex'), argv: c.argv, result: stored(res.get(c.id)) }));
}

function writeGz(name, doc) {
  const full = { tool: 'seccomp-tools 1.7.1', source: 'github.com/david942j/seccomp-tools v1.7.1 (MIT)', generator: 'scripts/gen-seccomp-tools-fixtures.mjs', seed: SEED, ...doc };
  const gz = gzipSync(JSON.stringify(full), { level: 9 });
  writeFileSync(join(OUT_DIR, name), gz);
  console.log(`wrote ${name}: ${(gz.length / 1024).toFixed(0)} KiB`);
}

await main();
