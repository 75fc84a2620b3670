import { closeSync, writeSync } from 'node:fs';
import type { Command } from '../command.js';
import { flag, stringOpt, UsageError } from '../command.js';
import { openLogFile } from '../../node/agent-files.js';
import { startAgent, type Agent } from '../../node/agent.js';

function positiveNumber(text: string | undefined, option: string, allowZero = false): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new UsageError(`agent: ${option} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${text}"`);
  return n;
}

export const command: Command = {
  name: 'agent',
  summary: 'seccomp agent for OCI runtimes (runc, crun, Kubernetes): explain or record containers\' denied calls',
  usage: `Usage: syswall agent --socket PATH [--log FILE] [--record DIR] [--json]
                     [--socket-mode MODE] [--log-rate N] [--peer-timeout SECONDS]

A long-running OCI seccomp agent. A container whose profile was written by
\`syswall compile POLICY --for-agent explain|record --listener-path PATH\`
routes calls to it: runc and crun connect to PATH after installing the
container's filter and hand over its seccomp listener. For each container:

  explain  every routed call is decided by the container's original policy
           (carried in the profile's listenerMetadata) and applied as the
           policy says (its errno, kill, ...); each denial is logged as one
           line: the container (id; pod, namespace and container name from
           Kubernetes annotations), the process, the decoded call and the
           rule that denied it, as \`syswall run --explain\` words it.
  record   every routed call is allowed and recorded; when the container's
           last process exits, its minimal profile is written to
           DIR/<container-id>.json (syswall's format, merged with an earlier
           recording of the same id), ready for \`syswall convert --to
           oci|docker|spo\` or \`syswall compile --for-agent explain\`.

Fails closed: a container the agent cannot serve (a bad profile, record mode
without --record) is refused and its routed calls fail with ENOSYS, as they
do when the agent is not running. A bad peer (garbage, no fd, the wrong kind
of fd, silence, a hang-up, a user other than root) costs one log line and its
connection; other containers are not affected.

The socket's directory (and DIR) must belong to the agent's user and be
writable by nobody else; see docs/containers.md for the threat model.

Options:
  -s, --socket PATH         where to listen (the profiles' listenerPath)
      --socket-mode MODE    file mode of the socket, octal (default 600)
  -l, --log FILE            append lines to FILE (default: stderr); never
                            through a symlink, refused when not ours
      --record DIR          accept record-mode containers; write their
                            profiles into DIR (created 0700 if missing)
      --json                JSON lines (time, event, container, pid, syscall,
                            args, text, action, by, outcome, ...)
      --log-rate N          denial lines per second per container before they
                            are only counted (default 100; 0: no limit)
      --peer-timeout S      seconds a runtime may take to send its message
                            (default 30)
  -h, --help                show this help

Runs until SIGTERM, SIGINT or SIGHUP; then record-mode containers still
running have what was recorded so far written, and their routed calls fail
with ENOSYS. Exit 2 for an unusable socket path or record directory, 1 when
the listening socket fails.

Examples:
  syswall agent --socket /run/syswall/agent.sock
  syswall agent --socket /run/syswall/agent.sock --record /var/lib/syswall/recorded --json --log /var/log/syswall-agent.log
  syswall compile profile.json --for-agent explain --listener-path /run/syswall/agent.sock -o seccomp.json`,
  options: {
    socket: { type: 'string', short: 's' },
    'socket-mode': { type: 'string' },
    log: { type: 'string', short: 'l' },
    record: { type: 'string' },
    json: { type: 'boolean' },
    'log-rate': { type: 'string' },
    'peer-timeout': { type: 'string' },
  },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError(`agent: unexpected operand "${ctx.positionals[0]}"`, 'see `syswall agent --help`');
    const socket = stringOpt(ctx, 'socket');
    if (!socket) throw new UsageError('agent: --socket PATH is required', 'e.g. syswall agent --socket /run/syswall/agent.sock');
    const modeText = stringOpt(ctx, 'socket-mode');
    let socketMode: number | undefined;
    if (modeText !== undefined) {
      if (!/^0?[0-7]{3}$/.test(modeText)) throw new UsageError(`agent: --socket-mode must be an octal mode such as 600, got "${modeText}"`);
      socketMode = parseInt(modeText, 8);
      if ((socketMode & 0o002) !== 0) throw new UsageError(`agent: --socket-mode ${modeText} lets every user connect`, 'the agent only serves root\'s runtimes; use 600 or 660');
    }
    const logRate = positiveNumber(stringOpt(ctx, 'log-rate'), '--log-rate', true);
    const timeout = positiveNumber(stringOpt(ctx, 'peer-timeout'), '--peer-timeout');
    const logPath = stringOpt(ctx, 'log');
    const logFd = logPath !== undefined ? openLogFile(logPath) : undefined;
    const write = logFd !== undefined ? (line: string) => writeSync(logFd, line + '\n') : (line: string) => ctx.stderr.write(line + '\n');
    // Signals are handled from before the socket exists: a stop asked for during start-up is honoured once it is up.
    let agent: Agent | undefined;
    let stopAsked = false;
    const stop = () => {
      stopAsked = true;
      void agent?.close();
    };
    const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    for (const sig of SIGNALS) process.on(sig, stop);
    try {
      try {
        agent = await startAgent({
          socket,
          ...(socketMode !== undefined ? { socketMode } : {}),
          ...(stringOpt(ctx, 'record') !== undefined ? { recordDir: stringOpt(ctx, 'record')! } : {}),
          json: flag(ctx, 'json'),
          write,
          ...(logRate !== undefined ? { logRate } : {}),
          ...(timeout !== undefined ? { peerTimeoutMs: timeout * 1000 } : {}),
        });
      } catch (e) {
        if (logFd !== undefined) closeSync(logFd);
        throw e;
      }
      if (stopAsked) void agent.close();
      if (logFd !== undefined) ctx.stderr.write(`syswall agent: listening on ${agent.socket}; lines go to ${logPath}\n`);
      const end = await agent.done;
      if (logFd !== undefined) closeSync(logFd);
      if (end.error !== undefined) {
        ctx.stderr.write(`syswall: error: agent: ${end.error}\n`);
        return 1;
      }
    } finally {
      for (const sig of SIGNALS) process.off(sig, stop);
    }
    return 0;
  },
};
