/**
 * syswall's disassembler: seccomp-tools 1.7.1's layout and pseudo-code, with
 * syswall's names and the differences README lists (return data always shown,
 * `A = len`, libseccomp's syscall table and real x32 numbers, syswall's
 * parameter names, every arch named, explicit `invalid:` lines where
 * seccomp-tools crashes). `compat/disasm.ts` is seccomp-tools' exact output.
 *
 * Operand naming needs to know, per line, what A and X hold, which arch the
 * program checked and which syscall number it compared. seccomp-tools keeps a
 * set of path states per line (exponential on hostile filters); this module
 * keeps one joined state per line instead: each field is either a known
 * constant, a known `seccomp_data` word, or unknown, and "facts" (`data word ==
 * constant`, learnt on the true branch of JEQ) survive a join only if every
 * incoming path agrees. Paths whose facts contradict a comparison are pruned.
 * One pass in line order (jumps only go forward) makes it linear time.
 */
import { ARCHES, X32_SYSCALL_BIT, archByToken, type ArchInfo, type Endian } from '../arch/arches.js';
import { syscallName } from '../arch/syscalls.js';
import { syscallParams } from '../arch/signatures.js';
import { BpfError } from '../errors.js';
import { bpfClass, type Instruction } from './instruction.js';
import * as C from './constants.js';
import { actionInfoOf } from './actions.js';
import { ACTION_NAMES, KEYWORDS, resolveSyscallName } from './asm/scanner.js';

/** What a register or scratch slot is known to hold. kind 0: unknown; 1: constant n; 2: data word at byte offset n. */
interface Val {
  readonly kind: 0 | 1 | 2;
  readonly n: number;
}
const TOP: Val = { kind: 0, n: 0 };
const konst = (n: number): Val => ({ kind: 1, n: n >>> 0 });
const dataw = (off: number): Val => ({ kind: 2, n: off });
const sameVal = (a: Val, b: Val) => a.kind === b.kind && a.n === b.n;

/** The joined abstract state at the start of a line. `facts[w]` pins data word w (offset 4w) to a constant. */
export interface LineState {
  a: Val;
  x: Val;
  mem: Val[];
  facts: (number | undefined)[];
}

function cloneState(s: LineState): LineState {
  return { a: s.a, x: s.x, mem: s.mem.slice(), facts: s.facts.slice() };
}

function joinInto(dst: LineState, src: LineState): void {
  if (!sameVal(dst.a, src.a)) dst.a = TOP;
  if (!sameVal(dst.x, src.x)) dst.x = TOP;
  for (let i = 0; i < 16; i++) {
    if (!sameVal(dst.mem[i], src.mem[i])) dst.mem[i] = TOP;
    if (dst.facts[i] !== src.facts[i]) dst.facts[i] = undefined;
  }
}

/** True if `word` means nothing to the assembler on `arch` (no keyword, action, ARCH_* constant or syscall name). */
function isPlainWord(word: string, arch: ArchInfo): boolean {
  const w = word.toLowerCase();
  return !KEYWORDS.includes(w) && !ACTION_NAMES.includes(word) && !w.startsWith('arch_') && resolveSyscallName(word, arch) === undefined;
}

/** True for a valid `seccomp_data` word offset (aligned, below 64). */
function isDataOffset(k: number): boolean {
  return k % 4 === 0 && k < C.SECCOMP_DATA_SIZE;
}

