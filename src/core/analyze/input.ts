/**
 * Inputs of the analysis commands: raw `struct sock_filter[]` programs,
 * seccomp-tools assembly text, and policy JSON (OCI, Docker/moby,
 * containers-common, syswall), told apart by content (or forced by the
 * caller). Policies are parsed with the frontends and compiled with
 * {@link compilePolicy}, so every analysis ends up with `Instruction[]`
 * plus arches; the parsed policy is kept for policy-level lint.
 */
import { type ArchInfo, type Endian } from '../arch/arches.js';
import { decodeProgram, guessEndian } from '../bpf/codec.js';
import type { Instruction } from '../bpf/instruction.js';
import { assemble } from '../bpf/asm/index.js';
import { BpfError, PolicyError, SyswallError, type SourceLocation } from '../errors.js';
import { compilePolicy, type CompiledFilter, type EnosysMode } from '../compile/index.js';
import { parsePolicyText, type ParsedPolicy } from '../formats/parse.js';
import type { ResolveContext } from '../formats/context.js';
import type { Compat } from '../formats/convert.js';
import type { PolicyKind } from '../formats/raw.js';

/** The WHATWG decoder (browsers, Node, Deno); declared here because core is type-checked without DOM or Node types. */
declare const TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(input?: Uint8Array): string };

/** What an analysis input is. */
export type InputKind = 'raw' | 'asm' | 'policy';

/** Every {@link InputKind}, for `--input`. */
export const INPUT_KINDS: readonly InputKind[] = ['raw', 'asm', 'policy'];

/** A program ready for analysis. */
export interface AnalysisInput {
  readonly program: Instruction[];
  /** Arches the user asked about (may be empty: inferred from the program's arch checks). */
  readonly arches: readonly ArchInfo[];
  readonly endian: Endian;
  /** Label for messages. */
  readonly file?: string;
  /** How the input was read (absent for callers of {@link rawProgramInput}: raw). */
  readonly kind?: InputKind;
  /** For policy inputs: the parsed policy and the frontend's warnings. */
  readonly parsed?: ParsedPolicy;
  /** For policy inputs: the compiled filter. */
  readonly compiled?: CompiledFilter;
  /**
   * For policy inputs read with `recover`: problems that would have stopped
   * the frontend (errnoRet on a non-errno action) and were worked around.
   */
  readonly recovered?: readonly RecoveredProblem[];
}

/** A frontend error that {@link loadAnalysisInput} worked around (only with `recover`). */
export interface RecoveredProblem {
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
  readonly hint?: string;
}

/**
 * Decodes a raw program. Byte order: the first requested arch's, else guessed
 * from the opcodes, else little-endian. Text inputs (policies, assembly) are
 * refused with a hint.
 */
export function rawProgramInput(bytes: Uint8Array, options: { arches?: readonly ArchInfo[]; file?: string } = {}): AnalysisInput {
  const file = options.file;
  if (bytes.length > 0 && bytes.length % 8 !== 0 && looksLikeText(bytes)) {
    throw new BpfError('NOT_RAW_BPF', 'expected a raw BPF program (struct sock_filter[]), got text', {
      location: file ? { file } : undefined,
      hint: 'policies and assembly are read with --input policy or --input asm (or detected when --input is not given)',
    });
  }
  const arches = options.arches ?? [];
  const endian: Endian = arches[0]?.endian ?? guessEndian(bytes) ?? 'little';
  const program = decodeProgram(bytes, { endian, file });
  return { program, arches, endian, file, kind: 'raw' };
}

/**
 * True if `bytes` are text: no NUL byte (every classic BPF instruction has
 * one, since opcodes fit in one byte of the 16-bit `code` field) and valid
 * UTF-8.
 */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Detects the kind of an input from its content: bytes with a NUL or that
 * are not UTF-8 are a raw program; text starting (after white space and a
 * byte-order mark) with `{` or `[` is policy JSON; other text is assembly.
 * An empty input counts as raw (and is then refused as an empty program).
 */
export function detectInputKind(bytes: Uint8Array): InputKind {
  if (bytes.length === 0 || !looksLikeText(bytes)) return 'raw';
  const text = new TextDecoder().decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, '');
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[' ? 'policy' : 'asm';
}

