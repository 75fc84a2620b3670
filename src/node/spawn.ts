/**
 * The public entry to run a command under a seccomp filter: {@link spawn}
 * takes a compiled program or any policy form, compiles a policy for this
 * host (src/node/policy-source.ts) and starts the command through the
 * launcher (src/node/launch.ts, where the mechanism is described).
 */
import { launch, toProgramBytes, type SandboxedProcess, type SpawnOptions } from './launch.js';
import { programForHost } from './policy-source.js';
import { reachingSyscalls, sandboxGuard, withListenerGuard } from './isolation.js';

export { toProgramBytes, type ProgramSource, type RunResult, type SandboxedProcess, type SpawnOptions, type StdioEntry } from './launch.js';

/**
 * Starts `command args...` under a seccomp filter (or strict mode). Returns
 * at once; see {@link SandboxedProcess}. Throws synchronously only for bad
 * arguments (TypeError), invalid programs or policies, and a missing native
 * build.
 *
 * @example
 * const p = spawn('sh', ['-c', 'mkdir /tmp/x'], { program, stdio: 'inherit' });
 * const r = await p.result; // { exitCode: 1, signal: null, seccompKilled: false, ... }
 */
export function spawn(command: string, args: readonly string[] = [], options: SpawnOptions = {}): SandboxedProcess {
  if (options.policy !== undefined) {
    if (options.program !== undefined || options.strict) throw new TypeError('spawn: options.policy cannot be combined with program or strict');
    const h = programForHost(options.policy);
    const { policy: _policy, ...rest } = options;
    options = { ...rest, program: h.program, flags: ((options.flags ?? 0) | h.flags) >>> 0, noNewPrivs: options.noNewPrivs ?? h.noNewPrivs };
  }
  return launch(command, args, options, { sandboxGuard: guardBytes, withListenerGuard: (p) => withListenerGuard(p), reachingSyscalls: (p) => reachingSyscalls(p) });
}

let guardCache: Uint8Array | undefined;
/** The guard filter's bytes (src/node/isolation.ts, sandboxGuard), made once. */
function guardBytes(): Uint8Array {
  guardCache ??= toProgramBytes(sandboxGuard());
  return guardCache;
}
