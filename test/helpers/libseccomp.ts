/**
 * Reference filters from libseccomp (Debian's python3-seccomp, through
 * /usr/bin/python3). Fails loudly when the binding is missing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { decodeProgram } from '../../src/core/bpf/codec.js';
import type { Instruction } from '../../src/core/bpf/instruction.js';
import { ROOT } from './cli.js';

export interface LibseccompArg { arg: number; op: 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ'; a: number | bigint; b?: number | bigint }
export interface LibseccompRule { action: string; syscall: string; args?: LibseccompArg[] }
export interface LibseccompSpec {
  arches?: string[];
  default?: string;
  badarch?: string;
  optimize?: 1 | 2;
  rules?: LibseccompRule[];
  /** Load a Docker profile (resolved for `arch`, default caps none). */
  docker?: { profile: string; arch?: string; caps?: string[] };
}

/** Compiles `spec` with libseccomp and returns the raw little-endian BPF bytes. */
export function libseccompBytes(spec: LibseccompSpec): Uint8Array {
  const json = JSON.stringify(spec, (_k, v) => (typeof v === 'bigint' ? '__big__' + v : v)).replace(/"__big__(\d+)"/g, '$1');
  const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/helpers/libseccomp_export.py')], { input: json, maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) {
    throw new Error(`libseccomp reference failed (need Debian's python3-seccomp: apt-get install python3-seccomp): ${r.error?.message ?? ''} ${String(r.stderr)}`);
  }
  return new Uint8Array(r.stdout);
}

/** Same, decoded. */
export function libseccompProgram(spec: LibseccompSpec): Instruction[] {
  return decodeProgram(libseccompBytes(spec));
}

/** The Docker default profile fixture (test/fixtures/docker-default.json). */
export const DOCKER_PROFILE = join(ROOT, 'test/fixtures/docker-default.json');
