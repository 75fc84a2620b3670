/**
 * The playground's engine: input text -> program -> every analysis, with no
 * DOM. Everything here comes from syswall's browser-safe core (src/core);
 * the page (main.ts) only renders what these functions return.
 */
import {
  ARCHES, actionName, describeSettings, detectInput, diffInputs, disassembleLines, explainInput, graphInput,
  isSyswallError, lintLoaded, loadInput, resolveArch, suggestSyscall, SyswallError, syscallName, syscallNumber,
  syscallTable, traceProgram, validateProgram,
  type ArchInfo, type Cfg, type DiffReport, type DisasmLine, type Endian, type ExplainReport, type InputKind,
  type InputKindOption, type Instruction, type LintReport, type LoadedInput, type TraceResult,
} from '../../src/core/index.js';

/**
 * How the editor text is read: `auto` detects it with the same rules as the
 * CLI (src/core/formats/door.ts); `policy` detects among the policy dialects;
 * any input kind of the door (`spo`, `minijail`, `asm`, `hex`, ...) forces it.
 */
export type InputMode = 'auto' | InputKindOption;

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

/** Reads the editor text into a program, through the core's one input door with the CLI's defaults. Never throws. */
export function buildProgram(text: string, mode: InputMode, archName: string): BuildResult {
  const t0 = now();
  try {
    const arch = resolveArch(archName);
    const loaded = loadInput(text, { file: 'input', ...(mode !== 'auto' ? { kind: mode } : {}), context: { arch: arch.name } });
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
    return { ok: false, error: toProblem(e) };
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

/** Instructions executed per syscall (arguments 0), per arch, plus size figures. */
export function computeStats(built: Built, cfg: Cfg): Stats {
  const perArch: ArchStats[] = [];
  for (const arch of built.arches) {
    let min = Infinity;
    let max = 0;
    let sum = 0;
    let worst = '';
    const table = syscallTable(arch);
    for (const { name, nr } of table) {
      const tr = traceProgram(built.instructions, { nr, arch: arch.token }, built.endian);
      sum += tr.steps;
      if (tr.steps < min) min = tr.steps;
      if (tr.steps > max) {
        max = tr.steps;
        worst = name;
      }
    }
    if (table.length) perArch.push({ arch: arch.name, syscalls: table.length, min, mean: sum / table.length, max, worst });
  }
  return {
    length: built.instructions.length,
    bytes: built.instructions.length * 8,
    buildMs: built.buildMs,
    ...(built.decisions !== undefined ? { decisions: built.decisions } : {}),
    blocks: cfg.blockCount,
    returns: cfg.returnCount,
    perArch,
  };
}

/** Everything the panels show for one program. */
export interface Analysis {
  readonly disasm: DisasmLine[] | InputProblem;
  readonly explain: ExplainReport | InputProblem;
  readonly lint: LintReport | InputProblem;
  readonly cfg: Cfg;
  readonly stats: Stats;
}

/** Runs every analysis; a failing one reports its problem without hiding the others. */
export function analyze(built: Built): Analysis {
  let disasm: DisasmLine[] | InputProblem;
  try {
    disasm = disassembleLines(built.instructions, { arch: built.arch, endian: built.endian });
  } catch (e) {
    disasm = toProblem(e);
  }
  // The same core entry points as `syswall explain`, `lint` and `graph`, on the same loaded input.
  let explain: ExplainReport | InputProblem;
  let lint: LintReport | InputProblem;
  try {
    explain = explainInput(built.loaded);
  } catch (e) {
    explain = toProblem(e);
  }
  try {
    lint = lintLoaded(built.loaded);
  } catch (e) {
    lint = toProblem(e);
  }
  const cfg = graphInput(built.loaded);
  return { disasm, explain, lint, cfg, stats: computeStats(built, cfg) };
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
    throw new SyswallError('UNKNOWN_SYSCALL', `unknown syscall "${t}" on ${arch.name}${s ? ` (did you mean ${s}?)` : ''}`);
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
