/**
 * The built-in default profile and the `{ policy }` forms of spawn() and
 * loadFilter(). Filters load only in child processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error - plain JS generator script, no types
import { generate, OUT_DIR } from '../scripts/gen-default-profile.mjs';
import { ARCHES, resolveArch, type ArchInfo } from '../src/core/arch/arches.js';
import { syscallName, syscallNumber } from '../src/core/arch/syscalls.js';
import { INT_ARGS } from '../src/core/analyze/lint.js';
import { withSocketcallGuard } from '../src/node/isolation.js';
import * as C from '../src/core/bpf/constants.js';
import { encodeProgram } from '../src/core/bpf/codec.js';
import { seccompDataWords } from '../src/core/bpf/data.js';
import type { Instruction } from '../src/core/bpf/instruction.js';
import { runWords } from '../src/core/bpf/interpreter.js';
import { compilePolicy } from '../src/core/compile/compile.js';
import { DOCKER_DEFAULT_CAPS, MOBY_NATIVE } from '../src/core/formats/context.js';
import { parsePolicyText } from '../src/core/formats/parse.js';
import { policy } from '../src/core/policy/builder.js';
import type { Policy } from '../src/core/policy/types.js';
import { hostArch } from '../src/node/host.js';
import { applyOverrides, builtinProfilePath, loadProfile, programForHost } from '../src/node/policy-source.js';
import { spawn } from '../src/node/spawn.js';
import { ROOT } from './helpers/cli.js';
import { collect, tempDir } from './helpers/runtime.js';

const DOCKER = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
const dockerFor = (arch: string) => parsePolicyText(DOCKER, { file: 'docker-default.json', context: { arch, kernel: [6, 1], caps: DOCKER_DEFAULT_CAPS } }).policy;
const defaultFor = (arch: string) => loadProfile('default', { arch: resolveArch(arch) }).policy;

/** Argument values around every constant the policies compare with. */
function probeValues(...ps: Policy[]): bigint[] {
  const out = new Set<bigint>([0n, 1n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn, 0x8000000000000000n]);
  const M = 0xffffffffffffffffn;
  for (const p of ps) {
    for (const r of p.rules) {
      for (const c of r.conditions) {
        for (const v of [c.value, c.mask ?? 0n]) {
          for (const d of [v - 1n, v, v + 1n, v | (1n << 32n), v ^ M]) out.add(d & M);
          for (let b = 0n; b < 64n; b++) if ((v >> b) & 1n) out.add(1n << b);
        }
      }
    }
  }
  return [...out];
}

/** Every (arch token, nr) the kernel could hand a filter for these arches, with a bogus arch. */
function probeNumbers(arches: readonly ArchInfo[]): { arch: number; nr: number }[] {
  const out: { arch: number; nr: number }[] = [];
  const tokens = new Set(arches.map((a) => a.token));
  for (const t of tokens) {
    for (let nr = 0; nr < 1024; nr++) out.push({ arch: t, nr });
    for (const a of arches.filter((x) => x.token === t)) {
      const base = (a.x32 ? 0x40000000 : 0) + a.nrBase;
      if (base) for (let nr = 0; nr < 1024; nr++) out.push({ arch: t, nr: (base + nr) >>> 0 });
    }
    for (const nr of [0x3fffffff, 0x40000000 - 1, 0x7fffffff, 0xffffffff]) out.push({ arch: t, nr });
  }
  out.push({ arch: ARCHES.sh.token, nr: 1 }, { arch: 0, nr: 0 });
  return out;
}

/**
 * Where syswall's default deliberately differs from Docker's (stated in
 * scripts/gen-default-profile.mjs and docs/runtime.md): arguments the kernel
 * reads as 32-bit ints are compared on their low 32 bits. So the default must
 * decide as Docker's does for the same call with those upper halves cleared.
 */
function asKernelReads(arch: number, nr: number, args: bigint[]): bigint[] {
  const info = Object.values(ARCHES).find((a) => a.token === arch && !!a.x32 === ((nr & 0x40000000) !== 0) && a.bits === 64);
  const name = info ? syscallName(info, nr) : undefined;
  const ints = name ? INT_ARGS[name] : undefined;
  if (!ints) return args;
  return args.map((v, i) => (ints.includes(i) ? v & 0xffffffffn : v));
}

/**
 * Asserts two programs decide alike on every probe (the first as the kernel
 * reads 32-bit int arguments, see {@link asKernelReads}); returns the number
 * of inputs compared and how many of them the deliberate difference decided.
 */
