import { describe, expect, it } from 'vitest';
import { BpfError } from '../errors.js';
import * as C from './constants.js';
import type { Instruction } from './instruction.js';
import { assertValidProgram, BPF_RULE_CODES, isSeccompOpcode, validateProgram, type BpfRule } from './validate.js';

const s = (code: number, k = 0, jt = 0, jf = 0): Instruction => ({ code, jt, jf, k: k >>> 0 });
const RET = s(C.BPF_RET | C.BPF_K, C.SECCOMP_RET_ALLOW);
const RET_A = s(C.BPF_RET | C.BPF_A);
const LD = (k: number) => s(C.BPF_LD | C.BPF_W | C.BPF_ABS, k);
const JEQ = (k: number, jt: number, jf: number) => s(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, k, jt, jf);
const JA = (k: number) => s(C.BPF_JMP | C.BPF_JA, k);
const ALU = (op: number, k = 0, x = false) => s(C.BPF_ALU | op | (x ? C.BPF_X : C.BPF_K), k);

/** [name, program, expected issues as [pc, rule]] */
const cases: [string, Instruction[], [number | undefined, BpfRule][]][] = [
  ['single ret', [RET], []],
  ['ret a', [RET_A], []],
  ['empty program', [], [[undefined, 'length']]],
  ['4096 instructions', Array.from({ length: 4096 }, () => RET), []],
  ['4097 instructions', Array.from({ length: 4097 }, () => RET), [[4096, 'length']]],
  // loads
  ['ld [0] nr', [LD(0), RET], []],
  ['ld [60] last arg word', [LD(60), RET], []],
  ['ld [8] ip', [LD(8), RET], []],
  ['ld [64] past seccomp_data', [LD(64), RET], [[0, 'load-offset']]],
  ['ld [2] unaligned', [LD(2), RET], [[0, 'load-offset']]],
  ['ld [61] unaligned', [LD(61), RET], [[0, 'load-offset']]],
  ['ld [0xfffff000] ancillary', [LD(0xfffff000), RET], [[0, 'load-offset']]],
  ['ld len / ldx len', [s(C.BPF_LD | C.BPF_W | C.BPF_LEN), s(C.BPF_LDX | C.BPF_W | C.BPF_LEN), RET], []],
  ['ld/ldx #k', [s(C.BPF_LD | C.BPF_IMM, 7), s(C.BPF_LDX | C.BPF_IMM, 0xffffffff), RET], []],
  ['ldh [0]', [s(C.BPF_LD | C.BPF_H | C.BPF_ABS), RET], [[0, 'opcode']]],
  ['ldb [0]', [s(C.BPF_LD | C.BPF_B | C.BPF_ABS), RET], [[0, 'opcode']]],
  ['ld [x+0]', [s(C.BPF_LD | C.BPF_W | C.BPF_IND), RET], [[0, 'opcode']]],
  ['ldh [x+0]', [s(C.BPF_LD | C.BPF_H | C.BPF_IND), RET], [[0, 'opcode']]],
  ['ldb [x+0]', [s(C.BPF_LD | C.BPF_B | C.BPF_IND), RET], [[0, 'opcode']]],
  ['ldx msh', [s(C.BPF_LDX | C.BPF_B | C.BPF_MSH), RET], [[0, 'opcode']]],
  ['ldx [k] (no such classic op)', [s(C.BPF_LDX | C.BPF_W | C.BPF_ABS), RET], [[0, 'opcode']]],
  // ALU
  ...[C.BPF_ADD, C.BPF_SUB, C.BPF_MUL, C.BPF_AND, C.BPF_OR, C.BPF_XOR].flatMap((op): [string, Instruction[], [number | undefined, BpfRule][]][] => [
    [`alu 0x${op.toString(16)} k`, [ALU(op, 0xffffffff), RET], []],
    [`alu 0x${op.toString(16)} x`, [ALU(op, 0, true), RET], []],
  ]),
  ['neg', [s(C.BPF_ALU | C.BPF_NEG), RET], []],
  ['neg|x is not an opcode', [s(C.BPF_ALU | C.BPF_NEG | C.BPF_X), RET], [[0, 'opcode']]],
  ['div #1', [ALU(C.BPF_DIV, 1), RET], []],
  ['div #0', [ALU(C.BPF_DIV, 0), RET], [[0, 'div-by-zero']]],
  ['div x (X may be 0: allowed)', [ALU(C.BPF_DIV, 0, true), RET], []],
  ['mod #3', [ALU(C.BPF_MOD, 3), RET], [[0, 'opcode']]],
  ['mod x', [ALU(C.BPF_MOD, 0, true), RET], [[0, 'opcode']]],
  ['lsh #31', [ALU(C.BPF_LSH, 31), RET], []],
  ['lsh #32', [ALU(C.BPF_LSH, 32), RET], [[0, 'shift-range']]],
  ['rsh #31', [ALU(C.BPF_RSH, 31), RET], []],
  ['rsh #0xffffffff', [ALU(C.BPF_RSH, 0xffffffff), RET], [[0, 'shift-range']]],
  ['lsh x (any X allowed)', [ALU(C.BPF_LSH, 99, true), RET], []],
  // misc
  ['tax / txa', [s(C.BPF_MISC | C.BPF_TAX), s(C.BPF_MISC | C.BPF_TXA), RET], []],
  ['misc 0x0f', [s(0x0f), RET], [[0, 'opcode']]],
  // returns
  ['ret x', [s(C.BPF_RET | C.BPF_X)], [[0, 'opcode'], [0, 'last-not-ret']]],
  ['last not ret', [RET, LD(0)], [[1, 'last-not-ret']]],
  ['unknown opcode 0xff', [s(0xff), RET], [[0, 'opcode']]],
  ['code above 0xff', [s(0x106)], [[0, 'opcode'], [0, 'last-not-ret']]],
  // jumps
  ['ja 0', [JA(0), RET], []],
  ['ja 1 to the last ret', [JA(1), LD(0), RET], []],
  ['ja past the end', [JA(1), RET], [[0, 'jump-range']]],
  ['ja 0xffffffff', [JA(0xffffffff), RET], [[0, 'jump-range']]],
  ['jeq in range', [JEQ(1, 1, 0), RET, RET], []],
  ['jeq jt past the end', [JEQ(1, 1, 0), RET], [[0, 'jump-range']]],
  ['jeq jf past the end', [JEQ(1, 0, 1), RET], [[0, 'jump-range']]],
  ['jeq both past the end', [JEQ(1, 5, 6), RET], [[0, 'jump-range'], [0, 'jump-range']]],
  ['jeq as the last instruction', [RET, JEQ(1, 0, 0)], [[1, 'jump-range'], [1, 'jump-range'], [1, 'last-not-ret']]],
  ...[C.BPF_JGT, C.BPF_JGE, C.BPF_JSET].flatMap((op): [string, Instruction[], [number | undefined, BpfRule][]][] => [
    [`jmp 0x${op.toString(16)} k`, [s(C.BPF_JMP | op | C.BPF_K, 3, 1, 0), RET, RET], []],
    [`jmp 0x${op.toString(16)} x`, [s(C.BPF_JMP | op | C.BPF_X, 0, 0, 1), RET, RET], []],
  ]),
  ['ja|x is not an opcode', [s(C.BPF_JMP | C.BPF_JA | C.BPF_X), RET], [[0, 'opcode']]],
  ['jump op 0x50', [s(C.BPF_JMP | 0x50), RET], [[0, 'opcode']]],
  // scratch memory
  ['st then ld', [s(C.BPF_ST, 15), s(C.BPF_LD | C.BPF_MEM, 15), RET], []],
  ['stx then ldx', [s(C.BPF_STX, 0), s(C.BPF_LDX | C.BPF_MEM, 0), RET], []],
  ['st M[16]', [s(C.BPF_ST, 16), RET], [[0, 'mem-index']]],
  ['ld M[16]', [s(C.BPF_LD | C.BPF_MEM, 16), RET], [[0, 'mem-index']]],
  ['ldx M[0] unwritten', [s(C.BPF_LDX | C.BPF_MEM, 0), RET], [[0, 'mem-uninit']]],
  ['ld M[1] after st M[0]', [s(C.BPF_ST, 0), s(C.BPF_LD | C.BPF_MEM, 1), RET], [[1, 'mem-uninit']]],
  ['written on one branch only', [JEQ(0, 0, 1), s(C.BPF_ST, 2), s(C.BPF_LD | C.BPF_MEM, 2), RET], [[2, 'mem-uninit']]],
  ['written on both branches', [JEQ(0, 0, 2), s(C.BPF_ST, 2), JA(1), s(C.BPF_STX, 2), s(C.BPF_LD | C.BPF_MEM, 2), RET], []],
  ['written before the branch', [s(C.BPF_ST, 2), JEQ(0, 0, 1), s(C.BPF_ST, 3), s(C.BPF_LD | C.BPF_MEM, 2), RET], []],
  ['kernel quirk: ret does not reset knowledge', [s(C.BPF_ST, 3), RET, s(C.BPF_LD | C.BPF_MEM, 3), RET], []],
  ['kernel quirk: unreachable read after ret', [RET, s(C.BPF_LD | C.BPF_MEM, 3), RET], [[1, 'mem-uninit']]],
  ['kernel quirk: unreachable read after ja', [JA(1), s(C.BPF_LD | C.BPF_MEM, 3), RET], []],
  // encoding
  ['jt 256', [JEQ(0, 256, 0), RET], [[0, 'encoding']]],
  ['negative k', [{ code: C.BPF_RET | C.BPF_K, jt: 0, jf: 0, k: -1 }], [[0, 'encoding']]],
  ['fractional k', [s(C.BPF_LD | C.BPF_IMM), { code: C.BPF_RET | C.BPF_K, jt: 0, jf: 0, k: 1.5 }], [[1, 'encoding']]],
  ['code 0x10000', [{ code: 0x10006, jt: 0, jf: 0, k: 0 }], [[0, 'encoding'], [0, 'last-not-ret']]],
];

