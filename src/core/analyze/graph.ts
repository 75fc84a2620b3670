/**
 * Control-flow graph of a classic BPF program: basic blocks, edges labelled
 * with their conditions (syscall names for nr comparisons, using the arch
 * known on that path), return blocks coloured by action. Renders to DOT, or
 * to self-contained SVG/HTML with a built-in layered layout (longest-path
 * layering, barycentric ordering) so no graphviz is needed.
 */
import { archByToken, archesByToken, type ArchInfo } from '../arch/arches.js';
import { syscallName } from '../arch/syscalls.js';
import * as C from '../bpf/constants.js';
import { bpfClass, type Instruction } from '../bpf/instruction.js';
import { actionName } from '../bpf/actions.js';

/** A basic block: instructions `start..end` (inclusive). */
export interface CfgBlock {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  /** Disassembly, one line per instruction. */
  readonly lines: readonly string[];
  /** For blocks ending in `ret #k`: the action name. */
  readonly action?: string;
  /** The raw return value for `ret #k` blocks. */
  readonly ret?: number;
}

/** An edge between blocks. */
export interface CfgEdge {
  readonly from: number;
  readonly to: number;
  /** `true`/`false` branch of a conditional jump, or `always`. */
  readonly kind: 'true' | 'false' | 'always';
  /** Condition text, e.g. `nr == read`, `arch == x86_64`, `args[0].lo > 0x1ff`. */
  readonly label: string;
}

/** The control-flow graph. */
export interface Cfg {
  readonly blocks: readonly CfgBlock[];
  readonly edges: readonly CfgEdge[];
}

const WORD_NAMES = ['nr', 'arch', 'ip.w0', 'ip.w1'];

function wordName(off: number, arch: ArchInfo | undefined): string {
  const w = off / 4;
  if (w < 2) return WORD_NAMES[w];
  const big = arch?.endian === 'big';
  const hiFirst = big;
  const isHi = (w % 2 === 0) === hiFirst;
  if (w < 4) return arch ? `ip.${isHi ? 'hi' : 'lo'}` : `data[${off}]`;
  const arg = (w - 4) >> 1;
  return arch ? `args[${arg}].${isHi ? 'hi' : 'lo'}` : `data[${off}]`;
}

const ALU_SYM: Record<number, string> = { 0x00: '+=', 0x10: '-=', 0x20: '*=', 0x30: '/=', 0x40: '|=', 0x50: '&=', 0x60: '<<=', 0x70: '>>=', 0xa0: '^=' };
const JMP_SYM: Record<number, string> = { 0x10: '==', 0x20: '>', 0x30: '>=', 0x40: '&' };
const JMP_NEG: Record<number, string> = { 0x10: '!=', 0x20: '<=', 0x30: '<', 0x40: '& (none)' };

/** One-line pseudo-code of an instruction (seccomp-tools-like). */
export function insnText(ins: Instruction, pc: number, arch?: ArchInfo): string {
  const k = ins.k >>> 0;
  const hx = '0x' + k.toString(16);
  const cls = bpfClass(ins.code);
  switch (cls) {
    case C.BPF_LD:
    case C.BPF_LDX: {
      const r = cls === C.BPF_LD ? 'A' : 'X';
      const mode = ins.code & 0xe0;
      if (mode === C.BPF_ABS) return `${r} = ${wordName(k, arch)}`;
      if (mode === C.BPF_IMM) return `${r} = ${hx}`;
      if (mode === C.BPF_MEM) return `${r} = M[${k}]`;
      if (mode === C.BPF_LEN) return `${r} = 64`;
      return `invalid 0x${ins.code.toString(16)}`;
    }
    case C.BPF_ST: return `M[${k}] = A`;
    case C.BPF_STX: return `M[${k}] = X`;
    case C.BPF_ALU: {
      const op = ins.code & 0xf0;
      if (op === C.BPF_NEG) return 'A = -A';
      return `A ${ALU_SYM[op] ?? '?='} ${(ins.code & 8) ? 'X' : hx}`;
    }
    case C.BPF_JMP: {
      const op = ins.code & 0xf0;
      if (op === C.BPF_JA) return `goto ${pc + 1 + k}`;
      return `if (A ${JMP_SYM[op] ?? '?'} ${(ins.code & 8) ? 'X' : hx}) goto ${pc + 1 + ins.jt} else goto ${pc + 1 + ins.jf}`;
    }
    case C.BPF_RET: return (ins.code & 0x18) === C.BPF_A ? 'return A' : `return ${actionName(k)}`;
    case C.BPF_MISC: return ins.code === (C.BPF_MISC | C.BPF_TAX) ? 'X = A' : 'A = X';
    default: return `invalid 0x${ins.code.toString(16)}`;
  }
}

