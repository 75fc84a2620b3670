/**
 * An independent oracle for the differential tests: evaluates libseccomp's
 * own PFC export (`seccomp_export_pfc`, a text rendering of its rule
 * database written by another code path than its BPF generator) for one
 * input. It shares nothing with syswall's compiler: it reads the text,
 * builds a tree of `if`/`else`/`action` statements and runs it.
 *
 * PFC semantics (libseccomp 2.5.4's gen_pfc.c output):
 * - `if ($arch == T)` opens an arch section; the first section whose token
 *   matches runs; `# invalid architecture action` is the final statement.
 * - Inside a section, `if ($syscall == N)` blocks, then the default action.
 * - Argument tests: `$aN` (32-bit arches), `$aN.hi32` / `$aN.lo32` (64-bit
 *   arches), optionally `& 0xMASK` before the operator; operators
 *   `== > >= != < <=`.
 * - A statement list runs in order; an `if` whose taken branch ends without
 *   an action falls through to the next statement of the enclosing list.
 *
 * What the PFC does not show, and the evaluator adds from libseccomp's
 * documented BPF behaviour (notes/libseccomp.md §6): x86_64 and x32 share an
 * arch token; x32 numbers carry bit 30. In a filter with both, a number with
 * bit 30 goes to the x32 section, others (and -1) to the x86_64 section; in a
 * filter with only one of them, numbers of the other half (-1 excepted) get
 * the bad-arch action.
 */

type Cond = { word: 'arch' | 'syscall' } | { arg: number; half: 'full' | 'hi32' | 'lo32'; mask?: bigint };
interface Test {
  readonly what: Cond;
  readonly op: string;
  readonly k: bigint;
}
type Stmt = { kind: 'if'; test: Test; then: Stmt[]; else?: Stmt[] } | { kind: 'action'; value: number };

interface Section {
  readonly name: string;
  readonly token: number;
  readonly body: Stmt[];
}

/** A parsed PFC export. */
export interface Pfc {
  readonly sections: readonly Section[];
  readonly badArch: number;
}

const X32_BIT = 0x40000000;

/** The seccomp return value of a PFC action name. */
function actionValue(text: string): number {
  const m = /^([A-Z_]+)(?:\((\d+)\))?$/.exec(text.trim());
  if (!m) {
    if (/^0x[0-9a-f]+$/i.test(text.trim())) return Number(text.trim()) >>> 0;
    throw new Error(`PFC: unknown action "${text}"`);
  }
  const data = m[2] === undefined ? 0 : Number(m[2]);
  const base: Record<string, number> = {
    KILL_PROCESS: 0x80000000, KILL: 0, KILL_THREAD: 0, TRAP: 0x00030000, ERRNO: 0x00050000,
    NOTIFY: 0x7fc00000, TRACE: 0x7ff00000, LOG: 0x7ffc0000, ALLOW: 0x7fff0000,
  };
  if (!(m[1] in base)) throw new Error(`PFC: unknown action "${text}"`);
  return (base[m[1]] | (data & 0xffff)) >>> 0;
}

function parseTest(text: string): Test {
  const m = /^\$(arch|syscall|a(\d)(?:\.(hi32|lo32))?)(?:\s*&\s*(0x[0-9a-f]+))?\s*(==|!=|>=|<=|>|<)\s*(\d+|0x[0-9a-f]+)$/i.exec(text.trim());
  if (!m) throw new Error(`PFC: cannot read condition "${text}"`);
  const what: Cond = m[1] === 'arch' || m[1] === 'syscall' ? { word: m[1] } : { arg: Number(m[2]), half: (m[3] as 'hi32' | 'lo32' | undefined) ?? 'full', mask: m[4] === undefined ? undefined : BigInt(m[4]) };
  return { what, op: m[5], k: BigInt(m[6]) };
}

