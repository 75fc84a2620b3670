import { constants as osConstants } from 'node:os';
import type { Command, CommandContext } from '../command.js';
import { flag, listOpt, stringOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import type { Policy } from '../../core/policy/types.js';
import { SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_SPEC_ALLOW } from '../../core/bpf/constants.js';
import { isReturnK, type Instruction } from '../../core/bpf/instruction.js';
import { PolicyError, SyswallError } from '../../core/errors.js';
import { hostArch } from '../../node/host.js';
import { SandboxError } from '../../node/errors.js';
import { applyOverrides, BUILTIN_PROFILES, denyActionOf, expandDeny, loadProfile, programForHost } from '../../node/policy-source.js';
import { analyzeProgram } from '../../core/symbolic/symbolic.js';
import { lintAnalysis } from '../../core/analyze/lint.js';
import { lintPolicy } from '../../core/analyze/policy-lint.js';
import { formatLocation } from '../../core/errors.js';
import type { ArchInfo } from '../../core/arch/arches.js';
import type { PolicyWarning } from '../../core/formats/reader.js';
import { inputKindOf } from '../input.js';
import { spawn, type SandboxedProcess } from '../../node/spawn.js';
import { explainSession, type ExplainSession } from '../../node/explain.js';
import { kernelClockUs, seccompKillRecord, sigsysKind } from '../../node/audit.js';
import { essentialDenial, isolationSupport, withSocketcallGuard } from '../../node/isolation.js';
import { actionValue, formatAction } from '../../core/policy/actions.js';
import { describeSettings, type EnosysMode } from '../../core/defaults.js';
import { effectiveEnosys } from '../../core/compile/compile.js';
import { filterFlagNames } from '../../node/dump.js';

const FLAGS: Record<string, number> = { 'spec-allow': SECCOMP_FILTER_FLAG_SPEC_ALLOW, log: SECCOMP_FILTER_FLAG_LOG };

/** `-v`: what the compiler answers syscalls the policy does not name, per ENOSYS mode (src/core/defaults.ts). */
const ENOSYS_TEXT: Record<EnosysMode, string> = {
  unknown: "ERRNO(ENOSYS) for syscalls syswall's table does not know",
  runc: 'ERRNO(ENOSYS) for syscalls newer than any the policy names (as runc)',
  none: 'no ENOSYS answers',
};

/** Signals `syswall run` relays to the command (SIGINT/SIGQUIT only when not from a terminal). */
const RELAYED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

const SIGSYS_KINDS = ['KILL_PROCESS', 'KILL_THREAD', 'TRAP'] as const;

/** Lint codes of the findings that mean the filter can be bypassed (printed by `run --profile`). */
const BYPASS_CODES = new Set(['UPPER_HALF_BYPASS', 'SOCKETCALL_BYPASS', 'X32_BYPASS']);

/**
 * One line per bypass-class lint finding of a profile (the same checks as
 * `syswall lint`): arguments compared in 64 bits where the kernel reads 32,
 * socketcall/ipc gaps, x32 numbers. Findings that only fail safe are left out.
 */
export function bypassFindings(policy: Policy | undefined, warnings: readonly PolicyWarning[], program: readonly Instruction[], arches: readonly ArchInfo[] | undefined, file: string): string[] {
  const an = analyzeProgram(program, { archTokens: (arches ?? []).map((a) => a.token) });
  const prog = lintAnalysis(an, arches);
  const report = policy ? lintPolicy(policy, warnings, an, prog, { file }) : prog;
  const out: string[] = [];
  for (const f of report.findings) {
    if (!BYPASS_CODES.has(f.code) || f.severity === 'info') continue;
    const loc = f.location as { file?: string; line?: number; column?: number; syscall?: string; arch?: string };
    const where = formatLocation({ file: loc.file ?? file, ...(loc.line !== undefined ? { line: loc.line, ...(loc.column !== undefined ? { column: loc.column } : {}) } : {}) });
    const what = [loc.arch, loc.syscall].filter(Boolean).join(' ');
    out.push(`${where}: ${f.code}${what ? ` (${what})` : ''}: ${f.message}`);
  }
  return out;
}

/**
 * What could have raised the SIGSYS, from the policy when there is one (its
 * rules and default action first; the bad-arch action only when nothing else
 * can), else from the program's return instructions.
 */
export function sigsysCandidates(policy: Policy | undefined, program: readonly Instruction[] | undefined): string[] {
  const out = new Set<string>();
  if (policy) {
    for (const a of [policy.defaultAction, ...policy.rules.map((r) => r.action)]) if ((SIGSYS_KINDS as readonly string[]).includes(a.kind)) out.add(a.kind);
    if (out.size === 0 && (SIGSYS_KINDS as readonly string[]).includes(policy.badArchAction.kind)) return [`${policy.badArchAction.kind} (the bad-arch action: a syscall of an arch the filter does not cover)`];
  } else {
    for (const ins of program ?? []) {
      if (!isReturnK(ins)) continue;
      const k = sigsysKind(ins.k);
      if (k) out.add(k);
    }
  }
  return SIGSYS_KINDS.filter((x) => out.has(x));
}

export const command: Command = {
  name: 'run',
  summary: 'run a command under a seccomp filter (built-in default profile)',
  usage: `Usage: syswall run [-p FILE|NAME] [-i KIND] [-I DIR] [--allow LIST] [--deny LIST] [--exact] [--flag F]
                   [-a A,B] [--strict] [--no-nnp] [--strict-names] [-e] [--explain-json FILE] [-q] [-v]
                   [--debug] -- CMD [ARGS...]

Runs CMD under a seccomp filter; everything it starts inherits the filter.
Without --profile, the built-in "default" profile: Docker's default profile
for this host's arch (and its 32-bit compat arches) with Docker's default
capabilities, plus ERRNO(ENOSYS) for syscalls syswall's table does not know.

--profile takes a built-in name (${BUILTIN_PROFILES.join(', ')}) or a FILE: a policy in any
dialect syswall reads (syswall, OCI, Docker/moby, containers-common, SPO,
Firecracker, minijail, Kafel; detected by the same rules as every command,
--input KIND overrides them; Docker's are resolved for this host with
Docker's default capabilities), or a compiled program (raw, hex or
assembly). Write ./NAME for a file named like a built-in.

--allow and --deny take comma lists of syscall names and @groups (\`syswall
groups\`) and replace the profile's rules for those syscalls: --allow makes
them allowed unconditionally, --deny gives them the profile's deny action
(its default action, ERRNO(EPERM) for "default"). Precedence: profile <
--allow < --deny (a syscall in both is denied). --deny NAME denies the
operation: NAME's whole family (mkdir also mkdirat; chown also fchownat,
lchown and the chown32 family; the *at, *2/*3, *64/*32 forms), said in one
line; --exact denies only the names given.

A --profile FILE is linted for filter bypasses (arguments compared in all 64
bits where the kernel reads 32, socketcall/ipc gaps, x32 numbers): one line
per finding on stderr, unless --quiet.

The command runs in its own PID and mount namespaces (with a user namespace
when syswall lacks CAP_SYS_ADMIN): it sees only its own processes in /proc and
cannot reach syswall's, and it ends when the command ends (docs/security.md).
Where the host refuses those namespaces, syswall says so in one line and
refuses profiles that allow ptrace or process_vm_*.

It fails closed: any error before the command is exec'd (a bad profile, a
missing native build, a command that cannot be executed) means the command
never runs. The exit status is the command's own; killed by signal N gives
128+N (159 for SIGSYS). Errors: 2 bad input (profile, options), 1 run-time
failure, 127 command not found, 126 not executable.

Options:
  -p, --profile FILE|NAME  policy file or built-in profile (default: default)
      --allow LIST         syscalls/@groups to allow (comma list, repeatable)
      --deny LIST          syscalls/@groups to deny (comma list, repeatable), with
                           their families (mkdir also mkdirat, ...)
      --exact              --deny only the names given, not their families
      --flag F             seccomp filter flag: spec-allow, log (repeatable)
  -a, --arch A[,B]         arches the filter covers (must include this host's;
                           e.g. --arch x86_64 makes 32-bit syscalls fail)
      --strict             SECCOMP_MODE_STRICT equivalent: only read, write,
                           exit, rt_sigreturn (no profile)
      --no-nnp             do not set no_new_privs (needs CAP_SYS_ADMIN)
      --strict-names       unknown syscall names in the profile are errors
  -e, --explain            say which syscall was denied: one strace-like line per
                           denied call on stderr (decoded arguments, the action
                           and the rule that decided), then a summary; allowed
                           calls stay in the kernel at full speed
      --explain-json FILE  also write each denied call as a JSON line to FILE
  -q, --quiet              no bypass findings of the profile
  -v, --verbose            before running, print the settings in effect (the
                           profile, its dialect, the arches, default and ENOSYS
                           answers, the seccomp flags); also every warning,
                           and the command's pid when it ends
  -h, --help               show this help

Examples:
  syswall run -- ls /
  syswall run --deny @network-io -- python3 -c 'import socket; socket.socket()'
  syswall run --profile my-policy.json --flag log -- ./server
  syswall run --profile prog.bpf -- ./tool          # output of syswall compile
  syswall run --allow @mount --deny ptrace -- sh
  syswall run --explain --deny mkdir -- mkdir /tmp/x`,
  options: {
    profile: { type: 'string', short: 'p' },
    allow: { type: 'string', multiple: true },
    deny: { type: 'string', multiple: true },
    flag: { type: 'string', multiple: true },
    arch: { type: 'string', short: 'a' },
    strict: { type: 'boolean' },
    'no-nnp': { type: 'boolean' },
    'strict-names': { type: 'boolean' },
    exact: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    input: { type: 'string', short: 'i' },
    'include-dir': { type: 'string', short: 'I', multiple: true },
    verbose: { type: 'boolean', short: 'v' },
    explain: { type: 'boolean', short: 'e' },
    'explain-json': { type: 'string' },
  },
  async run(ctx) {
    const argv = ctx.rest ?? [];
    if (ctx.positionals.length > 0) throw new UsageError(`run: unexpected operand "${ctx.positionals[0]}" before --`, 'write the command after --: syswall run [OPTIONS] -- CMD ARGS...');
    if (argv.length === 0 || argv[0] === '') throw new UsageError('run: no command given', 'write the command after --: syswall run [OPTIONS] -- CMD ARGS...');
    const verbose = flag(ctx, 'verbose');
    const warn = (m: string) => ctx.stderr.write(`syswall: warning: ${m}\n`);

    let flags = 0;
    for (const f of listOpt(ctx, 'flag')) {
      const bit = FLAGS[f.toLowerCase()];
      if (bit === undefined) throw new UsageError(`run: unknown --flag "${f}"`, `expected one of ${Object.keys(FLAGS).join(', ')}`);
      flags |= bit;
    }
    const strict = flag(ctx, 'strict');
    const allow = listOpt(ctx, 'allow');
    const deny = listOpt(ctx, 'deny');
    const archOpt = stringOpt(ctx, 'arch');
    const profileSpec = stringOpt(ctx, 'profile');
    const explainJson = stringOpt(ctx, 'explain-json');
    const explain = flag(ctx, 'explain') || explainJson !== undefined;
    let session: ExplainSession | undefined;

    let program: readonly Instruction[] | Uint8Array | undefined;
    let noNewPrivs: boolean | undefined;
    let finalPolicy: Policy | undefined;
    if (strict) {
      if (profileSpec !== undefined || allow.length || deny.length || flags || archOpt) {
        throw new UsageError('run: --strict cannot be combined with --profile, --allow, --deny, --flag or --arch', 'strict mode has a fixed rule set: read, write, exit, rt_sigreturn');
      }
    } else {
      const host = hostArch();
      const arches = archOpt ? archOpt.split(',').map((a) => resolveArch(a.trim()).name) : undefined;
      if (arches && !arches.includes(host.name)) {
        throw new UsageError(`run: --arch ${archOpt} does not include this host's arch ${host.name}`, `every syscall would take the bad-arch action; add ${host.name}`);
      }
      const loaded = loadProfile(profileSpec ?? 'default', {
        strictNames: flag(ctx, 'strict-names'),
        ...(inputKindOf(ctx) ? { kind: inputKindOf(ctx) } : {}),
        includeDirs: listOpt(ctx, 'include-dir'),
      });
      if (loaded.program) {
        if (allow.length || deny.length || arches) throw new UsageError(`run: ${profileSpec} is a compiled program; --allow, --deny and --arch need a policy file`);
        if (explain) throw new UsageError(`run: ${profileSpec} is a compiled program; --explain needs the policy it came from`, 'pass the policy file to --profile');
        program = loaded.program;
        if (verbose) ctx.stderr.write(`syswall: profile ${loaded.file}: ${loaded.kind} program (${loaded.detection}), ${loaded.program.length} instructions, loaded as given\n`);
        if (!flag(ctx, 'quiet')) for (const line of bypassFindings(undefined, [], loaded.program, undefined, loaded.file)) warn(line);
      } else {
        for (const w of loaded.warnings) if (verbose || (!loaded.builtin && w.severity === 'warning')) warn(w.message);
        const exact = flag(ctx, 'exact');
        const added = expandDeny(deny, exact).added;
        if (added.length) ctx.stderr.write(`syswall: --deny also denies ${added.join(', ')} (the same operation${added.length > 1 ? 's' : ''}; --exact denies only the names given)\n`);
        const policy = applyOverrides(loaded.policy, { allow, deny, exact });
        finalPolicy = policy;
        let h;
        try {
          h = programForHost(policy, { ...(arches ? { arches } : {}), ...(loaded.frequencies ? { frequencies: loaded.frequencies } : {}) });
        } catch (e) {
          if (e instanceof SyswallError && e.kind === 'input' && !e.message.startsWith(loaded.file)) {
            throw new SyswallError(e.code, `${loaded.file}: ${e.message}`, { kind: 'input', cause: e, ...(e.hint ? { hint: e.hint } : {}) });
          }
          throw e;
        }
        if (explain) {
          // Same arches as the host program; denials go through the supervisor.
          session = explainSession(policy, { arches: h.compiled?.arches.map((a) => a.name), ...(loaded.frequencies ? { frequencies: loaded.frequencies } : {}) }, {
            ...(explainJson ? { jsonPath: explainJson } : {}),
            ...(loaded.builtin ? { guard: (prog: readonly Instruction[], deny: number) => withSocketcallGuard(prog, deny) } : {}),
          });
        } else if ((h.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0) {
          throw new PolicyError('NOTIFY_UNSUPPORTED', `${loaded.file}: the profile uses SCMP_ACT_NOTIFY, which needs a supervisor; syswall run has none`, { hint: 'replace the notify rules (e.g. with errno or log)' });
        }
        if (verbose) for (const w of h.compiled?.warnings ?? []) warn(w);
        if (!loaded.builtin && !flag(ctx, 'quiet') && h.compiled) {
          for (const line of bypassFindings(policy, loaded.warnings, h.compiled.instructions, h.compiled.arches, loaded.file)) warn(line);
        }
        program = session ? session.filter.instructions : h.program;
        // The built-in default also refuses i386 socketcall(SYS_SOCKET): its family is out of a policy's reach.
        if (loaded.builtin && !session) program = withSocketcallGuard(program as readonly Instruction[], actionValue(denyActionOf(policy)));
        flags |= session ? session.filter.flags : h.flags;
        noNewPrivs = h.noNewPrivs;
        if (verbose) {
          ctx.stderr.write(`syswall: ${loaded.builtin ? 'built-in profile ' + (profileSpec ?? 'default') + ' (' + loaded.file + ')' : 'profile ' + loaded.file}: ${loaded.kind} input (${loaded.detection}); ${describeSettings({ ...loaded.settings!, enosys: effectiveEnosys(policy) })}\n`);
          const c = session ? session.filter : h.compiled!;
          const weighted = loaded.frequencies ? `; @frequency weights for ${Object.keys(loaded.frequencies).length} syscalls` : '';
          ctx.stderr.write(`syswall: filter: ${(program as readonly Instruction[]).length} instructions for ${c.arches.map((a) => a.name).join(', ')}; default action ${formatAction(policy.defaultAction, { errnoNames: true })}; ${ENOSYS_TEXT[effectiveEnosys(policy)]}; bad arch ${formatAction(policy.badArchAction, { errnoNames: true })}${weighted}\n`);
        }
      }
    }
    if (flag(ctx, 'no-nnp')) noNewPrivs = false;
    if (verbose) {
      if (strict) ctx.stderr.write('syswall: strict mode (SECCOMP_MODE_STRICT): read, write, exit and rt_sigreturn only\n');
      const names = filterFlagNames(flags);
      ctx.stderr.write(`syswall: seccomp flags ${names.length ? names.join('|') : 'none'}${session ? ' (NEW_LISTENER: --explain supervises the denials)' : ''}; no_new_privs ${noNewPrivs === false ? 'off (--no-nnp)' : 'on'}\n`);
    }
    if (explain && strict) throw new UsageError('run: --explain cannot be combined with --strict', 'strict mode kills on the first other syscall; run without --strict to explain a policy');
    // A filter under which no command can start: say so instead of a mysterious exit.
    const decided = session ? session.original.instructions : program instanceof Uint8Array ? undefined : program;
    const fatal = decided ? essentialDenial(decided) : undefined;
    if (fatal) {
      if (deny.length && expandDeny(deny, flag(ctx, 'exact')).names.includes('execve')) {
        throw new PolicyError('DENIES_EXECVE', `run: --deny ${deny.join(',')} ${fatal.replace(/^the policy /, '')}`, { hint: 'take execve out of --deny: the command itself is started by execve, under the filter' });
      }
      throw new PolicyError('DENIES_EXECVE', `run: ${profileSpec ?? 'the built-in profile "default"'}: ${fatal}`, { hint: 'allow execve (and write, exit_group) in the profile' });
    }

    // Isolation: where the host refuses namespaces, say so once, before anything runs.
    const iso = isolationSupport();
    if (!iso.namespaces) ctx.stderr.write(`syswall: warning: no PID namespace (${iso.reason}): the command can see and signal this user's other processes\n`);

    const [cmd, ...args] = argv;
    const startUs = kernelClockUs() - 1_000_000;
    let child: SandboxedProcess;
    try {
      child = spawn(cmd, args, {
        ...(strict ? { strict: true } : { program: program!, flags }),
        ...(noNewPrivs === false ? { noNewPrivs: false } : {}),
        ...(session ? { onSyscall: session.onSyscall } : {}),
        stdio: 'inherit',
        cleanup: true,
      });
    } catch (e) {
      if (e instanceof SandboxError && e.code === 'ISOLATION_UNAVAILABLE') throw new PolicyError(e.code, `run: ${e.message}`, { ...(e.hint ? { hint: e.hint } : {}) });
      return reportStartError(e, ctx);
    }
    const fromTerminal = process.stdin.isTTY === true;
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of RELAYED) {
      const h = () => {
        if ((sig === 'SIGINT' || sig === 'SIGQUIT') && fromTerminal) return; // the terminal signals the whole foreground group
        child.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    try {
      const r = await child.result;
      // After the command's own output, so that the line is never cut into it.
      if (verbose) ctx.stderr.write(`syswall: command pid ${r.pid} ${r.signal ? `killed by ${r.signal}` : `exited ${r.exitCode}`}\n`);
      if (session) {
        // Let notifications still in flight finish before the summary.
        if (child.supervisor) await (await child.supervisor).done.catch(() => undefined);
        for (const line of session.summary()) ctx.stderr.write(line + '\n');
        session.close();
      }
      if (r.signal) {
        if (r.supervisorKilled) {
          // --explain applied a KILL decision (with SIGKILL, which no handler survives): exit as the kernel's kill would.
          ctx.stderr.write('syswall: killed by seccomp: the policy kills on the call named above (applied by --explain with SIGKILL)\n');
          return 128 + (osConstants.signals.SIGSYS ?? 31);
        }
        const n = osConstants.signals[r.signal] ?? 0;
        if (r.seccompKilled) {
          const exact = await seccompKillRecord(r.pid, startUs);
          const acts = strict ? ['strict mode'] : sigsysCandidates(finalPolicy, program instanceof Uint8Array ? undefined : program);
          const what = strict ? `strict mode${exact ? ', ' + exact.replace(/^KILL_\w+ /, '') : ''}` : exact ?? (acts.length ? acts.join(' or ') : 'a seccomp action');
          ctx.stderr.write(`syswall: killed by seccomp (SIGSYS): ${what}\n`);
          // --explain needs a policy: not for --strict or a compiled program.
          if (!session && finalPolicy) ctx.stderr.write(`hint: rerun with \`syswall run --explain ...\` to see which syscall was denied\n`);
        }
        return 128 + n;
      }
      if (!session && r.exitCode !== 0 && finalPolicy && finalPolicy.defaultAction.kind !== 'ALLOW') {
        ctx.stderr.write(`syswall: hint: the command exited ${r.exitCode}; if a denied syscall caused it, rerun with \`syswall run --explain ...\`\n`);
      }
      return r.exitCode ?? 1;
    } catch (e) {
      return reportStartError(e, ctx);
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
  },
};

/** Exec failures map to the shell's 127 (not found) and 126 (not executable); the rest is rethrown for main. */
function reportStartError(e: unknown, ctx: CommandContext): number {
  if (e instanceof SandboxError && e.stage === 'exec') {
    ctx.stderr.write(`syswall: error: ${e.message}\n`);
    if (e.hint) ctx.stderr.write(`hint: ${e.hint}\n`);
    return e.errno === 'ENOENT' || e.errno === 'ENOTDIR' ? 127 : 126;
  }
  throw e;
}