/** Why an instruction cannot be rendered (seccomp-tools crashes on these), or undefined. */
export function invalidReason(ins: Instruction): string | undefined {
  const { code, k } = ins;
  if (code > 0xff) return `opcode 0x${code.toString(16)} does not fit in 8 bits (wrong byte order?)`;
  const cls = bpfClass(code);
  switch (cls) {
    case C.BPF_LD:
    case C.BPF_LDX: {
      const mode = code & 0xe0;
      if (mode === C.BPF_IND) return `${cls ? 'LDX' : 'LD'}|IND loads packet data, not allowed in seccomp filters`;
      if (mode === C.BPF_MSH) return `${cls ? 'LDX' : 'LD'}|MSH loads packet data, not allowed in seccomp filters`;
      if (mode !== C.BPF_IMM && mode !== C.BPF_ABS && mode !== C.BPF_MEM && mode !== C.BPF_LEN) return `unknown load mode 0x${mode.toString(16)}`;
      if (mode === C.BPF_MEM && k >= C.BPF_MEMWORDS) return `scratch slot mem[${k}] out of range 0..15`;
      return undefined;
    }
    case C.BPF_ST:
    case C.BPF_STX:
      return k >= C.BPF_MEMWORDS ? `scratch slot mem[${k}] out of range 0..15` : undefined;
    case C.BPF_ALU: {
      const op = code & 0xf0;
      return op > C.BPF_XOR ? `unknown ALU operation 0x${op.toString(16)}` : undefined;
    }
    case C.BPF_JMP: {
      const op = code & 0xf0;
      return op > C.BPF_JSET ? `unknown jump operation 0x${op.toString(16)}` : undefined;
    }
    case C.BPF_RET:
      return undefined;
    default: {
      const op = code & 0xf8;
      return op !== C.BPF_TAX && op !== C.BPF_TXA ? `unknown MISC operation 0x${op.toString(16)} (only TAX and TXA exist)` : undefined;
    }
  }
}

/**
 * Checks that every jump lands inside the program. Throws a {@link BpfError}
 * naming the instruction otherwise (the listing would be meaningless).
 */
export function checkJumpRange(program: readonly Instruction[], file?: string): void {
  const n = program.length;
  for (let i = 0; i < n; i++) {
    const ins = program[i];
    if (bpfClass(ins.code) !== C.BPF_JMP || ins.code > 0xff) continue;
    const op = ins.code & 0xf0;
    const targets = op === C.BPF_JA ? [i + 1 + ins.k] : op <= C.BPF_JSET ? [i + 1 + ins.jt, i + 1 + ins.jf] : [];
    for (const t of targets) {
      if (t >= n) {
        throw new BpfError('BPF_JUMP_OUT_OF_RANGE', `jump to line ${t} is past the end of the program (${n} instructions)`, {
          location: { file, pc: i },
          hint: 'the file may be truncated, or not a seccomp filter',
        });
      }
    }
  }
}

/** Per-line joined states (undefined = unreachable). Jumps must be in range ({@link checkJumpRange}). */
export function analyzeStates(program: readonly Instruction[]): (LineState | undefined)[] {
  const n = program.length;
  const states: (LineState | undefined)[] = new Array(n).fill(undefined);
  const flow = (to: number, s: LineState) => {
    if (to >= n) return;
    const cur = states[to];
    if (!cur) states[to] = cloneState(s);
    else joinInto(cur, s);
  };
  if (n > 0) states[0] = { a: konst(0), x: konst(0), mem: new Array(16).fill(TOP), facts: new Array(16).fill(undefined) };
  for (let i = 0; i < n; i++) {
    const s = states[i];
    if (!s) continue;
    const ins = program[i];
    const { code, k } = ins;
    const cls = bpfClass(code);
    if (code > 0xff || invalidReason(ins)) continue; // analysis stops at invalid lines
    const load = (): Val => {
      const mode = code & 0xe0;
      if (mode === C.BPF_IMM) return konst(k);
      if (mode === C.BPF_LEN) return konst(C.SECCOMP_DATA_SIZE);
      if (mode === C.BPF_MEM) return s.mem[k];
      if (mode === C.BPF_ABS) return isDataOffset(k) ? dataw(k) : TOP;
      return TOP;
    };
    switch (cls) {
      case C.BPF_LD: { const t = cloneState(s); t.a = load(); flow(i + 1, t); break; }
      case C.BPF_LDX: { const t = cloneState(s); t.x = load(); flow(i + 1, t); break; }
      case C.BPF_ST: { const t = cloneState(s); t.mem[k] = s.a; flow(i + 1, t); break; }
      case C.BPF_STX: { const t = cloneState(s); t.mem[k] = s.x; flow(i + 1, t); break; }
      case C.BPF_ALU: { const t = cloneState(s); t.a = TOP; flow(i + 1, t); break; }
      case C.BPF_MISC: {
        const t = cloneState(s);
        if ((code & 0xf8) === C.BPF_TAX) t.x = s.a;
        else t.a = s.x;
        flow(i + 1, t);
        break;
      }
      case C.BPF_RET: break;
      case C.BPF_JMP: {
        const op = code & 0xf0;
        if (op === C.BPF_JA) { flow(i + 1 + k, s); break; }
        if (ins.jt === ins.jf) { flow(i + 1 + ins.jt, s); break; }
        const tTrue = i + 1 + ins.jt;
        const tFalse = i + 1 + ins.jf;
        if (op !== C.BPF_JEQ || s.a.kind !== 2) { flow(tTrue, s); flow(tFalse, s); break; }
        // JEQ on a data word: learn (or contradict) `data == c`.
        let c: number | undefined;
        if ((code & C.BPF_X) === 0) c = k >>> 0;
        else if (s.x.kind === 1) c = s.x.n;
        else if (s.x.kind === 2) c = s.facts[s.x.n / 4];
        if (c === undefined) { flow(tTrue, s); flow(tFalse, s); break; }
        const w = s.a.n / 4;
        const known = s.facts[w];
        if (known === undefined || known === c) {
          const t = cloneState(s);
          t.facts[w] = c;
          flow(tTrue, t);
        }
        if (known !== c) flow(tFalse, s);
        break;
      }
    }
  }
  return states;
}

