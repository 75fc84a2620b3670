/**
 * YAML reading for the Kubernetes dialects: parses with the `yaml` package
 * (eemeli/yaml; pure JavaScript) and converts each document to the same
 * located tree as syswall's JSON parser, so the strict JSON readers (paths,
 * line:column, unknown keys) work on YAML too.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node as YNode } from 'yaml';
import { PolicyError } from '../errors.js';
import type { JsonNode, JsonObjectEntry } from './json-parse.js';

/** Options of {@link parseYamlDocuments}. */
export interface ParseYamlOptions {
  file?: string;
}

/** Deepest nesting of YAML collections read (block indentation levels or flow brackets), as for JSON. */
export const MAX_YAML_DEPTH = 256;
/** Most nodes one YAML stream may expand to, aliases included (a Docker profile is a few thousand). */
export const MAX_YAML_NODES = 200_000;
/** Most alias references (`*name`) one YAML stream may use. */
export const MAX_YAML_ALIASES = 10_000;

/**
 * The deepest nesting of the text, measured before parsing (the parser
 * recurses per level): flow brackets outside quotes and comments, and the
 * stack of block indentation levels.
 */
function nestingDepth(text: string): { depth: number; offset: number } {
  let best = { depth: 0, offset: 0 };
  let flow = 0;
  const indents: number[] = [];
  let i = 0;
  while (i < text.length) {
    // Start of a line: block indentation.
    let col = 0;
    while (text[i + col] === ' ') col++;
    const lineStart = i;
    const first = text[i + col];
    if (flow === 0 && first !== undefined && first !== '\n' && first !== '#') {
      while (indents.length && indents[indents.length - 1] >= col) indents.pop();
      indents.push(col);
      if (indents.length > best.depth) best = { depth: indents.length, offset: lineStart };
    }
    i += col;
    let quote: string | undefined;
    for (; i < text.length && text[i] !== '\n'; i++) {
      const c = text[i];
      if (quote) {
        if (c === quote && text[i - 1] !== '\\') quote = undefined;
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
        while (i < text.length && text[i] !== '\n') i++;
        break;
      } else if (c === '[' || c === '{') {
        flow++;
        if (indents.length + flow > best.depth) best = { depth: indents.length + flow, offset: i };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    i++;
  }
  return best;
}

/**
 * Parses a YAML stream into located trees, one per document. Throws
 * {@link PolicyError} `YAML_SYNTAX` with file:line:col on malformed YAML,
 * duplicate keys, or non-string keys.
 */
export function parseYamlDocuments(text: string, options: ParseYamlOptions = {}): JsonNode[] {
  const lc = new LineCounter();
  const file = options.file;
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col, offset };
  };
  const fail = (message: string, offset: number, hint?: string, code = 'YAML_SYNTAX'): never => {
    const p = at(offset);
    throw new PolicyError(code, message, { location: { ...(file !== undefined ? { file } : {}), line: p.line, column: p.column }, ...(hint ? { hint } : {}) });
  };
  const nesting = nestingDepth(text);
  if (nesting.depth > MAX_YAML_DEPTH) {
    const before = text.slice(0, nesting.offset);
    const line = before.split('\n').length;
    const column = nesting.offset - before.lastIndexOf('\n');
    throw new PolicyError('YAML_TOO_DEEP', `YAML nesting deeper than ${MAX_YAML_DEPTH} levels`, { location: { ...(file !== undefined ? { file } : {}), line, column }, hint: 'no seccomp profile nests this deep' });
  }
  const docs = parseAllDocuments(text, { lineCounter: lc, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  let nodes = 0;
  let aliases = 0;
  if (!Array.isArray(docs)) return [];
  const out: JsonNode[] = [];
  for (const doc of docs as Document.Parsed[]) {
    const e = doc.errors[0];
    if (e) fail(e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), e.pos[0]);
    // Each alias's target, in one pass: the last node with its anchor before
    // it (the yaml package's Alias.resolve walks the whole document per alias,
    // which made 10,000 aliases take half a minute).
    const targets = new Map<YNode, YNode | undefined>();
    const anchored = new Map<string, YNode>();
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) targets.set(node, anchored.get(node.source));
        else if (node.anchor) anchored.set(node.anchor, node);
      },
    });
    const conv = (n: YNode | null | undefined, fallback: number, depth: number): JsonNode => {
      if (depth > MAX_YAML_DEPTH) fail(`YAML nesting deeper than ${MAX_YAML_DEPTH} levels (through aliases)`, fallback, 'no seccomp profile nests this deep', 'YAML_TOO_DEEP');
      if (++nodes > MAX_YAML_NODES) fail(`YAML expands to more than ${MAX_YAML_NODES} nodes (aliases included): an alias bomb?`, fallback, 'write the profile without nested aliases', 'YAML_TOO_LARGE');
      if (n == null) return { type: 'null', ...at(fallback) };
      if (isAlias(n)) {
        if (++aliases > MAX_YAML_ALIASES) fail(`more than ${MAX_YAML_ALIASES} YAML alias references`, n.range?.[0] ?? fallback, 'write the profile without so many aliases', 'YAML_TOO_LARGE');
        return conv(targets.get(n), n.range?.[0] ?? fallback, depth + 1);
      }
      const start = n.range?.[0] ?? fallback;
      if (isMap(n)) {
        const entries: JsonObjectEntry[] = [];
        for (const pair of n.items) {
          const k = pair.key as YNode | null;
          const kOff = (k && k.range?.[0]) ?? start;
          const kv = isScalar(k) ? k.value : undefined;
          if (typeof kv !== 'string' && typeof kv !== 'number' && typeof kv !== 'bigint') return fail('expected a string key', kOff);
          const kp = at(kOff);
          entries.push({ key: String(kv), keyLine: kp.line, keyColumn: kp.column, value: conv(pair.value as YNode | null, kOff, depth + 1) });
        }
        return { type: 'object', entries, ...at(start) };
      }
      if (isSeq(n)) return { type: 'array', items: n.items.map((it) => conv(it as YNode | null, start, depth + 1)), ...at(start) };
      if (isScalar(n)) {
        const v = n.value;
        if (v === null || v === undefined) return { type: 'null', ...at(start) };
        if (typeof v === 'string') return { type: 'string', value: v, ...at(start) };
        if (typeof v === 'boolean') return { type: 'boolean', value: v, ...at(start) };
        if (typeof v === 'bigint') return { type: 'number', raw: v.toString(), ...at(start) };
        if (typeof v === 'number') return { type: 'number', raw: Number.isInteger(v) ? v.toFixed(0) : String(v), ...at(start) };
        return fail(`unsupported YAML value ${String(v)}`, start);
      }
      return fail('unsupported YAML node', start);
    };
    out.push(conv(doc.contents as YNode | null, 0, 0));
  }
  return out;
}