/** Builds the CFG. Jump targets past the end are dropped (validate programs first for a full report). */
export function buildCfg(program: readonly Instruction[]): Cfg {
  const n = program.length;
  const leaders = new Set<number>([0]);
  program.forEach((ins, pc) => {
    const cls = bpfClass(ins.code);
    if (cls === C.BPF_JMP) {
      if ((ins.code & 0xf0) === C.BPF_JA) leaders.add(pc + 1 + (ins.k >>> 0));
      else {
        leaders.add(pc + 1 + ins.jt);
        leaders.add(pc + 1 + ins.jf);
      }
      leaders.add(pc + 1);
    } else if (cls === C.BPF_RET) leaders.add(pc + 1);
  });
  const starts = [...leaders].filter((x) => x < n).sort((a, b) => a - b);
  const blockAt = new Map<number, number>();
  starts.forEach((s, i) => blockAt.set(s, i));

  // Forward dataflow (programs only jump forward, so pc order is topological):
  // which word A holds, and which arch token is known, at each block entry.
  type St = { a: number | null; arch: number | null };
  const entry: (St | undefined)[] = new Array(starts.length);
  entry[0] = { a: null, arch: null };
  const join = (i: number, s: St) => {
    const cur = entry[i];
    entry[i] = cur ? { a: cur.a === s.a ? cur.a : null, arch: cur.arch === s.arch ? cur.arch : null } : s;
  };
  const blocks: CfgBlock[] = [];
  const edges: CfgEdge[] = [];
  starts.forEach((start, id) => {
    const end = (id + 1 < starts.length ? starts[id + 1] : n) - 1;
    const st: St = entry[id] ?? { a: null, arch: null };
    let a = st.a;
    const arch = st.arch;
    const info = arch !== null ? archByToken(arch) : undefined;
    const lines: string[] = [];
    for (let pc = start; pc <= end; pc++) {
      const ins = program[pc];
      lines.push(`${String(pc).padStart(4, '0')}: ${insnText(ins, pc, info)}`);
      const cls = bpfClass(ins.code);
      if (cls === C.BPF_LD) a = (ins.code & 0xe0) === C.BPF_ABS ? ins.k >>> 0 : null;
      else if (cls === C.BPF_ALU || (cls === C.BPF_MISC && ins.code !== (C.BPF_MISC | C.BPF_TAX))) a = null;
    }
    const last = program[end];
    const cls = bpfClass(last.code);
    let action: string | undefined;
    let ret: number | undefined;
    if (cls === C.BPF_RET && (last.code & 0x18) !== C.BPF_A) {
      ret = last.k >>> 0;
      action = actionName(ret);
    }
    blocks.push({ id, start, end, lines, action, ret });
    const push = (to: number, kind: CfgEdge['kind'], label: string, next: St) => {
      const b = blockAt.get(to);
      if (b === undefined) return;
      edges.push({ from: id, to: b, kind, label });
      join(b, next);
    };
    if (cls === C.BPF_RET) return;
    if (cls === C.BPF_JMP) {
      const op = last.code & 0xf0;
      if (op === C.BPF_JA) {
        push(end + 1 + (last.k >>> 0), 'always', '', { a, arch });
        return;
      }
      const useX = (last.code & 8) !== 0;
      const k = last.k >>> 0;
      const tgtT = end + 1 + last.jt;
      const tgtF = end + 1 + last.jf;
      let lt: string;
      let lf: string;
      let archT = arch;
      const archF = arch;
      const operand = useX ? 'X' : '0x' + k.toString(16);
      if (a === C.SECCOMP_DATA_ARCH && !useX && op === C.BPF_JEQ) {
        const names = archesByToken(k).map((x) => x.name).join('/') || operand;
        lt = `arch == ${names}`;
        lf = `arch != ${names}`;
        archT = k;
      } else if (a === C.SECCOMP_DATA_NR && !useX && op !== C.BPF_JSET) {
        // Name the syscall at the boundary (equality, or the first number of a range for jge/jgt).
        const at = op === C.BPF_JGT ? (k + 1) >>> 0 : k;
        const nm = info ? syscallName(info, at) : undefined;
        const x32 = arch !== null ? archesByToken(arch).find((x) => x.x32) : undefined;
        const nm2 = !nm && x32 ? syscallName(x32, at) : undefined;
        const name = nm ?? nm2;
        const v = name === undefined ? operand : op === C.BPF_JEQ ? name : op === C.BPF_JGT ? `${operand} (${name} - 1)` : `${operand} (${name})`;
        lt = `nr ${JMP_SYM[op]} ${v}`;
        lf = `nr ${JMP_NEG[op]} ${v}`;
      } else {
        const what = a !== null ? wordName(a, info) : 'A';
        lt = `${what} ${JMP_SYM[op] ?? '?'} ${operand}`;
        lf = `${what} ${JMP_NEG[op] ?? '?'} ${operand}`;
      }
      if (tgtT === tgtF) push(tgtT, 'always', '', { a, arch });
      else {
        push(tgtT, 'true', lt, { a, arch: archT });
        push(tgtF, 'false', lf, { a, arch: archF });
      }
      return;
    }
    push(end + 1, 'always', '', { a, arch });
  });
  return { blocks, edges };
}

