/**
 * The one input door: every command, the Node API and the playground read
 * their input here. One function detects what an input is, with one set of
 * rules; one function reads it into a policy (the IR) or a program
 * (instructions). `kind` overrides detection everywhere (`--input KIND`).
 *
 * Kinds: the policy dialects `oci`, `docker`, `containers-common`, `syswall`
 * (JSON), `spo` (Kubernetes SeccompProfile YAML, several documents chosen by
 * name), `firecracker` (seccompiler JSON, a thread chosen by name), `minijail`
 * and `kafel` (text, with includes read through a resolver the caller
 * gives), and the programs `raw` (struct sock_filter[] bytes), `hex` (the
 * same as hex text) and `asm` (seccomp-tools assembly).
 *
 * Detection rules, in order:
 * 1. nothing but white space: refused ("empty input");
 * 2. bytes with a NUL or that are not UTF-8: `raw`;
 * 3. text starting with `{`: JSON; an object whose every member is a
 *    Firecracker thread filter is `firecracker`, any other object one of the
 *    OCI-family dialects (by the keys it uses); a JSON array, string, number
 *    or `null` is refused (no policy or program is one);
 * 4. text with `apiVersion:`/`kind:` lines: `spo`;
 * 5. otherwise the text kinds whose grammar every line fits: Kafel's
 *    keywords, minijail's `syscall: filter` lines and directives, assembly
 *    statements (or a disasm listing), hex bytes. Exactly one: that kind.
 *    Several (e.g. only `name: return N` lines, which minijail and assembly
 *    both read): each is tried, and if more than one reads it, the input is
 *    refused as ambiguous naming the `--input` values that settle it. None:
 *    refused, saying what was expected.
 *
 * Nothing is guessed silently: every refusal names the reason and the
 * `--input KIND` that settles it.
 */
import { ARCHES, resolveArch, type ArchInfo, type Endian } from '../arch/arches.js';
import { assemble } from '../bpf/asm/index.js';
import { decodeProgram, guessEndian } from '../bpf/codec.js';
import { BPF_MAXINSNS } from '../bpf/constants.js';
import { parseHexText } from '../bpf/formats.js';
import type { Instruction } from '../bpf/instruction.js';
import { MAX_INPUT_BYTES, type Compat } from '../defaults.js';
import { BpfError, PolicyError, SyswallError, type SourceLocation } from '../errors.js';
import type { Policy } from '../policy/types.js';
import { resolveContext, type ResolveContext, type ResolvedContext } from './context.js';
import { importFirecracker } from './firecracker.js';
import { parseJson, type JsonNode } from './json-parse.js';
import { importKafel } from './kafel.js';
import { importMinijail } from './minijail.js';
import { parsePolicyText } from './parse.js';
import { detectKind } from './raw.js';
import type { PolicyWarning } from './reader.js';
import { importSpo, type BaseProfileResolver } from './spo.js';
import type { FileResolver } from './textsrc.js';

/** The WHATWG decoder (browsers, Node, Deno); declared here because core is type-checked without DOM or Node types. */
declare const TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(input?: Uint8Array): string };

/** Policy dialects. */
export const POLICY_DIALECTS = ['oci', 'docker', 'containers-common', 'syswall', 'spo', 'firecracker', 'minijail', 'kafel'] as const;
export type PolicyDialect = (typeof POLICY_DIALECTS)[number];

/** Program forms. */
export const PROGRAM_FORMS = ['raw', 'hex', 'asm'] as const;
export type ProgramForm = (typeof PROGRAM_FORMS)[number];

/** Everything the door reads. */
export type InputKind = PolicyDialect | ProgramForm;

/** What `--input` takes: a kind, or `policy`/`program` to detect within that family only. */
export const INPUT_KINDS: readonly (InputKind | 'policy' | 'program')[] = [...POLICY_DIALECTS, ...PROGRAM_FORMS, 'policy', 'program'];
export type InputKindOption = InputKind | 'policy' | 'program';

