import { describe, expect, it } from 'vitest';
import { BpfError } from '../errors.js';
import * as C from './constants.js';
import { seccompDataWords, type SeccompData } from './data.js';
import type { Instruction } from './instruction.js';
import { runProgram, runWords, traceProgram } from './interpreter.js';
import { compileProgram, MAX_BLOCK_TARGETS, type CompiledMode } from './jit.js';

const s = (code: number, k = 0, jt = 0, jf = 0): Instruction => ({ code, jt, jf, k: k >>> 0 });
const RET_A = s(C.BPF_RET | C.BPF_A);
const ret = (k: number) => s(C.BPF_RET | C.BPF_K, k);
const LD = (k: number) => s(C.BPF_LD | C.BPF_W | C.BPF_ABS, k);
const IMM = (k: number) => s(C.BPF_LD | C.BPF_IMM, k);
const IMMX = (k: number) => s(C.BPF_LDX | C.BPF_IMM, k);
const ALU = (op: number, k: number) => s(C.BPF_ALU | op | C.BPF_K, k);
const ALUX = (op: number) => s(C.BPF_ALU | op | C.BPF_X);
const J = (op: number, k: number, jt: number, jf: number) => s(C.BPF_JMP | op | C.BPF_K, k, jt, jf);
const JX = (op: number, jt: number, jf: number) => s(C.BPF_JMP | op | C.BPF_X, 0, jt, jf);

const AUDIT_ARCH_X86_64 = 0xc000003e;

const DATA: SeccompData = {
  nr: 59,
  arch: AUDIT_ARCH_X86_64,
  ip: 0x7f0012345678n,
  args: [0x1122334455667788n, 0xffffffffn, 0n, 0x8000000000000001n, 42n, 0xfedcba9876543210n],
};

const MODES: CompiledMode[] = ['blocks', 'switch', 'loop'];

/** Runs a program every way there is and checks they agree. */
function runAll(program: Instruction[], data: SeccompData = DATA, endian: 'little' | 'big' = 'little'): number {
  const r = runProgram(program, data, endian);
  const t = traceProgram(program, data, endian);
  expect(t.ok).toBe(true);
  expect(t.action).toBe(r);
  for (const mode of MODES) expect(compileProgram(program, endian, { mode }).run(data), mode).toBe(r);
  return r;
}

const U = 0xffffffff;