const ACTION_COLORS: [RegExp, string][] = [
  [/^ALLOW/, '#c8f0c8'], [/^LOG/, '#cfe3ff'], [/^ERRNO/, '#ffe0b0'], [/^TRAP/, '#e8d0ff'], [/^TRACE|^USER_NOTIF/, '#c8f0f0'], [/^KILL/, '#ffc0c0'],
];

function fillOf(b: CfgBlock): string {
  if (!b.action) return '#ffffff';
  for (const [re, c] of ACTION_COLORS) if (re.test(b.action)) return c;
  return '#eeeeee';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Graphviz DOT text of the CFG. */
export function cfgToDot(cfg: Cfg, title = 'seccomp filter'): string {
  const q = (s: string) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
  const out = [`digraph ${q(title)} {`, '  node [shape=box, fontname="monospace", fontsize=10, style=filled];', '  edge [fontname="monospace", fontsize=9];'];
  const dq = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  for (const b of cfg.blocks) out.push(`  b${b.id} [label="${b.lines.map(dq).join('\\l')}\\l", fillcolor=${q(fillOf(b))}];`);
  for (const e of cfg.edges) {
    const color = e.kind === 'true' ? '#1a7f37' : e.kind === 'false' ? '#cf222e' : '#555555';
    out.push(`  b${e.from} -> b${e.to} [label=${q(e.label)}, color=${q(color)}, fontcolor=${q(color)}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

/** Node positions from the layered layout. */
export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly { x: number; y: number; w: number; h: number }[];
}

const CHAR_W = 6.6;
const LINE_H = 13;
const PAD = 6;
const LAYER_GAP = 46;
const NODE_GAP = 24;
const MAX_LINES = 12;

/** Layered layout: longest-path layers, a few barycentric ordering sweeps, then packing. */
export function layoutCfg(cfg: Cfg): Layout {
  const n = cfg.blocks.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (const e of cfg.edges) {
    succs[e.from].push(e.to);
    preds[e.to].push(e.from);
  }
  // Blocks are in pc order and edges go forward: one pass gives longest-path layers.
  const layer = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (const s of succs[i]) layer[s] = Math.max(layer[s], layer[i] + 1);
  const layers: number[][] = [];
  for (let i = 0; i < n; i++) (layers[layer[i]] ??= []).push(i);
  const pos = new Array<number>(n).fill(0);
  const renumber = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  renumber();
  const bary = (v: number, nbrs: number[]) => (nbrs.length ? nbrs.reduce((s, u) => s + pos[u], 0) / nbrs.length : pos[v]);
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers : [...layers].reverse();
    for (const l of order) {
      if (!l) continue;
      const key = new Map(l.map((v) => [v, bary(v, down ? preds[v] : succs[v])]));
      l.sort((x, y) => key.get(x)! - key.get(y)! || x - y);
      l.forEach((v, i) => (pos[v] = i));
    }
  }
  const size = cfg.blocks.map((b) => {
    const shown = Math.min(b.lines.length, MAX_LINES);
    const longest = Math.max(...b.lines.slice(0, shown).map((s) => s.length), 10);
    return { w: Math.min(longest, 70) * CHAR_W + 2 * PAD, h: (shown + (b.lines.length > MAX_LINES ? 1 : 0)) * LINE_H + 2 * PAD };
  });
  const nodes = new Array<{ x: number; y: number; w: number; h: number }>(n);
  let y = 20;
  let width = 0;
  for (const l of layers) {
    if (!l) continue;
    let x = 20;
    let h = 0;
    for (const v of l) {
      nodes[v] = { x, y, w: size[v].w, h: size[v].h };
      x += size[v].w + NODE_GAP;
      h = Math.max(h, size[v].h);
    }
    width = Math.max(width, x);
    y += h + LAYER_GAP;
  }
  // Centre each layer on the widest one.
  for (const l of layers) {
    if (!l || !l.length) continue;
    const last = nodes[l[l.length - 1]];
    const shift = (width - (last.x + last.w + NODE_GAP)) / 2;
    for (const v of l) nodes[v].x += shift;
  }
  return { width: Math.max(width, 200), height: y, nodes };
}

/** Self-contained SVG of the CFG. */
export function cfgToSvg(cfg: Cfg, title = 'seccomp filter'): string {
  const lay = layoutCfg(cfg);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(lay.width)}" height="${Math.ceil(lay.height)}" viewBox="0 0 ${Math.ceil(lay.width)} ${Math.ceil(lay.height)}" font-family="monospace" font-size="11">`);
  out.push(`<title>${esc(title)}</title>`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>');
  for (const e of cfg.edges) {
    const a = lay.nodes[e.from];
    const b = lay.nodes[e.to];
    const x1 = a.x + a.w / 2 + (e.kind === 'true' ? -a.w / 6 : e.kind === 'false' ? a.w / 6 : 0);
    const y1 = a.y + a.h;
    const x2 = b.x + b.w / 2;
    const y2 = b.y;
    const color = e.kind === 'true' ? '#1a7f37' : e.kind === 'false' ? '#cf222e' : '#555555';
    const my = (y1 + y2) / 2;
    out.push(`<path d="M${x1.toFixed(1)},${y1.toFixed(1)} C${x1.toFixed(1)},${my.toFixed(1)} ${x2.toFixed(1)},${my.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}" fill="none" stroke="${color}" stroke-width="1" marker-end="url(#arrow)"/>`);
    if (e.label) {
      const lx = x1 + (e.kind === 'false' ? 4 : -4);
      out.push(`<text x="${lx.toFixed(1)}" y="${(y1 + 12).toFixed(1)}" fill="${color}" font-size="10" text-anchor="${e.kind === 'false' ? 'start' : 'end'}">${esc(e.label)}</text>`);
    }
  }
  cfg.blocks.forEach((b, i) => {
    const p = lay.nodes[i];
    out.push(`<g id="b${b.id}"><rect x="${p.x.toFixed(1)}" y="${p.y.toFixed(1)}" width="${p.w.toFixed(1)}" height="${p.h.toFixed(1)}" rx="3" fill="${fillOf(b)}" stroke="#333"/>`);
    const shown = b.lines.slice(0, MAX_LINES);
    if (b.lines.length > MAX_LINES) shown.push(`... ${b.lines.length - MAX_LINES} more`);
    shown.forEach((line, j) => {
      const t = line.length > 70 ? line.slice(0, 69) + '…' : line;
      out.push(`<text x="${(p.x + PAD).toFixed(1)}" y="${(p.y + PAD + (j + 1) * LINE_H - 3).toFixed(1)}">${esc(t)}</text>`);
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Self-contained HTML page embedding the SVG (no network, no external scripts or styles). */
export function cfgToHtml(cfg: Cfg, title = 'seccomp filter'): string {
  const svg = cfgToSvg(cfg, title);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{margin:0;font-family:sans-serif}header{padding:6px 10px;background:#f4f4f4;border-bottom:1px solid #ccc}
#view{overflow:auto;height:calc(100vh - 40px)}.k{display:inline-block;width:12px;height:12px;border:1px solid #333;margin:0 3px 0 10px;vertical-align:middle}</style></head>
<body><header><b>${esc(title)}</b> — ${cfg.blocks.length} blocks
<span class="k" style="background:#c8f0c8"></span>ALLOW<span class="k" style="background:#ffe0b0"></span>ERRNO<span class="k" style="background:#ffc0c0"></span>KILL<span class="k" style="background:#e8d0ff"></span>TRAP<span class="k" style="background:#cfe3ff"></span>LOG
<span style="color:#1a7f37;margin-left:10px">true</span> / <span style="color:#cf222e">false</span> branches</header>
<div id="view">${svg}</div></body></html>
`;
}
