/**
 * The kernel's checks for seccomp filters, exactly: a program passes
 * {@link validateProgram} if and only if `seccomp(SECCOMP_SET_MODE_FILTER)`
 * accepts it (EINVAL otherwise).
 *
 * The kernel runs, in this order (Linux 3.5 to 6.x):
 * 1. `bpf_check_basics_ok`: 1 to `BPF_MAXINSNS` (4096) instructions.
 * 2. `bpf_check_classic` (net/core/filter.c): every opcode is a known
 *    classic BPF opcode; DIV/MOD by constant 0 and LSH/RSH by a constant
 *    >= 32 are rejected; scratch memory indexes are < 16; `ja k` and both
 *    `jt`/`jf` offsets of conditional jumps land inside the program; the last
 *    instruction is `ret k` or `ret a`; then `check_load_and_stores`: a
 *    linear scan proving every `M[i]` read was written on every path before
 *    it (conservative: a `ret` does not reset what is known to be written).
 * 3. `seccomp_check_filter` (kernel/seccomp.c): only the opcodes seccomp
 *    allows (no MOD, no half-word/byte or indirect loads, no `ldx msh`, no
 *    ancillary loads), and `ld [k]` must be 32-bit aligned inside
 *    `struct seccomp_data` (k < 64, k % 4 == 0). `ld len`/`ldx len` are
 *    rewritten to immediates of 64.
 *
 * The kernel stops at the first problem; this validator reports every issue
 * it can find (the memory check runs even when other checks failed, skipping
 * instructions it cannot interpret), so the program is valid exactly when the
 * list is empty. It also rejects instructions whose fields do not fit
 * `struct sock_filter` (code u16, jt/jf u8, k u32), which the kernel could
 * not even receive.
 */
import { BpfError } from '../errors.js';
import * as C from './constants.js';
import type { Instruction } from './instruction.js';

/** Name of the kernel rule an instruction breaks. */
export type BpfRule =
  /** Empty program or more than 4096 instructions. */
  | 'length'
  /** A field does not fit `struct sock_filter` (code u16, jt/jf u8, k u32). */
  | 'encoding'
  /** Opcode unknown to classic BPF or not allowed by seccomp. */
  | 'opcode'
  /** `ld [k]` with k unaligned or outside the 64-byte `struct seccomp_data`. */
  | 'load-offset'
  /** A jump target outside the program. */
  | 'jump-range'
  /** Division by the constant 0. */
  | 'div-by-zero'
  /** Shift by a constant >= 32. */
  | 'shift-range'
  /** Scratch memory index >= 16. */
  | 'mem-index'
  /** Last instruction is not `ret k` or `ret a`. */
  | 'last-not-ret'
  /** `M[i]` may be read before it is written. */
  | 'mem-uninit';

/** One reason the kernel would reject a program. */
export interface BpfIssue {
  /** Instruction index; absent for a whole-program problem (empty program). */
  pc?: number;
  rule: BpfRule;
  /** Human-readable explanation (without location). */
  message: string;
}

/** Stable error code of each rule, used for {@link BpfError.code}. */
export const BPF_RULE_CODES: Readonly<Record<BpfRule, string>> = {
  length: 'BPF_BAD_LENGTH',
  encoding: 'BPF_BAD_ENCODING',
  opcode: 'BPF_BAD_OPCODE',
  'load-offset': 'BPF_BAD_LOAD',
  'jump-range': 'BPF_JUMP_RANGE',
  'div-by-zero': 'BPF_DIV_ZERO',
  'shift-range': 'BPF_SHIFT_RANGE',
  'mem-index': 'BPF_MEM_INDEX',
  'last-not-ret': 'BPF_NO_RET',
  'mem-uninit': 'BPF_MEM_UNINIT',
};

/** Opcodes seccomp accepts as given (after bpf_check_classic). */
const SECCOMP_OPCODES: ReadonlySet<number> = new Set([
  C.BPF_LD | C.BPF_W | C.BPF_ABS,
  C.BPF_LD | C.BPF_W | C.BPF_LEN,
  C.BPF_LDX | C.BPF_W | C.BPF_LEN,
  C.BPF_RET | C.BPF_K,
  C.BPF_RET | C.BPF_A,
  ...[C.BPF_ADD, C.BPF_SUB, C.BPF_MUL, C.BPF_DIV, C.BPF_AND, C.BPF_OR, C.BPF_XOR, C.BPF_LSH, C.BPF_RSH].flatMap((op) => [
    C.BPF_ALU | op | C.BPF_K,
    C.BPF_ALU | op | C.BPF_X,
  ]),
  C.BPF_ALU | C.BPF_NEG,
  C.BPF_LD | C.BPF_IMM,
  C.BPF_LDX | C.BPF_IMM,
  C.BPF_MISC | C.BPF_TAX,
  C.BPF_MISC | C.BPF_TXA,
  C.BPF_LD | C.BPF_MEM,
  C.BPF_LDX | C.BPF_MEM,
  C.BPF_ST,
  C.BPF_STX,
  C.BPF_JMP | C.BPF_JA,
  ...[C.BPF_JEQ, C.BPF_JGT, C.BPF_JGE, C.BPF_JSET].flatMap((op) => [C.BPF_JMP | op | C.BPF_K, C.BPF_JMP | op | C.BPF_X]),
]);

