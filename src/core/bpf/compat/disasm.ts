/**
 * `disasm --compat seccomp-tools`: the listing seccomp-tools 1.7.1 prints,
 * byte for byte, for every program it can disassemble.
 *
 * seccomp-tools decodes each instruction its own way (jump type from
 * `code & 0x70`, load size bits ignored, RET|X read as RET|K, ...) and names
 * operands from a forward pass that keeps, per line, the *set* of path states
 * reaching it: A, X, the scratch slots and the list of `data word == constant`
 * facts learnt on the taken side of JEQ, with no pruning of contradictory
 * paths. A line then shows a syscall or arch name only when every state
 * agrees (one A value that is a plain data word; one pinned arch; one pinned
 * syscall number, where "pinned" is the *first* fact about that word).
 *
 * This module reproduces those per-line projections exactly without
 * enumerating paths: its states keep only what the projections and the
 * transfer functions read (A, X, slots, and the first fact per data word), so
 * two paths seccomp-tools keeps apart but that agree on all of these are one
 * state here. The result is the same listing; the cost is bounded by the
 * number of distinct such states, not of paths (seccomp-tools needs 92 s for a
 * 42-instruction branching program that takes milliseconds here).
 *
 * Where seccomp-tools raises instead of printing (an opcode it does not
 * decode, scratch slot > 15, an empty program) this throws a
 * {@link SeccompToolsError} carrying its message.
 */
import { actionInfoOf } from '../actions.js';
import * as C from '../constants.js';
import { bpfClass, bpfMiscOp, bpfMode, bpfOp, bpfRetSrc, bpfSrc, type Instruction } from '../instruction.js';
import { SeccompToolsError } from './errors.js';
import { stArchOfAudit, stAuditName, stBigEndian, stSyscallArgs, stSyscalls, type StArch } from './tables.js';

/** Decodes raw bytes as seccomp-tools does: 8-byte records in the arch's byte order, a trailing partial record ignored. */
export function stDecode(bytes: Uint8Array, arch: StArch): Instruction[] {
  const le = !stBigEndian(arch);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  for (let off = 0; off + 8 <= bytes.length; off += 8) {
    out.push({ code: view.getUint16(off, le), jt: view.getUint8(off + 2), jf: view.getUint8(off + 3), k: view.getUint32(off + 4, le) });
  }
  return out;
}

/** seccomp-tools' reading of one instruction. */
export type StOp =
  | { kind: 'ld'; reg: 'A' | 'X'; mode: 'imm' | 'len' | 'mem' | 'abs' }
  | { kind: 'st'; reg: 'A' | 'X' }
  | { kind: 'alu'; op: StAluOp; x: boolean }
  | { kind: 'neg' }
  | { kind: 'ja' }
  | { kind: 'jcc'; op: '==' | '>' | '>=' | '&'; x: boolean }
  | { kind: 'ret'; a: boolean }
  | { kind: 'tax' }
  | { kind: 'txa' };

export type StAluOp = '+' | '-' | '*' | '/' | '|' | '&' | '<<' | '>>' | '^';

const ALU_BY_CODE: Record<number, StAluOp> = { 0x00: '+', 0x10: '-', 0x20: '*', 0x30: '/', 0x40: '|', 0x50: '&', 0x60: '<<', 0x70: '>>', 0xa0: '^' };
const JMP_BY_CODE: Record<number, '==' | '>' | '>=' | '&' | 'ja'> = { 0x00: 'ja', 0x10: '==', 0x20: '>', 0x30: '>=', 0x40: '&' };

/**
 * Decodes an instruction the way seccomp-tools does, or returns the message
 * of the ArgumentError it raises for it (`unknown`, `unknown op`, ...).
 */
