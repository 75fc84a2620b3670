/** Docker's default profile resolved for amd64, restricted to syscalls Debian's libseccomp 2.5.4 knows. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parsePolicyText } from '../../src/core/formats/index.js';
import type { Policy } from '../../src/core/policy/types.js';
import { ROOT } from './cli.js';
import { resolveArch } from '../../src/core/arch/arches.js';
import { syscallNumber } from '../../src/core/arch/syscalls.js';
import { PYTHON } from './libseccomp-compile.js';

/** Names libseccomp (the reference) can resolve; syscalls newer than its table are unknown to it. */
export function libseccompKnows(names: string[], arches: string[] = ['x86_64', 'x86', 'x32']): Set<string> {
  // libseccomp's number for each (arch, name); -1 = unknown name, negative = absent on the arch.
  const script = `import json,sys,seccomp\nq=json.load(sys.stdin)\nout={}\nfor n in q['names']:\n  out[n]={a: seccomp.resolve_syscall(getattr(seccomp.Arch, a.upper()), n) for a in q['arches']}\nprint(json.dumps(out))`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ names, arches }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error('python3-seccomp needed (apt-get install python3-seccomp): ' + r.stderr);
  const table = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
  // Keep names whose numbers libseccomp's (older) table and ours agree on, for every arch.
  return new Set(names.filter((n) => arches.every((a) => {
    const theirs = table[n][a];
    if (theirs === -1) return false;
    const arch = resolveArch(a);
    const ours = syscallNumber(arch, n);
    // libseccomp resolves socket/IPC calls to socketcall/ipc on multiplexing arches.
    if (arch.socketcall !== undefined && (theirs === arch.socketcall || theirs === arch.ipc)) return true;
    return theirs < 0 ? ours === undefined : ours === (theirs >>> 0);
  })));
}

export function dockerDefaultAmd64(): { policy: Policy; dropped: string[] } {
  const text = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');
  const { policy } = parsePolicyText(text, { file: 'docker-default.json', context: { arch: 'x86_64', kernel: [6, 18] } });
  const names = [...new Set(policy.rules.map((r) => String(r.syscall)))];
  const known = libseccompKnows(names);
  const dropped = names.filter((n) => !known.has(n));
  return { policy: { ...policy, rules: policy.rules.filter((r) => known.has(String(r.syscall))) }, dropped };
}
