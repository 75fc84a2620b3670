/**
 * Pseudo filter code: a readable listing of what a program decides, in the
 * spirit of libseccomp's PFC export (`# filter for arch x86_64 (3221225534)`,
 * `if ($syscall == 0) action ALLOW;`).
 *
 * It is derived from the program itself, not from the policy: the exact
 * symbolic analysis (src/core/analyze) cuts each arch's syscall-number space
 * into runs with one decision and each decision into disjoint argument
 * regions. So the listing says exactly what the compiled BPF does, including
 * the ENOSYS ranges, bad-arch handling and x32 numbers:
 *
 * - per arch of the filter (x86_64 and x32 separately), one `if` per run of
 *   syscall numbers whose decision differs from the arch's default, in
 *   number order; argument-dependent decisions list their conditions as
 *   `if (...) action X;` lines (the regions are disjoint, so order does not
 *   matter) followed by the action for every other argument value;
 * - the arch's default action last (the action of most known syscalls);
 * - finally the action for every other `arch` value.
 *
 * Conditions name 64-bit arguments `$aN` (`$aN.hi32`/`$aN.lo32` when a
 * condition on the two halves cannot be written as 64-bit intervals).
 */
import { X32_SYSCALL_BIT, type ArchInfo } from '../arch/arches.js';
import { syscallTable } from '../arch/syscalls.js';
import type { Instruction } from '../bpf/instruction.js';
import { analyzeProgram, NR_WORD, type NrSegment, type ProgramAnalysis, type Region } from '../symbolic/symbolic.js';
import { argWords, clipSegments, combine64, formatInterval, formatOpaque, formatWordSet, valueKey, valueName, wordNamer, type ArchView } from '../symbolic/present.js';
import type { CompiledFilter } from './compile.js';

const FULL = 0xffffffff;

/** PFC for a compiled filter. */
export function filterToPfc(filter: CompiledFilter): string {
  return programToPfc(filter.instructions, filter.arches);
}

function renameArgs(text: string): string {
  return text
    .replace(/(args\[\d\](?:\.hi|\.lo)?|ip\.hi|ip\.lo) & (0x[0-9a-f]+) (==|!=)/g, '($1 & $2) $3').replace(/args\[(\d)\]\.hi/g, '$$a$1.hi32').replace(/args\[(\d)\]\.lo/g, '$$a$1.lo32').replace(/args\[(\d)\]/g, '$$a$1').replace(/\bip\.hi\b/g, '$$ip.hi32').replace(/\bip\.lo\b/g, '$$ip.lo32');
}

function viewFor(arch: ArchInfo, arches: readonly ArchInfo[]): ArchView {
  const partner = arches.find((a) => a !== arch && a.token === arch.token);
  if (!partner) return { name: arch.name, info: arch, token: arch.token, nrLo: 0, nrHi: FULL };
  return arch.x32
    ? { name: arch.name, info: arch, token: arch.token, nrLo: X32_SYSCALL_BIT, nrHi: FULL }
    : { name: arch.name, info: arch, token: arch.token, nrLo: 0, nrHi: X32_SYSCALL_BIT - 1 };
}

/**
 * A region's conditions: 64-bit arguments combined from their two words where
 * they form intervals; every disjunction parenthesised, parts joined by `&&`.
 */
function regionText(r: Pick<Region, 'words' | 'opaque'>, info: ArchInfo): string {
  const name = wordNamer(info);
  const { args, others } = argWords(r, info);
  const parts: string[] = others.map(({ word, set }) => formatWordSet(name(word), set));
  for (const [arg, { hi, lo }] of args) {
    const argName = `args[${arg}]`;
    const combined = info.bits === 64 || hi ? combine64(hi, lo) : undefined;
    if (combined) {
      const ivs = combined.map(([a, b]) => formatInterval(argName, a, b));
      parts.push(ivs.length > 1 ? `(${ivs.join(' || ')})` : ivs[0]);
    } else if (!hi && lo && (info.bits === 32 || (lo.lo === 0 && lo.hi === FULL && lo.excluded.length === 0))) {
      // 32-bit arch, or only masks on the low word: exact on the whole argument
      parts.push(formatWordSet(argName, lo));
    } else if (!hi && lo) parts.push(formatWordSet(`${argName}.lo`, lo));
    else {
      if (hi) parts.push(formatWordSet(`${argName}.hi`, hi));
      if (lo) parts.push(formatWordSet(`${argName}.lo`, lo));
    }
  }
  for (const o of r.opaque) parts.push(`(${formatOpaque(o, name)})`);
  return parts.join(' && ');
}