export function stDecodeOp(code: number): StOp | { invalid: string } {
  const x = bpfSrc(code) === C.BPF_X;
  switch (bpfClass(code)) {
    case C.BPF_LD:
    case C.BPF_LDX: {
      const reg = bpfClass(code) === C.BPF_LD ? 'A' : 'X';
      // The size bits are ignored: LD|H|ABS reads like LD|W|ABS.
      const m = bpfMode(code);
      if (m === C.BPF_IMM) return { kind: 'ld', reg, mode: 'imm' };
      if (m === C.BPF_ABS) return { kind: 'ld', reg, mode: 'abs' };
      if (m === C.BPF_MEM) return { kind: 'ld', reg, mode: 'mem' };
      if (m === C.BPF_LEN) return { kind: 'ld', reg, mode: 'len' };
      return { invalid: 'unknown' };
    }
    case C.BPF_ST:
      return { kind: 'st', reg: 'A' };
    case C.BPF_STX:
      return { kind: 'st', reg: 'X' };
    case C.BPF_ALU: {
      const op = bpfOp(code);
      if (op === C.BPF_NEG) return { kind: 'neg' };
      const sym = ALU_BY_CODE[op];
      return sym ? { kind: 'alu', op: sym, x } : { invalid: 'unknown op' };
    }
    case C.BPF_JMP: {
      // seccomp-tools reads the jump type from bits 4-6 only (`code & 0x70`): bit 7 is ignored.
      const j = JMP_BY_CODE[bpfOp(code) & 0x70];
      if (!j) return { invalid: 'unknown jmp type' };
      return j === 'ja' ? { kind: 'ja' } : { kind: 'jcc', op: j, x };
    }
    case C.BPF_RET:
      // RET|X reads as RET|K.
      return { kind: 'ret', a: bpfRetSrc(code) === C.BPF_A };
    default: {
      const op = bpfMiscOp(code);
      if (op === C.BPF_TAX) return { kind: 'tax' };
      if (op === C.BPF_TXA) return { kind: 'txa' };
      return { invalid: 'MISC operation only supports txa/tax' };
    }
  }
}

/** `ALLOW`, `ERRNO(1)`, `TRAP`, `TRACE(5)`, ... as seccomp-tools labels a return value; undefined for an unknown action. */
export function stActionLabel(k: number): string | undefined {
  const a = actionInfoOf(k);
  if (!a) return undefined;
  const data = k & 0xffff;
  // seccomp-tools shows ERRNO's data always, TRAP's and TRACE's when non-zero, no other action's.
  if (a.kind === 'ERRNO' || ((a.kind === 'TRAP' || a.kind === 'TRACE') && data !== 0)) return `${a.short}(${data})`;
  return a.short;
}

/**
 * The action name `emu` prints (seccomp-tools' action table inverted: no
 * data except ERRNO's); empty for an unknown action.
 */
export function stEmuLabel(k: number): string {
  const a = actionInfoOf(k);
  if (!a) return '';
  return a.kind === 'ERRNO' ? `${a.short}(${k & 0xffff})` : a.short;
}

// Abstract values: 'i<n>' a constant, 'd<off>' the data word at byte offset off, 'o' unknown.
type V = string;
const OPAQUE: V = 'o';
/** Ruby's nil: a scratch slot beyond the end of seccomp-tools' array. */
const NIL: V = 'n';

interface State {
  a: V;
  x: V;
  mem: V[];
  /** First `data[off] == v` fact per offset, as [off, v] sorted by off. */
  pins: [number, number][];
  key: string;
}

function mkState(a: V, x: V, mem: V[], pins: [number, number][]): State {
  return { a, x, mem, pins, key: `${a};${x};${mem.join(',')};${pins.map((p) => p.join('=')).join(',')}` };
}

function pinned(s: State, off: number): number | undefined {
  for (const [o, v] of s.pins) if (o === off) return v;
  return undefined;
}

const isData = (v: V) => v.charCodeAt(0) === 100; // 'd'
const dataOff = (v: V) => Number(v.slice(1));

/** What the listing needs to know about one line. */
interface LineView {
  reachable: boolean;
  /** The one A value all states share, or undefined. */
  a?: V;
  /** The one pinned arch value all states share (undefined also when some state pins none). */
  arch?: number;
  /** Same for the syscall number. */
  nr?: number;
}

export interface StDisasmOptions {
  arch: StArch;
  /** The `CODE JT JF K` columns and header (seccomp-tools `--bpf`, default true). */
  bpf?: boolean;
  /** Argument names (`--arg-infer`, default true). */
  argInfer?: boolean;
  /** Colour as seccomp-tools does on a terminal (syscall and arch operands, argument names, comments). */
  color?: boolean;
  /**
   * Upper bound on abstract states (summed over lines) before giving up;
   * seccomp-tools itself would run for minutes or hours on such programs.
   */
  maxStates?: number;
}