/** [name, program, expected return value] — every opcode seccomp accepts, with edge values. */
const opcodeCases: [string, Instruction[], number][] = [
  ['ret #k', [ret(0x7fff0000)], 0x7fff0000],
  ['ret #0xffffffff', [ret(U)], U],
  ['ret a (A starts at 0)', [RET_A], 0],
  ['ld [0] nr', [LD(0), RET_A], 59],
  ['ld [4] arch', [LD(4), RET_A], AUDIT_ARCH_X86_64],
  ['ld [8] ip low (LE)', [LD(8), RET_A], 0x12345678],
  ['ld [12] ip high (LE)', [LD(12), RET_A], 0x7f00],
  ['ld [16] arg0 low (LE)', [LD(16), RET_A], 0x55667788],
  ['ld [20] arg0 high (LE)', [LD(20), RET_A], 0x11223344],
  ['ld [56] arg5 low', [LD(56), RET_A], 0x76543210],
  ['ld [60] arg5 high', [LD(60), RET_A], 0xfedcba98],
  ['ld len', [s(C.BPF_LD | C.BPF_W | C.BPF_LEN), RET_A], 64],
  ['ldx len', [s(C.BPF_LDX | C.BPF_W | C.BPF_LEN), s(C.BPF_MISC | C.BPF_TXA), RET_A], 64],
  ['ld #k', [IMM(U), RET_A], U],
  ['ldx #k, txa', [IMMX(0x80000000), s(C.BPF_MISC | C.BPF_TXA), RET_A], 0x80000000],
  ['tax (X starts at 0)', [s(C.BPF_MISC | C.BPF_TXA), RET_A], 0],
  ['tax', [IMM(7), s(C.BPF_MISC | C.BPF_TAX), IMM(0), s(C.BPF_MISC | C.BPF_TXA), RET_A], 7],
  ['st/ld M[15]', [IMM(9), s(C.BPF_ST, 15), IMM(0), s(C.BPF_LD | C.BPF_MEM, 15), RET_A], 9],
  ['stx/ldx M[0]', [IMMX(11), s(C.BPF_STX, 0), IMMX(0), s(C.BPF_LDX | C.BPF_MEM, 0), s(C.BPF_MISC | C.BPF_TXA), RET_A], 11],
  ['add wraps', [IMM(U), ALU(C.BPF_ADD, 2), RET_A], 1],
  ['add x', [IMM(5), IMMX(U), ALUX(C.BPF_ADD), RET_A], 4],
  ['sub wraps', [IMM(1), ALU(C.BPF_SUB, 2), RET_A], U],
  ['sub x', [IMM(10), IMMX(3), ALUX(C.BPF_SUB), RET_A], 7],
  ['mul wraps (no float rounding)', [IMM(0xfffffffb), ALU(C.BPF_MUL, 0xfffffff9), RET_A], 35],
  ['mul x', [IMM(0x10001), IMMX(0x10001), ALUX(C.BPF_MUL), RET_A], 0x20001],
  ['div unsigned', [IMM(U), ALU(C.BPF_DIV, 2), RET_A], 0x7fffffff],
  ['div by larger', [IMM(5), ALU(C.BPF_DIV, U), RET_A], 0],
  ['div exact boundary', [IMM(0xfffffffe), ALU(C.BPF_DIV, 0xffffffff), RET_A], 0],
  ['div x', [IMM(100), IMMX(7), ALUX(C.BPF_DIV), RET_A], 14],
  ['div x = 0 returns 0 (KILL_THREAD)', [IMM(100), IMMX(0), ALUX(C.BPF_DIV), ret(0x7fff0000)], 0],
  ['and', [IMM(0xf0f0f0f0), ALU(C.BPF_AND, 0x8000ffff), RET_A], 0x8000f0f0],
  ['and x', [IMM(0xf0f0f0f0), IMMX(0xff), ALUX(C.BPF_AND), RET_A], 0xf0],
  ['or', [IMM(0x80000000), ALU(C.BPF_OR, 1), RET_A], 0x80000001],
  ['or x', [IMM(0x1), IMMX(0x80000000), ALUX(C.BPF_OR), RET_A], 0x80000001],
  ['xor', [IMM(U), ALU(C.BPF_XOR, 0x0f0f0f0f), RET_A], 0xf0f0f0f0],
  ['xor x', [IMM(3), IMMX(5), ALUX(C.BPF_XOR), RET_A], 6],
  ['lsh', [IMM(3), ALU(C.BPF_LSH, 31), RET_A], 0x80000000],
  ['lsh x', [IMM(3), IMMX(4), ALUX(C.BPF_LSH), RET_A], 48],
  ['lsh x uses X mod 32', [IMM(3), IMMX(33), ALUX(C.BPF_LSH), RET_A], 6],
  ['rsh is logical', [IMM(0x80000000), ALU(C.BPF_RSH, 31), RET_A], 1],
  ['rsh x', [IMM(0x80000000), IMMX(4), ALUX(C.BPF_RSH), RET_A], 0x08000000],
  ['rsh x uses X mod 32', [IMM(0x80000000), IMMX(32), ALUX(C.BPF_RSH), RET_A], 0x80000000],
  ['neg', [IMM(1), s(C.BPF_ALU | C.BPF_NEG), RET_A], U],
  ['neg 0', [s(C.BPF_ALU | C.BPF_NEG), RET_A], 0],
  ['neg 0x80000000', [IMM(0x80000000), s(C.BPF_ALU | C.BPF_NEG), RET_A], 0x80000000],
  ['ja', [s(C.BPF_JMP | C.BPF_JA, 1), ret(1), ret(2)], 2],
  ['ja 0', [s(C.BPF_JMP | C.BPF_JA, 0), ret(1), ret(2)], 1],
  ['jeq true', [LD(0), J(C.BPF_JEQ, 59, 0, 1), ret(1), ret(2)], 1],
  ['jeq false', [LD(0), J(C.BPF_JEQ, 60, 0, 1), ret(1), ret(2)], 2],
  ['jeq unsigned k', [IMM(U), J(C.BPF_JEQ, U, 1, 0), ret(1), ret(2)], 2],
  ['jgt unsigned', [IMM(0x80000000), J(C.BPF_JGT, 1, 1, 0), ret(1), ret(2)], 2],
  ['jgt equal is false', [IMM(5), J(C.BPF_JGT, 5, 1, 0), ret(1), ret(2)], 1],
  ['jge equal is true', [IMM(5), J(C.BPF_JGE, 5, 1, 0), ret(1), ret(2)], 2],
  ['jge unsigned', [IMM(1), J(C.BPF_JGE, 0x80000000, 1, 0), ret(1), ret(2)], 1],
  ['jset true', [IMM(0x80000001), J(C.BPF_JSET, 0x80000000, 1, 0), ret(1), ret(2)], 2],
  ['jset false', [IMM(0x80000001), J(C.BPF_JSET, 2, 1, 0), ret(1), ret(2)], 1],
  ['jeq x', [IMM(7), IMMX(7), JX(C.BPF_JEQ, 1, 0), ret(1), ret(2)], 2],
  ['jgt x unsigned', [IMM(U), IMMX(1), JX(C.BPF_JGT, 1, 0), ret(1), ret(2)], 2],
  ['jge x', [IMM(1), IMMX(2), JX(C.BPF_JGE, 1, 0), ret(1), ret(2)], 1],
  ['jset x', [IMM(6), IMMX(4), JX(C.BPF_JSET, 1, 0), ret(1), ret(2)], 2],
  ['jt = jf', [J(C.BPF_JEQ, 0, 1, 1), ret(1), ret(2)], 2],
  ['long jump (jt 255)', [J(C.BPF_JEQ, 0, 255, 0), ...Array.from({ length: 255 }, () => ret(1)), ret(2)], 2],
  ['long ja', [s(C.BPF_JMP | C.BPF_JA, 3000), ...Array.from({ length: 3000 }, () => ret(1)), ret(2)], 2],
];

