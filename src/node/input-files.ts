/**
 * The file-system side of the input door: reading an input file, the
 * includes of minijail and Kafel policies, and SPO base profiles, with this
 * machine's context. Core stays pure; the door calls these resolvers.
 *
 * Includes: a relative `@include ./x.policy` or `#include "x"` is read next
 * to the file that includes it; an absolute one as given. When that file
 * does not exist, each include directory (`-I DIR`, repeatable) is searched
 * for the file name, so crosvm's `@include /usr/share/policy/crosvm/common_device.policy`
 * resolves against a checkout with `-I seccomp/x86_64`.
 *
 * SPO base profiles: `baseProfileName: NAME` is read from NAME.yaml,
 * NAME.yml or NAME.json in the input's directory, never from elsewhere (the
 * core refuses names that are paths).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ResolveContext } from '../core/formats/context.js';
import type { BaseProfileResolver } from '../core/formats/spo.js';
import type { FileResolver } from '../core/formats/textsrc.js';
import { hostArch, hostKernelVersion } from './host.js';
import { readInputFile } from './input.js';
import { isSyswallError } from '../core/errors.js';

function readIfFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
    return new TextDecoder().decode(readInputFile(path, path));
  } catch (e) {
    if (isSyswallError(e)) throw e; // over the size limit
    return undefined;
  }
}

/** Reads included files: the path as resolved from the including file, else its file name in each include directory. */
export function includeResolver(includeDirs: readonly string[] = []): FileResolver {
  return (path: string) => {
    const direct = readIfFile(path);
    if (direct !== undefined) return direct;
    for (const dir of includeDirs) {
      const text = readIfFile(join(dir, basename(path)));
      if (text !== undefined) return text;
    }
    return undefined;
  };
}

/** Resolves SPO base profiles in the input file's directory (the current directory for stdin). */
export function baseProfileResolver(): BaseProfileResolver {
  return (name: string, from: string | undefined) => {
    const dir = from && from !== '-' && from !== '<stdin>' ? dirname(from) : '.';
    for (const ext of ['.yaml', '.yml', '.json']) {
      const p = join(dir, name + ext);
      if (existsSync(p)) {
        const text = readIfFile(p);
        if (text !== undefined) return { text, file: p };
      }
    }
    return undefined;
  };
}

/** This machine's context (arch and kernel) with the caller's overrides. */
export function hostContext(overrides: ResolveContext = {}): ResolveContext {
  const k = hostKernelVersion();
  return {
    arch: hostArch().name,
    ...(k[0] > 0 ? { kernel: `${k[0]}.${k[1]}` } : {}),
    ...overrides,
  };
}