/**
 * Classic BPF opcodes the kernel knows (bpf_check_classic's table) but
 * seccomp rejects, with a short name for messages.
 */
const CLASSIC_ONLY: ReadonlyMap<number, string> = new Map([
  [C.BPF_ALU | C.BPF_MOD | C.BPF_K, 'mod #k (BPF_MOD is not allowed in seccomp filters)'],
  [C.BPF_ALU | C.BPF_MOD | C.BPF_X, 'mod x (BPF_MOD is not allowed in seccomp filters)'],
  [C.BPF_LD | C.BPF_H | C.BPF_ABS, 'ldh [k] (seccomp allows only 32-bit loads: ld [k])'],
  [C.BPF_LD | C.BPF_B | C.BPF_ABS, 'ldb [k] (seccomp allows only 32-bit loads: ld [k])'],
  [C.BPF_LD | C.BPF_W | C.BPF_IND, 'ld [x+k] (indirect loads are not allowed in seccomp filters)'],
  [C.BPF_LD | C.BPF_H | C.BPF_IND, 'ldh [x+k] (indirect loads are not allowed in seccomp filters)'],
  [C.BPF_LD | C.BPF_B | C.BPF_IND, 'ldb [x+k] (indirect loads are not allowed in seccomp filters)'],
  [C.BPF_LDX | C.BPF_B | C.BPF_MSH, 'ldx 4*([k]&0xf) (BPF_MSH is not allowed in seccomp filters)'],
]);

const CONDITIONAL_JUMPS: ReadonlySet<number> = new Set(
  [C.BPF_JEQ, C.BPF_JGT, C.BPF_JGE, C.BPF_JSET].flatMap((op) => [C.BPF_JMP | op | C.BPF_K, C.BPF_JMP | op | C.BPF_X]),
);