/** Options of {@link loadAnalysisInput}. */
export interface LoadInputOptions {
  /** File label for messages. */
  file?: string;
  /** Force the input kind instead of detecting it. */
  kind?: InputKind;
  /** Arches to report on (and, for raw programs, the byte order; for policies, the first is the resolve context's arch). */
  arches?: readonly ArchInfo[];
  /** Arch for syscall names in assembly when `arches` is empty (the CLI passes the host's). */
  defaultArch?: ArchInfo;
  /** Resolve context for Docker/containers-common policies (the CLI fills in the host's kernel). */
  context?: ResolveContext;
  /** Frontend compatibility mode (default: the dialect's). */
  compat?: Compat;
  /** Force the policy dialect. */
  policyKind?: PolicyKind;
  /** ENOSYS handling of the compiler (default `none`: libseccomp's and runc's filters, see the CLI help). */
  enosys?: EnosysMode;
  /** Work around errnoRet on non-errno actions and report them in `recovered` (for lint). */
  recover?: boolean;
}

/** Reads any analysis input (raw program, assembly or policy), compiling policies. */
export function loadAnalysisInput(bytes: Uint8Array, options: LoadInputOptions = {}): AnalysisInput {
  const kind = options.kind ?? detectInputKind(bytes);
  const arches = options.arches ?? [];
  const file = options.file;
  if (kind === 'raw') return rawProgramInput(bytes, { arches, file });
  if (looksLikeText(bytes) === false) {
    throw new SyswallError('NOT_TEXT', `expected ${kind === 'asm' ? 'assembly' : 'policy JSON'} text, got binary data`, {
      location: file ? { file } : undefined,
      hint: 'raw BPF programs are read with --input raw (or detected when --input is not given)',
    });
  }
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  if (kind === 'asm') {
    const arch = arches[0] ?? options.defaultArch;
    if (!arch) throw new SyswallError('NO_ARCH', 'assembly needs an arch for syscall names and byte order', { hint: 'pass --arch (e.g. --arch x86_64)' });
    const program = assemble(text, { arch, file: file ?? '<inline>' });
    return { program, arches, endian: arch.endian, file, kind: 'asm' };
  }
  const context: ResolveContext = { ...options.context };
  if (arches[0]) context.arch = arches[0].name;
  const recovered: RecoveredProblem[] = [];
  const parsed = parseWithRecovery(text, { file, context, compat: options.compat, kind: options.policyKind }, options.recover ? recovered : undefined);
  const compiled = compilePolicy(parsed.policy, { enosys: options.enosys ?? 'none' });
  return { program: compiled.instructions, arches, endian: compiled.endian, file, kind: 'policy', parsed, compiled, ...(options.recover ? { recovered } : {}) };
}

/** Frontend errors {@link loadAnalysisInput} can work around with `recover`. */
const RECOVERABLE = new Set(['ERRNO_RET_NOT_ALLOWED']);

function parseWithRecovery(text: string, opts: { file?: string; context: ResolveContext; compat?: Compat; kind?: PolicyKind }, recovered: RecoveredProblem[] | undefined): ParsedPolicy {
  const parseOpts = {
    ...(opts.file !== undefined ? { file: opts.file } : {}),
    context: opts.context,
    ...(opts.compat ? { compat: opts.compat } : {}),
    ...(opts.kind ? { kind: opts.kind } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return parsePolicyText(text, parseOpts);
    } catch (e) {
      if (!recovered || attempt >= 64 || !(e instanceof PolicyError) || !RECOVERABLE.has(e.code) || !e.location) throw e;
      const patched = removeMember(text, e.location);
      if (patched === undefined) throw e;
      recovered.push({ code: e.code, message: e.detail, location: e.location, ...(e.hint ? { hint: e.hint } : {}) });
      text = patched;
    }
  }
}

/**
 * Blanks out (with spaces, keeping every other line:column) the JSON member
 * whose value starts at `loc` and whose key is the last segment of
 * `loc.path`, with one adjacent comma.
 */
function removeMember(text: string, loc: SourceLocation): string | undefined {
  const key = /\.([A-Za-z_$][\w$]*)$/.exec(loc.path ?? '')?.[1];
  if (!key || loc.line === undefined || loc.column === undefined) return undefined;
  let offset = 0;
  for (let l = 1; l < loc.line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return undefined;
    offset = nl + 1;
  }
  const valueStart = offset + loc.column - 1;
  const keyStart = text.lastIndexOf(JSON.stringify(key), valueStart);
  if (keyStart < 0) return undefined;
  let end = valueStart;
  if (text[end] === '"') {
    end++;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    end++;
  } else {
    while (end < text.length && /[-+\w.]/.test(text[end])) end++;
  }
  const blank = (a: number, b: number, s: string) => s.slice(0, a) + s.slice(a, b).replace(/[^\n]/g, ' ') + s.slice(b);
  let out = blank(keyStart, end, text);
  let j = end;
  while (j < out.length && /\s/.test(out[j])) j++;
  if (out[j] === ',') return blank(j, j + 1, out);
  let i = keyStart - 1;
  while (i >= 0 && /\s/.test(out[i])) i--;
  if (out[i] === ',') out = blank(i, i + 1, out);
  return out;
}
