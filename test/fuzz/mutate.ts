/**
 * Mutators for fuzzing: text mutations of real samples (characters that
 * broke readers before, dictionary tokens, deletions, splices, truncation,
 * huge repeats, deep nesting), structure-aware mutation of JSON trees, and
 * byte mutation of binary programs. Every mutation is a fast-check
 * arbitrary, so failures shrink to a small sequence of edits.
 */
import fc from 'fast-check';

/** Characters that break lexers: NUL, NBSP (pasted from a web page), form feed, vertical tab, CR, separators, BOM, a lone surrogate, bidi override, ESC. */
export const SPECIAL_CHARS = ['\u0000', '\u00a0', '\f', '\v', '\r', '\r\n', '\t', '\u2028', '\u2029', '\ufeff', '\ud800', '\udc00', '\u202e', '\u001b', '\u0085', '\u3000', '\uffff', '\u{1f600}'];
/** Punctuation of the grammars we read. */
export const PUNCT = ['"', "'", '\\', '{', '}', '[', ']', ':', ',', '#', '&', '&&', '*', '!', '|', '||', '-', '- ', '@', '(', ')', ';', '\n', ' ', '=', '==', '!=', '<', '<=', '>', '>=', '>>', '<<', '~', '/*', '*/', '//', '$', '%', '?', '.', '+', '^', '`'];
/** Numbers at the edges of every width and syntax. */
export const NUMBERS = [
  '0', '-0', '1', '-1', '07', '08', '0x', '0x0', '0X1f', '0b101', '0o17', '1_000', '0.5', '1e3', '1e309', '-1e309', 'NaN', 'Infinity',
  '127', '128', '255', '256', '4095', '4096', '4097', '32767', '65535', '65536',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296', '0xffffffff', '0x100000000', '0x1ffffffff',
  '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616', '0xffffffffffffffff', '0x10000000000000000',
  '9'.repeat(40), '0x' + 'f'.repeat(40),
];

/** A position in a text of length `len`, from an arbitrary natural number. */
const at = (n: number, len: number) => (len === 0 ? 0 : n % (len + 1));

const TOKEN = /[A-Za-z_@$][\w.@$-]*|0[xX][0-9a-fA-F]+|\d+|\s+|./gsu;

export type TextOp =
  | { t: 'ins'; at: number; s: string }
  | { t: 'del'; at: number; len: number }
  | { t: 'tok'; at: number; s: string }
  | { t: 'dup'; at: number; len: number; times: number }
  | { t: 'cut'; at: number }
  | { t: 'splice'; seed: number; at: number; at2: number }
  | { t: 'nest'; at: number; pair: number; depth: number }
  | { t: 'line'; a: number; b: number; dup: boolean };

export interface TextMutatorOptions {
  /** Real samples to start from. */
  seeds: readonly string[];
  /** Tokens of the language (keywords, names, actions): replace tokens and get inserted. */
  dictionary: readonly string[];
  /** Open/close pairs for deep nesting, e.g. ['[', ']'] for JSON. */
  nesting?: readonly (readonly [string, string])[];
  /** Longest text produced (default 64 KiB; the limits tests feed inputs up to the 4 MiB limit). */
  maxLength?: number;
  /** Most edits per case (default 5). */
  maxEdits?: number;
}

/** Applies one edit. */
function applyTextOp(text: string, op: TextOp, o: TextMutatorOptions): string {
  const max = o.maxLength ?? 64 * 1024;
  let out: string;
  switch (op.t) {
    case 'ins': {
      const p = at(op.at, text.length);
      out = text.slice(0, p) + op.s + text.slice(p);
      break;
    }
    case 'del': {
      const p = at(op.at, text.length);
      out = text.slice(0, p) + text.slice(p + op.len);
      break;
    }
    case 'tok': {
      const toks = text.match(TOKEN) ?? [];
      if (!toks.length) return op.s;
      const k = op.at % toks.length;
      toks[k] = op.s;
      out = toks.join('');
      break;
    }
    case 'dup': {
      const p = at(op.at, text.length);
      const chunk = text.slice(p, p + op.len);
      const times = Math.min(op.times, Math.floor(max / Math.max(1, chunk.length)));
      out = text.slice(0, p) + chunk.repeat(times) + text.slice(p);
      break;
    }
    case 'cut':
      out = text.slice(0, at(op.at, text.length));
      break;
    case 'splice': {
      const other = o.seeds[op.seed % o.seeds.length];
      out = text.slice(0, at(op.at, text.length)) + other.slice(at(op.at2, other.length));
      break;
    }
    case 'nest': {
      const pairs = o.nesting ?? [];
      if (!pairs.length) return text;
      const [open, close] = pairs[op.pair % pairs.length];
      const p = at(op.at, text.length);
      const depth = Math.min(op.depth, Math.floor(max / Math.max(1, open.length + close.length)));
      out = text.slice(0, p) + open.repeat(depth) + close.repeat(depth) + text.slice(p);
      break;
    }
    case 'line': {
      const lines = text.split('\n');
      const a = op.a % lines.length;
      const b = op.b % lines.length;
      if (op.dup) lines.splice(b, 0, lines[a]);
      else [lines[a], lines[b]] = [lines[b], lines[a]];
      out = lines.join('\n');
      break;
    }
  }
  return out.length > max ? out.slice(0, max) : out;
}