export { MAX_INPUT_BYTES } from '../defaults.js';

/** The result of {@link detectInput}. */
export interface Detection {
  readonly kind: InputKind;
  /** Why, for `--verbose` and messages: `JSON with "archMap"`, `minijail syscall lines`, ... */
  readonly reason: string;
}

/** Options of {@link readInput}. */
export interface DoorOptions {
  /** File name for messages and for resolving includes. */
  file?: string;
  /** Read as this kind (or only within this family) instead of detecting. */
  kind?: InputKindOption;
  /**
   * The host context: arch (also the arch of the single-arch dialects
   * minijail, Kafel, Firecracker, and of assembly), kernel and capabilities
   * for Docker/containers-common profiles.
   */
  context?: ResolveContext;
  /** For raw/hex programs: the byte order's arch (otherwise guessed from the opcodes). */
  programArch?: ArchInfo;
  /** Compat mode of the OCI-family dialects (default: src/core/defaults.ts). */
  compat?: Compat;
  /** Unknown syscall names are errors. */
  strictNames?: boolean;
  /** SPO: the SeccompProfile of a multi-document file (metadata.name). */
  name?: string;
  /** Firecracker: the thread filter. */
  thread?: string;
  /** Reads included files (minijail `@include`/`@frequency`, Kafel `#include`). */
  readFile?: FileResolver;
  /** Resolves SPO base profiles. */
  resolveBase?: BaseProfileResolver;
  /** Work around JSON errors that only lint should forgive (errnoRet on a non-errno action) and report them. */
  recover?: boolean;
  /** Largest program accepted (default BPF_MAXINSNS, the kernel's limit); disassembly passes Infinity. */
  maxInstructions?: number;
  /**
   * `name`/`thread` are meant for some of several inputs (`diff A B --thread
   * vmm`): ignore them where they do not apply instead of refusing.
   */
  sharedSelectors?: boolean;
}

/** A frontend error that the door worked around (only with `recover`). */
export interface RecoveredProblem {
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
  readonly hint?: string;
}

/** A policy read through the door. */
export interface InputPolicy {
  readonly type: 'policy';
  readonly kind: PolicyDialect;
  readonly policy: Policy;
  /** Findings in input order: `warning`s deserve attention, `info`s say what a runtime does silently. */
  readonly warnings: readonly PolicyWarning[];
  /** The context the policy was resolved against (defaults filled in). */
  readonly context: ResolvedContext;
  /** minijail `@frequency` weights, for the compiler. */
  readonly frequencies?: Readonly<Record<string, number>>;
  /** The compat mode the OCI-family dialects were read with. */
  readonly compat?: Compat;
  readonly recovered?: readonly RecoveredProblem[];
  readonly file?: string;
  readonly detection: Detection;
}

/** A program read through the door. */
export interface InputProgram {
  readonly type: 'program';
  readonly kind: ProgramForm;
  readonly program: Instruction[];
  readonly endian: Endian;
  /** The arch assembly was assembled for, or the one given for raw bytes. */
  readonly arch?: ArchInfo;
  readonly file?: string;
  readonly detection: Detection;
}

export type DoorInput = InputPolicy | InputProgram;

const where = (file: string | undefined): SourceLocation | undefined => (file !== undefined ? { file } : undefined);

const KIND_HINT = `pass --input KIND (${[...POLICY_DIALECTS, ...PROGRAM_FORMS].join(', ')})`;

function refuse(code: string, message: string, file: string | undefined, hint: string = KIND_HINT): SyswallError {
  return new SyswallError(code, message, { kind: 'input', location: where(file), hint });
}

/** True if `bytes` are text: no NUL byte (every BPF instruction has one) and valid UTF-8. */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function toText(data: Uint8Array | string): string | undefined {
  if (typeof data === 'string') return data;
  return looksLikeText(data) ? new TextDecoder().decode(data) : undefined;
}

function stripBom(text: string): string {
  return text.replace(/^\uFEFF/, '');
}

// ---- the text grammars, one line at a time ----------------------------------

