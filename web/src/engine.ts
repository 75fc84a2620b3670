/**
 * The playground's engine: input text -> program -> every analysis, with no
 * DOM. Everything here comes from syswall's browser-safe core (src/core);
 * the page (main.ts) only renders what these functions return.
 */
import {
  ARCHES, actionName, BPF_ST, BPF_STX, bpfClass, buildCfg, conditionHolds, describeSettings, detectInput, diffInputs, disassembleLines,
  explainInput, INPUT_KINDS, isSyswallError, lintLoaded, loadInput, mapInput, parseHexText, resolveArch, suggestSyscall, SyswallError, syscallName,
  syscallNumber, syscallTable, traceProgram, validateProgram,
  type ArchInfo, type Condition, type DiffReport, type Endian, type InputKind, type InputKindOption, type Instruction,
  type LoadedInput, type TraceResult,
} from '../../src/core/index.js';
import type { AnalysisResult, EmuOutput, EmuStep, Links, ListingRow, RuleLink } from './protocol.js';

/**
 * How the editor text is read: `auto` detects it with the same rules as the
 * CLI (src/core/formats/door.ts); `policy` detects among the policy dialects;
 * any input kind of the door (`spo`, `minijail`, `asm`, `hex`, ...) forces it.
 */
export type InputMode = 'auto' | InputKindOption;

/** What the page's input-mode selector says for each kind the door reads (the type makes every kind need one). */
const KIND_LABELS: Record<InputKindOption, string> = {
  oci: 'OCI (config.json, linux.seccomp)',
  docker: 'Docker/moby profile',
  'containers-common': 'containers-common (Podman)',
  syswall: 'syswall JSON',
  spo: 'Kubernetes SeccompProfile (SPO)',
  firecracker: 'Firecracker (seccompiler JSON)',
  minijail: 'minijail policy',
  kafel: 'Kafel policy',
  raw: 'raw BPF (binary file, shown as hex)',
  hex: 'raw BPF as hex text',
  asm: 'seccomp-tools assembly',
  policy: 'any policy dialect',
  program: 'any program (assembly or hex)',
};

/**
 * The choices of the input-mode selector: auto-detect, then every kind the
 * CLI's `--input` takes, in the door's own list (src/core/formats/door.ts).
 */
export const INPUT_MODES: readonly { value: InputMode; label: string }[] = [
  { value: 'auto', label: 'auto-detect' },
  ...INPUT_KINDS.map((k) => ({ value: k, label: `${KIND_LABELS[k]} [${k}]` })),
];

/** Whether a value (from a shared link, say) is one of {@link INPUT_MODES}. */
export const isInputMode = (v: unknown): v is InputMode => INPUT_MODES.some((m) => m.value === v);

/** An input problem, placed at its line where the core knows it. */
export interface InputProblem {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  /** 1-based line in the editor text. */
  readonly line?: number;
  readonly column?: number;
}

/** A program built from the editor text. */
export interface Built {
  /** `policy` for any policy dialect, else the program form. */
  readonly mode: 'policy' | 'asm' | 'hex' | 'raw';
  /** What the door read: the policy dialect or program form. */
  readonly kind: InputKind;
  /** The dialect of a policy input. */
  readonly policyKind?: InputKind;
  readonly instructions: Instruction[];
  /** The arches the program decides for (policy arches, or the ones it checks). */
  readonly arches: readonly ArchInfo[];
  /** Arch used for names in the disassembly. */
  readonly arch: ArchInfo;
  readonly endian: Endian;
  /** Policy warnings and compiler warnings, one line each. */
  readonly warnings: readonly string[];
  /** Milliseconds spent parsing and compiling or assembling. */
  readonly buildMs: number;
  /** (arch, syscall) decisions the compiler made (policies only). */
  readonly decisions?: number;
  /** For policies: the settings in effect (the CLI's defaults), as one line. */
  readonly settings?: string;
  /** The input as the core loaded it (the same object the CLI analyses). */
  readonly loaded: LoadedInput;
}

