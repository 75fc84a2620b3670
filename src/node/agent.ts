/**
 * `syswall agent`: a long-running OCI seccomp agent. Container runtimes
 * (runc, crun; Kubernetes through containerd or CRI-O) hand it each
 * container's seccomp listener over a unix socket (the profile's
 * `listenerPath`, see ./agent-protocol.ts); the agent then decides every
 * call the container's filter routes to it:
 *
 * - explain: by the container's original policy (carried in the profile's
 *   listenerMetadata, see ./agent-profile.ts), applied faithfully (the
 *   policy's errno, kill, ...), and each denial logged as one line naming
 *   the container (id, pod and namespace from annotations), the process,
 *   the decoded call and the rule, with the same decoder and wording as
 *   `syswall run --explain`;
 * - record: every routed call is allowed and recorded; when the container's
 *   last process exits, its minimal profile is written to
 *   `DIR/<container-id>.json`, merged with what an earlier run left there.
 *
 * Many containers at once, each with its own listener and supervisor; a bad
 * peer (garbage, no fd, the wrong kind of fd, a hang-up, silence, too much
 * data, a user other than root) costs one log line and its connection, and
 * never touches other containers. When the agent refuses a container or
 * dies, the kernel answers that container's routed calls with ENOSYS:
 * nothing the policy denies is ever allowed.
 */
import { closeSync, lstatSync, readFileSync, readlinkSync, unlinkSync, writeSync } from 'node:fs';
import { ERRNO } from '../core/arch/errno.js';
import { PolicyError, SyswallError } from '../core/errors.js';
import { readInput } from '../core/formats/door.js';
import { exportSyswall } from '../core/formats/export.js';
import { mergePolicies, Recording, recordingToPolicy } from '../core/policy/recording.js';
import type { Action, Policy, Rule } from '../core/policy/types.js';
import { findArch } from '../core/arch/arches.js';
import { syscallNumber } from '../core/arch/syscalls.js';
import { validatePolicy } from '../core/policy/validate.js';
import { acceptPeer, receive, unixListen, watchFd, type AcceptedPeer } from './agent-native.js';
import { decodeAgentMetadata, isAgentMetadata, RECORD_KEPT, type AgentMode, type AgentPolicy } from './agent-profile.js';
import { escapeControls, logValue, ObjectScanner, parseContainerState, podRef, SECCOMP_FD_NAME, validContainerId, type ContainerProcessState, type PodRef } from './agent-protocol.js';
import { prepareRecordDir, prepareSocketPath, readRecord, writeRecord } from './agent-files.js';
import { explainCall, type ExplainedCall } from './explain.js';
import { supervise, type Decision, type SyscallEvent, type Supervisor } from './supervisor.js';

const ENOSYS = ERRNO.ENOSYS;
const SECCOMP_NOTIFY_KIND = 'anon_inode:seccomp notify';
const RUNC_STUB_BY = "runc's ENOSYS stub (above the highest syscall number the profile names)";

/** A container as the agent names it in lines and events. */
export interface ContainerRef extends PodRef {
  id: string;
  /** `--listener-metadata` label of its profile. */
  label?: string;
}

/** Who connected (SO_PEERCRED) and what it runs. */
export interface PeerRef {
  pid: number;
  uid: number;
  /** /proc/PID/comm of the peer (e.g. runc, crun), when readable. */
  comm?: string;
}

/** What the agent reports; one log line each. */
export type AgentEvent =
  | { event: 'listening'; socket: string; record?: string }
  | { event: 'attached'; container: ContainerRef; mode: AgentMode; runtime: string; policy?: string; pid?: number; peer: PeerRef }
  | { event: 'denied'; container: ContainerRef; comm?: string; call: ExplainedCall }
  | { event: 'suppressed'; container: ContainerRef; count: number; rate: number }
  | { event: 'exited'; container: ContainerRef; mode: AgentMode; denied: number; suppressed: number; summary: { syscall: string; action: string; count: number }[]; calls?: number }
  | { event: 'recorded'; container: ContainerRef; file: string; calls: number; distinct: number; merged: boolean; final: boolean }
  | { event: 'bad-peer'; peer: PeerRef; reason: string; container?: string }
  | { event: 'refused'; container: ContainerRef; peer: PeerRef; reason: string; pid?: number }
  | { event: 'error'; container?: ContainerRef; message: string }
  | { event: 'stopped'; containers: number };

