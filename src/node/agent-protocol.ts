/**
 * The OCI seccomp agent protocol, as runc (1.1) and crun send it: after
 * installing a filter with SCMP_ACT_NOTIFY rules, the runtime connects to
 * the profile's `listenerPath` (AF_UNIX, SOCK_STREAM) and sends one JSON
 * "container process state" with the listener fd(s) as SCM_RIGHTS.
 *
 * What the runtimes here actually do (runc 1.1.5, crun 1.8.1, checked by
 * test/agent-runc.test.ts): one sendmsg carrying the whole JSON and one fd;
 * runc writes compact JSON, crun pretty-printed JSON with a newline; neither
 * closes the connection after sending (runc leaks it until it exits; crun
 * connects before the container exists and keeps it), so the message ends
 * where its JSON object ends, not at end of stream. `state.status` is
 * "creating"; `pid` and `state.pid` are the container process's pid in the
 * runtime's pid namespace.
 *
 * Pure: scanning bytes for the end of the object and validating it. The
 * socket side lives in ./agent.ts.
 */

/** The container process state a runtime sends (the fields the agent uses). */
export interface ContainerProcessState {
  readonly ociVersion?: string;
  /** Names of the fds sent, in order (`seccompFd`). */
  readonly fds: readonly string[];
  /** The container process's pid (runtime's pid namespace). */
  readonly pid?: number;
  /** The profile's listenerMetadata. */
  readonly metadata?: string;
  readonly state: {
    readonly ociVersion?: string;
    readonly id: string;
    readonly status?: string;
    readonly pid?: number;
    readonly bundle?: string;
    readonly annotations: Readonly<Record<string, string>>;
  };
}

/** The fd name OCI gives the seccomp listener. */
export const SECCOMP_FD_NAME = 'seccompFd';

/**
 * Finds the end of the first JSON object in a growing buffer. Structural
 * characters are ASCII, so scanning bytes is exact for UTF-8 text.
 */
export class ObjectScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private pos = 0;

  /**
   * Scans `buf` (the whole message so far; it only grows) from where the
   * last call stopped. Returns the index just past the object's closing
   * brace, `undefined` when more bytes are needed, or an error message when
   * the bytes cannot be the start of a JSON object.
   */
  scan(buf: Uint8Array): number | undefined | { error: string } {
    for (; this.pos < buf.length; this.pos++) {
      const c = buf[this.pos];
      if (!this.started) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c !== 0x7b) return { error: `expected a JSON object, got ${describeByte(c)} at byte ${this.pos}` };
        this.started = true;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        else if (c < 0x20) return { error: `control character 0x${c.toString(16)} inside a JSON string at byte ${this.pos}` };
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++this.depth > 64) return { error: 'JSON nested more than 64 levels deep' };
      } else if (c === 0x7d || c === 0x5d) {
        if (--this.depth === 0) {
          this.pos++;
          return this.pos;
        }
      }
    }
    return undefined;
  }
}

