/**
 * `lint` for raw programs: findings derived from the exact analysis (never
 * from sampling). Policy-level checks (rule shadowing, unknown names,
 * errnoRet misuse) belong to the policy frontends and come later.
 */
import { familyNamed } from '../policy/families.js';
import { ARCHES, X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { syscallNumber, syscallTable } from '../arch/syscalls.js';
import { ERRNO } from '../arch/errno.js';
import * as C from '../bpf/constants.js';
import { bpfClass, type Instruction } from '../bpf/instruction.js';
import { seccompDataWords } from '../bpf/data.js';
import { ARCH_WORD, NR_WORD, analyzeProgram, lookupDecision, segmentFor, type AnalyzeOptions, type ArchDecision, type NrSegment, type ProgramAnalysis, type Region } from '../symbolic/symbolic.js';
import { ALL_WORDS, contains, countIn, intersect, withMaskNe, type WordSet } from '../symbolic/wordset.js';
import { runWords } from '../bpf/interpreter.js';
import { actionName, isPermissive, normalizeAction } from '../bpf/actions.js';
import { clipSegments, viewsOf, type ArchView } from '../symbolic/present.js';
import { describeSegment } from './explain.js';

/** Severity of a finding. */
export type Severity = 'error' | 'warning' | 'info';

/** One lint finding. */
export interface Finding {
  readonly severity: Severity;
  /** Stable code, e.g. `ARCH_NOT_CHECKED`. */
  readonly code: string;
  readonly message: string;
  readonly location: { readonly pc?: number; readonly arch?: string; readonly syscall?: string; readonly arg?: number };
  readonly hint?: string;
  /** For UPPER_HALF_BYPASS: the argument value (hex) that proves it, checked by running the program, and what it gets. */
  readonly witness?: { readonly arg: number; readonly value: string; readonly action: string; readonly kernelAction: string };
}

/** Result of {@link lintProgram}. */
export interface LintReport {
  readonly findings: readonly Finding[];
  /** Worst severity, or undefined when there are no findings. */
  readonly worst?: Severity;
}

/** Options for {@link lintProgram}. */
export interface LintOptions extends AnalyzeOptions {
  /** Arches to check (default: the ones the program tests). */
  arches?: readonly ArchInfo[];
}

/**
 * Syscall families whose members do the same thing: denying one but not the
 * others is a gap. The members come from the one table of families
 * (src/core/policy/families.ts); `socket` adds its i386 multiplexer.
 */
export const EQUIVALENT_FAMILIES: readonly { readonly name: string; readonly members: readonly string[] }[] = [
  ...['open', 'execve', 'clone', 'read', 'write', 'chmod', 'chown'].map((name) => ({ name, members: familyNamed(name)!.members.map((m) => m.name) })),
  { name: 'socket', members: ['socket', 'socketcall'] },
];

/** Syscalls that widen the attack surface a lot when allowed. */
export const DANGEROUS_SYSCALLS: readonly string[] = [
  'ptrace', 'process_vm_writev', 'bpf', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'kexec_load',
  'kexec_file_load', 'init_module', 'finit_module', 'mount', 'fsopen', 'move_mount', 'unshare', 'setns', 'keyctl',
  'add_key', 'request_key', 'userfaultfd', 'perf_event_open', 'open_by_handle_at', 'pivot_root',
];

/** Newer syscalls libc falls back from only on ENOSYS. */
export const ENOSYS_FALLBACK: readonly string[] = [
  'clone3', 'faccessat2', 'close_range', 'openat2', 'statx', 'fchmodat2', 'epoll_pwait2', 'copy_file_range',
  'preadv2', 'pwritev2', 'getrandom', 'memfd_create',
];

/**
 * Arguments the kernel reads as 32-bit `int`/`unsigned int`/`umode_t`
 * (syscall name -> argument indexes), as the SYSCALL_DEFINE declarations type
 * them. On 64-bit arches their upper half is garbage the kernel ignores, so a
 * filter that compares all 64 bits can be sidestepped. Arguments the kernel
 * takes as `unsigned long` are not here even when only small values are
 * valid: mmap's prot and flags and mprotect's prot (the kernel sees the upper
 * bits; mprotect refuses them with EINVAL), unshare's flags (EINVAL).
 */
export const INT_ARGS: Readonly<Record<string, readonly number[]>> = {
  socket: [0, 1, 2], socketpair: [0, 1, 2], personality: [0], ioctl: [1], fcntl: [1], prctl: [0], kill: [1], tgkill: [2],
  tkill: [1], open: [1, 2], openat: [2, 3], setsockopt: [1, 2], getsockopt: [1, 2],
  setns: [1], copy_file_range: [5], madvise: [2], flock: [1], umask: [0], chmod: [1], fchmod: [1], fchmodat: [2], fchmodat2: [2, 3],
};

// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (CLONE_NEWTIME, 0x80, is the exit signal byte in clone(2)).
const CLONE_NS_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];