const crash = (line: number, what: string) =>
  new SeccompToolsError('ST_CRASH', `seccomp-tools 1.7.1 crashes on this program at line ${line} (${what})`, {
    crash: true,
    location: { pc: line },
    hint: 'seccomp-tools cannot disassemble it; `syswall disasm` without --compat can',
  });

/** Live-variable bits: A, X, mem[0..15]. */
const LIVE_A = 1;
const LIVE_X = 2;
const liveMem = (k: number) => 4 << k;
/** The first `sys_number ==` fact (names arguments), the first `arch ==` fact (picks the table), any other fact (JEQ against X reads them). */
const PIN_NR = 1 << 20;
const PIN_ARCH = 1 << 21;
const PIN_OTHER = 1 << 22;

/**
 * What each line's entry state still needs (backward liveness over
 * seccomp-tools' reading of the program): A where a line prints it (a
 * conditional with a constant) or reads it, X where JEQ compares it or it is
 * copied or stored, a slot where it is loaded; the syscall-number fact where
 * an argument load may follow, the arch fact where a comparison or an
 * argument load may follow, other facts where JEQ against X may follow.
 * seccomp-tools keeps values nobody will look at apart; merging states that
 * differ only in them leaves every listing line the same and keeps the pass
 * small.
 */
function liveness(program: readonly Instruction[]): number[] {
  const n = program.length;
  const live = new Array<number>(n + 1).fill(0);
  const inOf = (t: number) => (t < n ? live[t] : 0);
  for (let i = n - 1; i >= 0; i--) {
    const ins = program[i];
    const op = stDecodeOp(ins.code);
    if ('invalid' in op) { live[i] = ~0; continue; }
    const k = ins.k >>> 0;
    let out = 0;
    let use = 0;
    let def = 0;
    switch (op.kind) {
      case 'ret': break;
      case 'ja': out = inOf(i + 1 + k); break;
      case 'jcc':
        out = inOf(i + 1 + ins.jt) | inOf(i + 1 + ins.jf);
        if (ins.jt !== ins.jf) use = op.x ? (op.op === '==' ? LIVE_A | LIVE_X | PIN_NR | PIN_ARCH | PIN_OTHER : 0) : LIVE_A | PIN_ARCH;
        break;
      case 'ld':
        out = inOf(i + 1);
        def = op.reg === 'A' ? LIVE_A : LIVE_X;
        if (op.mode === 'mem') use = k < 16 ? liveMem(k) : ~0;
        if (op.mode === 'abs' && k >= 16 && k < 64 && k % 4 === 0) use = PIN_NR | PIN_ARCH;
        break;
      case 'st':
        out = inOf(i + 1);
        use = op.reg === 'A' ? LIVE_A : LIVE_X;
        def = k < 16 ? liveMem(k) : 0;
        if (k >= 16) use = ~0;
        break;
      case 'alu':
      case 'neg':
        out = inOf(i + 1);
        def = LIVE_A;
        break;
      case 'tax': out = inOf(i + 1); use = LIVE_A; def = LIVE_X; break;
      case 'txa': out = inOf(i + 1); use = LIVE_X; def = LIVE_A; break;
    }
    live[i] = use | (out & ~def);
  }
  return live;
}

/** A state with its dead parts forgotten, and its unobservable facts dropped. */
function canonical(s: State, live: number): State {
  const a = live & LIVE_A ? s.a : OPAQUE;
  const x = live & LIVE_X ? s.x : OPAQUE;
  let mem = s.mem;
  if (mem.some((v, k) => k < 16 && v !== OPAQUE && !(live & liveMem(k)))) mem = mem.map((v, k) => (k >= 16 || live & liveMem(k) ? v : OPAQUE));
  const pins = s.pins.filter(([o]) => (o === 0 ? live & PIN_NR : o === 4 ? live & PIN_ARCH : live & PIN_OTHER));
  if (a === s.a && x === s.x && mem === s.mem && pins.length === s.pins.length) return s;
  return mkState(a, x, mem, pins);
}