/** `<arch>.` prefix label: seccomp-tools' arch name where it has one, else libseccomp's. */
export function archLabel(arch: ArchInfo): string {
  return arch.seccompToolsName ?? arch.name;
}

/**
 * The name a disassembly prints for syscall `nr` checked under `lineArch`
 * (the arch the program pinned on that path, if any), relative to the
 * default arch: plain, `x32_<name>`, or `<arch>.<name>`. Undefined if the
 * number has no name there.
 */
export function syscallLabel(nr: number, lineArch: ArchInfo | undefined, def: ArchInfo): string | undefined {
  const fam = lineArch && lineArch.token !== def.token ? lineArch : def;
  let table = fam;
  if (fam.token === ARCHES.x86_64.token) table = nr & X32_SYSCALL_BIT ? ARCHES.x32 : ARCHES.x86_64;
  const name = syscallName(table, nr >>> 0);
  if (name === undefined) return undefined;
  if (table === def) return name;
  if (table.x32 && def === ARCHES.x86_64) return 'x32_' + name;
  if (table.x32) return `${archLabel(ARCHES.x86_64)}.x32_${name}`;
  return `${archLabel(table)}.${name}`;
}

/** The `ARCH_*` constant for an AUDIT_ARCH value, if it names a known arch. */
export function archConstantName(token: number): string | undefined {
  return archByToken(token >>> 0)?.archConstant;
}

/**
 * The label disasm prints after `return`: `ALLOW`, `ERRNO(1)`, `TRAP`,
 * `TRAP(5)`, `KILL`, ... or `0x...` for an unknown action. Data seccomp-tools
 * drops (ALLOW/LOG/USER_NOTIF/KILL*) is shown as `ACTION(n)` so it survives a round trip.
 */
export function returnLabel(k: number): string {
  const v = k >>> 0;
  const info = actionInfoOf(v);
  if (info === undefined) return '0x' + v.toString(16);
  const data = v & C.SECCOMP_RET_DATA;
  if (info.kind === 'ERRNO' || data !== 0) return `${info.short}(${data})`;
  return info.short;
}

const ALU_OPS: Record<number, string> = {
  [C.BPF_ADD]: '+=', [C.BPF_SUB]: '-=', [C.BPF_MUL]: '*=', [C.BPF_DIV]: '/=', [C.BPF_OR]: '|=', [C.BPF_AND]: '&=',
  [C.BPF_LSH]: '<<=', [C.BPF_RSH]: '>>=', [C.BPF_MOD]: '%=', [C.BPF_XOR]: '^=',
};

export interface DisasmOptions {
  /** Default arch: names without prefix, `--arch`. */
  arch: ArchInfo;
  /** Byte order used to name 64-bit halves; defaults to the arch's. */
  endian?: Endian;
  /** Print the `CODE JT JF K` columns and header (seccomp-tools `--bpf`, default true). */
  bpf?: boolean;
  /** Infer argument names (`--arg-infer`, default true). */
  argInfer?: boolean;
}