export type BuildResult = { ok: true; built: Built } | { ok: false; error: InputProblem };

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Turns anything thrown into an {@link InputProblem}. */
export function toProblem(e: unknown): InputProblem {
  if (isSyswallError(e)) {
    const loc = e.location;
    return {
      code: e.code,
      message: e.message,
      ...(e.hint !== undefined ? { hint: e.hint } : {}),
      ...(loc?.line !== undefined ? { line: loc.line } : {}),
      ...(loc?.column !== undefined ? { column: loc.column } : {}),
    };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** What the text is, by the CLI's detection rules: `policy`, `asm` or `hex`; undefined when it is empty or not recognised. */
export function detectMode(text: string): 'policy' | 'asm' | 'hex' | undefined {
  try {
    const k = detectInput(text).kind;
    return k === 'asm' || k === 'hex' ? k : k === 'raw' ? undefined : 'policy';
  } catch {
    return undefined;
  }
}

/**
 * Reads the editor text into a program, through the core's one input door
 * with the CLI's defaults. `pick` chooses a Firecracker thread or an SPO
 * profile in a file that has several (the CLI's `--thread`/`--name`). In
 * `raw` mode the editor holds a binary file as hex bytes (the page shows
 * binary files so); those bytes go through the door as raw BPF. Never throws.
 */
export function buildProgram(text: string, mode: InputMode, archName: string, kernel = '', pick = ''): BuildResult {
  const t0 = now();
  try {
    const arch = resolveArch(archName);
    const k = kernel.trim();
    const p = pick.trim();
    let data: string | Uint8Array = text;
    if (mode === 'raw') {
      const bytes = text.trim() ? parseHexText(text) : new Uint8Array(0);
      if (!bytes) {
        throw new SyswallError('NOT_RAW_BPF', 'raw mode reads a binary BPF file, which the editor shows as hex bytes; this text is not hex bytes', { kind: 'input', hint: 'open the .bpf file with "Open file…", or choose auto-detect' });
      }
      data = bytes;
    }
    const loaded = loadInput(data, {
      file: 'input', ...(mode !== 'auto' ? { kind: mode } : {}), context: { arch: arch.name, ...(k ? { kernel: k } : {}) },
      ...(p ? { thread: p, name: p, sharedSelectors: true } : {}),
    });
    const input = loaded.input;
    if (input.type === 'policy') {
      const compiled = loaded.compiled!;
      const warnings = [
        ...input.warnings.filter((w) => w.severity === 'warning').map((w) => (w.location?.line !== undefined ? `line ${w.location.line}: ` : '') + w.message),
        ...compiled.warnings,
      ];
      return {
        ok: true,
        built: {
          mode: 'policy', kind: input.kind, policyKind: input.kind, instructions: compiled.instructions, arches: compiled.arches, arch: compiled.arches[0],
          endian: compiled.endian, warnings, buildMs: now() - t0, decisions: compiled.stats.decisions,
          ...(loaded.settings ? { settings: describeSettings(loaded.settings) } : {}), loaded,
        },
      };
    }
    const instructions = input.program;
    const arches = loaded.arches.length ? loaded.arches : [arch];
    const issues = validateProgram(instructions);
    const warnings = issues.slice(0, 5).map((i) => `${i.pc !== undefined ? `instruction ${i.pc}: ` : ''}${i.message} (the kernel would reject this program)`);
    return { ok: true, built: { mode: input.kind, kind: input.kind, instructions, arches, arch: arches.includes(arch) ? arch : arches[0], endian: input.endian, warnings, buildMs: now() - t0, loaded } };
  } catch (e) {
    const problem = toProblem(e);
    // The CLI's hint names --thread/--name; the page has the "Thread / profile" box for it.
    if (problem.code === 'FIRECRACKER_THREAD' || problem.code === 'SPO_AMBIGUOUS') return { ok: false, error: { ...problem, hint: 'type the one you want in the "Thread / profile" box above' } };
    // minijail @include/@frequency and Kafel #include name other files, which a page cannot open.
    if (/no file reader was given to resolve includes/.test(problem.message)) return { ok: false, error: { ...problem, hint: 'a web page cannot read other files: paste the included file\'s lines in place of this line (the CLI reads includes, with -I DIR)' } };
    return { ok: false, error: problem };
  }
}

/** Compile statistics, measured by running the program on every syscall of its arches. */
export interface ArchStats {
  readonly arch: string;
  readonly syscalls: number;
  readonly min: number;
  readonly mean: number;
  readonly max: number;
  /** A syscall needing the most instructions. */
  readonly worst: string;
}

export interface Stats {
  readonly length: number;
  readonly bytes: number;
  readonly buildMs: number;
  readonly decisions?: number;
  readonly blocks: number;
  readonly returns: number;
  readonly perArch: readonly ArchStats[];
}

/**
 * Parses an integer typed by the user: decimal, 0x hex, 0o octal or 0b
 * binary; a negative decimal wraps to two's complement in `bits` bits.
 */
export function parseNumber(text: string, bits: 32 | 64, what: string): bigint {
  const t = text.trim().replace(/_/g, '');
  const neg = t.startsWith('-');
  const body = neg ? t.slice(1) : t;
  if (!/^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(body)) throw new SyswallError('BAD_NUMBER', `${what}: "${text}" is not a number`, { hint: 'use decimal (123) or hex (0x7b)' });
  const v = BigInt(body.toLowerCase());
  const limit = 1n << BigInt(bits);
  if (neg ? v > limit / 2n : v >= limit) throw new SyswallError('BAD_NUMBER', `${what}: ${text} does not fit in ${bits} bits`);
  return neg ? (limit - v) % limit : v;
}

/** Emulator input, as typed by the user. */
export interface EmuInput {
  arch: string;
  syscall: string;
  args: string[];
  ip?: string;
}

export type EmuResult =
  | { ok: true; nr: number; name?: string; arch: ArchInfo; trace: TraceResult; action: string }
  | { ok: false; error: InputProblem };

/** Resolves a syscall given as a name or a number (decimal or 0x hex) on `arch`. */
export function resolveSyscall(arch: ArchInfo, text: string): number {
  const t = text.trim();
  if (/^(0x[0-9a-f]+|-?\d+)$/i.test(t)) return Number(parseNumber(t, 32, 'syscall number')) | 0;
  const nr = syscallNumber(arch, t);
  if (nr === undefined) {
    const s = suggestSyscall(t);
    throw new SyswallError('UNKNOWN_SYSCALL', `unknown syscall "${t}" on ${arch.name}${s ? ` (${s})` : ''}`);
  }
  return nr;
}

/** Runs the program on one syscall. Never throws. */
export function emulate(built: Built, input: EmuInput): EmuResult {
  try {
    const arch = resolveArch(input.arch);
    if (!input.syscall.trim()) return { ok: false, error: { code: 'NO_SYSCALL', message: 'enter a syscall name or number' } };
    const nr = resolveSyscall(arch, input.syscall);
    const args = [0, 1, 2, 3, 4, 5].map((i) => {
      const v = (input.args[i] ?? '').trim();
      return v === '' ? 0n : parseNumber(v, 64, `args[${i}]`);
    });
    const ip = input.ip?.trim() ? parseNumber(input.ip, 64, 'ip') : 0n;
    const trace = traceProgram(built.instructions, { nr, arch: arch.token, ip, args }, arch.endian);
    const action = trace.ok ? actionName(trace.action) : `error: ${trace.error.message}`;
    const name = syscallName(arch, nr);
    return { ok: true, nr, ...(name !== undefined ? { name } : {}), arch, trace, action };
  } catch (e) {
    return { ok: false, error: toProblem(e) };
  }
}

export type DiffResult = { ok: true; report: DiffReport } | { ok: false; error: InputProblem };

/** Compares two built programs exactly (over every input). */
export function diff(a: Built, b: Built): DiffResult {
  try {
    // Both inputs' arches (as `syswall diff A B --arch ...` with them), in one byte order.
    const arches = [...a.arches];
    for (const x of b.arches) if (!arches.includes(x)) arches.push(x);
    return { ok: true, report: diffInputs(a.loaded, b.loaded, { arches: arches.filter((x) => x.endian === a.endian) }) };
  } catch (e) {
    return { ok: false, error: toProblem(e) };
  }
}

/** Arch names for pickers, native-looking ones first. */
export const ARCH_CHOICES: readonly string[] = Object.keys(ARCHES);

// ---------------------------------------------------------------- everything the worker computes for A

const hx = (n: number, w: number) => (n >>> 0).toString(16).padStart(w, '0');

/** The program listing: one row per instruction (the `syswall disasm` text). */
export function listing(built: Built): ListingRow[] | InputProblem {
  try {
    return disassembleLines(built.instructions, { arch: built.arch, endian: built.endian }).map((l) => ({
      pc: l.line, hex: `${hx(l.code, 2)} ${hx(l.jt, 2)} ${hx(l.jf, 2)} ${hx(l.k, 8)}`, text: l.text, reachable: l.reachable,
    }));
  } catch (e) {
    return toProblem(e);
  }
}

/** Argument values satisfying a rule's conditions (a value per condition, checked with the core's evaluator). */
function witnessArgs(conds: readonly Condition[], bits: 32 | 64): bigint[] | undefined {
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  for (const c of conds) {
    const v = c.value;
    switch (c.op) {
      case 'EQ': case 'LE': case 'GE': args[c.arg] = v; break;
      case 'NE': args[c.arg] = v === 0n ? 1n : 0n; break;
      case 'LT': args[c.arg] = 0n; break;
      case 'GT': args[c.arg] = v + 1n; break;
      case 'MASKED_EQ': args[c.arg] = v & (c.mask ?? 0n); break;
    }
  }
  return conds.every((c) => conditionHolds(c, args[c.arg], bits)) ? args : undefined;
}

/** Line span of the JSON object around `line:column` (the rule's entry), or just that line for other syntaxes. */
function objectSpan(lineStarts: readonly number[], text: string, line: number, column: number): [number, number] {
  const at = (lineStarts[line - 1] ?? 0) + Math.max(0, column - 1);
  let depth = 0;
  let open = -1;
  for (let i = at; i >= 0 && at - i < 200_000; i--) {
    const ch = text[i];
    if (ch === '}' || ch === ']') depth++;
    else if (ch === '{' || ch === '[') {
      if (depth === 0) {
        if (ch === '{') {
          open = i;
          break;
        }
      } else depth--;
    }
  }
  if (open < 0) return [line, line];
  depth = 0;
  let close = -1;
  let inStr = false;
  for (let i = open; i < text.length && i - open < 200_000; i++) {
    const ch = text[i];
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        close = i;
        break;
      }
    }
  }
  const lineOf = (off: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return [lineOf(open), close < 0 ? line : lineOf(close)];
}

/**
 * Traces every syscall of every arch of A (arguments 0): the statistics,
 * and which syscalls run each instruction; plus, for policies, each rule's
 * span in the text and the instructions it runs, for the linked highlighting.
 */
export function traceAll(built: Built, text: string): { stats: Stats; links: Links } {
  const perArch: ArchStats[] = [];
  const bySyscall = new Map<number, Set<string>>();
  let traced = 0;
  const note = (path: readonly number[], name: string) => {
    for (const pc of path) {
      let s = bySyscall.get(pc);
      if (!s) bySyscall.set(pc, (s = new Set()));
      s.add(name);
    }
  };
  for (const arch of built.arches) {
    let min = Infinity;
    let max = 0;
    let sum = 0;
    let worst = '';
    const table = syscallTable(arch);
    for (const { name, nr } of table) {
      const tr = traceProgram(built.instructions, { nr, arch: arch.token }, built.endian);
      note(tr.path, name);
      traced++;
      sum += tr.steps;
      if (tr.steps < min) min = tr.steps;
      if (tr.steps > max) {
        max = tr.steps;
        worst = name;
      }
    }
    if (table.length) perArch.push({ arch: arch.name, syscalls: table.length, min, mean: sum / table.length, max, worst });
  }
  const names = new Set<string>();
  for (const arch of built.arches) for (const e of syscallTable(arch)) names.add(e.name);
  const pcSyscalls: Record<number, string[]> = {};
  for (const [pc, s] of bySyscall) if (s.size < names.size) pcSyscalls[pc] = [...s];

  const rules: RuleLink[] = [];
  const input = built.loaded.input;
  if (input.type === 'policy' && traced) {
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const groups = new Map<string, { from: number; to: number; syscalls: Set<string>; pcs: Set<number> }>();
    for (const r of input.policy.rules) {
      const loc = r.origin?.location;
      if (!loc || loc.line === undefined || typeof r.syscall !== 'string') continue;
      const [from, to] = objectSpan(lineStarts, text, loc.line, loc.column ?? 1);
      const key = `${from}-${to}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { from, to, syscalls: new Set(), pcs: new Set() }));
      g.syscalls.add(r.syscall);
      for (const arch of built.arches) {
        const nr = syscallNumber(arch, r.syscall);
        const args = witnessArgs(r.conditions, arch.bits);
        if (nr === undefined || !args) continue;
        for (const pc of traceProgram(built.instructions, { nr, arch: arch.token, args }, built.endian).path) g.pcs.add(pc);
      }
    }
    for (const g of groups.values()) rules.push({ from: g.from, to: g.to, syscalls: [...g.syscalls], arches: built.arches.map((a) => a.name), pcs: [...g.pcs].filter((pc) => pc in pcSyscalls).sort((a, b) => a - b) });
    rules.sort((a, b) => a.from - b.from);
  }
  const cfgCounts = graphCounts(built.instructions);
  return {
    stats: {
      length: built.instructions.length,
      bytes: built.instructions.length * 8,
      buildMs: built.buildMs,
      ...(built.decisions !== undefined ? { decisions: built.decisions } : {}),
      blocks: cfgCounts.blocks,
      returns: cfgCounts.returns,
      perArch,
    },
    links: { rules, pcSyscalls },
  };
}

/** Basic blocks and `ret` instructions, counted without building the graph. */
function graphCounts(program: readonly Instruction[]): { blocks: number; returns: number } {
  const cfg = buildCfg(program, { collapse: false });
  return { blocks: cfg.blockCount, returns: cfg.returnCount };
}

/** Every analysis of A, for the worker: the same core calls as `syswall disasm`, `explain`, `lint` and `graph`. */
export function analyzeFull(built: Built, text: string): AnalysisResult {
  const attempt = <T>(f: () => T): T | InputProblem => {
    try {
      return f();
    } catch (e) {
      return toProblem(e);
    }
  };
  const { stats, links } = traceAll(built, text);
  return {
    build: {
      mode: built.mode, kind: built.kind, arches: built.arches.map((a) => a.name), arch: built.arch.name, endian: built.endian,
      warnings: built.warnings, ...(built.settings ? { settings: built.settings } : {}), length: built.instructions.length,
      buildMs: built.buildMs, ...(built.decisions !== undefined ? { decisions: built.decisions } : {}),
    },
    listing: listing(built),
    explain: attempt(() => explainInput(built.loaded)),
    lint: attempt(() => lintLoaded(built.loaded)),
    map: attempt(() => mapInput(built.loaded)),
    stats,
    links,
  };
}

/** Runs A on one syscall and records every step: pc, A, X, scratch memory, jump outcome. Never throws. */
export function emulateSteps(built: Built, input: EmuInput): EmuOutput {
  const r = emulate(built, input);
  if (!r.ok) return r;
  const t = r.trace;
  const mem: (number | null)[] = new Array(16).fill(null);
  const steps: EmuStep[] = t.path.map((pc, i) => {
    const ins = built.instructions[pc];
    const cls = bpfClass(ins.code);
    if (cls === BPF_ST) mem[ins.k & 15] = t.a[i] >>> 0;
    else if (cls === BPF_STX) mem[ins.k & 15] = t.x[i] >>> 0;
    return { pc, a: t.a[i] >>> 0, x: t.x[i] >>> 0, mem: [...mem], ...(t.taken[i] !== undefined ? { taken: t.taken[i] } : {}) };
  });
  return {
    ok: true, nr: r.nr, ...(r.name !== undefined ? { name: r.name } : {}), arch: r.arch.name, action: r.action, steps,
    ...(t.ok ? { returnPc: t.returnPc } : { fault: t.error.message }),
  };
}
