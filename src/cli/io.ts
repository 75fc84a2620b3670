/** Small I/O helpers shared by CLI commands. */
import { isSyswallError, SyswallError } from '../core/errors.js';
import { writeOutputFile } from '../node/output.js';
import { readInputFile } from '../node/input.js';

/** Reads a file (or stdin for `-`) of at most 4 MiB (docs/limits.md), turning fs errors into one-line input errors. */
export function readInput(path: string): Uint8Array {
  try {
    return path === '-' ? readInputFile(0, '<stdin>') : readInputFile(path, path);
  } catch (e) {
    if (isSyswallError(e)) throw e;
    throw fsError(e, path, 'read');
  }
}

/** Reads a text file (or stdin for `-`). */
export function readTextInput(path: string): string {
  return new TextDecoder().decode(readInput(path));
}

/**
 * Writes every `-o` output of every command: a regular file through a random
 * O_EXCL temp file and rename (keeping an existing file's mode), a device or
 * FIFO (`/dev/null`, `/dev/stdout`) written through and never replaced, and
 * no planted symbolic link followed (src/node/output.ts).
 */
export function writeOutput(path: string, data: string | Uint8Array): void {
  writeOutputFile(path, data);
}

/** Converts a Node fs error into a SyswallError naming the file. */
export function fsError(e: unknown, path: string, verb: string): SyswallError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : code === 'ENOTDIR' ? 'a parent is not a directory'
    : code === 'EEXIST' ? 'a file of that name exists'
    : (e as Error)?.message ?? String(e);
  return new SyswallError(code ? `FS_${code}` : 'FS_ERROR', `cannot ${verb} ${path}: ${why}`, { kind: 'input', cause: e });
}

/** Writes a line to a stream. */
export function println(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(text + '\n');
}