/** One disassembled instruction. */
export interface DisasmLine {
  line: number;
  code: number;
  jt: number;
  jf: number;
  k: number;
  /** The pseudo-code. */
  text: string;
  /** Set when the instruction cannot be rendered; `text` is then `invalid: <reason>`. */
  invalid?: string;
  /** The arch the program pinned on every path to this line, if any. */
  arch?: string;
  /** False if no path reaches this line. */
  reachable: boolean;
}

/** Header lines of the `--bpf` listing. */
export const DISASM_HEADER = ' line  CODE  JT   JF      K\n=================================\n';

const pad = (n: number, w: number) => n.toString().padStart(w, '0');
const hx = (n: number, w: number) => '0x' + (n >>> 0).toString(16).padStart(w, '0');

/** Disassembles a program into seccomp-tools' pseudo-code, one entry per instruction. */
export function disassembleLines(program: readonly Instruction[], options: DisasmOptions): DisasmLine[] {
  const def = options.arch;
  const endian = options.endian ?? def.endian;
  const argInfer = options.argInfer ?? true;
  checkJumpRange(program);
  const states = analyzeStates(program);
  const dataName = (off: number): { base: string; hi: boolean; arg?: number } | undefined => {
    if (!isDataOffset(off)) return undefined;
    if (off === 0) return { base: 'sys_number', hi: false };
    if (off === 4) return { base: 'arch', hi: false };
    const big = endian === 'big';
    const hi = big ? off % 8 === 0 : off % 8 === 4;
    if (off < 16) return { base: 'instruction_pointer', hi };
    return { base: `args[${(off - 16) >> 3}]`, hi, arg: (off - 16) >> 3 };
  };
  return program.map((ins, line) => {
    const s = states[line];
    const token = s?.facts[1];
    const lineArch = token !== undefined ? archByToken(token) : undefined;
    const name = (nr: number) => syscallLabel(nr, lineArch, def);
    const base: Omit<DisasmLine, 'text'> = { line, code: ins.code, jt: ins.jt, jf: ins.jf, k: ins.k >>> 0, reachable: s !== undefined, ...(lineArch ? { arch: lineArch.name } : {}) };
    const bad = invalidReason(ins);
    if (bad) return { ...base, text: `invalid: ${bad}`, invalid: bad };
    const { code, k } = ins;
    const reg = bpfClass(code) === C.BPF_LDX ? 'X' : 'A';
    let text: string;
    switch (bpfClass(code)) {
      case C.BPF_LD:
      case C.BPF_LDX: {
        const mode = code & 0xe0;
        if (mode === C.BPF_IMM) text = `${reg} = ${k >>> 0}`;
        else if (mode === C.BPF_LEN) text = `${reg} = len`;
        else if (mode === C.BPF_MEM) text = `${reg} = mem[${k}]`;
        else {
          const f = dataName(k);
          if (!f) text = `${reg} = INVALID`;
          else {
            text = `${reg} = ${f.base}${f.hi ? ' >> 32' : ''}`;
            const nr = s?.facts[0];
            if (argInfer && f.arg !== undefined && nr !== undefined) {
              const label = name(nr);
              const fam = lineArch && lineArch.token !== def.token ? lineArch : def;
              const table = fam.token === ARCHES.x86_64.token ? (nr & X32_SYSCALL_BIT ? ARCHES.x32 : ARCHES.x86_64) : fam;
              const params = label !== undefined ? syscallParams(table, syscallName(table, nr)!) : undefined;
              if (label !== undefined && params && f.arg < params.length) {
                // A parameter named like a syscall or keyword (brk's `brk`) would read back as that: keep args[i].
                const shown = isPlainWord(params[f.arg], def) ? params[f.arg] : `args[${f.arg}]`;
                text = `${reg} = ${shown}${f.hi ? ' >> 32' : ''} # ${label}(${params.join(', ')})`;
              }
            }
          }
        }
        break;
      }
      case C.BPF_ST:
        text = `mem[${k}] = A`;
        break;
      case C.BPF_STX:
        text = `mem[${k}] = X`;
        break;
      case C.BPF_ALU: {
        const op = code & 0xf0;
        if (op === C.BPF_NEG) text = 'A = -A';
        else {
          const v = code & C.BPF_X ? 'X' : op === C.BPF_LSH || op === C.BPF_RSH ? String(k >>> 0) : '0x' + (k >>> 0).toString(16);
          text = `A ${ALU_OPS[op]} ${v}`;
        }
        break;
      }
      case C.BPF_JMP: {
        const op = code & 0xf0;
        if (op === C.BPF_JA) {
          text = `goto ${pad(line + 1 + k, 4)}`;
          break;
        }
        const t = pad(line + 1 + ins.jt, 4);
        const f = pad(line + 1 + ins.jf, 4);
        if (ins.jt === ins.jf) {
          text = ins.jt === 0 ? '/* no-op */' : `goto ${t}`;
          break;
        }
        let v: string;
        if (code & C.BPF_X) v = 'X';
        else if (!s || s.a.kind !== 2) v = String(k >>> 0);
        else if (s.a.n === 0) v = (op === C.BPF_JEQ ? name(k) : undefined) ?? '0x' + (k >>> 0).toString(16);
        else if (s.a.n === 4) v = archConstantName(k) ?? '0x' + (k >>> 0).toString(16);
        else v = '0x' + (k >>> 0).toString(16);
        if (ins.jt === 0) {
          const neg = op === C.BPF_JEQ ? `A != ${v}` : op === C.BPF_JGE ? `A < ${v}` : op === C.BPF_JGT ? `A <= ${v}` : `!(A & ${v})`;
          text = `if (${neg}) goto ${f}`;
        } else {
          const cmp = op === C.BPF_JEQ ? '==' : op === C.BPF_JGT ? '>' : op === C.BPF_JGE ? '>=' : '&';
          text = `if (A ${cmp} ${v}) goto ${t}${ins.jf !== 0 ? ` else goto ${f}` : ''}`;
        }
        break;
      }
      case C.BPF_RET:
        text = (code & 0x18) === C.BPF_A ? 'return A' : `return ${returnLabel(k)}`;
        break;
      default:
        text = (code & 0xf8) === C.BPF_TAX ? 'X = A' : 'A = X';
    }
    return { ...base, text };
  });
}