/** Runs seccomp-tools' forward pass; returns per-line views or throws where seccomp-tools raises. */
function analyze(program: readonly Instruction[], maxStates: number): LineView[] {
  const n = program.length;
  const sets: Map<string, State>[] = Array.from({ length: n }, () => new Map());
  const live = liveness(program);
  const init = mkState('i0', 'i0', new Array(16).fill(OPAQUE), []);
  if (n > 0) {
    const c = canonical(init, live[0]);
    sets[0].set(c.key, c);
  }
  let total = 0;
  const views: LineView[] = [];
  for (let i = 0; i < n; i++) {
    const ins = program[i];
    const op = stDecodeOp(ins.code);
    if ('invalid' in op) throw new SeccompToolsError('ST_INVALID', `Line ${i} is invalid: ${op.invalid}`, { location: { pc: i } });
    const set = sets[i];
    total += set.size;
    if (total > maxStates) {
      throw new SeccompToolsError('ST_TOO_COMPLEX', `seccomp-tools 1.7.1 would track over ${maxStates} path states by line ${i} of this program (it runs for minutes or hours on such filters)`, {
        crash: true,
        location: { pc: i },
        hint: '`syswall disasm` without --compat disassembles it in linear time',
      });
    }
    const add = (to: number, s: State) => {
      if (to >= n) return;
      // Ruby hashes the new state here; a hole (nil) in it raises NoMethodError.
      if (s.a === NIL || s.x === NIL || s.mem.includes(NIL)) throw crash(i, 'a scratch slot beyond mem[15] holds nothing; NoMethodError');
      const c = canonical(s, live[to]);
      if (!sets[to].has(c.key)) sets[to].set(c.key, c);
    };
    const k = ins.k >>> 0;
    for (const s of set.values()) {
      switch (op.kind) {
        case 'ld': {
          let v: V;
          if (op.mode === 'imm') v = 'i' + k;
          else if (op.mode === 'len') v = 'i64';
          else if (op.mode === 'abs') v = 'd' + k;
          else v = s.mem[k] ?? NIL;
          add(i + 1, op.reg === 'A' ? mkState(v, s.x, s.mem, s.pins) : mkState(s.a, v, s.mem, s.pins));
          break;
        }
        case 'st': {
          // seccomp-tools' scratch memory is a Ruby array: a store past its end grows it (with nil holes).
          if (k >= 1 << 20) throw crash(i, `mem[${k}] is far beyond the 16 scratch slots`);
          const mem = s.mem.slice();
          while (mem.length < k) mem.push(NIL);
          mem[k] = op.reg === 'A' ? s.a : s.x;
          add(i + 1, mkState(s.a, s.x, mem, s.pins));
          break;
        }
        case 'alu':
        case 'neg':
          add(i + 1, mkState(OPAQUE, s.x, s.mem, s.pins));
          break;
        case 'tax':
          add(i + 1, mkState(s.a, s.a, s.mem, s.pins));
          break;
        case 'txa':
          add(i + 1, mkState(s.x, s.x, s.mem, s.pins));
          break;
        case 'ja':
          add(i + 1 + k, s);
          break;
        case 'jcc': {
          if (ins.jt === ins.jf) {
            add(i + 1 + ins.jt, s);
            break;
          }
          let taken = s;
          if (op.op === '==' && isData(s.a)) {
            let rhs: number | undefined;
            if (!op.x) rhs = k;
            else if (s.x.charCodeAt(0) === 105) rhs = Number(s.x.slice(1)); // 'i'
            else if (isData(s.x)) rhs = pinned(s, dataOff(s.x));
            const off = dataOff(s.a);
            if (rhs !== undefined && pinned(s, off) === undefined) {
              const pins = [...s.pins, [off, rhs] as [number, number]].sort((p, q) => p[0] - q[0]);
              taken = mkState(s.a, s.x, s.mem, pins);
            }
          }
          add(i + 1 + ins.jt, taken);
          add(i + 1 + ins.jf, s);
          break;
        }
        case 'ret':
          break;
      }
    }
    const view: LineView = { reachable: set.size > 0 };
    if (set.size > 0) {
      let a: V | undefined;
      let sameA = true;
      let arch: number | undefined | null = null;
      let sameArch = true;
      let nr: number | undefined | null = null;
      let sameNr = true;
      for (const s of set.values()) {
        if (a === undefined) a = s.a;
        else if (a !== s.a) sameA = false;
        const pa = pinned(s, 4);
        if (arch === null) arch = pa;
        else if (arch !== pa) sameArch = false;
        const pn = pinned(s, 0);
        if (nr === null) nr = pn;
        else if (nr !== pn) sameNr = false;
      }
      if (sameA) view.a = a;
      if (sameArch && arch !== null && arch !== undefined) view.arch = arch;
      if (sameNr && nr !== null && nr !== undefined) view.nr = nr;
    }
    views.push(view);
    sets[i] = new Map(); // free
  }
  return views;
}