/** Short strings of any code units, including lone surrogates and controls. */
const junk = fc.string({ unit: 'binary', maxLength: 8 });

/** Repeat counts: mostly a few, now and then thousands (size limits, quadratic work). */
const manyTimes = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 2, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: 20, max: 3000 }) });

/** One edit of a text. */
export function textOp(o: TextMutatorOptions): fc.Arbitrary<TextOp> {
  const dict = o.dictionary.length ? o.dictionary : ['x'];
  const insertion = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
    { weight: 4, arbitrary: fc.constantFrom(...dict) },
    { weight: 3, arbitrary: fc.constantFrom(...PUNCT) },
    { weight: 3, arbitrary: fc.constantFrom(...NUMBERS) },
    { weight: 1, arbitrary: junk },
  );
  const ops: fc.WeightedArbitrary<TextOp>[] = [
    { weight: 6, arbitrary: fc.record({ t: fc.constant('ins' as const), at: fc.nat(), s: insertion }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 8, arbitrary: fc.record({ t: fc.constant('tok' as const), at: fc.nat(), s: insertion }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 300 }), times: manyTimes }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('cut' as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('splice' as const), seed: fc.nat(), at: fc.nat(), at2: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('line' as const), a: fc.nat(), b: fc.nat(), dup: fc.boolean() }) },
  ];
  if (o.nesting?.length) ops.push({ weight: 1, arbitrary: fc.record({ t: fc.constant('nest' as const), at: fc.nat(), pair: fc.nat(), depth: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 300, max: 100_000 }) }) }) });
  return fc.oneof(...ops);
}

/** A real sample with 1..maxEdits edits (or, now and then, unchanged). */
export function mutatedText(o: TextMutatorOptions): fc.Arbitrary<string> {
  if (!o.seeds.length) throw new Error('mutatedText: no seeds');
  return fc
    .tuple(fc.nat({ max: o.seeds.length - 1 }), fc.array(textOp(o), { minLength: 0, maxLength: o.maxEdits ?? 5 }))
    .map(([s, ops]) => ops.reduce((text, op) => applyTextOp(text, op, o), o.seeds[s]));
}

// ---------------------------------------------------------------------------
// JSON trees

/** A JSON number written exactly as given (JSON.stringify cannot write 2^64). */
export class RawNumber {
  constructor(readonly text: string) {}
}

export type Tree = null | boolean | number | string | RawNumber | Tree[] | { [k: string]: Tree };

export type TreeOp =
  | { t: 'set'; node: number; value: Tree }
  | { t: 'del'; node: number }
  | { t: 'add'; node: number; key: string; value: Tree }
  | { t: 'dup'; node: number }
  | { t: 'wrap'; node: number };

/** Every container node of a tree (objects and arrays), depth first. */
function containers(tree: Tree, out: (Tree[] | { [k: string]: Tree })[] = []): (Tree[] | { [k: string]: Tree })[] {
  if (tree && typeof tree === 'object' && !(tree instanceof RawNumber)) {
    out.push(tree);
    for (const v of Array.isArray(tree) ? tree : Object.values(tree)) containers(v, out);
  }
  return out;
}

function applyTreeOp(tree: Tree, op: TreeOp): Tree {
  const all = containers(tree);
  if (!all.length) return op.t === 'set' || op.t === 'add' ? op.value : tree;
  const c = all[op.node % all.length];
  const keys = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
  const pick = keys.length ? keys[op.node % keys.length] : undefined;
  const get = (k: string | number) => (c as Record<string | number, Tree>)[k];
  const put = (k: string | number, v: Tree) => ((c as Record<string | number, Tree>)[k] = v);
  switch (op.t) {
    case 'set':
      if (pick !== undefined) put(pick, op.value);
      break;
    case 'del':
      if (pick === undefined) break;
      if (Array.isArray(c)) c.splice(pick as number, 1);
      else delete (c as Record<string, Tree>)[pick as string];
      break;
    case 'add':
      if (Array.isArray(c)) c.push(op.value);
      else put(op.key, op.value);
      break;
    case 'dup':
      if (pick !== undefined && Array.isArray(c)) c.push(structuredCloneTree(get(pick)));
      break;
    case 'wrap':
      if (pick !== undefined) put(pick, [get(pick)]);
      break;
  }
  return tree;
}