/** One segment's decision as PFC lines (indented by `ind`), or undefined when it is a single action. */
function segmentBody(seg: NrSegment, info: ArchInfo, preferredElse?: string): { action?: string; lines?: string[] } {
  const name = wordNamer(info);
  const keys = new Set(seg.regions.map((r) => valueKey(r.value, name)));
  if (keys.size === 1) return { action: valueName(seg.regions[0].value, name) };
  const groups = new Map<string, { action: string; conds: string[] }>();
  for (const r of seg.regions) {
    const k = valueKey(r.value, name);
    const g = groups.get(k) ?? { action: valueName(r.value, name), conds: [] };
    // The segment's nr is uniform; drop an nr constraint if the analysis kept one.
    const words = r.words.filter((w) => w.word !== NR_WORD);
    g.conds.push(renameArgs(regionText({ words, opaque: r.opaque }, info)) || 'true');
    groups.set(k, g);
  }
  let otherwise: { action: string; conds: string[] } | undefined;
  for (const [k, g] of groups) {
    if (!otherwise || g.conds.length > otherwise.conds.length || (g.conds.length === otherwise.conds.length && k === preferredElse)) otherwise = g;
  }
  const lines: string[] = [];
  for (const g of groups.values()) {
    if (g === otherwise) continue;
    const cond = g.conds.length === 1 ? g.conds[0] : g.conds.map((c) => `(${c})`).join(' || ');
    lines.push(`if (${cond})`, `  action ${g.action};`);
  }
  lines.push(`action ${otherwise!.action};`);
  return { lines };
}

function nrText(n: number): string {
  return String(n >>> 0);
}

function namesIn(info: ArchInfo, lo: number, hi: number): string[] {
  return syscallTable(info).filter((e) => e.nr >= lo && e.nr <= hi).map((e) => e.name);
}

/**
 * PFC for any program, for the given arches (names of syscalls and byte
 * order of arguments come from them). Throws ANALYSIS_TOO_COMPLEX for
 * programs whose paths cannot be enumerated.
 */
export function programToPfc(program: readonly Instruction[], arches: readonly ArchInfo[], analysis?: ProgramAnalysis): string {
  const an = analysis ?? analyzeProgram(program, { archTokens: arches.map((a) => a.token) });
  const out: string[] = ['#', '# pseudo filter code start', `# (syswall: an exact rendering of the ${program.length}-instruction program)`, '#'];
  for (const arch of arches) {
    const decision = an.arches.find((d) => d.token === arch.token);
    if (!decision) continue;
    const view = viewFor(arch, arches);
    const segs = clipSegments(decision, view);
    const name = wordNamer(arch);
    // Default: the single action covering the most known syscalls (then the most numbers).
    const weight = new Map<string, { action: string; w: number }>();
    segs.forEach((s) => {
      const b = segmentBody(s, arch);
      if (!b.action) return;
      const key = valueKey(s.regions[0].value, name);
      const e = weight.get(key) ?? { action: b.action, w: 0 };
      e.w += namesIn(arch, s.lo, s.hi).length + (s.hi - s.lo + 1) * 1e-12;
      weight.set(key, e);
    });
    let def: string | undefined;
    let best = -1;
    for (const [k, e] of weight) if (e.w > best) { best = e.w; def = k; }
    const bodies = segs.map((s) => segmentBody(s, arch, def));
    out.push(`# filter for arch ${arch.name} (${arch.token >>> 0})${arch.x32 ? ', syscall numbers with the x32 bit 0x40000000' : ''}`);
    segs.forEach((s, i) => {
      const b = bodies[i];
      if (b.action && valueKey(s.regions[0].value, name) === def) return;
      const names = namesIn(arch, s.lo, s.hi);
      const comment = names.length === 0 ? '' : names.length <= 6 ? `  # ${names.join(', ')}` : `  # ${names.length} syscalls: ${names.slice(0, 3).join(', ')}, ..., ${names[names.length - 1]}`;
      const head = s.lo === s.hi ? `if ($syscall == ${nrText(s.lo)})` : `if ($syscall >= ${nrText(s.lo)} && $syscall <= ${nrText(s.hi)})`;
      if (b.action) {
        out.push(head + comment, `  action ${b.action};`);
      } else {
        out.push(head + comment, ...b.lines!.map((l) => '  ' + l));
      }
    });
    out.push('# default action', `action ${def !== undefined ? weight.get(def)!.action : 'KILL'};`);
  }
  const other = an.arches.find((d) => d.token === null);
  if (other) {
    out.push('# invalid architecture action');
    const segs = other.segments;
    if (segs.length === 1 && segmentBody(segs[0], arches[0]).action) out.push(`action ${segmentBody(segs[0], arches[0]).action};`);
    else {
      for (const s of segs) {
        const b = segmentBody(s, arches[0]);
        const head = s.lo === s.hi ? `if ($syscall == ${nrText(s.lo)})` : `if ($syscall >= ${nrText(s.lo)} && $syscall <= ${nrText(s.hi)})`;
        if (b.action) out.push(head, `  action ${b.action};`);
        else out.push(head, ...b.lines!.map((l) => '  ' + l));
      }
    }
  }
  out.push('#', '# pseudo filter code end', '#');
  return out.join('\n') + '\n';
}