describe('interpreter: every opcode', () => {
  it.each(opcodeCases)('%s', (_name, program, expected) => {
    expect(runAll(program)).toBe(expected >>> 0);
  });

  it('big-endian arches put the high word of a 64-bit field first', () => {
    expect(runAll([LD(16), RET_A], DATA, 'big')).toBe(0x11223344);
    expect(runAll([LD(20), RET_A], DATA, 'big')).toBe(0x55667788);
    expect(runAll([LD(8), RET_A], DATA, 'big')).toBe(0x7f00);
  });

  it('runWords takes the sixteen words directly', () => {
    const words = seccompDataWords(DATA);
    expect(runWords([LD(36), RET_A], words)).toBe(0);
    expect(runWords([LD(52), RET_A], words)).toBe(0);
    expect(compileProgram([LD(48), RET_A])(words)).toBe(42);
  });
});

describe('traceProgram', () => {
  it('records path, registers, jump outcomes and reads', () => {
    const program = [LD(4), J(C.BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0), ret(0), LD(0), s(C.BPF_MISC | C.BPF_TAX), J(C.BPF_JGT, 100, 0, 1), ret(1), LD(16), RET_A];
    const t = traceProgram(program, DATA);
    expect(t).toMatchObject({
      ok: true,
      action: 0x55667788,
      returnPc: 8,
      path: [0, 1, 3, 4, 5, 7, 8],
      steps: 7,
      a: [AUDIT_ARCH_X86_64, AUDIT_ARCH_X86_64, 59, 59, 59, 0x55667788, 0x55667788],
      x: [0, 0, 0, 59, 59, 59, 59],
      reads: [4, 0, 16],
      readMask: 0b10011,
      divByZero: false,
    });
    expect(t.taken).toEqual([undefined, true, undefined, undefined, false, undefined, undefined]);
  });

  it('reports division by X = 0 as the end of the run', () => {
    const t = traceProgram([IMMX(0), ALUX(C.BPF_DIV), ret(5)], DATA);
    expect(t).toMatchObject({ ok: true, action: 0, returnPc: 1, divByZero: true, path: [0, 1] });
  });

  it('records scratch memory', () => {
    const t = traceProgram([IMM(4), s(C.BPF_ST, 3), ret(0)], DATA);
    expect(t.mem[3]).toBe(4);
    expect(t.mem[0]).toBeUndefined();
  });

  /** Invalid programs: never throws, never hangs, names the fault. */
  const faults: [string, Instruction[], number, string][] = [
    ['unknown opcode', [s(0xff), ret(0)], 0, 'BPF_BAD_OPCODE'],
    ['mod', [ALU(C.BPF_MOD, 3), ret(0)], 0, 'BPF_BAD_OPCODE'],
    ['ldh', [s(C.BPF_LD | C.BPF_H | C.BPF_ABS), ret(0)], 0, 'BPF_BAD_OPCODE'],
    ['ret x', [s(C.BPF_RET | C.BPF_X)], 0, 'BPF_BAD_OPCODE'],
    ['jump op 0x50', [s(C.BPF_JMP | 0x50), ret(0)], 0, 'BPF_BAD_OPCODE'],
    ['ld [64]', [LD(64), ret(0)], 0, 'BPF_BAD_LOAD'],
    ['ld [6]', [LD(6), ret(0)], 0, 'BPF_BAD_LOAD'],
    ['M[16]', [s(C.BPF_ST, 16), ret(0)], 0, 'BPF_MEM_INDEX'],
    ['unwritten M[2]', [IMM(1), s(C.BPF_LDX | C.BPF_MEM, 2), ret(0)], 1, 'BPF_MEM_UNINIT'],
    ['div #0', [ALU(C.BPF_DIV, 0), ret(0)], 0, 'BPF_DIV_ZERO'],
    ['lsh #32', [ALU(C.BPF_LSH, 32), ret(0)], 0, 'BPF_SHIFT_RANGE'],
    ['falls off the end', [IMM(1)], 1, 'BPF_NO_RET'],
    ['empty', [], 0, 'BPF_NO_RET'],
    ['ja past the end', [s(C.BPF_JMP | C.BPF_JA, 0xffffffff), ret(0)], 0x100000000, 'BPF_NO_RET'],
    ['jt past the end', [J(C.BPF_JEQ, 0, 200, 200), ret(0)], 201, 'BPF_NO_RET'],
    ['negative jt', [{ code: C.BPF_JMP | C.BPF_JEQ | C.BPF_K, jt: -1, jf: -1, k: 0 }, ret(0)], 0, 'BPF_BAD_ENCODING'],
    ['NaN k', [{ code: C.BPF_RET | C.BPF_K, jt: 0, jf: 0, k: NaN }], 0, 'BPF_BAD_ENCODING'],
    ['not an object', [null as unknown as Instruction], 0, 'BPF_BAD_ENCODING'],
  ];
  it.each(faults)('invalid program: %s', (_name, program, pc, code) => {
    const t = traceProgram(program, DATA);
    expect(t.ok).toBe(false);
    expect(t.action).toBeUndefined();
    expect(t.error).toMatchObject({ pc, code });
    expect(t.error?.message.length).toBeGreaterThan(5);
  });

  it('runProgram throws a runtime BpfError instead of hanging on invalid input', () => {
    expect(() => runProgram([s(0xff), ret(0)], DATA)).toThrow(BpfError);
    expect(() => runProgram([IMM(1)], DATA)).toThrow(/ran past the last instruction/);
    expect(() => runProgram([{ code: C.BPF_JMP | C.BPF_JA, jt: 0, jf: 0, k: -1 }, ret(0)], DATA)).toThrow(BpfError);
  });
});

