/**
 * Fast evaluation of one program on many inputs: the program is translated
 * once into a JavaScript function (`new Function`) that V8 compiles to
 * machine code. Seccomp programs only jump forward, so the translation is
 * straight-line code:
 *
 * - `blocks` (default): one labelled block per jump target, nested so that
 *   every jump is a `break` to the end of the block of its target. Direct
 *   branches, no dispatch. Nesting depth is the number of distinct jump
 *   targets, which JavaScript parsers limit, so it is used up to
 *   {@link MAX_BLOCK_TARGETS} targets.
 * - `switch`: a `switch` on a dense target index inside a loop; a jump sets
 *   the index and continues the loop. No depth limit.
 * - `loop`: a plain interpreter over typed arrays, used where code
 *   generation is unavailable (a browser page whose Content-Security-Policy
 *   forbids `unsafe-eval`) or when asked for.
 *
 * All three agree with `runWords` (interpreter.ts) on every valid program.
 */
import type { Endian } from '../arch/arches.js';
import { BpfError } from '../errors.js';
import * as C from './constants.js';
import { seccompDataWords, type SeccompData } from './data.js';
import { bpfClass, isConditionalJump, type Instruction } from './instruction.js';
import { assertValidProgram } from './validate.js';

/** How a {@link CompiledProgram} runs. */
export type CompiledMode = 'blocks' | 'switch' | 'loop';

/** A program prepared for bulk evaluation. Call it with the 16 words of seccomp_data. */
export interface CompiledProgram {
  /** Returns the filter's unsigned 32-bit return value for `words` (see seccompDataWords). */
  (words: Uint32Array): number;
  /** The strategy in use. */
  readonly mode: CompiledMode;
  /** Byte order used by {@link CompiledProgram.run}. */
  readonly endian: Endian;
  /** Lays out `data` with the program's byte order and evaluates it. */
  run(data: SeccompData): number;
  /** Generated JavaScript source (absent in `loop` mode). */
  readonly source?: string;
}

/** Options of {@link compileProgram}. */
export interface CompileProgramOptions {
  /**
   * `auto` (default): `blocks` when the program has at most
   * {@link MAX_BLOCK_TARGETS} jump targets, else `switch`; `loop` when code
   * generation is unavailable. `function` is `auto` but throws instead of
   * falling back to `loop`.
   */
  mode?: 'auto' | 'function' | CompiledMode;
}

/** Most distinct jump targets the `blocks` strategy nests (JS parsers limit nesting depth). */
export const MAX_BLOCK_TARGETS = 1000;

let codegenAvailable: boolean | undefined;

/**
 * True if this environment can generate code with `new Function` (false in
 * a page whose Content-Security-Policy forbids `unsafe-eval`). Checked once.
 */
export function isCodegenAvailable(): boolean {
  if (codegenAvailable === undefined) {
    try {
      codegenAvailable = new Function('return 1')() === 1;
    } catch {
      codegenAvailable = false;
    }
  }
  return codegenAvailable;
}

/** For tests: pretend code generation is (un)available; `undefined` re-detects. */
export function setCodegenAvailableForTesting(value: boolean | undefined): void {
  codegenAvailable = value;
}

/**
 * Prepares `program` for bulk evaluation. Validates it first (throws the
 * BpfError of `assertValidProgram` for a program the kernel would reject).
 * `endian` is the byte order {@link CompiledProgram.run} uses to lay out
 * seccomp_data; the returned function itself takes the words already laid
 * out.
 */
export function compileProgram(program: readonly Instruction[], endian: Endian = 'little', options: CompileProgramOptions = {}): CompiledProgram {
  assertValidProgram(program);
  const requested = options.mode ?? 'auto';
  let mode: CompiledMode;
  if (requested === 'blocks' || requested === 'switch' || requested === 'loop') mode = requested;
  else if (!isCodegenAvailable()) {
    if (requested === 'function') throw new BpfError('BPF_NO_CODEGEN', 'code generation (new Function) is not available in this environment', { kind: 'runtime' });
    mode = 'loop';
  } else mode = layout(program).targets.length <= MAX_BLOCK_TARGETS ? 'blocks' : 'switch';

  let fn: (words: Uint32Array) => number;
  let source: string | undefined;
  if (mode === 'loop') {
    fn = loopEvaluator(program);
  } else {
    source = mode === 'blocks' ? generateBlocks(program) : generateSwitch(program);
    try {
      fn = new Function('w', source) as (words: Uint32Array) => number;
      // V8 compiles the body fully on the first call: do it now, so a parser limit shows here.
      fn(new Uint32Array(16));
    } catch (e) {
      // A parser limit (deep nesting) or a CSP refusal: degrade, never fail.
      if (mode === 'blocks' && e instanceof RangeError) {
        mode = 'switch';
        source = generateSwitch(program);
        fn = new Function('w', source) as (words: Uint32Array) => number;
      } else if (requested === 'auto') {
        mode = 'loop';
        source = undefined;
        fn = loopEvaluator(program);
      } else throw e;
    }
  }
  const compiled = fn as CompiledProgram & { mode: CompiledMode; endian: Endian; source?: string };
  Object.defineProperties(compiled, {
    mode: { value: mode, enumerable: true },
    endian: { value: endian, enumerable: true },
    run: { value: (data: SeccompData) => fn(seccompDataWords(data, endian)), enumerable: true },
    ...(source !== undefined ? { source: { value: source, enumerable: false } } : {}),
  });
  return compiled;
}

