/**
 * `syswall run`: the light half. Start-up matters here (a launcher put in
 * front of every command of a script), so this module loads only what a run
 * needs: the plan comes precompiled (the built-in default) or from the
 * user's compile cache (run-plan.ts, src/node/program-cache.ts), and the
 * compiler, the input door and the linter (run-compile.ts) are loaded only
 * when a plan must be computed, and for --explain. Figures: docs/benchmarks.md.
 */
import { statSync } from 'node:fs';
import type { Command } from '../command.js';
import { flag, listOpt, stringOpt, UsageError } from '../command.js';
import { resolveArch } from '../../core/arch/arches.js';
import { SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW } from '../../core/bpf/constants.js';
import { hostArch, hostKernelVersion, kernelClockUs } from '../../node/host.js';
import { SandboxError } from '../../node/errors.js';
import { readInputFile } from '../../node/input.js';
import { cacheDisabledByEnv, cacheEnabledByEnv, ProgramCache } from '../../node/program-cache.js';
import { PolicyError } from '../../core/errors.js';
import { cachedPlan, encodePlan, isPlainDefault, planKey, precompiledPlan, readBuildId, readPrecompiled, type PlanOptions, type RunPlan } from './run-plan.js';
import { BUILTIN_PROFILES, builtinProfilePath } from '../../node/builtin-profiles.js';
import type { LaunchGuards, SandboxedProcess } from '../../node/launch.js';
import { endOfRun, exitLines, reportStartError, type RunEndFacts } from './run-end.js';
import { execSandboxInPlace, quoteCommand } from '../../node/helper-exec.js';
import { isolationSupport } from '../../node/isolation-support.js';
import type { RunReportContext } from '../run-report.js';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../node/native.js';

const FLAGS: Record<string, number> = { 'spec-allow': SECCOMP_FILTER_FLAG_SPEC_ALLOW, log: SECCOMP_FILTER_FLAG_LOG };

