/**
 * Strict reading of a located JSON tree: every error names the JSON path and
 * the line:column in the file, unknown keys and wrong types are errors.
 */
import { PolicyError, type SourceLocation } from '../errors.js';
import { describeNode, type JsonNode } from './json-parse.js';

/** A non-fatal finding from reading or resolving a policy. */
export interface PolicyWarning {
  /** Stable code, e.g. `UNKNOWN_SYSCALL`, `RULE_EQUALS_DEFAULT`, `SAME_ARG_SPLIT`. */
  readonly code: string;
  /** `warning`: probably a mistake or a change of meaning; `info`: what a runtime silently does. */
  readonly severity: 'warning' | 'info';
  /** One line, without the location prefix. */
  readonly message: string;
  readonly location?: SourceLocation;
  /** Syscall names concerned, where relevant. */
  readonly names?: readonly string[];
}

/** Renders a warning as `file:line:col: $.path: message`. */
export function formatWarning(w: PolicyWarning): string {
  const l = w.location;
  if (!l) return w.message;
  const head = [l.file, l.line, l.column].filter((x) => x !== undefined).join(':');
  return [head, l.path, w.message].filter((x) => x !== undefined && x !== '').join(': ');
}

/** `$.a.b[3]`-style child path. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A value together with where it was found. */
export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
}

/** A present key of an object: its node and path. */
export interface Field {
  readonly node: JsonNode;
  readonly path: string;
}

/** Reads typed values out of a located JSON tree. */
export class JsonReader {
  constructor(readonly file?: string) {}

  /** The location of `node` at `path`. */
  loc(node: { line: number; column: number }, path: string): SourceLocation {
    const l: SourceLocation = { line: node.line, column: node.column, path };
    if (this.file !== undefined) l.file = this.file;
    return l;
  }

  /** An input error at `node`. */
  error(code: string, message: string, node: { line: number; column: number }, path: string, hint?: string): PolicyError {
    return new PolicyError(code, message, { location: this.loc(node, path), hint });
  }

  private typeError(expected: string, node: JsonNode, path: string): PolicyError {
    return this.error('POLICY_TYPE', `expected ${expected}, found ${describeNode(node)}`, node, path);
  }

  /**
   * Reads an object with the given allowed keys; null values count as absent
   * (as in the Go runtimes). `unknownHint(key)` may explain a key that
   * belongs to another dialect.
   */
  object(node: JsonNode, path: string, allowed: readonly string[], unknownHint?: (key: string) => string | undefined): Map<string, Field> {
    if (node.type !== 'object') throw this.typeError('an object', node, path);
    const out = new Map<string, Field>();
    for (const e of node.entries) {
      const p = childPath(path, e.key);
      if (!allowed.includes(e.key)) {
        const hint = unknownHint?.(e.key) ?? closeKey(e.key, allowed) ?? `allowed keys: ${allowed.join(', ')}`;
        throw this.error('UNKNOWN_KEY', `unknown key "${e.key}"`, { line: e.keyLine, column: e.keyColumn }, p, hint);
      }
      if (e.value.type === 'null') continue;
      out.set(e.key, { node: e.value, path: p });
    }
    return out;
  }

  /** A required field, or an error naming the object. */
  required(fields: Map<string, Field>, key: string, objNode: JsonNode, objPath: string): Field {
    const f = fields.get(key);
    if (!f) throw this.error('MISSING_KEY', `missing required key "${key}"`, objNode, objPath);
    return f;
  }

  string(f: Field): string {
    if (f.node.type !== 'string') throw this.typeError('a string', f.node, f.path);
    return f.node.value;
  }

  bool(f: Field): boolean {
    if (f.node.type !== 'boolean') throw this.typeError('true or false', f.node, f.path);
    return f.node.value;
  }

  /** Array items with their paths. */
  array(f: Field): Field[] {
    if (f.node.type !== 'array') throw this.typeError('an array', f.node, f.path);
    return f.node.items.map((node, i) => ({ node, path: childPath(f.path, i) }));
  }

  /** An array of strings. */
  strings(f: Field): Located<string>[] {
    return this.array(f).map((it) => ({ value: this.string(it), location: this.loc(it.node, it.path) }));
  }

  /**
   * An unsigned integer of at most `bits` bits. JSON numbers must be plain
   * integers; with `allowStrings`, strings in decimal or 0x hex are accepted too.
   */
  uint(f: Field, bits: 8 | 16 | 32 | 64, allowStrings = false): bigint {
    const n = f.node;
    let text: string;
    if (n.type === 'number') text = n.raw;
    else if (n.type === 'string' && allowStrings) text = n.value.trim().replace(/_/g, '');
    else throw this.typeError(allowStrings ? 'an unsigned integer (number, or string in decimal or 0x hex)' : 'an unsigned integer', n, f.path);
    let v: bigint;
    if (/^\d+$/.test(text)) v = BigInt(text);
    else if (allowStrings && n.type === 'string' && /^0x[0-9a-f]+$/i.test(text)) v = BigInt(text);
    else if (n.type === 'number' && /^-/.test(text)) throw this.error('POLICY_RANGE', `expected an unsigned integer, found negative ${text}`, n, f.path, 'write negative C values sign-extended, e.g. -1 as 18446744073709551615 (64-bit) or 4294967295 (32-bit)');
    else throw this.error('POLICY_TYPE', `expected an unsigned integer, found ${describeNode(n)}`, n, f.path);
    if (v >= 1n << BigInt(bits)) throw this.error('POLICY_RANGE', `${text} does not fit in ${bits} bits (max ${(1n << BigInt(bits)) - 1n})`, n, f.path);
    return v;
  }

  /** A small unsigned integer as a number. */
  uintNumber(f: Field, bits: 8 | 16 | 32, allowStrings = false): number {
    return Number(this.uint(f, bits, allowStrings));
  }
}

function closeKey(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === k || a.toLowerCase().replace(/_/g, '') === k.replace(/[_-]/g, ''));
  return hit ? `did you mean "${hit}"?` : undefined;
}