/** Options of {@link startAgent}. */
export interface AgentOptions {
  /** The socket to listen on (its directory must be private to the agent's user). */
  socket: string;
  /** File mode of the socket (default 0600: only root's runtimes connect). */
  socketMode?: number;
  /** Record mode's directory (created 0700 when missing). Without it, record-mode containers are refused. */
  recordDir?: string;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  /** JSON lines instead of text. */
  json?: boolean;
  /** Every event, as an object (for programs and tests). */
  onEvent?: (e: AgentEvent) => void;
  /** How long a peer may take to send its whole message (default 30000 ms). */
  peerTimeoutMs?: number;
  /** Largest message accepted (default 1 MiB). */
  maxMessageBytes?: number;
  /** Connections waiting for their message at once (default 128; more are closed). */
  maxPending?: number;
  /** Containers supervised at once (default 4096; more are refused). */
  maxContainers?: number;
  /** Denial lines per second per container before they are counted instead (default 100; 0: no limit). */
  logRate?: number;
  /** Peer uids allowed to hand over listeners (default: 0 and the agent's own uid). */
  allowedUids?: readonly number[];
}

/** Live counts of an agent. */
export interface AgentStats {
  connections: number;
  badPeers: number;
  attached: number;
  refused: number;
  /** Containers supervised now. */
  active: number;
  denied: number;
  recorded: number;
}

/** A running agent. */
export interface Agent {
  readonly socket: string;
  readonly recordDir?: string;
  readonly stats: Readonly<AgentStats>;
  /** Ids of the containers supervised now. */
  containers(): string[];
  /**
   * Stops: no new connections, the socket file removed; recordings of
   * running containers are written as they are; their listeners are closed
   * (their routed calls then fail with ENOSYS).
   */
  close(): Promise<void>;
  /** Resolves when the agent has stopped: by close(), or by itself when its listening socket failed (`error`). */
  readonly done: Promise<{ error?: string }>;
}

interface Pending {
  peer: AcceptedPeer;
  ref: PeerRef;
  chunks: Buffer[];
  size: number;
  fds: number[];
  ctrunc: boolean;
  scanner: ObjectScanner;
  timer?: ReturnType<typeof setTimeout>;
  stop?: () => void;
  done: boolean;
}

interface Container {
  ref: ContainerRef;
  mode: AgentMode;
  ap: AgentPolicy;
  sup?: Supervisor;
  denied: number;
  suppressed: number;
  suppressedReported: number;
  counts: Map<string, number>;
  comms: Map<number, { comm: string | undefined; at: number }>;
  recording?: Recording;
  tokens: number;
  last: number;
  flushTimer?: ReturnType<typeof setTimeout>;
  ended: boolean;
}

const CONTINUE: Decision = Object.freeze({ continue: true as const });