/** Signals `syswall run` relays to the command (SIGINT/SIGQUIT only when not from a terminal). */
const RELAYED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export const command: Command = {
  name: 'run',
  separateRest: true,
  summary: 'run a command under a seccomp filter (built-in default profile)',
  usage: `Usage: syswall run [-p FILE|NAME] [-i KIND] [-I DIR] [--allow LIST] [--deny LIST] [--exact] [--flag F]
                   [-a A,B] [--strict] [--no-nnp] [--cache|--no-cache] [--strict-names] [-e] [--explain-json FILE]
                   [-q] [-v] [--debug] -- CMD [ARGS...]

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

The built-in default is precompiled at build time. With --cache (or
SYSWALL_CACHE=1) a compiled profile is kept in $XDG_CACHE_HOME/syswall or
~/.cache/syswall (private, checked before use) and compiled once; it is off by
default because a command running as you can write that directory (use it
only for commands that cannot). --no-cache or SYSWALL_NO_CACHE=1 compiles
every time, the default too (docs/runtime.md, "Compile cache").

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
      --cache              read and write the compile cache (also:
                           SYSWALL_CACHE=1); only where the command cannot
                           write your cache directory
      --no-cache           compile the profile; no precompiled default, no
                           compile cache (also: SYSWALL_NO_CACHE=1)
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
    cache: { type: 'boolean' },
    'no-cache': { type: 'boolean' },
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
    const quiet = flag(ctx, 'quiet');
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
    if (explain && strict) throw new UsageError('run: --explain cannot be combined with --strict', 'strict mode kills on the first other syscall; run without --strict to explain a policy');

    let plan: RunPlan | undefined;
    let session: import('../../node/explain.js').ExplainSession | undefined;
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
      const kind = stringOpt(ctx, 'input');
      const o: PlanOptions = {
        spec: profileSpec ?? 'default',
        ...(kind !== undefined ? { kind } : {}),
        strictNames: flag(ctx, 'strict-names'),
        includeDirs: listOpt(ctx, 'include-dir'),
        allow,
        deny,
        exact: flag(ctx, 'exact'),
        ...(arches ? { arches } : {}),
      };
      const builtin = BUILTIN_PROFILES.includes(o.spec);
      let profileFile = o.spec;
      // A plan without compiling: precompiled (the plain built-in default) or cached, keyed
      // by the profile's bytes as they are now (a file that cannot be read is left to the door's message).
      const useCache = !explain && !flag(ctx, 'no-cache') && !cacheDisabledByEnv() && o.spec !== '-';
      // The compile cache is opt-in: a command running as this user can write it (docs/security.md).
      const cacheOn = useCache && (flag(ctx, 'cache') || cacheEnabledByEnv());
      let key: string | undefined;
      let keyBytes: Uint8Array | undefined;
      let cache: ProgramCache | undefined;
      let from = useCache ? '' : 'compiled now (compile cache off)';
      if (useCache) {
        let bytes: Uint8Array | undefined;
        try {
          if (builtin) profileFile = builtinProfilePath(o.spec, host);
          // Only a regular file can be read twice (a pipe such as <(...) is left to the door).
          if (statSync(profileFile).isFile()) bytes = readInputFile(profileFile, profileFile);
        } catch {
          bytes = undefined;
        }
        if (bytes) {
          keyBytes = bytes;
          if (builtin && isPlainDefault(o)) {
            plan = precompiledPlan(host, bytes);
            if (plan) from = 'precompiled at build time';
            else if (!readPrecompiled(host)) from = 'compiled now (this build has no precompiled default: run `npm run build`)';
          }
          const buildId = !plan && cacheOn ? readBuildId() : undefined;
          if (!plan && cacheOn && !buildId) from = 'compiled now (this build has no build id: run `npm run build`)';
          if (buildId) {
            key = planKey(buildId, host, o, bytes, builtin ? undefined : hostKernelVersion());
            cache = new ProgramCache();
            plan = cachedPlan(key, cache);
            if (plan) from = `from the compile cache, ${cache.pathOf(key)}`;
          }
        } else {
          from = 'compiled now (not a regular file: not cached)';
        }
      }
      if (!plan) {
        // The compile runs once in this short-lived process and nothing hot follows it (but the
        // supervisor of --explain): V8's optimizing tiers would cost more CPU compiling the compiler
        // than they save (Docker's profile: 165 -> 139 ms of CPU, the same wall time; docs/benchmarks.md).
        if (!explain) {
          const v8 = await import('node:v8');
          v8.setFlagsFromString('--no-turbofan');
          v8.setFlagsFromString('--no-maglev');
        }
        const { computePlan } = await import('./run-compile.js');
        const c = await computePlan(o, {
          ...(explain ? { explain: explainJson ? { jsonPath: explainJson } : {} } : {}),
          label: profileSpec ?? 'the built-in profile "default"',
          ...(keyBytes ? { bytes: keyBytes } : {}),
          // The bypass lint (a third of a compile) only where its lines are printed or stored.
          lint: !quiet || cache !== undefined,
        });
        plan = c.plan;
        session = c.session;
        profileFile = c.file;
        if (key && cache && !session && !c.readOtherFiles) {
          from = cache.set(key, encodePlan(plan)) ? `compiled now, stored in the compile cache, ${cache.pathOf(key)}` : 'compiled now (not stored in the compile cache)';
        } else if (key && cache) {
          from = 'compiled now (the profile reads other files: not cached)';
        } else if (!from) {
          from = cacheOn ? 'compiled now' : 'compiled now (compile cache not asked for: --cache)';
        }
      }
      for (const a of cache?.alerts ?? []) warn(`${a}; compiled instead`);
      if (verbose) for (const n of cache?.notes ?? []) ctx.stderr.write(`syswall: ${n}\n`);
      if (verbose) ctx.stderr.write(`syswall: compiled filter: ${from}\n`);
      // The lines about the profile, in the order the compile path meets them.
      const profileLine = () => {
        if (verbose && plan!.profileLine) ctx.stderr.write(`syswall: ${builtin ? `built-in profile ${o.spec} (${profileFile})` : `profile ${profileFile}`}: ${plan!.profileLine}\n`);
      };
      const isProgram = plan.defaultKind === undefined;
      if (isProgram) profileLine();
      for (const w of plan.loadWarnings) if (verbose || (!builtin && w.warning)) warn(w.message);
      if (plan.denyNote) ctx.stderr.write(`syswall: ${plan.denyNote}\n`);
      if (verbose) for (const w of plan.compileWarnings) warn(w);
      if (!quiet) for (const line of plan.bypass) warn(line);
      if (!isProgram) profileLine();
      if (verbose && plan.filterLine) ctx.stderr.write(`syswall: filter: ${plan.filterLine}\n`);
      flags |= plan.flags;
    }
    const noNewPrivs = flag(ctx, 'no-nnp') ? false : plan?.noNewPrivs;
    if (verbose) {
      if (strict) ctx.stderr.write('syswall: strict mode (SECCOMP_MODE_STRICT): read, write, exit and rt_sigreturn only\n');
      const { filterFlagNames } = await import('../../node/dump.js');
      const names = filterFlagNames(flags);
      ctx.stderr.write(`syswall: seccomp flags ${names.length ? names.join('|') : 'none'}${session ? ' (NEW_LISTENER: --explain supervises the denials)' : ''}; no_new_privs ${noNewPrivs === false ? 'off (--no-nnp)' : 'on'}\n`);
    }

    // Isolation: where the host refuses namespaces, say so once, before anything runs.
    const iso = isolationSupport();
    if (!iso.namespaces) ctx.stderr.write(`syswall: warning: no PID namespace (${iso.reason}): the command can see and signal this user's other processes\n`);
    // The guard filter comes with the plan; the program analysis only where launch needs it (supervised, or no namespaces).
    const analysis = session || !iso.namespaces ? await import('../../node/isolation.js') : undefined;
    const needs = (what: string) => new Error(`run: ${what} without the program analysis loaded`);
    const guards: LaunchGuards | undefined = plan && {
      sandboxGuard: () => plan!.guard,
      withListenerGuard: (p) => {
        if (!analysis) throw needs('a supervised program');
        return analysis.withListenerGuard(p);
      },
      reachingSyscalls: (p) => {
        if (!analysis) throw needs('a program without namespaces');
        return analysis.reachingSyscalls(p);
      },
    };

    const [cmd, ...args] = argv;
    const startUs = kernelClockUs() - 1_000_000;
    const endFacts: RunEndFacts = { strict, sigsys: plan?.sigsys ?? [], ...(plan?.defaultKind !== undefined ? { defaultKind: plan.defaultKind } : {}), explained: !!session, startUs };

    // The usual case: nothing to do while the command runs (no --explain, no --verbose line after
    // it, the namespaces available), so the helper replaces this Node process (no Node waiting:
    // docs/runtime.md, "Start-up"); the helper prints the exit lines, and a short Node script reports a signal or a failure.
    if (ctx.ownProcess && !session && !verbose && iso.namespaces) {
      const context: RunReportContext = { ...endFacts, command: quoteCommand(cmd, []), debug: flag(ctx, 'debug') };
      const script = join(PACKAGE_ROOT, 'dist', 'bin', 'run-report.cjs');
      const sandbox = strict ? { strict: true } : { guard: plan!.guard, program: plan!.program, flags };
      try {
        execSandboxInPlace(cmd, args, { ...sandbox, ...(noNewPrivs === false ? { noNewPrivs: false } : {}) }, { script, context: JSON.stringify(context), exitLines: exitLines(endFacts, '{code}') });
      } catch (e) {
        return reportStartError(e, ctx.stderr);
      }
    }
    const { launch } = await import('../../node/launch.js');
    let child: SandboxedProcess;
    try {
      child = launch(cmd, args, {
        ...(strict ? { strict: true } : { program: plan!.program, flags }),
        ...(noNewPrivs === false ? { noNewPrivs: false } : {}),
        ...(session ? { onSyscall: session.onSyscall } : {}),
        stdio: 'inherit',
        cleanup: true,
      }, guards);
    } catch (e) {
      if (e instanceof SandboxError && e.code === 'ISOLATION_UNAVAILABLE') throw new PolicyError(e.code, `run: ${e.message}`, { ...(e.hint ? { hint: e.hint } : {}) });
      return reportStartError(e, ctx.stderr);
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
      return await endOfRun(r, endFacts, ctx.stderr);
    } catch (e) {
      return reportStartError(e, ctx.stderr);
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
  },
};