function structuredCloneTree(t: Tree): Tree {
  if (t instanceof RawNumber) return t;
  if (Array.isArray(t)) return t.map(structuredCloneTree);
  if (t && typeof t === 'object') return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, structuredCloneTree(v)]));
  return t;
}

/** Writes a tree as JSON text (RawNumbers verbatim), compact or indented. */
export function writeJson(tree: Tree, indent: number): string {
  const raws: string[] = [];
  const plain = JSON.stringify(
    tree,
    (_k, v) => {
      if (v instanceof RawNumber) {
        raws.push(v.text);
        return `\u0000raw${raws.length - 1}\u0000`;
      }
      return v;
    },
    indent || undefined,
  );
  return (plain ?? 'null').replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i) => raws[Number(i)]);
}

export interface TreeMutatorOptions {
  /** Real samples, parsed. */
  seeds: readonly Tree[];
  /** Keys to add (the dialects' own keys and a few foreign ones). */
  keys: readonly string[];
  /** Values of the dialects (actions, ops, arch names, syscall names, errno names). */
  words: readonly string[];
  maxEdits?: number;
}

/** A JSON value: a dictionary word, a number at an edge, or small generated JSON. */
export function treeValue(words: readonly string[]): fc.Arbitrary<Tree> {
  const w = words.length ? words : ['x'];
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...w) },
    { weight: 3, arbitrary: fc.constantFrom(...NUMBERS).map((n) => (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(n) ? new RawNumber(n) : n)) },
    { weight: 1, arbitrary: fc.constantFrom<Tree>(null, true, false, '', [], {}) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Tree> },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...w), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_CHARS).map((c) => `${w[0]}${c}`) },
  );
}

/** A real sample with 1..maxEdits structural edits, written as JSON. */
export function mutatedJsonTree(o: TreeMutatorOptions): fc.Arbitrary<Tree> {
  const value = treeValue(o.words);
  const op: fc.Arbitrary<TreeOp> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('set' as const), node: fc.nat(), value }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), node: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('add' as const), node: fc.nat(), key: fc.constantFrom(...o.keys), value }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('dup' as const), node: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('wrap' as const), node: fc.nat() }) },
  );
  return fc
    .tuple(fc.nat({ max: o.seeds.length - 1 }), fc.array(op, { minLength: 1, maxLength: o.maxEdits ?? 4 }))
    .map(([s, ops]) => ops.reduce((t, x) => applyTreeOp(t, x), structuredCloneTree(o.seeds[s])));
}

// ---------------------------------------------------------------------------
// Bytes

export type ByteOp = { t: 'flip'; at: number; bit: number } | { t: 'set'; at: number; v: number } | { t: 'del'; at: number; len: number } | { t: 'ins'; at: number; bytes: number[] } | { t: 'dup'; at: number; times: number };

/** A real binary sample (e.g. a .bpf program) with a few byte edits; `dup` repeats an 8-byte instruction. */
export function mutatedBytes(seeds: readonly Uint8Array[], maxLength = 64 * 1024): fc.Arbitrary<Uint8Array> {
  const op: fc.Arbitrary<ByteOp> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('set' as const), at: fc.nat(), v: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x06, 0x15, 0x20, 0x25, 0x35, 0x45, 0x05, 0x00, 0x02, 0x61, 0x87) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('del' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('ins' as const), at: fc.nat(), bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('dup' as const), at: fc.nat(), times: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: 20, max: 5000 }) }) }) },
  );
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(op, { minLength: 0, maxLength: 6 })).map(([s, ops]) => {
    let b = Array.from(seeds[s]);
    for (const x of ops) {
      const p = b.length ? x.at % b.length : 0;
      if (x.t === 'flip') { if (b.length) b[p] ^= 1 << x.bit; }
      else if (x.t === 'set') { if (b.length) b[p] = x.v; }
      else if (x.t === 'del') b.splice(p, x.len);
      else if (x.t === 'ins') b.splice(p, 0, ...x.bytes);
      else {
        const start = p - (p % 8);
        const ins = b.slice(start, start + 8);
        const times = Math.min(x.times, Math.floor((maxLength - b.length) / Math.max(1, ins.length)));
        const rep: number[] = [];
        for (let i = 0; i < times; i++) rep.push(...ins);
        b = [...b.slice(0, start), ...rep, ...b.slice(start)];
      }
    }
    return Uint8Array.from(b.slice(0, maxLength));
  });
}
