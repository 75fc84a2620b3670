/**
 * `emu --compat seccomp-tools`: seccomp-tools 1.7.1's emulator output, byte
 * for byte, on every run it completes.
 *
 * Instructions are read the way seccomp-tools reads them (see
 * {@link stDecodeOp}); the arithmetic and comparisons are syswall's
 * interpreter's ({@link aluOp}, {@link jumpTest}), which match seccomp-tools
 * everywhere the kernel defines a result. Where seccomp-tools disagrees with
 * the kernel this keeps the kernel: a shift by X uses the low 5 bits of X
 * (seccomp-tools shifts by all of it and gets 0, or runs out of memory for a
 * large X), and a shift by a constant of 32 or more is refused (the kernel
 * does not load such a filter; seccomp-tools computes 0). Reading a scratch
 * slot never written is refused too (the kernel does not load such a
 * filter; seccomp-tools then hangs or crashes).
 *
 * Like seccomp-tools, a seccomp_data field that was not given (the syscall
 * number, an argument, the instruction pointer) is an error when the filter
 * loads it: `Undefined Variable` naming the line.
 */
import * as C from '../constants.js';
import type { Instruction } from '../instruction.js';
import { aluOp, jumpTest } from '../interpreter.js';
import { stColorize, stDecode, stDecodeOp, stDisassembleLines, stEmuLabel, ST_HEADER } from './disasm.js';
import { SeccompToolsError } from './errors.js';
import { stAudit, stBigEndian, type StArch } from './tables.js';

export interface StEmuInput {
  arch: StArch;
  /** The syscall number; undefined when not given (loading it is then an error). */
  nr?: bigint;
  /** Arguments given (any Ruby integer; only the low 64 bits matter). */
  args: readonly bigint[];
  /** Instruction pointer; undefined when not given. */
  ip?: bigint;
}

export interface StEmuResult {
  /** The 32-bit return value (`true` where seccomp-tools ends up returning Ruby's `true`, see below). */
  ret: number | true;
  /** The line that returned. */
  pc: number;
}

const ALU_CODE: Record<string, number> = { '+': C.BPF_ADD, '-': C.BPF_SUB, '*': C.BPF_MUL, '/': C.BPF_DIV, '|': C.BPF_OR, '&': C.BPF_AND, '<<': C.BPF_LSH, '>>': C.BPF_RSH, '^': C.BPF_XOR };
const JMP_CODE: Record<string, number> = { '==': C.BPF_JEQ, '>': C.BPF_JGT, '>=': C.BPF_JGE, '&': C.BPF_JSET };

/**
 * A register or slot value as seccomp-tools holds it. A scratch slot never
 * written reads as Ruby's nil, which seccomp-tools' masking turns into
 * `false`; Ruby's boolean operators can turn that into `true`. Filters that
 * do this are refused by the kernel, but seccomp-tools still prints a result
 * for many of them, which this reproduces.
 */
type RV = number | boolean;
const truthy = (v: RV) => v !== false;

