/**
 * The PFC listing must be exact: a small evaluator reads the listing back and
 * must decide like the compiled program on random inputs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHES, X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { runProgram } from '../bpf/interpreter.js';
import { actionName } from '../bpf/actions.js';
import { parsePolicyText } from '../formats/parse.js';
import type { Policy } from '../policy/types.js';
import { compilePolicy, type CompiledFilter } from './compile.js';
import { filterToPfc } from './pfc.js';

type Stmt = { lo: number; hi: number; action?: string; body?: { cond?: (a: bigint[]) => boolean; action: string }[] };
interface Section { name: string; token: number; stmts: Stmt[]; def: string }

function condFn(text: string): (a: bigint[]) => boolean {
  const js = text
    .replace(/(\$a\d(?:\.(?:hi|lo)32)?) not in \{([^}]*)\}/g, '![$2].includes($1)')
    .replace(/(\$a\d(?:\.(?:hi|lo)32)?) in \[(0x[0-9a-f]+), (0x[0-9a-f]+)\]/g, '($1 >= $2 && $1 <= $3)')
    .replace(/\$a(\d)\.hi32/g, '(a[$1] >> 32n)')
    .replace(/\$a(\d)\.lo32/g, '(a[$1] & 0xffffffffn)')
    .replace(/\$a(\d)/g, 'a[$1]')
    .replace(/0x[0-9a-f]+/g, (m) => m + 'n');
  return new Function('a', `return ${js};`) as (a: bigint[]) => boolean;
}

function parsePfc(text: string): { sections: Section[]; badArch: Stmt[] } {
  const lines = text.split('\n');
  const sections: Section[] = [];
  const badArch: Stmt[] = [];
  let cur: Stmt[] | undefined;
  let section: Section | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m;
    if ((m = /^# filter for arch (\S+) \((\d+)\)/.exec(l))) {
      section = { name: m[1], token: Number(m[2]), stmts: [], def: '' };
      sections.push(section);
      cur = section.stmts;
    } else if (l === '# default action') {
      section!.def = /^action (.*);$/.exec(lines[++i])![1];
    } else if (l === '# invalid architecture action') {
      cur = badArch;
      section = undefined;
      if (/^action /.test(lines[i + 1])) badArch.push({ lo: 0, hi: 0xffffffff, action: /^action (.*);$/.exec(lines[++i])![1] });
    } else if ((m = /^if \(\$syscall (?:== (\d+)|>= (\d+) && \$syscall <= (\d+))\)/.exec(l))) {
      const lo = Number(m[1] ?? m[2]);
      const hi = Number(m[1] ?? m[3]);
      const st: Stmt = { lo, hi };
      if (/^ {2}action /.test(lines[i + 1])) st.action = /action (.*);$/.exec(lines[++i])![1];
      else {
        st.body = [];
        while (/^ {2}\S/.test(lines[i + 1] ?? '')) {
          const b = lines[++i];
          const c = /^ {2}if \((.*)\)$/.exec(b);
          if (c) st.body.push({ cond: condFn(c[1]), action: /action (.*);$/.exec(lines[++i])![1] });
          else st.body.push({ action: /^ {2}action (.*);$/.exec(b)![1] });
        }
      }
      cur!.push(st);
    }
  }
  return { sections, badArch };
}

function evalPfc(p: { sections: Section[]; badArch: Stmt[] }, token: number, nr: number, args: bigint[]): string {
  const secs = p.sections.filter((s) => s.token === token);
  // x86_64 and x32 share a token: the x32 section covers the numbers with bit 30 set (and -1).
  const sec = secs.length > 1 ? secs.find((s) => (s.name === 'x32') === nr >= X32_SYSCALL_BIT)! : secs[0];
  const run = (stmts: Stmt[], def: string | undefined) => {
    for (const st of stmts) {
      if (nr < st.lo || nr > st.hi) continue;
      if (st.action) return st.action;
      for (const b of st.body!) if (!b.cond || b.cond(args)) return b.action;
    }
    return def;
  };
  return (sec ? run(sec.stmts, sec.def) : run(p.badArch, undefined))!;
}

function check(filter: CompiledFilter, seed: number, interesting: bigint[]): number {
  const pfc = parsePfc(filterToPfc(filter));
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  let n = 0;
  const arches: ArchInfo[] = [...filter.arches, ARCHES.mips];
  for (const arch of arches) {
    const nrs = [0xffffffff, X32_SYSCALL_BIT, X32_SYSCALL_BIT + 1, 0x40000200, 1000, 0x7fffffff];
    for (let i = 0; i < 480; i++) nrs.push(i + (arch.x32 ? X32_SYSCALL_BIT : arch.nrBase));
    for (const nr of nrs) {
      for (let t = 0; t < 6; t++) {
        const args = Array.from({ length: 6 }, () => {
          const v = rnd() % 2 ? interesting[rnd() % interesting.length] : BigInt(rnd()) | (rnd() % 4 === 0 ? BigInt(rnd()) << 32n : 0n);
          return arch.bits === 32 ? v & 0xffffffffn : v;
        });
        const got = evalPfc(pfc, arch.token >>> 0, nr >>> 0, args);
        const want = actionName(runProgram(filter.instructions, { nr: nr >>> 0, arch: arch.token, args }, filter.endian));
        if (got !== want) throw new Error(`seed ${seed}: ${arch.name} nr ${nr} args ${args.join(',')}: pfc says ${got}, program ${want}`);
        n++;
      }
    }
  }
  return n;
}

describe('pfc is exact', () => {
  it('for Docker\'s default profile', () => {
    const text = readFileSync(new URL('../../../data/profiles/docker-default.json', import.meta.url), 'utf8');
    const { policy } = parsePolicyText(text, { context: { arch: 'x86_64', kernel: '6.8' } });
    const filter = compilePolicy(policy);
    const interesting = [0n, 1n, 0x26n, 0x28n, 8n, 0x20008n, 0xffffffffn, 0x7e020000n, 0x100000000n, 0x20000n];
    expect(check(filter, 1, interesting)).toBeGreaterThan(5000);
  });

  it('for a policy with 64-bit ranges, masks and several actions on one syscall', () => {
    const policy: Policy = {
      defaultAction: { kind: 'KILL_PROCESS' },
      badArchAction: { kind: 'TRAP', data: 0 },
      arches: ['x86_64', 'x32', 'x86'],
      rules: [
        { syscall: 'read', action: { kind: 'ALLOW' }, conditions: [] },
        { syscall: 'write', action: { kind: 'ALLOW' }, conditions: [{ arg: 0, op: 'LE', value: 2n }] },
        { syscall: 'write', action: { kind: 'ERRNO', data: 9 }, conditions: [{ arg: 0, op: 'GT', value: 0x100000005n }] },
        { syscall: 'ioctl', action: { kind: 'ALLOW' }, conditions: [{ arg: 1, op: 'MASKED_EQ', mask: 0xff00n, value: 0x5400n }, { arg: 0, op: 'NE', value: 3n }] },
        { syscall: 'mmap', action: { kind: 'LOG' }, conditions: [{ arg: 2, op: 'MASKED_EQ', mask: 4n, value: 4n }] },
        { syscall: 'kill', action: { kind: 'TRACE', data: 7 }, conditions: [{ arg: 1, op: 'GE', value: 0x80000000n }] },
      ],
    };
    const filter = compilePolicy(policy);
    const interesting = [0n, 1n, 2n, 3n, 4n, 0x5400n, 0x54ffn, 0x100000005n, 0x100000006n, 0x80000000n, 0x7fffffffn, 0xffffffffn, 0xffffffffffffffffn];
    expect(check(filter, 2, interesting)).toBeGreaterThan(5000);
  });
});