/** Formats one line as seccomp-tools does (with or without the BPF columns). */
export function formatDisasmLine(l: DisasmLine, bpf = true): string {
  if (!bpf) return `${pad(l.line, 4)}: ${l.text}`;
  return ` ${pad(l.line, 4)}: ${hx(l.code, 2)} ${hx(l.jt, 2)} ${hx(l.jf, 2)} ${hx(l.k, 8)}  ${l.text}`;
}

/** The complete `disasm` text, ending with one newline. */
export function disassemble(program: readonly Instruction[], options: DisasmOptions): string {
  const bpf = options.bpf ?? true;
  const lines = disassembleLines(program, options).map((l) => formatDisasmLine(l, bpf));
  return (bpf ? DISASM_HEADER : '') + lines.join('\n') + '\n';
}

/**
 * The arch a program is written for, from its `A = arch` checks: the arch of
 * every `arch == TOKEN` comparison, in program order, primary arches only
 * (x32 shares x86_64's token).
 */
export function checkedArches(program: readonly Instruction[]): ArchInfo[] {
  let states: (LineState | undefined)[];
  try {
    checkJumpRange(program);
    states = analyzeStates(program);
  } catch {
    return [];
  }
  const out: ArchInfo[] = [];
  program.forEach((ins, i) => {
    const s = states[i];
    if (!s || s.a.kind !== 2 || s.a.n !== 4 || bpfClass(ins.code) !== C.BPF_JMP || (ins.code & C.BPF_X) || ins.code > 0xff) return;
    const op = ins.code & 0xf0;
    if (op !== C.BPF_JEQ) return;
    const a = archByToken(ins.k);
    if (a && !out.includes(a)) out.push(a);
  });
  return out;
}

/**
 * Picks the default arch of a program when the user gave none: the host if
 * the program checks it (or checks nothing), else the first arch it checks
 * whose byte order matches `endian` (when given).
 */
export function inferArch(program: readonly Instruction[], host: ArchInfo, endian?: Endian): ArchInfo {
  const checked = checkedArches(program).filter((a) => !endian || a.endian === endian);
  if (checked.length === 0) {
    if (endian && endian !== host.endian) return ARCHES.s390x;
    return host;
  }
  if (checked.some((a) => a.token === host.token)) return host;
  return checked[0];
}
