/**
 * Errors of syswall's Node runtime. Both are {@link SyswallError}s of kind
 * `runtime` (CLI exit 1).
 */
import { SyswallError, type SyswallErrorOptions } from '../core/errors.js';
import { errnoDisplayName, errnoMessage } from '../core/arch/errno.js';

/**
 * A native call (seccomp(2), prctl(2), recvmsg(2), ...) failed. `code` is the
 * errno name as Node's own system errors spell it (`'EINVAL'`, `'ENOSYS'`,
 * `'EACCES'`), `errno` its positive number, `syscall` the call that failed.
 */
export class NativeError extends SyswallError {
  readonly errno: number;
  readonly syscall: string;
  constructor(code: string, errno: number, syscall: string, message: string, options: SyswallErrorOptions = {}) {
    super(code, message, { kind: 'runtime', ...options });
    this.errno = errno;
    this.syscall = syscall;
  }
}
Object.defineProperty(NativeError.prototype, 'name', { value: 'NativeError', enumerable: false });

/** Where a sandboxed start failed (the helper's report stages). */
export type SandboxStage = 'usage' | 'program' | 'isolation' | 'caps' | 'nnp' | 'seccomp' | 'listener' | 'exec' | 'helper';

/**
 * A sandboxed command could not be started: the command was never run (the
 * helper fails closed). Codes: `EXEC_FAILED` (the command could not be
 * executed: not found, not executable, or execve denied by the filter),
 * `FILTER_FAILED` (no_new_privs or seccomp(2) refused, e.g. an invalid
 * program), `SANDBOX_SETUP_FAILED` (reading the program, passing the
 * listener, the helper itself). `errno` names the underlying error
 * (`'ENOENT'`) when there is one.
 */
export class SandboxError extends SyswallError {
  readonly stage: SandboxStage;
  readonly errno?: string;
  readonly command: string;
  constructor(code: string, stage: SandboxStage, command: string, message: string, errno?: string, options: SyswallErrorOptions = {}) {
    super(code, message, { kind: 'runtime', ...options });
    this.stage = stage;
    this.command = command;
    if (errno !== undefined) this.errno = errno;
  }
}
Object.defineProperty(SandboxError.prototype, 'name', { value: 'SandboxError', enumerable: false });

/** The errno name for a number (`EPERM`), from src/core's one errno table. */
export function errnoLabel(n: number): string {
  return errnoDisplayName(n) ?? `errno ${n}`;
}

/**
 * Converts an error thrown by the addon (a number in `errno`, the call in
 * `syscall`; the C code carries no errno names) into a {@link NativeError}
 * named with src/core's errno table.
 */
export function fromNativeError(e: unknown, hint?: string): unknown {
  if (e instanceof Error && typeof (e as any).errno === 'number' && typeof (e as any).syscall === 'string') {
    const err = e as Error & { errno: number; syscall: string; tid?: number };
    const name = errnoLabel(err.errno);
    const tid = typeof err.tid === 'number' ? `: thread ${err.tid} could not be synchronised (it has a diverging filter or seccomp mode)` : '';
    const message = `${err.syscall}: ${errnoMessage(err.errno)}${tid} (${name})`;
    return new NativeError(name, err.errno, err.syscall, message, { cause: e, ...(hint ? { hint } : {}) });
  }
  return e;
}
