/**
 * Real samples the fuzzers start from (fixtures, examples, built-in
 * profiles and test/fuzz/seeds/), and the dictionaries of each language.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { parseJson, type JsonNode } from '../../src/core/formats/json-parse.js';
import { RawNumber, type Tree } from './mutate.js';
import { SYSCALL_NAMES } from '../../src/core/arch/syscalls.js';

const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
const readBytes = (rel: string) => new Uint8Array(readFileSync(join(ROOT, rel)));
const files = (dir: string, re: RegExp) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => re.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);

/** JSON policies: OCI, Docker/moby, containers-common, syswall (small ones first: cheaper cases). */
export const JSON_POLICY_FILES = [
  ...files('test/fuzz/seeds', /\.json$/).filter((f) => !/freq/.test(f)),
  ...files('test/fixtures/weak-policies', /\.json$/),
  'test/fixtures/docker-default.json',
  'data/profiles/default/x86_64.json',
];
export const JSON_POLICIES = JSON_POLICY_FILES.map(read);
export const FIRECRACKER = [read('test/fixtures/formats/firecracker.json')];
export const YAML_POLICIES = files('test/fixtures/formats', /\.yaml$/).map(read);
export const MINIJAIL = [...files('test/fixtures/formats', /\.policy$/), ...files('test/fuzz/seeds', /\.policy$/)].map(read);
export const KAFEL = [...files('test/fixtures/formats', /\.kafel$/), ...files('test/fuzz/seeds', /\.kafel$/)].map(read);
export const ASSEMBLY = [
  'examples/sample.asm',
  ...files('test/fixtures/seccomp-tools', /\.(asm|disasm\.txt)$/),
  ...files('test/fuzz/seeds', /\.asm$/),
].map(read);
export const RAW_PROGRAMS = [
  readBytes('examples/sample.bpf'),
  ...files('test/fixtures/seccomp-tools', /\.bpf$/).map(readBytes),
];
export const FREQUENCIES = [read('test/fixtures/formats/device.frequency'), read('test/fuzz/seeds/freq.json'), read('test/fuzz/seeds/freq.txt')];

/** A located JSON node as a mutable tree (numbers kept exact). */
function toTree(n: JsonNode): Tree {
  switch (n.type) {
    case 'object':
      return Object.fromEntries(n.entries.map((e) => [e.key, toTree(e.value)]));
    case 'array':
      return n.items.map(toTree);
    case 'number':
      return new RawNumber(n.raw);
    case 'string':
      return n.value;
    case 'boolean':
      return n.value;
    default:
      return null;
  }
}

/** Parses a JSON sample into a tree. */
export function jsonTree(text: string): Tree {
  return toTree(parseJson(text));
}

/** Every object key in the samples. */
export function keysOf(trees: readonly Tree[]): string[] {
  const out = new Set<string>();
  const walk = (t: Tree) => {
    if (Array.isArray(t)) t.forEach(walk);
    else if (t && typeof t === 'object' && !(t instanceof RawNumber)) {
      for (const [k, v] of Object.entries(t)) {
        out.add(k);
        walk(v);
      }
    }
  };
  trees.forEach(walk);
  return [...out].sort();
}

/** Every string value in the samples. */
export function stringsOf(trees: readonly Tree[]): string[] {
  const out = new Set<string>();
  const walk = (t: Tree) => {
    if (typeof t === 'string') out.add(t);
    else if (Array.isArray(t)) t.forEach(walk);
    else if (t && typeof t === 'object' && !(t instanceof RawNumber)) Object.values(t).forEach(walk);
  };
  trees.forEach(walk);
  return [...out].sort();
}

/** Action spellings of the dialects (OCI, syswall, minijail, Kafel, Firecracker). */
export const ACTION_NAMES = [
  'SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_FROB',
  'allow', 'kill-process', 'kill-thread', 'kill', 'trap', 'trap(7)', 'errno(EPERM)', 'errno', 'log', 'trace', 'user-notify', 'notify',
  'ALLOW', 'KILL', 'KILL_PROCESS', 'DENY', 'LOG', 'USER_NOTIF', 'ERRNO(1)', 'TRAP(5)', 'TRACE(4096)', 'ERRNO(4096)',
];

/** Words every policy language shares: a sample of syscall names, actions, arches, errnos, ops, and a few keys of other dialects. */
export const COMMON_WORDS = [
  ...SYSCALL_NAMES.filter((_, i) => i % 25 === 0),
  'read', 'write', 'execve', 'socket', 'clone', 'clone3', 'ioctl', 'mmap', 'openat', 'personality', 'socketcall', 'ipc', '_llseek', 'arm_fadvise64_64',
  ...ACTION_NAMES,
  'x86_64', 'x86', 'x32', 'i386', 'amd64', 'aarch64', 'arm64', 'arm', 'riscv64', 'ppc64le', 's390x', 'mips', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_NATIVE', 'vax',
  'EPERM', 'ENOSYS', 'EACCES', 'ENOENT', 'E2BIG', 'EFROB',
  'SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ', 'eq', 'ne', 'gt', 'masked_eq',
  'CAP_SYS_ADMIN', 'CAP_SYS_ADMN', 'ALL', '@default', '@mount', '@basic-io', '@nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];