const pad4 = (n: number) => n.toString().padStart(4, '0');

/** seccomp-tools' terminal colours. */
const COLOR = { syscall: '\x1b[38;5;120m', arch: '\x1b[38;5;230m', args: '\x1b[38;5;230m', gray: '\x1b[2m', warn: '\x1b[38;5;230m' } as const;
const RESET = '\x1b[0m';

/** seccomp-tools' `colorize`: wraps `s` in a colour; only the first reset inside re-opens it. */
export function stColorize(s: string, kind: keyof typeof COLOR): string {
  return COLOR[kind] + s.replace(RESET, RESET + COLOR[kind]) + RESET;
}
const hex = (n: number) => '0x' + (n >>> 0).toString(16);

/** One instruction's pseudo-code text, given its line view. */
function render(ins: Instruction, line: number, view: LineView, def: StArch, argInfer: boolean, color: boolean): string {
  const paint = (t: string, kind: keyof typeof COLOR) => (color ? stColorize(t, kind) : t);
  const op = stDecodeOp(ins.code) as StOp;
  const k = ins.k >>> 0;
  const inferred = view.arch !== undefined ? stArchOfAudit(view.arch) : undefined;
  const a = inferred ?? def;
  const big = stBigEndian(def);
  const hiWord = (off: number) => (off % 8 === 4) !== big;
  const goto = (off: number) => `goto ${pad4(line + off + 1)}`;
  switch (op.kind) {
    case 'ld': {
      const head = `${op.reg} = `;
      if (op.mode === 'imm') return head + k;
      if (op.mode === 'len') return head + '64';
      if (op.mode === 'mem') return head + `mem[${k}]`;
      if (k === 0) return head + 'sys_number';
      if (k === 4) return head + 'arch';
      if (k === 8 || k === 12) return head + (hiWord(k) ? 'instruction_pointer >> 32' : 'instruction_pointer');
      if (k < 16 || k >= 64 || k % 4 !== 0) return head + 'INVALID';
      const idx = (k - 16) / 4;
      const hi = hiWord(k);
      const arg = idx >> 1;
      const plain = hi ? `args[${arg}] >> 32` : `args[${arg}]`;
      if (!argInfer || view.nr === undefined) return head + plain;
      const sys = stSyscalls(a).byNumber.get(view.nr);
      const params = sys === undefined ? undefined : stSyscallArgs(sys);
      if (!params || params[arg] === undefined) return head + plain;
      const name = a === def ? sys! : `${a}.${sys}`;
      return head + `${paint(params[arg], 'args')}${hi ? ' >> 32' : ''} ${paint(`# ${name}(${params.join(', ')})`, 'gray')}`;
    }
    case 'st':
      return `mem[${k}] = ${op.reg}`;
    case 'neg':
      return 'A = -A';
    case 'alu':
      return `A ${op.op}= ${op.x ? 'X' : op.op === '<<' || op.op === '>>' ? String(k) : hex(k)}`;
    case 'ja':
      return goto(k);
    case 'jcc': {
      if (ins.jt === 0 && ins.jf === 0) return '/* no-op */';
      if (ins.jt === ins.jf) return goto(ins.jt);
      let v: string;
      if (op.x) v = 'X';
      else if (view.a === undefined || !isData(view.a)) v = String(k);
      else {
        const off = dataOff(view.a);
        if (off === 0) {
          const name = op.op === '==' ? stSyscalls(a).byNumber.get(k) : undefined;
          v = paint(name === undefined ? hex(k) : a === def ? name : `${a}.${name}`, 'syscall');
        } else if (off === 4) v = paint(stAuditName(k) ?? hex(k), 'arch');
        else v = hex(k);
      }
      if (ins.jt === 0) {
        if (op.op === '&') return `if (!(A & ${v})) ${goto(ins.jf)}`;
        const neg = op.op === '==' ? '!=' : op.op === '>' ? '<=' : '<';
        return `if (A ${neg} ${v}) ${goto(ins.jf)}`;
      }
      return `if (A ${op.op} ${v}) ${goto(ins.jt)}${ins.jf === 0 ? '' : ` else ${goto(ins.jf)}`}`;
    }
    case 'ret':
      return op.a ? 'return A' : `return ${stActionLabel(k) ?? hex(k)}`;
    case 'tax':
      return 'X = A';
    case 'txa':
      return 'A = X';
  }
}

