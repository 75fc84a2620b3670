/**
 * Differential-test helpers: compile policies with libseccomp (Debian's
 * python3-seccomp through test/libseccomp/compile.py) and convert between
 * syswall's policy IR and the harness's JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProgram } from '../../src/core/bpf/codec.js';
import type { Instruction } from '../../src/core/bpf/instruction.js';
import { resolveArch } from '../../src/core/arch/arches.js';
import { actionValue as actionToValue } from '../../src/core/policy/actions.js';
import type { CmpOp, Policy } from '../../src/core/policy/types.js';
import { ROOT } from './cli.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(ROOT, 'test', 'libseccomp', 'compile.py');

/** Fails loudly when the reference is missing (CI installs it). */
export function requireLibseccomp(): void {
  const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import seccomp'], { encoding: 'utf8' }) : undefined;
  if (!r || r.status !== 0) {
    throw new Error('libseccomp reference missing: these differential tests need Debian\'s python3-seccomp (apt-get install python3-seccomp); /usr/bin/python3 must import seccomp');
  }
}

const OPS: Record<CmpOp, number> = { NE: 1, LT: 2, LE: 3, EQ: 4, GE: 5, GT: 6, MASKED_EQ: 7 };

export interface RefResult {
  ok: boolean;
  program?: Instruction[];
  /** libseccomp's PFC export of the same filter (when asked for). */
  pfc?: string;
  error?: string;
}

/** What else to ask the harness for. */
export interface RefOptions {
  /** Also export the PFC text. */
  pfc?: boolean;
  /** Set SCMP_FLTATR_API_TSKIP (rules on syscall -1). */
  tskip?: boolean;
}

/** Action values as the Python binding takes them (a C int: KILL_PROCESS is negative). */
const signed = (v: number) => v | 0;

/** The harness JSON for a policy (libseccomp's semantics: 64-bit compares; syscall 4294967295 becomes -1). */
export function toRefJson(p: Policy, optimize: 1 | 2 = 1, options: RefOptions = {}): string {
  return JSON.stringify({
    ...(options.pfc ? { pfc: true } : {}),
    ...(options.tskip ? { tskip: true } : {}),
    default: signed(actionToValue(p.defaultAction)),
    badarch: signed(actionToValue(p.badArchAction)),
    arches: p.arches,
    optimize,
    rules: p.rules.map((r) => ({
      action: signed(actionToValue(r.action)),
      syscall: r.syscall === 0xffffffff ? -1 : r.syscall,
      args: r.conditions.map((c) => (c.op === 'MASKED_EQ' ? [c.arg, OPS[c.op], (c.mask ?? 0n).toString(), c.value.toString()] : [c.arg, OPS[c.op], c.value.toString(), '0'])),
    })),
  }).replace(/"(-?\d+)"/g, '$1');
}

/** Compiles many policies with libseccomp in one python process. */
export function compileWithLibseccomp(policies: Policy[], optimize: 1 | 2 = 1, options: RefOptions = {}): RefResult[] {
  if (policies.length === 0) return [];
  const input = policies.map((p) => toRefJson(p, optimize, options)).join('\n') + '\n';
  const r = spawnSync(PYTHON, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`libseccomp harness failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return lines.map((line, i) => {
    const o = JSON.parse(line) as { ok: boolean; hex?: string; pfc?: string; error?: string };
    if (!o.ok) return { ok: false, error: o.error };
    const endian = resolveArch(policies[i].arches[0]).endian;
    const bytes = Uint8Array.from(o.hex!.match(/../g)!.map((h) => parseInt(h, 16)));
    return { ok: true, program: decodeProgram(bytes, { endian }), ...(o.pfc !== undefined ? { pfc: o.pfc } : {}) };
  });
}