/** Runs a program as `seccomp-tools emu` does. Throws {@link SeccompToolsError} where it raises. */
export function stRun(program: readonly Instruction[], input: StEmuInput): StEmuResult {
  const big = stBigEndian(input.arch);
  const mem: (RV | undefined)[] = new Array(16).fill(undefined);
  let a: RV = 0;
  let x: RV = 0;
  let pc = 0;
  const undef = (line: number, what: string): never => {
    const text = stDisassembleLines([program[line]], { arch: input.arch, bpf: false })[0].slice(6);
    throw new SeccompToolsError('ST_UNDEFINED', `Undefined Variable\n\t${line.toString().padStart(4, '0')}: ${text} <- \`${what}\` is undefined`, { kind: 'input', location: { pc: line } });
  };
  const rubyCrash = (what: string): never => {
    throw new SeccompToolsError('ST_CRASH', `seccomp-tools 1.7.1 crashes at line ${pc} (${what}): the filter reads a scratch slot that was never written, which the kernel refuses`, { crash: true, location: { pc } });
  };
  const word = (v: bigint, index: number) => {
    const hi = (index % 2 === 1) !== big;
    return Number((v >> (hi ? 32n : 0n)) & 0xffffffffn);
  };
  const data = (k: number, line: number): number => {
    if (k % 4 !== 0 || k > 63) throw new SeccompToolsError('ST_INDEX', `Invalid index: ${k}`, { location: { pc: line } });
    const index = k / 4;
    if (index === 0) return input.nr === undefined ? undef(line, 'sys_number') : Number(BigInt.asUintN(32, input.nr));
    if (index === 1) return stAudit(input.arch);
    if (index === 2 || index === 3) return input.ip === undefined ? undef(line, 'instruction_pointer') : word(input.ip, index);
    const arg = (index - 4) >> 1;
    const v = input.args[arg];
    return v === undefined ? undef(line, `args[${arg}]`) : word(v, index);
  };
  for (;;) {
    const ins = program[pc];
    if (!ins) {
      throw new SeccompToolsError('ST_CRASH', `execution ran past the last instruction (line ${pc}); seccomp-tools 1.7.1 crashes here (NoMethodError)`, { crash: true, location: { pc } });
    }
    const op = stDecodeOp(ins.code);
    if ('invalid' in op) throw new SeccompToolsError('ST_INVALID', `Line ${pc} is invalid: ${op.invalid}`, { location: { pc } });
    const k = ins.k >>> 0;
    switch (op.kind) {
      case 'ret': {
        const v = op.a ? a : k;
        if (v === false) {
          throw new SeccompToolsError('ST_HANG', `seccomp-tools 1.7.1 never finishes here (line ${pc} returns a value read from a scratch slot that was never written; the kernel refuses such a filter)`, { crash: true, location: { pc } });
        }
        return { ret: v, pc };
      }
      case 'ld': {
        let v: RV;
        if (op.mode === 'imm') v = k;
        else if (op.mode === 'len') v = 64;
        else if (op.mode === 'abs') v = data(k, pc);
        else v = mem[k] ?? false;
        if (op.reg === 'A') a = v;
        else x = v;
        pc++;
        break;
      }
      case 'st':
        if (k > 15) throw new SeccompToolsError('ST_INDEX', `Expect 0 <= index < 16, got: ${k}`, { location: { pc } });
        mem[k] = op.reg === 'A' ? a : x;
        pc++;
        break;
      case 'ja':
        pc += k + 1;
        break;
      case 'jcc': {
        const sv: RV = op.x ? x : k;
        let r: boolean;
        if (typeof a === 'number' && typeof sv === 'number') r = jumpTest(JMP_CODE[op.op], a, sv)!;
        else if (op.op === '==') r = a === sv;
        else if (op.op === '&' && typeof a === 'boolean') r = a && truthy(sv);
        else if (typeof a === 'number' && op.op !== '&') throw new SeccompToolsError('ST_COMPARE', `comparison of Integer with ${sv} failed`, { location: { pc } });
        else return rubyCrash(op.op === '&' ? 'TypeError' : 'NoMethodError');
        pc += (r ? ins.jt : ins.jf) + 1;
        break;
      }
      case 'neg':
        if (typeof a !== 'number') return rubyCrash('TypeError');
        a = (0 - a) >>> 0;
        pc++;
        break;
      case 'alu': {
        const v: RV = op.x ? x : k;
        if (op.op === '/' && typeof v !== 'number') return rubyCrash('NoMethodError');
        if (op.op === '/' && v === 0) return { ret: 0, pc }; // SECCOMP_RET_KILL_THREAD, as the kernel
        if (typeof a === 'number') {
          if (typeof v !== 'number') return rubyCrash('TypeError');
          if ((op.op === '<<' || op.op === '>>') && !op.x && k >= 32) {
            throw new SeccompToolsError('ST_SHIFT', `line ${pc} shifts by ${k}: the kernel refuses a filter that shifts by a constant of 32 or more (seccomp-tools 1.7.1 computes 0)`, { crash: true, location: { pc } });
          }
          a = aluOp(ALU_CODE[op.op], a, v)!;
        } else if (op.op === '&') a = a && truthy(v);
        else if (op.op === '|') a = a || truthy(v);
        else if (op.op === '^') a = a !== truthy(v);
        else return rubyCrash('NoMethodError');
        pc++;
        break;
      }
      case 'tax':
        x = a;
        pc++;
        break;
      case 'txa':
        a = x;
        pc++;
        break;
    }
  }
}