/** Significant lines: comments dropped, backslash continuations joined. */
function logicalLines(text: string, comment: RegExp): string[] {
  const out: string[] = [];
  let cur = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(comment, '').trimEnd();
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (cur + line).trim();
    cur = '';
    if (full) out.push(full);
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const MINIJAIL_LINE = new RegExp(`^(@include\\s+\\S+|@frequency\\s+\\S+|@default\\s+\\S.*|@denylist|(\\{\\s*${IDENT}(\\s*,\\s*${IDENT})*\\s*\\}|${IDENT})\\s*:\\s*\\S.*)$`);
const ASM_STATEMENT = /^(A|X)\s*([-+*/%&|^]|<<|>>)?=|^(mem|M)\s*\[|^(return|ret)\b|^(goto|jmp|jump)\b|^if\s*\(|^else\b|^A\s*(==|!=|>=|<=|>|<|&)\s*.+\?/;
const ASM_LISTING = /^(\d{4}:\s+0x[0-9a-f]{2}\s|line\s+CODE\s+JT\s+JF\s+K$|=+$)/i;

function asmLineOk(line: string): boolean {
  if (ASM_LISTING.test(line)) return true;
  const body = line.replace(new RegExp(`^${IDENT}\\s*:\\s*`), '');
  return body === '' || ASM_STATEMENT.test(body);
}

function looksLikeKafel(text: string): boolean {
  const t = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  return /\bPOLICY\s+\w+\s*\{|^\s*USE\s+\w+|\bDEFAULT\s+[A-Z]|^\s*#\s*(define|include)\b|^\s*(ALLOW|KILL|KILL_PROCESS|KILL_THREAD|LOG|DENY|ERRNO\s*\(\s*\w+\s*\)|TRAP\s*\(\s*\w+\s*\)|TRACE\s*\(\s*\w+\s*\))\s*\{/m.test(t);
}

function looksLikeYaml(text: string): boolean {
  return /^(apiVersion|kind)\s*:/m.test(text) || /^---\s*$/m.test(text);
}

/** The text kinds whose grammar every significant line fits. */
function textCandidates(text: string): ProgramForm[] | ('minijail' | 'kafel' | 'asm' | 'hex')[] {
  const out: ('minijail' | 'kafel' | 'asm' | 'hex')[] = [];
  if (looksLikeKafel(text)) out.push('kafel');
  const hashLines = logicalLines(text, /#.*$/);
  if (hashLines.length && hashLines.every((l) => MINIJAIL_LINE.test(l))) out.push('minijail');
  if (hashLines.length && hashLines.every(asmLineOk)) out.push('asm');
  if (/^[\s0-9a-fA-Fx,]+$/.test(text) && parseHexText(text) !== undefined) out.push('hex');
  return out;
}

function isFirecracker(root: JsonNode): boolean {
  if (root.type !== 'object' || root.entries.length === 0) return false;
  return root.entries.every((e) => e.value.type === 'object' && e.value.entries.some((x) => x.key === 'default_action' || x.key === 'filter_action' || x.key === 'filter'));
}

function describeJson(n: JsonNode): string {
  switch (n.type) {
    case 'array': return `a JSON array${n.items.length ? ` of ${n.items.length}` : ''}`;
    case 'null': return 'JSON null';
    case 'string': return 'a JSON string';
    case 'number': return 'a JSON number';
    case 'boolean': return `JSON ${String(n.value)}`;
    default: return 'a JSON object';
  }
}

/**
 * Detects what an input is (the rules are in this module's comment). Throws
 * a one-line input error for empty, unrecognised and ambiguous inputs, with
 * the `--input KIND` that settles it. `within` limits detection to one
 * family (`--input policy` or `--input program`).
 */
export function detectInput(data: Uint8Array | string, options: { file?: string; within?: 'policy' | 'program'; context?: ResolveContext } = {}): Detection {
  const file = options.file;
  const size = typeof data === 'string' ? data.length : data.length;
  if (size > MAX_INPUT_BYTES) throw refuse('INPUT_TOO_LARGE', `the input is ${size} bytes; syswall reads at most ${MAX_INPUT_BYTES / (1024 * 1024)} MiB`, file, 'no policy or filter is this large; is it the right file?');
  const text = toText(data);
  if (text === undefined) {
    if (options.within === 'policy') throw refuse('NOT_TEXT', 'expected a policy (text), got binary data', file, 'raw BPF programs are read with --input raw (or detected without --input)');
    if (size % 8 !== 0) throw refuse('INPUT_UNRECOGNISED', `${size} bytes of binary data are neither a policy (text) nor a raw BPF program (8 bytes per instruction)`, file);
    return { kind: 'raw', reason: 'binary data (a NUL byte or not UTF-8)' };
  }
  const t = stripBom(text).trim();
  if (t === '') throw refuse('EMPTY_INPUT', 'empty input', file, 'give a policy or a program; an empty file is neither');
  if (t.startsWith('{') || t.startsWith('[') || /^(null|true|false|-?\d+(\.\d+)?|"[\s\S]*")$/.test(t)) {
    const root = parseJson(t, file !== undefined ? { file } : {});
    if (root.type !== 'object') {
      const hex = options.within !== 'policy' && /^[\s0-9a-fA-Fx,[\]]+$/.test(t) && parseHexText(t.replace(/[[\]]/g, '')) !== undefined;
      throw refuse('INPUT_UNRECOGNISED', `${describeJson(root)} is neither a policy (a JSON object) nor a program`, file, hex ? 'if these are program bytes in hex, pass --input hex' : `a policy is an object such as {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [...]}; ${KIND_HINT}`);
    }
    if (options.within === 'program') throw refuse('NOT_A_PROGRAM', 'expected a program, got JSON (a policy)', file, 'policies are read with --input policy (or detected without --input)');
    if (isFirecracker(root)) return { kind: 'firecracker', reason: 'JSON object of thread filters' };
    if (root.entries.some((e) => e.key === 'apiVersion') && root.entries.some((e) => e.key === 'kind')) return { kind: 'spo', reason: 'a Kubernetes resource in JSON' };
    const kind = detectKind(root);
    return { kind, reason: kind === 'oci' ? 'JSON seccomp profile' : `JSON seccomp profile with ${kind} keys` };
  }
  if (options.within !== 'program' && looksLikeYaml(t)) return { kind: 'spo', reason: 'YAML with apiVersion/kind' };
  let cands = textCandidates(t);
  if (options.within === 'policy') cands = cands.filter((c) => c === 'minijail' || c === 'kafel');
  if (options.within === 'program') cands = cands.filter((c) => c === 'asm' || c === 'hex');
  if (cands.length === 1) return { kind: cands[0], reason: `${cands[0]} text` };
  if (cands.length === 0) {
    throw refuse('INPUT_UNRECOGNISED', 'cannot tell what this input is: not JSON, YAML, minijail, Kafel, seccomp-tools assembly or hex bytes', file);
  }
  // Several grammars fit every line: the kinds whose reader accepts the input.
  const readable = cands.filter((k) => {
    try {
      readAs(k, t, { file, context: options.context ?? {} });
      return true;
    } catch {
      return false;
    }
  });
  if (readable.length === 1) return { kind: readable[0], reason: `${readable[0]} text (the only reader of ${cands.join(', ')} that accepts it)` };
  throw refuse('INPUT_AMBIGUOUS', `this input reads as ${(readable.length ? readable : cands).join(' and as ')}`, file, `say which: ${(readable.length ? readable : cands).map((k) => `--input ${k}`).join(' or ')}`);
}

function programEndian(bytes: Uint8Array, arch: ArchInfo | undefined, fallback: Endian, file: string | undefined): Endian {
  const guessed = guessEndian(bytes);
  if (!arch) return guessed ?? fallback;
  if (guessed && guessed !== arch.endian && bytes.length % 8 === 0) {
    throw new BpfError('BPF_WRONG_ENDIAN', `the program looks ${guessed}-endian, but ${arch.name} is ${arch.endian}-endian`, {
      location: where(file),
      hint: guessed === 'big' ? 'pass the arch it was made for, e.g. --arch s390x (or ppc64, mips)' : 'pass the arch it was made for, e.g. --arch x86_64 (or aarch64)',
    });
  }
  return arch.endian;
}

function checkSize(program: Instruction[], max: number, file: string | undefined): Instruction[] {
  if (program.length > max) {
    throw new BpfError('BPF_TOO_LONG', `the program has ${program.length} instructions; the kernel accepts at most ${BPF_MAXINSNS} (BPF_MAXINSNS)`, {
      location: where(file),
      hint: 'split the filter, or compile its policy with syswall (which keeps programs small)',
    });
  }
  return program;
}

function readAs(kind: InputKind, text: string, o: DoorOptions & { context: ResolveContext }, bytes?: Uint8Array): Omit<InputPolicy, 'detection'> | Omit<InputProgram, 'detection'> {
  const file = o.file;
  const f = file !== undefined ? { file } : {};
  const arch = o.context.arch ?? undefined;
  const max = o.maxInstructions ?? BPF_MAXINSNS;
  const hostEndian: Endian = arch ? resolveArch(String(arch)).endian : 'little';
  switch (kind) {
    case 'raw': {
      const b = bytes ?? new Uint8Array(0);
      if (b.length > 0 && b.length % 8 !== 0 && bytes && looksLikeText(bytes)) {
        throw new BpfError('NOT_RAW_BPF', 'expected a raw BPF program (struct sock_filter[]), got text', { location: where(file), hint: 'policies and assembly are detected without --input, or named with --input KIND' });
      }
      const endian = programEndian(b, o.programArch, hostEndian, file);
      return { type: 'program', kind, program: checkSize(decodeProgram(b, { endian, ...f }), max, file), endian, ...(o.programArch ? { arch: o.programArch } : {}), ...f };
    }
    case 'hex': {
      const b = parseHexText(text);
      if (!b) throw new BpfError('NOT_HEX', 'expected hex bytes of a raw BPF program (8 bytes per instruction)', { location: where(file) });
      const endian = programEndian(b, o.programArch, hostEndian, file);
      return { type: 'program', kind, program: checkSize(decodeProgram(b, { endian, ...f }), max, file), endian, ...(o.programArch ? { arch: o.programArch } : {}), ...f };
    }
    case 'asm': {
      const a = o.programArch ?? resolveArch(arch ?? ARCHES.x86_64.name);
      const program = assemble(text, { arch: a, file: file ?? '<input>' });
      if (program.length === 0) throw new BpfError('BPF_EMPTY', 'the assembly has no instructions', { location: where(file) });
      return { type: 'program', kind, program: checkSize(program, max, file), endian: a.endian, arch: a, ...f };
    }
    case 'spo': {
      const r = importSpo(text, { ...f, context: o.context, ...(o.resolveBase ? { resolveBase: o.resolveBase } : {}), ...(o.name !== undefined ? { name: o.name } : {}) });
      return { type: 'policy', kind, policy: r.policy, warnings: r.warnings, context: resolveContext(o.context), compat: 'runc', ...f };
    }
    case 'firecracker': {
      const r = importFirecracker(text, { ...f, ...(o.thread !== undefined ? { thread: o.thread } : {}), ...(arch ? { arch: String(arch) } : {}) });
      return { type: 'policy', kind, policy: r.policy, warnings: r.warnings, context: resolveContext(o.context), ...f };
    }
    case 'minijail': {
      const r = importMinijail(text, { ...f, ...(arch ? { arch: String(arch) } : {}), ...(o.readFile ? { readFile: o.readFile } : {}) });
      return { type: 'policy', kind, policy: r.policy, warnings: r.warnings, context: resolveContext(o.context), ...(r.frequencies ? { frequencies: r.frequencies } : {}), ...f };
    }
    case 'kafel': {
      const r = importKafel(text, { ...f, ...(arch ? { arch: String(arch) } : {}), ...(o.readFile ? { readFile: o.readFile } : {}) });
      return { type: 'policy', kind, policy: r.policy, warnings: r.warnings, context: resolveContext(o.context), ...f };
    }
    default: {
      const recovered: RecoveredProblem[] = [];
      const r = readJsonPolicy(text, kind, o, o.recover ? recovered : undefined);
      return { type: 'policy', kind: r.kind, policy: r.policy, warnings: r.warnings, context: r.context, compat: o.compat ?? (r.kind === 'syswall' ? 'strict' : 'runc'), ...(o.recover ? { recovered } : {}), ...f };
    }
  }
}

/** Frontend errors the door can work around with `recover`. */
const RECOVERABLE = new Set(['ERRNO_RET_NOT_ALLOWED']);

function readJsonPolicy(text: string, kind: 'oci' | 'docker' | 'containers-common' | 'syswall', o: DoorOptions & { context: ResolveContext }, recovered: RecoveredProblem[] | undefined) {
  const opts = {
    ...(o.file !== undefined ? { file: o.file } : {}),
    context: o.context,
    kind,
    ...(o.compat ? { compat: o.compat } : {}),
    ...(o.strictNames ? { strictNames: true } : {}),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return parsePolicyText(text, opts);
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

/**
 * Reads any input: detects its kind (unless `options.kind` names one) and
 * reads it into a policy or a program. Throws one-line input errors naming
 * the file, line and what was expected.
 */
export function readInput(data: Uint8Array | string, options: DoorOptions = {}): DoorInput {
  const file = options.file;
  const forced = options.kind !== undefined && options.kind !== 'policy' && options.kind !== 'program' ? options.kind : undefined;
  if (options.kind !== undefined && !INPUT_KINDS.includes(options.kind)) {
    throw new SyswallError('UNKNOWN_INPUT_KIND', `unknown input kind "${String(options.kind)}"`, { kind: 'input', hint: `expected one of ${INPUT_KINDS.join(', ')}` });
  }
  const context = options.context ?? {};
  let detection: Detection;
  if (forced) {
    detection = { kind: forced, reason: '--input' };
    if (forced !== 'raw') {
      const text = toText(data);
      if (text === undefined) throw refuse('NOT_TEXT', `expected ${forced} text, got binary data`, file, 'raw BPF programs are read with --input raw (or detected without --input)');
      if (stripBom(text).trim() === '') throw refuse('EMPTY_INPUT', 'empty input', file, 'give a policy or a program; an empty file is neither');
    } else if ((typeof data === 'string' ? data.length : data.length) === 0) throw refuse('EMPTY_INPUT', 'empty input', file, 'give a raw BPF program (8 bytes per instruction)');
  } else {
    const within = options.kind === 'policy' || options.kind === 'program' ? options.kind : undefined;
    detection = detectInput(data, { ...(file !== undefined ? { file } : {}), ...(within ? { within } : {}), context });
  }
  const kind = detection.kind;
  if (options.thread !== undefined && kind !== 'firecracker' && !options.sharedSelectors) throw new SyswallError('USAGE', `--thread applies to Firecracker filters, not to ${kind} input`, { kind: 'input', location: where(file) });
  if (options.name !== undefined && kind !== 'spo' && !options.sharedSelectors) throw new SyswallError('USAGE', `--name applies to SPO SeccompProfile files, not to ${kind} input`, { kind: 'input', location: where(file) });
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const text = kind === 'raw' ? '' : stripBom(toText(data) ?? '');
  const o: DoorOptions = { ...options, context };
  if (kind !== 'firecracker') delete o.thread;
  if (kind !== 'spo') delete o.name;
  return { ...readAs(kind, text, o as DoorOptions & { context: ResolveContext }, bytes), detection } as DoorInput;
}

/** The WHATWG encoder; declared for the same reason as TextDecoder. */
declare const TextEncoder: new () => { encode(input?: string): Uint8Array };
