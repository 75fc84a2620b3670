/**
 * Small helpers shared by the text policy languages (minijail, Kafel):
 * located errors, pure POSIX path joining for include directives, and the
 * result shape of the importers.
 */
import { PolicyError, type SourceLocation } from '../errors.js';
import type { Policy } from '../policy/types.js';
import type { FirstMatchEntry } from './firstmatch.js';
import type { PolicyWarning } from './reader.js';

/** Reads an included file; returns undefined when it does not exist. Core stays pure: the caller does the I/O. */
export type FileResolver = (path: string) => string | undefined;

/** What an importer returns. */
export interface ImportResult {
  readonly policy: Policy;
  readonly warnings: readonly PolicyWarning[];
  /** Syscall name -> relative frequency (minijail `@frequency`), to pass to compilePolicy's `frequencies`. */
  readonly frequencies?: Readonly<Record<string, number>>;
  /** For first-match dialects: each syscall's ordered rule list, as read (for explain and reference tests). */
  readonly firstMatch?: readonly { syscall: string | number; entries: readonly FirstMatchEntry[] }[];
}

/** A source position. */
export interface Pos {
  readonly file?: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Deepest nesting of parentheses, negations and complements the text
 * languages accept (as the JSON parser's default): deeper input is an error,
 * not a stack overflow.
 */
export const MAX_NESTING = 256;

/** Appends `src` to `dst` (`dst.push(...src)` overflows the stack for a few hundred thousand items). */
export function pushAll<T>(dst: T[], src: readonly T[]): void {
  for (const x of src) dst.push(x);
}

/** A location object for a position. */
export function locOf(p: Pos): SourceLocation {
  return { ...(p.file !== undefined ? { file: p.file } : {}), line: p.line, column: p.column };
}

/** An input error at `p`. */
export function errorAt(code: string, message: string, p: Pos, hint?: string): PolicyError {
  return new PolicyError(code, message, { location: locOf(p), ...(hint !== undefined ? { hint } : {}) });
}

/** `dirname(from)/rel`, normalised (POSIX). Absolute `rel` is kept. */
export function joinPath(from: string | undefined, rel: string): string {
  const base = rel.startsWith('/') ? '' : from && from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '.';
  const abs = rel.startsWith('/') || base.startsWith('/');
  const parts: string[] = [];
  for (const seg of `${base}/${rel}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (seg === '..' && abs) continue;
    else parts.push(seg);
  }
  const joined = parts.join('/');
  return abs ? '/' + joined : joined || '.';
}