/** True if `code` is an opcode seccomp accepts (before range checks on k/jt/jf). */
export function isSeccompOpcode(code: number): boolean {
  return SECCOMP_OPCODES.has(code);
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

function isUint(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

/**
 * Returns every reason the kernel would reject `program` as a seccomp
 * filter; an empty list means `seccomp(2)` accepts it. Issues are ordered by
 * check (per-instruction checks by pc, then the last-instruction check, then
 * the scratch memory check by pc).
 */
export function validateProgram(program: readonly Instruction[]): BpfIssue[] {
  const issues: BpfIssue[] = [];
  const n = program.length;
  if (n === 0) {
    issues.push({ rule: 'length', message: 'empty program: a seccomp filter needs 1 to 4096 instructions' });
    return issues;
  }
  if (n > C.BPF_MAXINSNS) {
    issues.push({
      pc: C.BPF_MAXINSNS,
      rule: 'length',
      message: `program has ${n} instructions; the kernel accepts at most ${C.BPF_MAXINSNS} (BPF_MAXINSNS)`,
    });
  }
  // Instructions whose fields are sane enough for the memory scan.
  const sane: boolean[] = new Array(n).fill(true);
  for (let pc = 0; pc < n; pc++) {
    const ins = program[pc];
    if (!isUint(ins.code, 0xffff) || !isUint(ins.jt, 0xff) || !isUint(ins.jf, 0xff) || !isUint(ins.k, 0xffffffff)) {
      sane[pc] = false;
      issues.push({
        pc,
        rule: 'encoding',
        message: `fields do not fit struct sock_filter (code u16, jt u8, jf u8, k u32): code=${String(ins.code)} jt=${String(ins.jt)} jf=${String(ins.jf)} k=${String(ins.k)}`,
      });
      continue;
    }
    const { code, k, jt, jf } = ins;
    if (!SECCOMP_OPCODES.has(code)) {
      sane[pc] = false;
      const known = CLASSIC_ONLY.get(code);
      issues.push({
        pc,
        rule: 'opcode',
        message: known
          ? `opcode ${hex(code)} ${known}`
          : `unknown opcode ${hex(code)}: not a classic BPF instruction seccomp accepts`,
      });
      continue;
    }
    switch (code) {
      case C.BPF_LD | C.BPF_W | C.BPF_ABS:
        if (k >= C.SECCOMP_DATA_SIZE || (k & 3) !== 0) {
          issues.push({
            pc,
            rule: 'load-offset',
            message: `ld [${k}]: offset must be a multiple of 4 below ${C.SECCOMP_DATA_SIZE} (sizeof(struct seccomp_data))`,
          });
        }
        break;
      case C.BPF_ALU | C.BPF_DIV | C.BPF_K:
        if (k === 0) issues.push({ pc, rule: 'div-by-zero', message: 'division by the constant 0' });
        break;
      case C.BPF_ALU | C.BPF_LSH | C.BPF_K:
      case C.BPF_ALU | C.BPF_RSH | C.BPF_K:
        if (k >= 32) {
          issues.push({ pc, rule: 'shift-range', message: `shift by ${k}: the constant must be below 32` });
        }
        break;
      case C.BPF_LD | C.BPF_MEM:
      case C.BPF_LDX | C.BPF_MEM:
      case C.BPF_ST:
      case C.BPF_STX:
        if (k >= C.BPF_MEMWORDS) {
          sane[pc] = false;
          issues.push({ pc, rule: 'mem-index', message: `scratch memory index ${k}: must be below ${C.BPF_MEMWORDS} (M[0]..M[15])` });
        }
        break;
      case C.BPF_JMP | C.BPF_JA:
        // Kernel: k >= flen - pc - 1 is rejected (k is unsigned).
        if (k >= n - pc - 1) {
          sane[pc] = false;
          issues.push({
            pc,
            rule: 'jump-range',
            message: `ja ${k} targets instruction ${pc + 1 + k} but the program ends at instruction ${n - 1}`,
          });
        }
        break;
      default:
        if (CONDITIONAL_JUMPS.has(code)) {
          for (const [name, off] of [['jt', jt], ['jf', jf]] as const) {
            if (pc + off + 1 >= n) {
              sane[pc] = false;
              issues.push({
                pc,
                rule: 'jump-range',
                message: `${name} ${off} targets instruction ${pc + off + 1} but the program ends at instruction ${n - 1}`,
              });
            }
          }
        }
    }
  }
  const last = program[n - 1];
  if (last.code !== (C.BPF_RET | C.BPF_K) && last.code !== (C.BPF_RET | C.BPF_A)) {
    issues.push({ pc: n - 1, rule: 'last-not-ret', message: 'the last instruction must be ret k or ret a' });
  }
  checkScratchMemory(program, sane, issues);
  return issues;
}

/** The kernel's check_load_and_stores, reporting every offending read. */
function checkScratchMemory(program: readonly Instruction[], sane: readonly boolean[], issues: BpfIssue[]): void {
  const n = program.length;
  const masks = new Uint16Array(n).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < n; pc++) {
    valid &= masks[pc];
    if (!sane[pc]) continue;
    const { code, k, jt, jf } = program[pc];
    switch (code) {
      case C.BPF_ST:
      case C.BPF_STX:
        valid |= 1 << k;
        break;
      case C.BPF_LD | C.BPF_MEM:
      case C.BPF_LDX | C.BPF_MEM:
        if ((valid & (1 << k)) === 0) {
          issues.push({
            pc,
            rule: 'mem-uninit',
            message: `M[${k}] is read here but not written on every path before it`,
          });
        }
        break;
      case C.BPF_JMP | C.BPF_JA:
        masks[pc + 1 + k] &= valid;
        valid = 0xffff;
        break;
      default:
        if (CONDITIONAL_JUMPS.has(code)) {
          masks[pc + 1 + jt] &= valid;
          masks[pc + 1 + jf] &= valid;
          valid = 0xffff;
        }
    }
  }
}

/** Options of {@link assertValidProgram}. */
export interface AssertValidOptions {
  /** File name for the error location. */
  file?: string;
}

/**
 * Throws a {@link BpfError} for the first issue {@link validateProgram}
 * finds: its `code` names the rule (see {@link BPF_RULE_CODES}),
 * `location.pc` the instruction, and the message says what the kernel
 * expects (plus how many more issues there are).
 */
export function assertValidProgram(program: readonly Instruction[], options: AssertValidOptions = {}): void {
  const issues = validateProgram(program);
  if (issues.length === 0) return;
  throw issueToError(issues[0], issues.length - 1, options.file);
}

/** Converts an issue to the error {@link assertValidProgram} throws. */
export function issueToError(issue: BpfIssue, more = 0, file?: string): BpfError {
  const location: { file?: string; pc?: number } = {};
  if (file !== undefined) location.file = file;
  if (issue.pc !== undefined) location.pc = issue.pc;
  const suffix = more > 0 ? ` (and ${more} more issue${more === 1 ? '' : 's'})` : '';
  return new BpfError(BPF_RULE_CODES[issue.rule], `invalid seccomp filter (${issue.rule}): ${issue.message}${suffix}`, {
    location: Object.keys(location).length ? location : undefined,
    hint: issue.rule === 'mem-uninit' ? 'store to M[i] (st/stx) on every path before loading it' : undefined,
  });
}