type Verdict = 'allow' | 'deny' | 'mixed' | 'other';

function verdict(seg: NrSegment): Verdict {
  let allow = 0;
  let deny = 0;
  for (const r of seg.regions) {
    if (r.value.t !== 'const') return 'mixed';
    if (isPermissive(r.value.v)) allow++;
    else deny++;
  }
  if (allow && deny) return 'mixed';
  return allow ? 'allow' : deny ? 'deny' : 'other';
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Lints an analysed program. */
export function lintAnalysis(an: ProgramAnalysis, arches?: readonly ArchInfo[]): LintReport {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);

  // Arch checks.
  if (!an.readsArch) {
    add({ severity: 'error', code: 'ARCH_NOT_CHECKED', message: 'the program never checks seccomp_data.arch: syscall numbers mean different syscalls on other arches (e.g. 32-bit x86 on x86_64)', location: { pc: 0 }, hint: 'begin with `ld [4]; jeq AUDIT_ARCH_...` and kill on any other arch' });
  } else {
    const other = an.arches[an.arches.length - 1];
    if (other.segments.some((s) => s.regions.some((r) => r.value.t !== 'const' || isPermissive(r.value.v)))) {
      add({ severity: 'error', code: 'OTHER_ARCH_ALLOWED', message: 'syscalls from arches the program does not check can reach ALLOW', location: { arch: 'other arches' }, hint: 'end the arch checks with a kill (libseccomp\'s bad-arch action)' });
    }
  }

  if (an.archTokens.length === 0) {
    add({ severity: 'info', code: 'NO_ARCH_GIVEN', message: 'no arch is known (the program checks none and none was given), so syscall-level checks were skipped', location: {}, hint: 'pass --arch (e.g. --arch x86_64) to check the syscalls of that arch' });
  }

  // Per-view checks.
  const views: { view: ArchView; decision: ArchDecision }[] = [];
  for (const d of an.arches) {
    if (d.token === null) continue;
    for (const view of viewsOf(d.token)) {
      if (!view.info) continue;
      if (arches && !arches.some((a) => a.name === view.info!.name) && !(view.info.x32 && arches.some((a) => a.name === 'x86_64'))) continue;
      views.push({ view, decision: d });
    }
  }
  for (const { view, decision } of views) {
    const info = view.info!;
    const segOf = (name: string): NrSegment | undefined => {
      const nr = syscallNumber(info, name);
      return nr === undefined ? undefined : segmentFor(decision, nr);
    };
    const defaultSeg = segmentFor(decision, view.nrLo + 0x3000);
    const defaultVerdict = verdict(defaultSeg);
    const loc = (syscall?: string) => ({ arch: info.name, ...(syscall ? { syscall } : {}) });

    // x32: numbers with bit 30 must not open what the x86_64 numbers close.
    if (info.x32) {
      const main = ARCHES.x86_64;
      const gaps: string[] = [];
      for (const { name, nr } of syscallTable(info)) {
        const mainNr = syscallNumber(main, name);
        if (mainNr === undefined) continue;
        const x = verdict(segmentFor(decision, nr));
        const m = verdict(segmentFor(decision, mainNr));
        if (x === 'allow' && m !== 'allow') gaps.push(name);
      }
      if (gaps.length) {
        add({ severity: 'error', code: 'X32_BYPASS', message: `x32 syscall numbers (nr | 0x40000000) allow what the x86_64 numbers deny: ${gaps.slice(0, 8).join(', ')}${gaps.length > 8 ? ', ...' : ''}`, location: loc(gaps[0]), hint: 'after the x86_64 arch check, send nr >= 0x40000000 to the kill action (except nr -1), as libseccomp does' });
      }
    }

    // A view that denies everything (an arch the filter does not support, e.g. x32 behind the guard) needs no more checks.
    const viewSegs = clipSegments(decision, view);
    if (viewSegs.every((sg) => sg.lo === 0xffffffff || verdict(sg) === 'deny')) continue;

    // Deny-lists and their equivalent-syscall gaps.
    if (defaultVerdict === 'allow') {
      add({ severity: 'warning', code: 'DENY_LIST', message: `the default for unlisted syscalls is ${actionName(defaultSeg.regions[0].value.t === 'const' ? defaultSeg.regions[0].value.v : 0)}: a deny-list lets every new or forgotten syscall through`, location: loc(), hint: 'prefer an allow-list with an ERRNO(ENOSYS) or kill default' });
      for (const fam of EQUIVALENT_FAMILIES) {
        const present = fam.members.filter((n) => segOf(n));
        const denied = present.filter((n) => verdict(segOf(n)!) !== 'allow');
        const allowed = present.filter((n) => verdict(segOf(n)!) === 'allow');
        if (denied.length && allowed.length) {
          add({ severity: 'error', code: 'EQUIVALENT_GAP', message: `${denied.join(', ')} ${denied.length > 1 ? 'are' : 'is'} restricted but ${allowed.join(', ')} ${allowed.length > 1 ? 'do' : 'does'} the same and ${allowed.length > 1 ? 'are' : 'is'} allowed`, location: loc(denied[0]), hint: `restrict the whole ${fam.name} family: ${present.join(', ')}` });
        }
      }
    }

    // socket filtered by argument but socketcall open (x86 and other multiplexing arches).
    if (info.socketcall !== undefined) {
      const sock = segOf('socket');
      const sc = segOf('socketcall');
      if (sock && sc && verdict(sock) === 'mixed' && verdict(sc) === 'allow') {
        add({ severity: 'warning', code: 'SOCKETCALL_BYPASS', message: 'socket() is filtered by its arguments, but socketcall() is allowed and reaches the same code with arguments the filter cannot see', location: loc('socketcall'), hint: 'deny socketcall with ENOSYS if the libc uses direct socket calls, or accept the gap' });
      }
    }

    // Dangerous allows.
    for (const name of DANGEROUS_SYSCALLS) {
      const seg = segOf(name);
      if (!seg) continue;
      const v = verdict(seg);
      if (v === 'allow') add({ severity: 'warning', code: 'DANGEROUS_ALLOW', message: `${name} is allowed`, location: loc(name), hint: `${name} widens the kernel attack surface; deny it unless the workload needs it` });
      else if (v === 'mixed') add({ severity: 'info', code: 'DANGEROUS_ALLOW', message: `${name} is allowed for some arguments: ${describeSegment(seg, info).text}`, location: loc(name) });
    }
    const pers = segOf('personality');
    if (pers && verdict(pers) === 'allow') add({ severity: 'warning', code: 'DANGEROUS_ALLOW', message: 'personality is allowed with any persona', location: loc('personality'), hint: 'allow only the personas the workload needs (e.g. 0x0, 0x8, 0xffffffff)' });
    const cloneNr = syscallNumber(info, 'clone');
    if (cloneNr !== undefined && verdict(segmentFor(decision, cloneNr)) !== 'deny') {
      const flagsArg = info.name === 's390' || info.name === 's390x' ? 1 : 0;
      const allowed = CLONE_NS_FLAGS.filter((fl) => {
        const args = [0n, 0n, 0n, 0n, 0n, 0n];
        args[flagsArg] = BigInt(fl);
        const w = seccompDataWords({ nr: cloneNr, arch: info.token, args }, info.endian);
        const r = lookupDecision(an, w);
        return r.matches === 1 && isPermissive(r.value);
      });
      if (allowed.length) add({ severity: 'warning', code: 'CLONE_NAMESPACES', message: `clone is allowed with namespace flags (${allowed.map((f) => '0x' + f.toString(16)).join(', ')})`, location: loc('clone'), hint: 'mask the CLONE_NEW* bits: allow clone only when args[0] & 0x7e020000 == 0' });
    }

    // EPERM where libc needs ENOSYS.
    for (const name of ENOSYS_FALLBACK) {
      const seg = segOf(name);
      if (!seg) continue;
      for (const r of seg.regions) {
        if (r.value.t !== 'const') continue;
        const n = normalizeAction(r.value.v);
        const act = (n & C.SECCOMP_RET_ACTION_FULL) >>> 0;
        if (act === C.SECCOMP_RET_ERRNO && (n & 0xffff) !== ERRNO.ENOSYS) {
          add({ severity: 'warning', code: 'ERRNO_NOT_ENOSYS', message: `${name} fails with ${actionName(n)}: libc falls back to the older syscall only on ENOSYS`, location: loc(name), hint: `return ERRNO(${ERRNO.ENOSYS}) (ENOSYS) for ${name}` });
          break;
        }
        if (act === C.SECCOMP_RET_KILL_PROCESS || act === C.SECCOMP_RET_KILL_THREAD || act === C.SECCOMP_RET_TRAP) {
          add({ severity: 'info', code: 'ERRNO_NOT_ENOSYS', message: `${name} is killed/trapped: a libc that probes it will die instead of falling back`, location: loc(name), hint: `return ERRNO(${ERRNO.ENOSYS}) (ENOSYS) for ${name}` });
          break;
        }
      }
    }

    // 32/64-bit argument checks.
    if (info.bits === 64) {
      for (const seg of clipSegments(decision, view)) {
        if (verdict(seg) !== 'mixed') continue;
        for (let nr = seg.lo; nr <= seg.hi && nr - seg.lo < 64; nr++) {
          const name = syscallTable(info).find((e) => e.nr === nr)?.name;
          if (!name) continue;
          const intArgs = INT_ARGS[name] ?? [];
          for (let arg = 0; arg < 6; arg++) {
            const loW = 4 + 2 * arg + (info.endian === 'big' ? 1 : 0);
            const hiW = 4 + 2 * arg + (info.endian === 'big' ? 0 : 1);
            const hiRegions = seg.regions.filter((r) => r.words.some((w) => w.word === hiW));
            const loOnly = seg.regions.filter((r) => r.words.some((w) => w.word === loW && (w.set.lo !== 0 || w.set.hi !== 0xffffffff || w.set.excluded.length)) && !r.words.some((w) => w.word === hiW));
            if (intArgs.includes(arg) && hiRegions.length) {
              // Proven, not guessed: a concrete argument whose upper half changes the decision, checked by running the program.
              const w = upperHalfWitness(an.program, seg, nr, info, arg);
              if (w) {
                const widens = isPermissive(w.withHi) && !isPermissive(w.without);
                add({
                  severity: widens ? 'warning' : 'info', code: 'UPPER_HALF_BYPASS',
                  message: `${name}: args[${arg}] is a 32-bit int the kernel truncates, but its upper half changes the decision: args[${arg}] = ${hex64(w.value)} gets ${actionName(w.withHi)}, while the kernel sees ${hex64(w.value & 0xffffffffn)}, which gets ${actionName(w.without)}${widens ? '' : ' (fails safe: callers with garbage in the upper half are refused)'}`,
                  location: { ...loc(name), arg },
                  witness: { arg, value: hex64(w.value), action: actionName(w.withHi), kernelAction: actionName(w.without) },
                  hint: 'compare only the low word: MASKED_EQ with mask 0xffffffff, a 32-bit comparison ("width": 32 in syswall policies)',
                });
              }
            } else if (!intArgs.includes(arg) && loOnly.length && hiRegions.length === 0) {
              add({ severity: 'warning', code: 'LOW_WORD_ONLY', message: `${name}: the decision depends on the low 32 bits of args[${arg}] only; on ${info.name} the argument is 64-bit`, location: loc(name), hint: 'also check the high word (libseccomp compares both), unless the argument is a 32-bit int' });
            }
          }
        }
      }
    }
  }

  // Unreachable code.
  const structural = reachable(an.program);
  const dead: number[] = [];
  const folded: number[] = [];
  an.program.forEach((_, pc) => {
    if (!structural.has(pc)) dead.push(pc);
    else if (!an.dag.reached.has(pc)) folded.push(pc);
  });
  // A lone unreachable `ret` is a common code-generator leftover (libseccomp emits one); anything else is suspicious.
  const onlyRets = dead.every((pc) => bpfClass(an.program[pc].code) === C.BPF_RET);
  if (dead.length) add({ severity: onlyRets ? 'info' : 'warning', code: 'UNREACHABLE', message: `instructions ${ranges(dead)} can never run`, location: { pc: dead[0] }, hint: 'remove them; unreachable code often means a wrong jump offset' });
  if (folded.length) add({ severity: 'info', code: 'DEAD_BRANCH', message: `instructions ${ranges(folded)} are only reachable through comparisons whose outcome is fixed`, location: { pc: folded[0] } });

  findings.sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity]);
  const worst = findings.length ? findings[0].severity : undefined;
  return { findings, worst };
}