/** The result line: `return ALLOW at line 0009`. */
export function stEmuResultLine(r: StEmuResult): string {
  return `return ${r.ret === true ? '' : stEmuLabel(r.ret)} at line ${r.pc.toString().padStart(4, '0')}\n`;
}

/**
 * What `seccomp-tools emu` prints: with `quiet` the result line; otherwise
 * the disassembly (lines from 6 past the returning line replaced by
 * `... (omitting N lines)` when more than 3 remain), a blank line and the
 * result line.
 */
export function stEmulate(bytes: Uint8Array, input: StEmuInput, quiet = false, color = false): string {
  const program = stDecode(bytes, input.arch);
  const r = stRun(program, input);
  const tail = stEmuResultLine(r);
  if (quiet) return tail;
  const lines = stDisassembleLines(program, { arch: input.arch, color });
  // seccomp-tools meant to dim the lines that did not run, but 1.7.1 dims every one (its trace is never filled).
  const dim = (t: string) => (color ? stColorize(t, 'gray') : t);
  let out = ST_HEADER;
  for (let idx = 0; idx < lines.length; idx++) {
    out += dim(lines[idx] + '\n');
    const rem = lines.length - idx - 1;
    if (rem > 3 && idx > r.pc + 4) {
      out += dim(`... (omitting ${rem} lines)\n`);
      break;
    }
  }
  return out + '\n' + tail;
}

/** Ruby's Integer(): decimal, 0x/0b/0o/0d prefixes, a leading 0 for octal, `_` between digits, a sign, surrounding blanks. */
export function rubyInteger(text: string): bigint {
  const m = /^[\t\n\v\f\r ]*([-+]?)(0[xX](?:[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)|0[bB](?:[01]+(?:_[01]+)*)|0[oO_]?(?:[0-7]+(?:_[0-7]+)*)|0[dD](?:\d+(?:_\d+)*)|\d+(?:_\d+)*)[\t\n\v\f\r ]*$/.exec(text);
  if (!m) throw new SeccompToolsError('ST_INTEGER', `invalid value for Integer(): ${JSON.stringify(text)}`);
  const body = m[2].replace(/_/g, '');
  let v: bigint;
  if (/^0[xX]/.test(body)) v = BigInt(body);
  else if (/^0[bB]/.test(body)) v = BigInt(body);
  else if (/^0[dD]/.test(body)) v = BigInt(body.slice(2));
  else if (/^0[oO]/.test(body)) v = BigInt('0o' + body.slice(2));
  else if (body.length > 1 && body.startsWith('0')) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  return m[1] === '-' ? -v : v;
}

/** OptionParser's Integer acceptor (used for `--ip`): a narrower syntax than Integer(). */
export function optparseInteger(text: string, flag: string): bigint {
  if (!/^[-+]?(?:0(?:[0-7]+(?:_[0-7]+)*|b[01]+(?:_[01]+)*|x[\da-f]+(?:_[\da-f]+)*)?|\d+(?:_\d+)*)$/i.test(text)) {
    throw new SeccompToolsError('ST_OPTION', `invalid argument: ${flag} ${text}`);
  }
  return rubyInteger(text);
}