function describeByte(c: number): string {
  return c >= 0x21 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Reads a complete message (the bytes of one JSON object). Returns the
 * state, or a one-line reason it is not a container process state.
 */
export function parseContainerState(bytes: Uint8Array): ContainerProcessState | { error: string } {
  let o: unknown;
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return { error: `garbage JSON: ${(e as Error).message.split('\n')[0]}` };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { error: 'not a JSON object' };
  const m = o as Record<string, unknown>;
  if (!Array.isArray(m.fds) || !m.fds.every((f) => typeof f === 'string')) return { error: '"fds" must be an array of fd names' };
  if (m.pid !== undefined && (!isInt(m.pid) || m.pid <= 0)) return { error: '"pid" must be a positive integer' };
  if (m.metadata !== undefined && typeof m.metadata !== 'string') return { error: '"metadata" must be a string' };
  if (m.ociVersion !== undefined && typeof m.ociVersion !== 'string') return { error: '"ociVersion" must be a string' };
  const s = m.state;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return { error: '"state" must be an object (the container state)' };
  const st = s as Record<string, unknown>;
  if (typeof st.id !== 'string' || st.id.length === 0) return { error: '"state.id" must be a non-empty string' };
  if (st.pid !== undefined && (!isInt(st.pid) || st.pid < 0)) return { error: '"state.pid" must be a non-negative integer' };
  for (const k of ['ociVersion', 'status', 'bundle'] as const) {
    if (st[k] !== undefined && typeof st[k] !== 'string') return { error: `"state.${k}" must be a string` };
  }
  const annotations: Record<string, string> = {};
  if (st.annotations !== undefined && st.annotations !== null) {
    if (typeof st.annotations !== 'object' || Array.isArray(st.annotations)) return { error: '"state.annotations" must be an object of strings' };
    for (const [k, v] of Object.entries(st.annotations as Record<string, unknown>)) {
      if (typeof v !== 'string') return { error: `"state.annotations" value of ${JSON.stringify(k).slice(0, 80)} must be a string` };
      annotations[k] = v;
    }
  }
  return {
    ...(typeof m.ociVersion === 'string' ? { ociVersion: m.ociVersion } : {}),
    fds: m.fds as string[],
    ...(isInt(m.pid) ? { pid: m.pid } : {}),
    ...(typeof m.metadata === 'string' ? { metadata: m.metadata } : {}),
    state: {
      id: st.id,
      ...(typeof st.ociVersion === 'string' ? { ociVersion: st.ociVersion } : {}),
      ...(typeof st.status === 'string' ? { status: st.status } : {}),
      ...(isInt(st.pid) ? { pid: st.pid } : {}),
      ...(typeof st.bundle === 'string' ? { bundle: st.bundle } : {}),
      annotations,
    },
  };
}

/**
 * Container ids the agent accepts: runc's own rule (letters, digits, `_`,
 * `+`, `-`, `.`) without a leading dot, at most 128 characters. The id names
 * the record file (`DIR/<id>.json`), so nothing else may get through.
 */
export function validContainerId(id: string): boolean {
  return /^[A-Za-z0-9_+-][A-Za-z0-9_+.-]{0,127}$/.test(id);
}

/** Kubernetes names of a container from its annotations (containerd's CRI keys and CRI-O's). */
export interface PodRef {
  pod?: string;
  namespace?: string;
  container?: string;
}

const POD_KEYS = {
  pod: ['io.kubernetes.pod.name', 'io.kubernetes.cri.sandbox-name'],
  namespace: ['io.kubernetes.pod.namespace', 'io.kubernetes.cri.sandbox-namespace'],
  container: ['io.kubernetes.container.name', 'io.kubernetes.cri.container-name'],
} as const;

/** The pod, namespace and container name from annotations, when present (at most 253 characters each). */
export function podRef(annotations: Readonly<Record<string, string>>): PodRef {
  const out: PodRef = {};
  for (const [field, keys] of Object.entries(POD_KEYS) as [keyof PodRef, readonly string[]][]) {
    for (const k of keys) {
      const v = annotations[k];
      if (typeof v === 'string' && v.length > 0) {
        out[field] = v.slice(0, 253);
        break;
      }
    }
  }
  return out;
}

/**
 * A value for a log line: as is when it is a plain name
 * (`[A-Za-z0-9_.:/@+-]`), else JSON-quoted, so nothing a container controls
 * (a process name, an annotation) can end a line or forge a field.
 */
export function logValue(v: string): string {
  if (/^[A-Za-z0-9_.:/@+=-]{1,256}$/.test(v)) return v;
  return escapeControls(JSON.stringify(v.length > 256 ? v.slice(0, 256) + '...' : v));
}

/** Escapes what JSON.stringify leaves alone but terminals and log tools may treat as line ends or controls (DEL, C1, U+2028/9). */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