/**
 * Control-flow layout for code generation. A conditional jump that skips a
 * short run of plain statements nobody else jumps into (libseccomp's
 * `jeq nr, 0, 1; ret ALLOW`) becomes `if (...) { run }` and needs no label;
 * `targets` are the remaining jump targets (sorted, distinct, never the
 * next instruction), each of which needs a label or a switch case.
 */
interface Layout {
  /** Conditional jump pc -> length of the run it guards. */
  guarded: Map<number, number>;
  targets: number[];
}

function layout(program: readonly Instruction[]): Layout {
  const n = program.length;
  const isTarget = new Uint8Array(n + 1);
  const edges: [number, number][] = [];
  program.forEach((ins, pc) => {
    if (bpfClass(ins.code) !== C.BPF_JMP) return;
    const offsets = ins.code === (C.BPF_JMP | C.BPF_JA) ? [ins.k] : [ins.jt, ins.jf];
    for (const off of offsets) {
      if (off === 0) continue;
      isTarget[pc + 1 + off] = 1;
      edges.push([pc, pc + 1 + off]);
    }
  });
  const guarded = new Map<number, number>();
  program.forEach((ins, pc) => {
    if (!isConditionalJump(ins)) return;
    if ((ins.jt === 0) === (ins.jf === 0)) return;
    const m = ins.jt + ins.jf;
    for (let p = pc + 1; p <= pc + m; p++) {
      if (isTarget[p] || statement(program[p]) === undefined) return;
    }
    guarded.set(pc, m);
  });
  const targets = new Set<number>();
  for (const [from, to] of edges) {
    const m = guarded.get(from);
    if (m === undefined || to !== from + 1 + m) targets.add(to);
  }
  return { guarded, targets: [...targets].sort((p, q) => p - q) };
}

/** Scratch cells a program touches. */
function usedCells(program: readonly Instruction[]): number[] {
  const cells = new Set<number>();
  for (const ins of program) {
    const cls = bpfClass(ins.code);
    if (cls === C.BPF_ST || cls === C.BPF_STX || ins.code === (C.BPF_LD | C.BPF_MEM) || ins.code === (C.BPF_LDX | C.BPF_MEM)) cells.add(ins.k);
  }
  return [...cells].sort((p, q) => p - q);
}

function prologue(program: readonly Instruction[]): string {
  const cells = usedCells(program).map((c) => `m${c} = 0`);
  return `"use strict";\nlet a = 0, x = 0${cells.length ? ', ' + cells.join(', ') : ''};\n`;
}

/**
 * JavaScript for one non-jump instruction, or undefined for a jump. `k` is
 * emitted as an unsigned decimal literal; nothing else of the program
 * reaches the source.
 */