/** Parses libseccomp's PFC text. */
export function parsePfc(text: string): Pfc {
  const lines = text.split('\n');
  let i = 0;
  const names: string[] = [];
  // Reads the statements indented by `depth` levels (two spaces each) starting at line i.
  const block = (depth: number): Stmt[] => {
    const out: Stmt[] = [];
    while (i < lines.length) {
      const raw = lines[i];
      const indent = raw.length - raw.trimStart().length;
      // `else # ($syscall <= 41)`: OPTIMIZE=2 annotates the tree's else branches.
      const line = raw.trim().replace(/^else\s+#.*$/, 'else');
      if (line === '' || line.startsWith('#')) {
        const arch = /^# filter for arch (\S+) \((\d+)\)/.exec(line);
        if (arch) names.push(arch[1]);
        i++;
        continue;
      }
      if (indent < depth * 2) break;
      if (indent > depth * 2) throw new Error(`PFC line ${i + 1}: unexpected indentation: ${raw}`);
      i++;
      const ifm = /^if \((.*)\)$/.exec(line);
      if (ifm) {
        const stmt: Stmt = { kind: 'if', test: parseTest(ifm[1]), then: block(depth + 1) };
        // An `else` at this depth belongs to the `if` just read.
        while (i < lines.length && lines[i].trim().startsWith('#')) i++;
        if (i < lines.length && /^else(\s+#.*)?$/.test(lines[i].trim()) && lines[i].length - lines[i].trimStart().length === depth * 2) {
          i++;
          stmt.else = block(depth + 1);
        }
        out.push(stmt);
        continue;
      }
      const act = /^action (.*);$/.exec(line);
      if (act) {
        out.push({ kind: 'action', value: actionValue(act[1]) });
        continue;
      }
      throw new Error(`PFC line ${i}: cannot read "${line}"`);
    }
    return out;
  };
  const top = block(0);
  const sections: Section[] = [];
  let badArch: number | undefined;
  for (const s of top) {
    if (s.kind === 'if' && 'word' in s.test.what && s.test.what.word === 'arch') {
      sections.push({ name: names[sections.length] ?? '?', token: Number(s.test.k), body: s.then });
    } else if (s.kind === 'action') badArch = s.value;
    else throw new Error('PFC: unexpected top-level statement');
  }
  if (badArch === undefined) throw new Error('PFC: no invalid-architecture action');
  return { sections, badArch };
}

function compare(op: string, a: bigint, b: bigint): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    default: return a <= b;
  }
}

/** Runs a statement list; undefined when it ends without an action. */
function run(stmts: readonly Stmt[], nr: number, args: readonly bigint[]): number | undefined {
  for (const s of stmts) {
    if (s.kind === 'action') return s.value;
    const w = s.test.what;
    let v: bigint;
    if ('word' in w) v = BigInt(w.word === 'syscall' ? nr >>> 0 : 0);
    else {
      const a = (args[w.arg] ?? 0n) & 0xffffffffffffffffn;
      v = w.half === 'hi32' ? a >> 32n : a & 0xffffffffn;
      if (w.mask !== undefined) v &= w.mask;
    }
    const r = compare(s.test.op, v, s.test.k) ? run(s.then, nr, args) : s.else ? run(s.else, nr, args) : undefined;
    if (r !== undefined) return r;
  }
  return undefined;
}

/** What the PFC says the filter returns for (arch, nr, args). */
export function evalPfc(pfc: Pfc, arch: number, nr: number, args: readonly bigint[]): number {
  const candidates = pfc.sections.filter((s) => s.token === arch >>> 0);
  if (candidates.length === 0) return pfc.badArch;
  const n = nr >>> 0;
  const x32Number = (n & X32_BIT) !== 0 && n !== 0xffffffff;
  let section = candidates[0];
  const x32 = candidates.find((s) => s.name === 'x32');
  const x86_64 = candidates.find((s) => s.name === 'x86_64');
  if (x32 && x86_64) section = x32Number ? x32 : x86_64;
  else if (x86_64 && x32Number) return pfc.badArch;
  else if (x32 && !x32Number && n !== 0xffffffff) return pfc.badArch;
  const r = run(section.body, n, args);
  if (r === undefined) throw new Error(`PFC: section ${section.name} ends without an action`);
  return r;
}