describe('validateProgram', () => {
  it.each(cases)('%s', (_name, program, expected) => {
    const issues = validateProgram(program);
    expect(issues.map((i) => [i.pc, i.rule])).toEqual(expected);
    for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
  });

  it('reports every issue, not just the first', () => {
    const issues = validateProgram([LD(3), ALU(C.BPF_DIV, 0), s(C.BPF_LD | C.BPF_MEM, 4), JA(9)]);
    expect(issues.map((i) => [i.pc, i.rule])).toEqual([
      [0, 'load-offset'],
      [1, 'div-by-zero'],
      [3, 'jump-range'],
      [3, 'last-not-ret'],
      [2, 'mem-uninit'],
    ]);
  });

  it('messages say what was expected', () => {
    expect(validateProgram([LD(64), RET])[0].message).toBe('ld [64]: offset must be a multiple of 4 below 64 (sizeof(struct seccomp_data))');
    expect(validateProgram([JEQ(0, 3, 0), RET])[0].message).toBe('jt 3 targets instruction 4 but the program ends at instruction 1');
    expect(validateProgram([ALU(C.BPF_MOD, 3), RET])[0].message).toContain('BPF_MOD is not allowed');
    expect(validateProgram([s(0xff), RET])[0].message).toContain('unknown opcode 0xff');
  });

  it('isSeccompOpcode lists the 41 opcodes seccomp accepts', () => {
    const allowed = Array.from({ length: 0x10000 }, (_, c) => c).filter(isSeccompOpcode);
    expect(allowed.length).toBe(41);
    expect(allowed.every((c) => c < 0x100)).toBe(true);
  });
});

