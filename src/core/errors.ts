/**
 * Errors of syswall's core. Every error carries a stable `code`, a `kind`
 * that tells the CLI how to exit (`input`: bad usage or input, exit 2;
 * `runtime`: a failure while running, exit 1), a message that names the input
 * location, an optional `hint` saying how to fix it, and a `cause` chain.
 */

/** Where in the input a problem was found. Lines and columns are 1-based. */
export interface SourceLocation {
  /** File name as the user gave it, or a label such as `<stdin>`. */
  file?: string;
  line?: number;
  column?: number;
  /** JSON path, e.g. `$.syscalls[3].args[0].op`. */
  path?: string;
  /** BPF instruction index. */
  pc?: number;
}

export type ErrorKind = 'input' | 'runtime';

export interface SyswallErrorOptions {
  kind?: ErrorKind;
  hint?: string;
  location?: SourceLocation;
  cause?: unknown;
}

/** Renders a location as `file:line:col`, `file: $.path` or `file: instruction N`. */
export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  let head = loc.file ?? '';
  if (loc.line !== undefined) {
    head += (head ? ':' : 'line ') + loc.line;
    if (loc.column !== undefined) head += ':' + loc.column;
  }
  if (head) parts.push(head);
  if (loc.path !== undefined) parts.push(loc.path);
  if (loc.pc !== undefined) parts.push(`instruction ${loc.pc}`);
  return parts.join(': ');
}

/** Base class of every error syswall throws on purpose. */
export class SyswallError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly location?: SourceLocation;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(code: string, message: string, options: SyswallErrorOptions = {}) {
    const where = formatLocation(options.location);
    super(where ? `${where}: ${message}` : message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    this.detail = message;
    this.kind = options.kind ?? 'input';
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.location !== undefined) this.location = options.location;
  }
}

/** Unknown architecture name or token. */
export class ArchError extends SyswallError {}
/** A syscall name or number that cannot be resolved. */
export class SyscallResolveError extends SyswallError {}
/** Malformed or kernel-invalid BPF (decode and validation errors). `location.pc` names the instruction. */
export class BpfError extends SyswallError {}
/** Assembly source errors; `location` has line and column. */
export class AsmError extends SyswallError {}
/** Policy input errors (JSON and other formats); `location` has a path or line. */
export class PolicyError extends SyswallError {}
/** Compilation errors (conflicting rules, program too large). */
export class CompileError extends SyswallError {}

// Stable names that survive minification (a bundler renames classes).
for (const [cls, name] of [
  [SyswallError, 'SyswallError'], [ArchError, 'ArchError'], [SyscallResolveError, 'SyscallResolveError'], [BpfError, 'BpfError'],
  [AsmError, 'AsmError'], [PolicyError, 'PolicyError'], [CompileError, 'CompileError'],
] as const) {
  Object.defineProperty(cls.prototype, 'name', { value: name, enumerable: false });
}

/** Type guard that also works across module copies (checks the shape). */
export function isSyswallError(e: unknown): e is SyswallError {
  return e instanceof SyswallError || (typeof e === 'object' && e !== null && typeof (e as any).code === 'string' && ((e as any).kind === 'input' || (e as any).kind === 'runtime'));
}
