/**
 * YAML reading for the Kubernetes dialects: parses with the `yaml` package
 * (eemeli/yaml; pure JavaScript) and converts each document to the same
 * located tree as syswall's JSON parser, so the strict JSON readers (paths,
 * line:column, unknown keys) work on YAML too.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YNode } from 'yaml';
import { PolicyError } from '../errors.js';
import type { JsonNode, JsonObjectEntry } from './json-parse.js';

/** Options of {@link parseYamlDocuments}. */
export interface ParseYamlOptions {
  file?: string;
}

/**
 * Parses a YAML stream into located trees, one per document. Throws
 * {@link PolicyError} `YAML_SYNTAX` with file:line:col on malformed YAML,
 * duplicate keys, or non-string keys.
 */
export function parseYamlDocuments(text: string, options: ParseYamlOptions = {}): JsonNode[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  const file = options.file;
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col, offset };
  };
  const fail = (message: string, offset: number, hint?: string): never => {
    const p = at(offset);
    throw new PolicyError('YAML_SYNTAX', message, { location: { ...(file !== undefined ? { file } : {}), line: p.line, column: p.column }, ...(hint ? { hint } : {}) });
  };
  if (!Array.isArray(docs)) return [];
  const out: JsonNode[] = [];
  for (const doc of docs as Document.Parsed[]) {
    const e = doc.errors[0];
    if (e) fail(e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), e.pos[0]);
    const conv = (n: YNode | null | undefined, fallback: number, depth: number): JsonNode => {
      if (depth > 256) fail('YAML nesting too deep', fallback);
      if (n == null) return { type: 'null', ...at(fallback) };
      if (isAlias(n)) return conv(n.resolve(doc) as YNode | undefined, n.range?.[0] ?? fallback, depth + 1);
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