let lastAnalysis: { program: readonly Instruction[]; views: LineView[] } | undefined;
const decoded = new WeakMap<Uint8Array, Map<StArch, Instruction[]>>();

/** The header of the `--bpf` listing (two lines, with newlines). */
export const ST_HEADER = ' line  CODE  JT   JF      K\n=================================\n';

/** The listing lines (without newlines) of a decoded program. Throws {@link SeccompToolsError} where seccomp-tools raises. */
export function stDisassembleLines(program: readonly Instruction[], options: StDisasmOptions): string[] {
  if (program.length === 0) {
    throw new SeccompToolsError('ST_EMPTY', 'seccomp-tools 1.7.1 crashes on an empty program (NoMethodError)', { crash: true, message: 'empty program: seccomp-tools 1.7.1 crashes on it (NoMethodError)' });
  }
  const bpf = options.bpf ?? true;
  const argInfer = options.argInfer ?? true;
  // The pass does not depend on the display flags; the last program's result is reused (emu and the flag variants ask twice).
  let views: LineView[];
  if (lastAnalysis && lastAnalysis.program === program) views = lastAnalysis.views;
  else {
    views = analyze(program, options.maxStates ?? 2_000_000);
    lastAnalysis = { program, views };
  }
  return program.map((ins, line) => {
    const text = render(ins, line, views[line], options.arch, argInfer, options.color ?? false);
    if (!bpf) return `${pad4(line)}: ${text}`;
    const h2 = (n: number) => n.toString(16).padStart(2, '0');
    return ` ${pad4(line)}: 0x${h2(ins.code)} 0x${h2(ins.jt)} 0x${h2(ins.jf)} 0x${(ins.k >>> 0).toString(16).padStart(8, '0')}  ${text}`;
  });
}

/** `seccomp-tools disasm` output for raw bytes (in the arch's byte order). */
export function stDisassemble(bytes: Uint8Array, options: StDisasmOptions): string {
  let byArch = decoded.get(bytes);
  if (!byArch) decoded.set(bytes, (byArch = new Map()));
  let program = byArch.get(options.arch);
  if (!program) byArch.set(options.arch, (program = stDecode(bytes, options.arch)));
  const lines = stDisassembleLines(program, options);
  return ((options.bpf ?? true) ? ST_HEADER : '') + lines.join('\n') + '\n';
}

/**
 * The filter seccomp-tools 1.7.1's `dump` shows for a strict-mode install:
 * `A = sys_number`, `==` tests of read, write, exit and `sigreturn` (or
 * `rt_sigreturn` where its table has no `sigreturn`) jumping to
 * `return ALLOW`, else `return KILL`; as raw bytes in the arch's byte order.
 */
export function stStrictBytes(arch: StArch): Uint8Array {
  const t = stSyscalls(arch).byName;
  const names = ['read', 'write', 'exit', t.has('sigreturn') ? 'sigreturn' : 'rt_sigreturn'];
  const prog: Instruction[] = [{ code: 0x20, jt: 0, jf: 0, k: 0 }];
  names.forEach((n, i) => prog.push({ code: 0x15, jt: names.length - i, jf: 0, k: t.get(n)! }));
  prog.push({ code: 0x06, jt: 0, jf: 0, k: 0 }, { code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 });
  const out = new Uint8Array(prog.length * 8);
  const view = new DataView(out.buffer);
  const le = !stBigEndian(arch);
  prog.forEach((ins, i) => {
    view.setUint16(i * 8, ins.code, le);
    view.setUint8(i * 8 + 2, ins.jt);
    view.setUint8(i * 8 + 3, ins.jf);
    view.setUint32(i * 8 + 4, ins.k, le);
  });
  return out;
}