describe('assertValidProgram', () => {
  it('passes a valid program', () => {
    expect(() => assertValidProgram([LD(4), JEQ(C.SECCOMP_RET_ALLOW, 0, 1), RET, RET_A])).not.toThrow();
  });

  it.each(cases.filter(([, , e]) => e.length > 0))('%s: throws BpfError naming pc and rule', (_name, program, expected) => {
    let err: unknown;
    try {
      assertValidProgram(program, { file: 'f.bpf' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    const e = err as BpfError;
    const [pc, rule] = expected[0];
    expect(e.code).toBe(BPF_RULE_CODES[rule]);
    expect(e.kind).toBe('input');
    expect(e.location?.pc).toBe(pc);
    expect(e.location?.file).toBe('f.bpf');
    expect(e.message).toContain(`(${rule})`);
    expect(e.message.startsWith(pc === undefined ? 'f.bpf: ' : `f.bpf: instruction ${pc}: invalid seccomp filter`)).toBe(true);
    if (expected.length > 1) expect(e.message).toMatch(/\(and \d+ more issues?\)$/);
  });

  it('hints how to fix an uninitialised read', () => {
    expect(() => assertValidProgram([s(C.BPF_LD | C.BPF_MEM, 0), RET])).toThrow(expect.objectContaining({ hint: expect.stringContaining('st') }));
  });
});
