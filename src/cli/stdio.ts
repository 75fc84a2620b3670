/**
 * The CLI's standard streams: what syswall prints on a terminal must not be
 * able to drive the terminal (control characters from the input are
 * escaped), no line is unbounded (a 5 MB name in an input gives a short
 * error line), and a closed pipe (`syswall syscalls | head -1`) ends the
 * output quietly instead of with a stack trace.
 */

import { errnoWords } from '../core/arch/errno.js';

/** Longest line written to stderr; longer lines are cut with a note of how much was cut. */
export const MAX_STDERR_LINE = 1000;

// C0 controls except tab and newline, DEL, C1 controls, the Unicode line and
// paragraph separators and the bidirectional overrides and isolates (which
// can reorder what a terminal shows).
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  const named: Record<number, string> = { 0x0d: '\\r', 0x0b: '\\v', 0x0c: '\\f', 0x1b: '\\e', 0x00: '\\0' };
  if (named[n]) return named[n];
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** Escapes the characters that could drive a terminal (everything but tab and newline is kept printable). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Cuts a line longer than `max` characters, saying how many were cut. */
export function capLine(line: string, max = MAX_STDERR_LINE): string {
  if (line.length <= max) return line;
  let cut = max;
  // Do not split a surrogate pair.
  const c = line.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${line.slice(0, cut)}... [${line.length - cut} more characters]`;
}

/** Escapes and caps every line of a text (lines are separated by "\n"). */
export function safeText(text: string, max = MAX_STDERR_LINE): string {
  return text
    .split('\n')
    .map((l) => capLine(escapeControls(l), max))
    .join('\n');
}

// A progress line redrawn in place on a terminal: "\r" first, erase-to-end
// ("\x1b[K") last, printable text between. The only control sequences
// syswall itself writes.
const PROGRESS = /^(\r?)([^\x00-\x1f\x7f-\x9f]*)((?:\x1b\[K)?)$/;

/**
 * Makes text safe for stderr, keeping syswall's own progress-line controls
 * (a leading "\r", a trailing "\x1b[K") and escaping everything else.
 */
export function safeStderrText(text: string): string {
  const m = PROGRESS.exec(text);
  if (m && (m[1] || m[3])) return m[1] + capLine(escapeControls(m[2])) + m[3];
  return safeText(text);
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * A view of `stream` whose `write` of strings goes through
 * {@link safeStderrText}; everything else is the stream's own.
 */
export function terminalSafe<T extends Stream>(stream: T): T {
  const write = (chunk: unknown, ...rest: unknown[]): boolean =>
    (stream.write as (...a: unknown[]) => boolean).call(stream, typeof chunk === 'string' ? safeStderrText(chunk) : chunk, ...rest);
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** State of the process's standard output streams. */
export interface OutputState {
  /** The reader of stdout or stderr went away (EPIPE): output stops quietly. */
  closed: boolean;
  /** A write failed for another reason (ENOSPC, EIO): the run fails with exit 1. */
  failed?: string;
}

/**
 * Handles the errors of one output stream. A closed pipe (EPIPE, or a write
 * after it) marks the output closed and is otherwise ignored: the command
 * finishes with its own exit status, printing nothing more. Any other write
 * error is reported once on stderr (when it still works) and makes the exit
 * status 1.
 */
function guardStream(name: 'stdout' | 'stderr', s: NodeJS.WritableStream, stderr: () => NodeJS.WritableStream, state: OutputState, onFail?: () => void): void {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e?.code === 'EPIPE' || e?.code === 'ERR_STREAM_DESTROYED' || e?.code === 'ECONNRESET') {
      state.closed = true;
      return;
    }
    if (state.failed) return;
    state.failed = `cannot write to ${name}: ${(e?.code && errnoWords(e.code)) ?? e?.message ?? String(e)}`;
    if (name === 'stdout') {
      try {
        stderr().write(`syswall: error: ${safeText(state.failed)}\n`);
      } catch {
        // stderr is gone too: the exit status says it.
      }
    }
    onFail?.();
  });
}

/**
 * The process's stdout and stderr, guarded (guardStream above), but
 * each created (and guarded) only when first used: Node's stream for a pipe
 * makes the pipe non-blocking and costs a few milliseconds to set up, which
 * `syswall run` spares when it prints nothing before handing the process
 * to its sandbox (src/node/helper-exec.ts).
 */
export function lazyGuardedOutput(onFail?: () => void): { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; state: OutputState } {
  const state: OutputState = { closed: false };
  const ready = new Set<string>();
  const real = (name: 'stdout' | 'stderr'): NodeJS.WriteStream => {
    const s = process[name];
    if (!ready.has(name)) {
      ready.add(name);
      guardStream(name, s, () => real('stderr'), state, onFail);
    }
    return s;
  };
  const lazy = (name: 'stdout' | 'stderr') =>
    new Proxy({} as NodeJS.WriteStream, {
      get(_, prop) {
        const s = real(name);
        const v = Reflect.get(s, prop, s) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(s) : v;
      },
      set(_, prop, value) {
        return Reflect.set(real(name), prop, value);
      },
      has(_, prop) {
        return Reflect.has(real(name), prop);
      },
    });
  return { stdout: lazy('stdout'), stderr: lazy('stderr'), state };
}