function peerComm(pid: number): string | undefined {
  if (pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

function fdKind(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch (e) {
    return `unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** The container in a line: `abc123 pod default/web container nginx`. */
function containerText(c: ContainerRef): string {
  let s = logValue(c.id);
  if (c.pod !== undefined || c.namespace !== undefined) s += ` pod ${c.namespace !== undefined ? logValue(c.namespace) + '/' : ''}${logValue(c.pod ?? '?')}`;
  if (c.container !== undefined) s += ` container ${logValue(c.container)}`;
  if (c.label !== undefined) s += ` (${logValue(c.label)})`;
  return s;
}

function peerText(p: PeerRef): string {
  return `${p.comm !== undefined ? logValue(p.comm) + ' ' : ''}pid ${p.pid} uid ${p.uid}`;
}

/** One event as a text line (without the trailing newline). */
export function formatAgentEvent(e: AgentEvent): string {
  const head = 'syswall agent:';
  switch (e.event) {
    case 'listening':
      return `${head} listening on ${e.socket} (explain${e.record ? `; record into ${e.record}` : '; record mode refused: no --record DIR'})`;
    case 'attached':
      return `${head} container ${containerText(e.container)} attached: ${e.mode}${e.policy ? ` by ${logValue(e.policy)}` : ''} (${e.runtime} model), pid ${e.pid ?? '?'}, from ${peerText(e.peer)}`;
    case 'denied': {
      const c = e.call;
      return `${head} [${containerText(e.container)}] [pid ${c.pid}${e.comm !== undefined ? ' ' + logValue(e.comm) : ''}] ${c.text} ${c.outcome} (${c.action} by ${c.by})`;
    }
    case 'suppressed':
      return `${head} [${containerText(e.container)}] ${e.count} more denied call${e.count === 1 ? '' : 's'} not logged (over ${e.rate} lines/s)`;
    case 'exited': {
      if (e.mode === 'record') return `${head} container ${containerText(e.container)} exited: ${e.calls ?? 0} calls recorded`;
      if (e.denied === 0) return `${head} container ${containerText(e.container)} exited: no call was denied`;
      const parts = e.summary.slice(0, 8).map((s) => `${s.syscall} ${s.action} x${s.count}`);
      return `${head} container ${containerText(e.container)} exited: ${e.denied} denied call${e.denied === 1 ? '' : 's'}: ${parts.join(', ')}${e.summary.length > 8 ? ', ...' : ''}`;
    }
    case 'recorded':
      return `${head} container ${containerText(e.container)}: ${e.final ? '' : 'still running; '}recorded ${e.calls} calls (${e.distinct} distinct) -> ${e.file}${e.merged ? ' (merged with the earlier profile)' : ''}`;
    case 'bad-peer':
      return `${head} bad peer (${peerText(e.peer)}${e.container !== undefined ? `, container ${logValue(e.container)}` : ''}): ${e.reason}; connection closed`;
    case 'refused':
      return `${head} container ${containerText(e.container)} refused (pid ${e.pid ?? '?'}, from ${peerText(e.peer)}): ${e.reason}; its routed calls fail with ENOSYS`;
    case 'error':
      return `${head} ${e.container ? `[${containerText(e.container)}] ` : ''}error: ${e.message}`;
    case 'stopped':
      return `${head} stopped (${e.containers} container${e.containers === 1 ? '' : 's'} released; their routed calls now fail with ENOSYS)`;
  }
}

/** One event as a JSON line. */
export function jsonAgentEvent(e: AgentEvent, time = new Date()): string {
  const base: Record<string, unknown> = { time: time.toISOString() };
  if (e.event === 'denied') {
    const { call, ...rest } = e;
    return escapeControls(JSON.stringify({ ...base, ...rest, ...call }));
  }
  return escapeControls(JSON.stringify({ ...base, ...e }));
}

/** The default action of a recorded profile: the policy's when it denies, else ERRNO(EPERM). */
function recordedDefault(p: Policy): Action {
  const k = p.defaultAction.kind;
  return k === 'ALLOW' || k === 'LOG' || k === 'USER_NOTIF' || k === 'TRACE' ? { kind: 'ERRNO', data: 1 } : p.defaultAction;
}

/** Starts an agent listening on `options.socket`. Throws (kind input) for an unusable socket path or record directory. */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const json = options.json ?? false;
  const write = options.write ?? ((line: string) => writeSync(2, line + '\n'));
  const peerTimeoutMs = options.peerTimeoutMs ?? 30_000;
  const maxMessage = options.maxMessageBytes ?? 1 << 20;
  const maxPending = options.maxPending ?? 128;
  const maxContainers = options.maxContainers ?? 4096;
  const rate = options.logRate ?? 100;
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  const allowed = new Set(options.allowedUids ?? [0, euid]);
  const stats: AgentStats = { connections: 0, badPeers: 0, attached: 0, refused: 0, active: 0, denied: 0, recorded: 0 };

  const emit = (e: AgentEvent): void => {
    try {
      options.onEvent?.(e);
    } catch {
      // a listener's bug must not stop the agent
    }
    try {
      write(json ? jsonAgentEvent(e) : `${new Date().toISOString()} ${escapeControls(formatAgentEvent(e))}`);
    } catch {
      // the log is gone (disk full, closed pipe): keep deciding calls
    }
  };

  const socket = await prepareSocketPath(options.socket);
  const recordDir = options.recordDir !== undefined ? prepareRecordDir(options.recordDir) : undefined;
  const lfd = unixListen(socket, options.socketMode ?? 0o600);
  const sockIno = lstatSync(socket).ino;
  const pending = new Set<Pending>();
  const containers = new Set<Container>();
  const policies = new Map<string, AgentPolicy>();
  let closing = false;

  // ---------------------------------------------------------------- peers

  const endPeer = (c: Pending, reason?: string, container?: string): void => {
    if (c.done) return;
    c.done = true;
    pending.delete(c);
    c.stop?.();
    if (c.timer) clearTimeout(c.timer);
    closeQuietly(c.peer.fd);
    for (const fd of c.fds) closeQuietly(fd);
    c.fds = [];
    if (reason !== undefined) {
      stats.badPeers++;
      emit({ event: 'bad-peer', peer: c.ref, reason, ...(container !== undefined ? { container } : {}) });
    }
  };

  const onPeerReadable = (c: Pending): void => {
    for (let i = 0; i < 64 && !c.done; i++) {
      let r;
      try {
        r = receive(c.peer.fd, 65536);
      } catch (e) {
        endPeer(c, `recvmsg failed: ${(e as { code?: string }).code ?? (e as Error).message}`);
        return;
      }
      if (r === null) return;
      c.fds.push(...r.fds);
      if (r.ctrunc) c.ctrunc = true;
      if (r.data.length === 0) {
        endPeer(c, c.size === 0 ? `hung up without sending anything${c.fds.length ? ` (${c.fds.length} fd${c.fds.length > 1 ? 's' : ''} came, closed)` : ''}` : `hung up after ${c.size} bytes, before its JSON object ended`);
        return;
      }
      c.chunks.push(r.data);
      c.size += r.data.length;
      if (c.size > maxMessage) {
        endPeer(c, `sent more than ${maxMessage} bytes without ending its JSON object`);
        return;
      }
      const buf = c.chunks.length === 1 ? c.chunks[0] : Buffer.concat(c.chunks);
      c.chunks = [buf];
      const s = c.scanner.scan(buf);
      if (s === undefined) continue;
      if (typeof s === 'object') {
        endPeer(c, `garbage instead of a container process state: ${s.error}`);
        return;
      }
      onMessage(c, buf.subarray(0, s));
      return;
    }
  };

  const onMessage = (c: Pending, bytes: Buffer): void => {
    const fds = c.fds;
    c.fds = [];
    const st = parseContainerState(bytes);
    if ('error' in st) {
      for (const fd of fds) closeQuietly(fd);
      endPeer(c, st.error);
      return;
    }
    const id = st.state.id;
    const closeAll = (keep?: number) => {
      for (const fd of fds) if (fd !== keep) closeQuietly(fd);
    };
    if (fds.length === 0) {
      endPeer(c, `no fd came with the message${c.ctrunc ? ' (the kernel dropped fds that did not fit)' : ''}`, id);
      return;
    }
    const idx = st.fds.indexOf(SECCOMP_FD_NAME);
    if (idx < 0 || idx >= fds.length) {
      closeAll();
      endPeer(c, `the message names no ${SECCOMP_FD_NAME} among the ${fds.length} fd${fds.length > 1 ? 's' : ''} sent (fds: ${JSON.stringify(st.fds).slice(0, 120)})`, id);
      return;
    }
    const fd = fds[idx];
    closeAll(fd);
    const kind = fdKind(fd);
    if (kind !== SECCOMP_NOTIFY_KIND) {
      closeQuietly(fd);
      endPeer(c, `the ${SECCOMP_FD_NAME} sent is not a seccomp listener (it is ${logValue(kind)})`, id);
      return;
    }
    // The connection has done its job; the runtime never reads from it.
    endPeer(c);
    attach(st, fd, c.ref);
  };

  const onAccept = (): void => {
    for (let i = 0; i < 64; i++) {
      let p: AcceptedPeer | null;
      try {
        p = acceptPeer(lfd);
      } catch (e) {
        emit({ event: 'error', message: `accept failed: ${(e as Error).message}` });
        return;
      }
      if (!p) return;
      stats.connections++;
      const c: Pending = { peer: p, ref: { pid: p.pid, uid: p.uid, ...(peerComm(p.pid) !== undefined ? { comm: peerComm(p.pid)! } : {}) }, chunks: [], size: 0, fds: [], ctrunc: false, scanner: new ObjectScanner(), done: false };
      if (closing) {
        endPeer(c, 'the agent is stopping');
        continue;
      }
      if (!allowed.has(p.uid)) {
        endPeer(c, `uid ${p.uid} may not hand over listeners (allowed: ${[...allowed].join(', ')})`);
        continue;
      }
      if (pending.size >= maxPending) {
        endPeer(c, `${maxPending} connections are already waiting for their message`);
        continue;
      }
      pending.add(c);
      c.timer = setTimeout(() => endPeer(c, `sent no complete message within ${peerTimeoutMs} ms`), peerTimeoutMs);
      try {
        c.stop = watchFd(p.fd, (ev) => (ev < 0 ? endPeer(c, `the connection failed (libuv error ${ev})`) : onPeerReadable(c)));
      } catch (e) {
        endPeer(c, `cannot watch the connection: ${(e as Error).message}`);
      }
    }
  };

  // ---------------------------------------------------------- containers

  const refuseContainer = (ref: ContainerRef, peer: PeerRef, fd: number, reason: string, pid?: number): void => {
    closeQuietly(fd);
    stats.refused++;
    emit({ event: 'refused', container: ref, peer, reason, ...(pid !== undefined ? { pid } : {}) });
  };

  const summary = (ctr: Container) =>
    [...ctr.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, count]) => {
      const [syscall, action] = k.split('\t');
      return { syscall, action, count };
    });

  const flushSuppressed = (ctr: Container): void => {
    const n = ctr.suppressed - ctr.suppressedReported;
    if (n > 0) {
      ctr.suppressedReported = ctr.suppressed;
      emit({ event: 'suppressed', container: ctr.ref, count: n, rate });
    }
  };

  /** The process name of a caller, read at most once a second per thread (a read of /proc costs more than the rest of a line). */
  const commOf = (ctr: Container, tid: number): string | undefined => {
    const now = performance.now();
    const c = ctr.comms.get(tid);
    if (c && now - c.at < 1000) return c.comm;
    if (ctr.comms.size >= 1024) ctr.comms.clear();
    const comm = peerComm(tid);
    ctr.comms.set(tid, { comm, at: now });
    return comm;
  };

  const onCall = (ctr: Container, ev: SyscallEvent): Decision => {
    if (ctr.mode === 'record') {
      ctr.recording!.add(ev.arch, ev.archToken, ev.nr, ev.args);
      return CONTINUE;
    }
    const v = explainCall(ctr.ap.policy, ctr.ap.original, ev, ctr.ap.meta.runtime === 'runc' ? { enosysBy: RUNC_STUB_BY } : {});
    if (!v.denied) return v.decision;
    ctr.denied++;
    stats.denied++;
    const key = `${ev.name}\t${v.call.action}`;
    ctr.counts.set(key, (ctr.counts.get(key) ?? 0) + 1);
    if (rate > 0) {
      const now = performance.now();
      ctr.tokens = Math.min(rate, ctr.tokens + ((now - ctr.last) / 1000) * rate);
      ctr.last = now;
      if (ctr.tokens < 1) {
        ctr.suppressed++;
        ctr.flushTimer ??= setTimeout(() => {
          ctr.flushTimer = undefined;
          flushSuppressed(ctr);
        }, 1000);
        return v.decision;
      }
      ctr.tokens -= 1;
    }
    const comm = commOf(ctr, ev.pid);
    emit({ event: 'denied', container: ctr.ref, ...(comm !== undefined ? { comm } : {}), call: v.call });
    return v.decision;
  };

  /** Writes a recording to DIR/<id>.json, merged with the profile already there. */
  const saveRecording = (ctr: Container, final: boolean): void => {
    const rec = ctr.recording!;
    if (rec.total === 0) {
      emit({ event: 'error', container: ctr.ref, message: 'nothing was recorded (the container made no routed call); no profile written' });
      return;
    }
    const name = `${ctr.ref.id}.json`;
    try {
      let policy = recordingToPolicy(rec, { defaultAction: recordedDefault(ctr.ap.policy), command: `container ${ctr.ref.id}${ctr.ref.pod ? ` (pod ${ctr.ref.namespace ?? '?'}/${ctr.ref.pod})` : ''}` });
      policy = { ...policy, comment: policy.comment?.replace(/^recorded by syswall record:/, 'recorded by syswall agent:') };
      // What record mode keeps in the kernel is not observed but needed (see RECORD_KEPT): allowed.
      const arches = policy.arches.map((a) => findArch(a)!);
      const have = new Set(policy.rules.filter((r) => r.conditions.length === 0).map((r) => String(r.syscall)));
      const extra = RECORD_KEPT.filter((n) => !have.has(n) && arches.some((a) => syscallNumber(a, n) !== undefined));
      policy = validatePolicy({
        ...policy,
        rules: [...policy.rules.filter((r) => !extra.includes(String(r.syscall))), ...extra.map((n): Rule => ({ syscall: n, action: { kind: 'ALLOW' }, conditions: [], origin: { comment: 'kept in the kernel while recording (the runtime needs it before the agent has the listener); not observed' } }))],
      });
      const before = readRecord(recordDir!, name);
      let merged = false;
      if (before !== undefined) {
        const read = readInput(before, { file: `${recordDir}/${name}`, kind: 'policy' });
        if (read.type !== 'policy') throw new SyswallError('AGENT_RECORD', `${recordDir}/${name} is not a policy`, { kind: 'runtime' });
        const old = read.policy;
        policy = mergePolicies([policy, old], { defaultAction: policy.defaultAction, comment: `recorded by syswall agent for container ${ctr.ref.id}, merged with the earlier profile` });
        merged = true;
      }
      const file = writeRecord(recordDir!, name, exportSyswall(policy));
      stats.recorded++;
      emit({ event: 'recorded', container: ctr.ref, file, calls: rec.total, distinct: rec.distinct, merged, final });
    } catch (e) {
      emit({ event: 'error', container: ctr.ref, message: `recording not written: ${e instanceof SyswallError ? e.message : (e as Error).message}` });
    }
  };

  const ended = (ctr: Container): void => {
    if (ctr.ended) return;
    ctr.ended = true;
    containers.delete(ctr);
    stats.active = containers.size;
    if (ctr.flushTimer) {
      clearTimeout(ctr.flushTimer);
      ctr.flushTimer = undefined;
    }
    flushSuppressed(ctr);
    if (ctr.mode === 'record') saveRecording(ctr, !closing);
    emit({
      event: 'exited', container: ctr.ref, mode: ctr.mode, denied: ctr.denied, suppressed: ctr.suppressed, summary: summary(ctr),
      ...(ctr.recording ? { calls: ctr.recording.total } : {}),
    });
  };

  const attach = (st: ContainerProcessState, fd: number, peer: PeerRef): void => {
    const id = st.state.id;
    const ref: ContainerRef = { id, ...podRef(st.state.annotations) };
    const pid = st.pid ?? st.state.pid;
    const refuse = (r: ContainerRef, p: PeerRef, f: number, reason: string) => refuseContainer(r, p, f, reason, pid);
    if (!validContainerId(id)) return refuse(ref, peer, fd, 'its id is not a valid container id (letters, digits, _ + - . and no leading dot, at most 128)');
    if (closing) return refuse(ref, peer, fd, 'the agent is stopping');
    if (containers.size >= maxContainers) return refuse(ref, peer, fd, `${maxContainers} containers are supervised already`);
    if (!isAgentMetadata(st.metadata)) {
      return refuse(ref, peer, fd, st.metadata === undefined || st.metadata === '' ? 'its profile has no listenerMetadata: compile it with `syswall compile POLICY --for-agent explain|record`' : 'its profile\'s listenerMetadata is not syswall\'s: compile it with `syswall compile POLICY --for-agent explain|record`');
    }
    let ap = policies.get(st.metadata);
    if (!ap) {
      try {
        ap = decodeAgentMetadata(st.metadata);
      } catch (e) {
        return refuse(ref, peer, fd, e instanceof PolicyError || e instanceof SyswallError ? e.message : `its policy cannot be read: ${(e as Error).message}`);
      }
      if (policies.size >= 256) policies.delete(policies.keys().next().value!);
      policies.set(st.metadata, ap);
    }
    if (ap.meta.label !== undefined) ref.label = ap.meta.label;
    if (ap.meta.mode === 'record' && recordDir === undefined) return refuse(ref, peer, fd, 'its profile asks for record mode, but the agent runs without --record DIR');
    const ctr: Container = {
      ref, mode: ap.meta.mode, ap, denied: 0, suppressed: 0, suppressedReported: 0, counts: new Map(), comms: new Map(),
      ...(ap.meta.mode === 'record' ? { recording: new Recording() } : {}),
      tokens: rate, last: performance.now(), ended: false,
    };
    try {
      ctr.sup = supervise(fd, {
        onSyscall: (ev) => onCall(ctr, ev),
        failErrno: ENOSYS,
        onError: (err) => emit({ event: 'error', container: ref, message: err.message }),
        onEnd: () => ended(ctr),
      });
    } catch (e) {
      return refuse(ref, peer, fd, `cannot supervise its listener: ${(e as Error).message}`);
    }
    containers.add(ctr);
    stats.attached++;
    stats.active = containers.size;
    emit({
      event: 'attached', container: ref, mode: ctr.mode, runtime: ap.meta.runtime,
      ...(ap.meta.file !== undefined ? { policy: ap.meta.file } : {}),
      ...(pid !== undefined ? { pid } : {}),
      peer,
    });
  };

  // --------------------------------------------------------------- start

  let closed: Promise<void> | undefined;
  let resolveDone!: (r: { error?: string }) => void;
  const done = new Promise<{ error?: string }>((r) => (resolveDone = r));
  let fatalError: string | undefined;
  let stopAccept: () => void = () => {};
  try {
    stopAccept = watchFd(lfd, (ev) => {
      // The listening socket failed: nothing more can be accepted, so stop (the CLI exits 1).
      if (ev < 0) {
        fatalError = `the listening socket failed (libuv error ${ev}); stopping`;
        emit({ event: 'error', message: fatalError });
        void close();
        return;
      }
      onAccept();
    });
  } catch (e) {
    closeQuietly(lfd);
    unlinkSync(socket);
    throw e;
  }
  emit({ event: 'listening', socket, ...(recordDir !== undefined ? { record: recordDir } : {}) });

  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      stopAccept();
      closeQuietly(lfd);
      try {
        // Remove the socket only if it is still ours.
        if (lstatSync(socket).ino === sockIno) unlinkSync(socket);
      } catch {
        // gone already
      }
      for (const c of [...pending]) endPeer(c, 'the agent is stopping');
      const n = containers.size;
      for (const ctr of [...containers]) {
        // stop() ends supervision: ended() writes the recording so far.
        ctr.sup?.stop();
      }
      emit({ event: 'stopped', containers: n });
      resolveDone(fatalError !== undefined ? { error: fatalError } : {});
    })();
    return closed;
  };
  return {
    socket,
    ...(recordDir !== undefined ? { recordDir } : {}),
    stats,
    containers: () => [...containers].map((c) => c.ref.id),
    close,
    done,
  };
}