function statement(ins: Instruction): string | undefined {
  const k = String(ins.k >>> 0);
  switch (ins.code) {
    case C.BPF_LD | C.BPF_W | C.BPF_ABS:
      return `a = w[${(ins.k >>> 0) >>> 2}];`;
    case C.BPF_LD | C.BPF_W | C.BPF_LEN:
      return `a = ${C.SECCOMP_DATA_SIZE};`;
    case C.BPF_LDX | C.BPF_W | C.BPF_LEN:
      return `x = ${C.SECCOMP_DATA_SIZE};`;
    case C.BPF_LD | C.BPF_IMM:
      return `a = ${k};`;
    case C.BPF_LDX | C.BPF_IMM:
      return `x = ${k};`;
    case C.BPF_LD | C.BPF_MEM:
      return `a = m${k};`;
    case C.BPF_LDX | C.BPF_MEM:
      return `x = m${k};`;
    case C.BPF_ST:
      return `m${k} = a;`;
    case C.BPF_STX:
      return `m${k} = x;`;
    case C.BPF_MISC | C.BPF_TAX:
      return 'x = a;';
    case C.BPF_MISC | C.BPF_TXA:
      return 'a = x;';
    case C.BPF_ALU | C.BPF_NEG:
      return 'a = (0 - a) >>> 0;';
    case C.BPF_RET | C.BPF_K:
      return `return ${k};`;
    case C.BPF_RET | C.BPF_A:
      return 'return a;';
  }
  if (bpfClass(ins.code) === C.BPF_ALU) {
    const v = (ins.code & C.BPF_X) !== 0 ? 'x' : k;
    switch (ins.code & 0xf0) {
      case C.BPF_ADD:
        return `a = (a + ${v}) >>> 0;`;
      case C.BPF_SUB:
        return `a = (a - ${v}) >>> 0;`;
      case C.BPF_MUL:
        return `a = Math.imul(a, ${v}) >>> 0;`;
      case C.BPF_DIV:
        return v === 'x' ? 'if (x === 0) return 0; a = (a / x) >>> 0;' : `a = (a / ${v}) >>> 0;`;
      case C.BPF_AND:
        return `a = (a & ${v}) >>> 0;`;
      case C.BPF_OR:
        return `a = (a | ${v}) >>> 0;`;
      case C.BPF_XOR:
        return `a = (a ^ ${v}) >>> 0;`;
      case C.BPF_LSH:
        return `a = (a << ${v}) >>> 0;`;
      case C.BPF_RSH:
        return `a = a >>> ${v};`;
    }
  }
  return undefined;
}

/** The condition of a conditional jump as a JS expression. */
function condition(ins: Instruction): string {
  const v = (ins.code & C.BPF_X) !== 0 ? 'x' : String(ins.k >>> 0);
  switch (ins.code & 0xf0) {
    case C.BPF_JEQ:
      return `a === ${v}`;
    case C.BPF_JGT:
      return `a > ${v}`;
    case C.BPF_JGE:
      return `a >= ${v}`;
    default:
      return `(a & ${v}) !== 0`;
  }
}

/**
 * Emits jumps through `go(target)` (a statement transferring control).
 * Returns the code for instruction `pc`.
 */
function emit(program: readonly Instruction[], pc: number, go: (target: number) => string, guarded: Map<number, number>): string {
  const ins = program[pc];
  const s = statement(ins);
  if (s !== undefined) return s;
  const m = guarded.get(pc);
  if (m !== undefined) {
    const body = program.slice(pc + 1, pc + 1 + m).map(statement).join(' ');
    return ins.jt === 0 ? `if (${condition(ins)}) { ${body} }` : `if (!(${condition(ins)})) { ${body} }`;
  }
  if (ins.code === (C.BPF_JMP | C.BPF_JA)) return ins.k === 0 ? '' : go(pc + 1 + ins.k);
  const t = pc + 1 + ins.jt;
  const f = pc + 1 + ins.jf;
  const next = pc + 1;
  if (t === f) return t === next ? '' : go(t);
  if (t === next) return `if (!(${condition(ins)})) { ${go(f)} }`;
  if (f === next) return `if (${condition(ins)}) { ${go(t)} }`;
  return `if (${condition(ins)}) { ${go(t)} } ${go(f)}`;
}

function generateBlocks(program: readonly Instruction[]): string {
  const { targets, guarded } = layout(program);
  const isTarget = new Set(targets);
  const parts: string[] = [prologue(program)];
  for (let i = targets.length - 1; i >= 0; i--) parts.push(`L${targets[i]}: {\n`);
  for (let pc = 0; pc < program.length; pc++) {
    if (isTarget.has(pc)) parts.push(`} // L${pc}\n`);
    parts.push(emit(program, pc, (t) => `break L${t};`, guarded), '\n');
    pc += guarded.get(pc) ?? 0;
  }
  return parts.join('');
}

function generateSwitch(program: readonly Instruction[]): string {
  const { targets, guarded } = layout(program);
  const index = new Map(targets.map((t, i) => [t, i + 1]));
  const parts: string[] = [prologue(program), 'let s = 0;\nfor (;;) switch (s) {\ncase 0:\n'];
  for (let pc = 0; pc < program.length; pc++) {
    const i = index.get(pc);
    if (i !== undefined) parts.push(`case ${i}:\n`);
    parts.push(emit(program, pc, (t) => `s = ${index.get(t)}; continue;`, guarded), '\n');
    pc += guarded.get(pc) ?? 0;
  }
  parts.push('default: return 0;\n}\n');
  return parts.join('');
}