const hex64 = (v: bigint) => '0x' + v.toString(16);

/** The smallest member of a non-empty word set. */
function firstMember(s: WordSet): number {
  if (contains(s, s.lo)) return s.lo;
  let lo = s.lo;
  let hi = s.hi;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (countIn(s, lo, mid) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * An argument value whose upper 32 bits change what the program returns for
 * syscall `nr` (compared with the same value with the upper half clear), or
 * undefined when there is none. Exact over the analysis' regions: for every
 * pair of regions with different actions, the words must be able to agree
 * everywhere except the upper half of the argument, which must be non-zero
 * in one and zero in the other; each candidate is then run through the
 * program itself, so a reported witness is always real.
 */
function upperHalfWitness(program: readonly Instruction[], seg: NrSegment, nr: number, info: ArchInfo, arg: number): { value: bigint; withHi: number; without: number } | undefined {
  const loW = 4 + 2 * arg + (info.endian === 'big' ? 1 : 0);
  const hiW = 4 + 2 * arg + (info.endian === 'big' ? 0 : 1);
  const setOf = (r: Region, w: number) => r.words.find((x) => x.word === w)?.set ?? ALL_WORDS;
  for (const r1 of seg.regions) {
    const hiSet = withMaskNe(setOf(r1, hiW), 0xffffffff, 0);
    if (!hiSet || !contains(setOf(r1, NR_WORD), nr)) continue;
    for (const r2 of seg.regions) {
      if (r2 === r1 || !contains(setOf(r2, hiW), 0) || !contains(setOf(r2, NR_WORD), nr)) continue;
      if (r1.value.t === 'const' && r2.value.t === 'const' && normalizeAction(r1.value.v) === normalizeAction(r2.value.v)) continue;
      const words = new Uint32Array(16);
      words[NR_WORD] = nr;
      words[ARCH_WORD] = info.token;
      let ok = true;
      for (let w = 2; w < 16 && ok; w++) {
        if (w === hiW) {
          words[w] = firstMember(hiSet);
          continue;
        }
        const both = intersect(setOf(r1, w), setOf(r2, w));
        if (both) words[w] = firstMember(both);
        else ok = false;
      }
      if (!ok) continue;
      const withHi = runWords(program, words);
      const clear = words.slice();
      clear[hiW] = 0;
      const without = runWords(program, clear);
      if (normalizeAction(withHi) !== normalizeAction(without)) {
        return { value: (BigInt(words[hiW]) << 32n) | BigInt(words[loW]), withHi, without };
      }
    }
  }
  return undefined;
}

function reachable(program: readonly Instruction[]): Set<number> {
  const seen = new Set<number>();
  const stack = [0];
  while (stack.length) {
    const pc = stack.pop()!;
    if (pc >= program.length || seen.has(pc)) continue;
    seen.add(pc);
    const ins = program[pc];
    const cls = bpfClass(ins.code);
    if (cls === C.BPF_RET) continue;
    if (cls === C.BPF_JMP) {
      if ((ins.code & 0xf0) === C.BPF_JA) stack.push(pc + 1 + (ins.k >>> 0));
      else stack.push(pc + 1 + ins.jt, pc + 1 + ins.jf);
    } else stack.push(pc + 1);
  }
  return seen;
}

function ranges(pcs: number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < pcs.length) {
    let j = i;
    while (j + 1 < pcs.length && pcs[j + 1] === pcs[j] + 1) j++;
    out.push(i === j ? `${pcs[i]}` : `${pcs[i]}-${pcs[j]}`);
    i = j + 1;
  }
  return out.length > 6 ? out.slice(0, 6).join(', ') + ', ...' : out.join(', ');
}

/** Analyses and lints a program. */
export function lintProgram(program: readonly Instruction[], options: LintOptions = {}): LintReport {
  const an = analyzeProgram(program, { ...options, archTokens: [...(options.archTokens ?? []), ...(options.arches ?? []).map((a) => a.token)] });
  return lintAnalysis(an, options.arches);
}

/** Plain-text rendering, one finding per line (+ hint). */
export function formatLint(report: LintReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const where = [f.location.arch, f.location.syscall, f.location.pc !== undefined ? `instruction ${f.location.pc}` : undefined].filter(Boolean).join(' ');
    lines.push(`${f.severity}: ${f.code}${where ? ` (${where})` : ''}: ${f.message}`);
    if (f.hint) lines.push(`  hint: ${f.hint}`);
  }
  return lines.join('\n');
}

export { X32_SYSCALL_BIT };