describe('compileProgram', () => {
  it('rejects a program the kernel would reject', () => {
    expect(() => compileProgram([LD(64), ret(0)])).toThrow(expect.objectContaining({ code: 'BPF_BAD_LOAD' }));
  });

  it('picks blocks by default and exposes the mode and source', () => {
    const c = compileProgram([LD(0), J(C.BPF_JEQ, 59, 0, 1), ret(1), ret(2)]);
    expect(c.mode).toBe('blocks');
    expect(c.endian).toBe('little');
    expect(c.source).toContain('if (a === 59) { return 1; }');
    expect(c.run(DATA)).toBe(1);
    const labelled = compileProgram([LD(0), J(C.BPF_JGT, 59, 2, 1), LD(4), ret(1), RET_A]);
    expect(labelled.source).toContain('break L4;');
    expect(labelled.run(DATA)).toBe(1);
    expect(labelled.source).toContain('break L3;');
    expect(compileProgram([ret(1)], 'big', { mode: 'loop' }).source).toBeUndefined();
  });

  it('guards short skipped runs with if, unless something else jumps into them', () => {
    const guarded = [LD(0), J(C.BPF_JEQ, 59, 2, 0), ALU(C.BPF_ADD, 1), ALU(C.BPF_MUL, 3), RET_A];
    const c = compileProgram(guarded);
    expect(c.source).toContain('if (!(a === 59)) { a = (a + 1) >>> 0; a = Math.imul(a, 3) >>> 0; }');
    expect(c.run(DATA)).toBe(59);
    expect(c.run({ ...DATA, nr: 1 })).toBe(6);
    const entered = [LD(0), J(C.BPF_JEQ, 1, 2, 0), J(C.BPF_JEQ, 59, 2, 0), ALU(C.BPF_ADD, 1), ALU(C.BPF_ADD, 1), RET_A];
    const e = compileProgram(entered);
    expect(e.source).toContain('break L4;');
    expect(e.source).toContain('break L5;');
    for (const nr of [59, 1, 2]) expect(e.run({ ...DATA, nr })).toBe(runProgram(entered, { ...DATA, nr }));
  });

  it('switches to the switch strategy above the nesting limit', () => {
    // 1500 distinct jump targets
    const n = 1500;
    const program: Instruction[] = [];
    for (let i = 0; i < n; i++) program.push(J(C.BPF_JEQ, i, 0, 0), s(C.BPF_JMP | C.BPF_JA, 0));
    for (let i = 0; i < program.length; i += 2) program[i] = { ...program[i], jf: 1 };
    program.push(RET_A);
    const c = compileProgram(program);
    expect(c.mode).toBe('switch');
    expect(c.run(DATA)).toBe(0);
  });

  it('degrades from blocks to switch when the parser cannot nest that deep', () => {
    const program: Instruction[] = [LD(0)];
    for (let i = 0; i < C.BPF_MAXINSNS - 3; i++) program.push(J(C.BPF_JEQ, i, 0, 1));
    program.push(ret(1), RET_A);
    const c = compileProgram(program, 'little', { mode: 'blocks' });
    expect(c.mode).toBe('switch'); // 4093 nested labelled blocks overflow V8's parser
    for (const nr of [0, 1, 4093, 4094]) expect(c.run({ ...DATA, nr })).toBe(runProgram(program, { ...DATA, nr }));
  });

  it('nests up to MAX_BLOCK_TARGETS labels in a 4096-instruction program', () => {
    const program: Instruction[] = [LD(0)];
    for (let i = 0; i < MAX_BLOCK_TARGETS; i++) program.push(J(C.BPF_JEQ, i, 0, 1), s(C.BPF_JMP | C.BPF_JA, 0));
    while (program.length < C.BPF_MAXINSNS - 1) program.push(ALU(C.BPF_ADD, 1));
    program.push(RET_A);
    const c = compileProgram(program);
    expect(c.mode).toBe('blocks');
    for (const nr of [0, 59, 999, 5000]) expect(c.run({ ...DATA, nr })).toBe(runProgram(program, { ...DATA, nr }));
  });

  it('falls back to the loop interpreter without code generation', async () => {
    const { setCodegenAvailableForTesting, isCodegenAvailable } = await import('./jit.js');
    expect(isCodegenAvailable()).toBe(true);
    setCodegenAvailableForTesting(false);
    try {
      const c = compileProgram([LD(0), RET_A]);
      expect(c.mode).toBe('loop');
      expect(c.run(DATA)).toBe(59);
      expect(() => compileProgram([ret(0)], 'little', { mode: 'function' })).toThrow(/not available/);
    } finally {
      setCodegenAvailableForTesting(undefined);
    }
  });
});