function expectSameDecisions(a: readonly Instruction[], b: readonly Instruction[], arches: readonly ArchInfo[], values: bigint[], argsToVary = 2): { n: number; differ: number } {
  const endian = arches[0].endian;
  let n = 0;
  let differ = 0;
  for (const { arch, nr } of probeNumbers(arches)) {
    const check = (args: bigint[]) => {
      const w = seccompDataWords({ nr, arch, args, ip: 0x7fff0000n }, endian);
      const x = runWords(a, w);
      const y = runWords(b, seccompDataWords({ nr, arch, args: asKernelReads(arch, nr, args), ip: 0x7fff0000n }, endian));
      if (x !== y) throw new Error(`arch 0x${arch.toString(16)} nr ${nr} args [${args.join(', ')}]: default 0x${x.toString(16)} vs Docker 0x${y.toString(16)}`);
      if (runWords(b, w) !== y) differ++;
      n++;
    };
    check([0n, 0n, 0n, 0n, 0n, 0n]);
    for (let i = 0; i < argsToVary; i++) {
      for (const v of values) {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[i] = v;
        check(args);
      }
    }
  }
  return { n, differ };
}

describe('the built-in default profile', () => {
  it('is what scripts/gen-default-profile.mjs generates from docker-default.json', async () => {
    const files: Record<string, string> = await generate();
    expect(readdirSync(OUT_DIR).sort()).toEqual(Object.keys(files).map((a) => `${a}.json`).sort());
    for (const [arch, text] of Object.entries(files)) expect(readFileSync(join(OUT_DIR, `${arch}.json`), 'utf8'), arch).toBe(text);
    expect(Object.keys(files).sort()).toEqual(Object.keys(MOBY_NATIVE).sort());
  });

  it("is syswall's own format, with attribution", () => {
    const text = readFileSync(builtinProfilePath('default', ARCHES.x86_64), 'utf8');
    const r = parsePolicyText(text, { file: 'x86_64.json' });
    expect(r.kind).toBe('syswall');
    expect(r.policy.comment).toMatch(/GENERATED.*moby\/profiles.*Apache-2\.0/);
    expect(r.policy.arches).toEqual(['x86_64', 'x86', 'x32']);
  });

  it("decides exactly as Docker's default resolved for amd64 with default caps, except that 32-bit int arguments are read as the kernel reads them (x86_64, x86, x32; nr 0..1023; args around every constant)", () => {
    const docker = dockerFor('amd64');
    const mine = defaultFor('x86_64');
    const a = compilePolicy(mine).instructions;
    const b = compilePolicy(docker).instructions;
    const arches = mine.arches.map((x) => resolveArch(x));
    const { n, differ } = expectSameDecisions(a, b, arches, probeValues(docker, mine), 6);
    expect(n).toBeGreaterThan(500_000);
    // The difference is real: Docker's upper-half decisions (socket, personality) differ on these inputs.
    expect(differ).toBeGreaterThan(0);
  });

  it('is the generated policy file; i386 socketcall(SYS_SOCKET) is refused by a guard the runtime puts in front (a policy cannot say it)', () => {
    const prog = withSocketcallGuard(compilePolicy(defaultFor('x86_64')).instructions, C.SECCOMP_RET_ERRNO | 1);
    const dec = (arch: ArchInfo, nr: number, a0: bigint) => runWords(prog, seccompDataWords({ nr, arch: arch.token, args: [a0, 0x1000n, 0n, 0n, 0n, 0n] }));
    expect(dec(ARCHES.x86, 102, 1n)).toBe(C.SECCOMP_RET_ERRNO | 1); // SYS_SOCKET
    expect(dec(ARCHES.x86, 102, 0x1_00000001n)).toBe(C.SECCOMP_RET_ERRNO | 1); // only the low half counts
    expect(dec(ARCHES.x86, 102, 3n)).toBe(C.SECCOMP_RET_ALLOW); // SYS_CONNECT: Docker's decision
    expect(dec(ARCHES.x86_64, 41, 2n)).toBe(C.SECCOMP_RET_ALLOW);
  });

  it('the comparison notices a changed argument constant (it is not vacuous)', () => {
    const docker = dockerFor('amd64');
    const mine = defaultFor('x86_64');
    const changed: Policy = { ...mine, rules: mine.rules.map((r) => (r.syscall === 'personality' && r.conditions[0]?.value === 8n ? { ...r, conditions: [{ ...r.conditions[0], value: 9n }] } : r)) };
    const arches = mine.arches.map((x) => resolveArch(x));
    expect(() => expectSameDecisions(compilePolicy(changed).instructions, compilePolicy(docker).instructions, arches, probeValues(docker, mine), 1)).toThrow(/args \[8, /);
    // And a default that kept Docker's 64-bit compare would be noticed too.
    expect(() => expectSameDecisions(compilePolicy(docker).instructions, compilePolicy(docker).instructions, arches, probeValues(docker, mine), 1)).toThrow(/nr 41 args \[42949673\d\d,/); // socket with a family above 2^32
  });

  it.each(Object.keys(MOBY_NATIVE).filter((a) => a !== 'x86_64'))("decides as Docker's default on a %s host", (arch) => {
    const docker = dockerFor(arch);
    const mine = defaultFor(arch);
    expect(mine.arches).toEqual(docker.arches);
    const arches = mine.arches.map((x) => resolveArch(x));
    expectSameDecisions(compilePolicy(mine).instructions, compilePolicy(docker).instructions, arches, probeValues(docker, mine), 2);
  });

  it('keeps clone on arg 1 on s390x and on arg 0 elsewhere (why there is one file per host arch)', () => {
    const clone = (p: Policy) => p.rules.filter((r) => r.syscall === 'clone').map((r) => r.conditions.map((c) => c.arg));
    expect(clone(defaultFor('s390x'))).toEqual([[1]]);
    expect(clone(defaultFor('x86_64'))).toEqual([[0]]);
  });

  it('allows read, denies kexec_load with EPERM, answers clone3 and unknown numbers with ENOSYS', () => {
    const prog = compilePolicy(defaultFor('x86_64')).instructions;
    const dec = (name: string | number, arch: ArchInfo = ARCHES.x86_64) => {
      const nr = typeof name === 'number' ? name : syscallNumber(arch, name)!;
      return runWords(prog, seccompDataWords({ nr, arch: arch.token, args: [0n, 0n, 0n, 0n, 0n, 0n] }));
    };
    expect(dec('read')).toBe(C.SECCOMP_RET_ALLOW);
    expect(dec('read', ARCHES.x32)).toBe(C.SECCOMP_RET_ALLOW);
    expect(dec('kexec_load')).toBe(C.SECCOMP_RET_ERRNO | 1);
    expect(dec('clone3')).toBe(C.SECCOMP_RET_ERRNO | 38);
    expect(dec(1000)).toBe(C.SECCOMP_RET_ERRNO | 38);
    expect(dec(0x40000000 + 1000, ARCHES.x32)).toBe(C.SECCOMP_RET_ERRNO | 38);
  });

  it('has an unknown-name error for other built-in names', () => {
    expect(() => builtinProfilePath('nope')).toThrow(/unknown built-in profile "nope"/);
  });
});

describe('--allow / --deny layers', () => {
  const base = defaultFor(hostArch().name);
  const decide = (p: Policy, name: string, arg0 = 0n) => {
    const prog = compilePolicy(p).instructions;
    const arch = resolveArch(p.arches[0]);
    return runWords(prog, seccompDataWords({ nr: syscallNumber(arch, name)!, arch: arch.token, args: [arg0, 0n, 0n, 0n, 0n, 0n] }, arch.endian));
  };

  it('allow replaces the profile rules (conditions too); deny wins over allow', () => {
    expect(decide(base, 'socket', 40n)).toBe(C.SECCOMP_RET_ERRNO | 1);
    const p = applyOverrides(base, { allow: ['socket', '@mount', 'kexec_load'], deny: ['kexec_load', 'write'] });
    expect(decide(p, 'socket', 40n)).toBe(C.SECCOMP_RET_ALLOW);
    expect(decide(p, 'mount')).toBe(C.SECCOMP_RET_ALLOW);
    expect(decide(p, 'kexec_load')).toBe(C.SECCOMP_RET_ERRNO | 1);
    expect(decide(p, 'write')).toBe(C.SECCOMP_RET_ERRNO | 1);
    expect(decide(p, 'read')).toBe(C.SECCOMP_RET_ALLOW);
  });

  it('deny uses ERRNO(EPERM) when the profile allows by default', () => {
    const p = applyOverrides(policy({ default: 'allow', arches: [hostArch().name] }).build(), { deny: ['@network-io'] });
    expect(decide(p, 'connect')).toBe(C.SECCOMP_RET_ERRNO | 1);
    expect(decide(p, 'read')).toBe(C.SECCOMP_RET_ALLOW);
  });

  it('rejects unknown names and groups with a hint', () => {
    expect(() => applyOverrides(base, { deny: ['mkdri'] })).toThrow(/--deny: unknown syscall "mkdri"/);
    expect(() => applyOverrides(base, { allow: ['@nope'] })).toThrow(/unknown syscall group "@nope"/);
  });
});

describe('spawn({ policy }) and loadFilter(policy)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('syswall-api-');
  });
  const host = hostArch().name;
  const denyMkdir = () => policy({ default: 'allow', arches: [host] }).errno('EACCES', 'mkdir', 'mkdirat');

  async function mkdirUnder(opts: Parameters<typeof spawn>[2], sub: string) {
    const p = spawn('sh', ['-c', `mkdir ${join(dir, sub)} 2>&1; echo rc=$?`], opts);
    const [out, r] = await Promise.all([collect(p.stdout), p.result]);
    return { out, r };
  }

  it.each([
    ['a builder', () => denyMkdir()],
    ['a Policy', () => denyMkdir().build()],
    ['a parsed profile', () => parsePolicyText(JSON.stringify({ comment: 'x', defaultAction: 'allow', architectures: [host], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'errno(EACCES)' }] }))],
    ['a CompiledFilter', () => compilePolicy(denyMkdir().build())],
    ['an Instruction[]', () => compilePolicy(denyMkdir().build()).instructions],
    ['bytes', () => encodeProgram(compilePolicy(denyMkdir().build()).instructions, hostArch().endian)],
  ])('takes %s', async (what, make) => {
    const { out, r } = await mkdirUnder({ policy: make() as any }, what.replace(/\W/g, '_'));
    expect(out).toMatch(/Permission denied/);
    expect(out).toContain('rc=1');
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, what.replace(/\W/g, '_')))).toBe(false);
  });

  it('applies the policy flags (LOG) and rejects a policy without the host arch', async () => {
    expect(programForHost(policy({ default: 'allow', arches: [host] }).build()).flags).toBe(0);
    const other = host === 'aarch64' ? 'x86_64' : 'aarch64';
    expect(() => spawn('true', [], { policy: policy({ default: 'allow', arches: [other] }) })).toThrow(/not this host's arch/);
    expect(() => spawn('true', [], { policy: denyMkdir(), program: [] })).toThrow(TypeError);
  });

  it('a minijail profile read through the door keeps its @frequency weights: programForHost compiles what compile does', () => {
    const d = tempDir('syswall-freq-api-');
    writeFileSync(join(d, 'w.frequency'), 'getuid: 1000\nrt_sigreturn: 500\n');
    const rules = ['read', 'write', 'getuid', 'brk', 'execve', 'exit_group', 'rt_sigreturn', 'mprotect'].map((n) => `${n}: 1`).join('\n');
    writeFileSync(join(d, 'w.policy'), `@frequency ./w.frequency\n${rules}\n`);
    const loaded = loadProfile(join(d, 'w.policy'));
    expect(loaded.frequencies).toEqual({ getuid: 1000, rt_sigreturn: 500 });
    const withWeights = programForHost(loaded).program;
    expect(withWeights).toEqual(compilePolicy(loaded.policy, { frequencies: loaded.frequencies }).instructions);
    // Control: the weights change the program.
    expect(withWeights).not.toEqual(programForHost(loaded.policy).program);
    rmSync(d, { recursive: true, force: true });
  });

  it('loadFilter(policy builder) in a child Node process denies mkdir afterwards', () => {
    const entry = pathToFileURL(join(ROOT, 'dist', 'node', 'index.js')).href;
    const core = pathToFileURL(join(ROOT, 'dist', 'core', 'index.js')).href;
    const script = join(dir, 'lock.mjs');
    writeFileSync(script, `
import { loadFilter } from ${JSON.stringify(entry)};
import { policy } from ${JSON.stringify(core)};
import fs from 'node:fs';
const d = process.argv[2];
const t = (p) => { try { fs.mkdirSync(p); return 'ok'; } catch (e) { return e.code; } };
const before = t(d + '/before');
loadFilter(policy({ default: 'allow', arches: [${JSON.stringify(host)}] }).errno('EACCES', 'mkdir', 'mkdirat'));
const after = t(d + '/after');
const pool = await fs.promises.mkdir(d + '/pool').then(() => 'ok', (e) => e.code);
console.log(JSON.stringify({ before, after, pool }));
`);
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ before: 'ok', after: 'EACCES', pool: 'EACCES' });
  });
});