/** The interpreter loop over typed arrays (no code generation). */
function loopEvaluator(program: readonly Instruction[]): (words: Uint32Array) => number {
  const n = program.length;
  const codes = new Uint16Array(n);
  const ks = new Uint32Array(n);
  const jts = new Uint8Array(n);
  const jfs = new Uint8Array(n);
  program.forEach((ins, i) => {
    codes[i] = ins.code;
    ks[i] = ins.k >>> 0;
    jts[i] = ins.jt;
    jfs[i] = ins.jf;
  });
  const mem = new Uint32Array(16);
  return (w: Uint32Array): number => {
    let a = 0;
    let x = 0;
    let pc = 0;
    for (;;) {
      const k = ks[pc];
      switch (codes[pc]) {
        case 0x20: // ld [k]
          a = w[k >>> 2];
          pc++;
          break;
        case 0x15: // jeq #k
          pc += 1 + (a === k ? jts[pc] : jfs[pc]);
          break;
        case 0x06: // ret #k
          return k;
        case 0x16: // ret a
          return a;
        case 0x25: // jgt #k
          pc += 1 + (a > k ? jts[pc] : jfs[pc]);
          break;
        case 0x35: // jge #k
          pc += 1 + (a >= k ? jts[pc] : jfs[pc]);
          break;
        case 0x45: // jset #k
          pc += 1 + ((a & k) !== 0 ? jts[pc] : jfs[pc]);
          break;
        case 0x1d: // jeq x
          pc += 1 + (a === x ? jts[pc] : jfs[pc]);
          break;
        case 0x2d: // jgt x
          pc += 1 + (a > x ? jts[pc] : jfs[pc]);
          break;
        case 0x3d: // jge x
          pc += 1 + (a >= x ? jts[pc] : jfs[pc]);
          break;
        case 0x4d: // jset x
          pc += 1 + ((a & x) !== 0 ? jts[pc] : jfs[pc]);
          break;
        case 0x05: // ja
          pc += 1 + k;
          break;
        case 0x54: // and #k
          a = (a & k) >>> 0;
          pc++;
          break;
        case 0x5c: // and x
          a = (a & x) >>> 0;
          pc++;
          break;
        case 0x04: // add #k
          a = (a + k) >>> 0;
          pc++;
          break;
        case 0x0c:
          a = (a + x) >>> 0;
          pc++;
          break;
        case 0x14: // sub
          a = (a - k) >>> 0;
          pc++;
          break;
        case 0x1c:
          a = (a - x) >>> 0;
          pc++;
          break;
        case 0x24: // mul
          a = Math.imul(a, k) >>> 0;
          pc++;
          break;
        case 0x2c:
          a = Math.imul(a, x) >>> 0;
          pc++;
          break;
        case 0x34: // div
          a = (a / k) >>> 0;
          pc++;
          break;
        case 0x3c:
          if (x === 0) return 0;
          a = (a / x) >>> 0;
          pc++;
          break;
        case 0x44: // or
          a = (a | k) >>> 0;
          pc++;
          break;
        case 0x4c:
          a = (a | x) >>> 0;
          pc++;
          break;
        case 0xa4: // xor
          a = (a ^ k) >>> 0;
          pc++;
          break;
        case 0xac:
          a = (a ^ x) >>> 0;
          pc++;
          break;
        case 0x64: // lsh
          a = (a << k) >>> 0;
          pc++;
          break;
        case 0x6c:
          a = (a << x) >>> 0;
          pc++;
          break;
        case 0x74: // rsh
          a = a >>> k;
          pc++;
          break;
        case 0x7c:
          a = a >>> x;
          pc++;
          break;
        case 0x84: // neg
          a = (0 - a) >>> 0;
          pc++;
          break;
        case 0x80: // ld len
          a = C.SECCOMP_DATA_SIZE;
          pc++;
          break;
        case 0x81: // ldx len
          x = C.SECCOMP_DATA_SIZE;
          pc++;
          break;
        case 0x00: // ld #k
          a = k;
          pc++;
          break;
        case 0x01: // ldx #k
          x = k;
          pc++;
          break;
        case 0x60: // ld M[k]
          a = mem[k];
          pc++;
          break;
        case 0x61: // ldx M[k]
          x = mem[k];
          pc++;
          break;
        case 0x02: // st
          mem[k] = a;
          pc++;
          break;
        case 0x03: // stx
          mem[k] = x;
          pc++;
          break;
        case 0x07: // tax
          x = a;
          pc++;
          break;
        case 0x87: // txa
          a = x;
          pc++;
          break;
        default:
          // Unreachable for a validated program.
          return 0;
      }
    }
  };
}
