/**
 * A small, strict JSON parser that remembers where every value starts
 * (line, column, offset), keeps numbers as their source text (so 64-bit
 * values survive exactly), and rejects duplicate keys. Errors carry the line
 * and column. Pure TypeScript: runs in a browser.
 */
import { PolicyError, type SourceLocation } from '../errors.js';

interface NodeBase {
  /** 1-based line of the value's first character. */
  readonly line: number;
  /** 1-based column of the value's first character. */
  readonly column: number;
  readonly offset: number;
}
export interface JsonObjectEntry {
  readonly key: string;
  readonly keyLine: number;
  readonly keyColumn: number;
  readonly value: JsonNode;
}
export interface JsonObject extends NodeBase { readonly type: 'object'; readonly entries: readonly JsonObjectEntry[] }
export interface JsonArray extends NodeBase { readonly type: 'array'; readonly items: readonly JsonNode[] }
export interface JsonString extends NodeBase { readonly type: 'string'; readonly value: string }
/** A number; `raw` is its exact source text (`-1`, `1e3`, `18446744073709551615`). */
export interface JsonNumber extends NodeBase { readonly type: 'number'; readonly raw: string }
export interface JsonBoolean extends NodeBase { readonly type: 'boolean'; readonly value: boolean }
export interface JsonNull extends NodeBase { readonly type: 'null' }
/** A parsed JSON value with its position. */
export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonBoolean | JsonNull;

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /** File name for error messages. */
  file?: string;
  /** Maximum nesting depth (default 256). */
  maxDepth?: number;
}

/** Parses JSON text into a located tree; throws {@link PolicyError} `JSON_SYNTAX` / `JSON_DUPLICATE_KEY` with line:column. */
export function parseJson(text: string, options: ParseJsonOptions = {}): JsonNode {
  return new Parser(text, options).parseDocument();
}

/** Human description of a node's type (`a string`, `an object`, ...). */
export function describeNode(node: JsonNode): string {
  switch (node.type) {
    case 'object': return 'an object';
    case 'array': return 'an array';
    case 'string': return `a string ("${node.value.length > 40 ? node.value.slice(0, 37) + '...' : node.value}")`;
    case 'number': return `a number (${node.raw})`;
    case 'boolean': return `${node.value}`;
    case 'null': return 'null';
  }
}

/** Converts a located tree back to a plain value (numbers as bigint when integral and unsafe, else number). */
export function toPlain(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]));
    case 'array': return node.items.map(toPlain);
    case 'string': case 'boolean': return node.value;
    case 'null': return null;
    case 'number': {
      const n = Number(node.raw);
      return /^-?\d+$/.test(node.raw) && !Number.isSafeInteger(n) ? BigInt(node.raw) : n;
    }
  }
}

class Parser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private depth = 0;
  private readonly maxDepth: number;

  constructor(private readonly text: string, private readonly options: ParseJsonOptions) {
    this.maxDepth = options.maxDepth ?? 256;
    if (text.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  parseDocument(): JsonNode {
    this.ws();
    if (this.pos >= this.text.length) this.fail('expected a JSON value, found end of input');
    const v = this.value();
    this.ws();
    if (this.pos < this.text.length) this.fail(`expected end of input after the JSON value, found ${this.found()}`);
    return v;
  }

  private loc(): SourceLocation {
    const l: SourceLocation = { line: this.line, column: this.pos - this.lineStart + 1 };
    if (this.options.file !== undefined) l.file = this.options.file;
    return l;
  }

  private fail(message: string, code = 'JSON_SYNTAX'): never {
    throw new PolicyError(code, `malformed JSON: ${message}`, { location: this.loc() });
  }

  private found(): string {
    if (this.pos >= this.text.length) return 'end of input';
    const c = this.text[this.pos];
    if (c === '\n') return 'a line break';
    const cp = this.text.codePointAt(this.pos)!;
    const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    if (cp < 0x20) return `control character ${u}`;
    // Characters that look like a space or nothing (a no-break space pasted from a web page): named, never shown as themselves.
    if (cp === 0xa0) return `a no-break space (${u}; JSON's spaces are space, tab and line breaks)`;
    if (/[\p{Z}\p{Cf}\p{Cc}]/u.test(String.fromCodePoint(cp))) return `an invisible character ${u}`;
    return `"${String.fromCodePoint(cp)}"`;
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d) this.pos++;
      else if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else break;
    }
  }

  private base(): NodeBase {
    return { line: this.line, column: this.pos - this.lineStart + 1, offset: this.pos };
  }

  private value(): JsonNode {
    const c = this.text[this.pos];
    switch (c) {
      case '{': return this.object();
      case '[': return this.array();
      case '"': { const b = this.base(); return { type: 'string', value: this.string(), ...b }; }
      case 't': case 'f': case 'n': return this.literal();
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        if (c === undefined) this.fail('expected a JSON value, found end of input');
        if (c === "'") this.fail('strings must use double quotes, found "\'"');
        return this.fail(`expected a JSON value, found ${this.found()}`);
    }
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
  }

  /** Opens an object or array (one level deeper); true, having closed it again, when it is empty. */
  private open(close: '}' | ']'): boolean {
    this.enter();
    this.pos++;
    this.ws();
    if (this.text[this.pos] !== close) return false;
    this.pos++;
    this.depth--;
    return true;
  }

  private object(): JsonObject {
    const b = this.base();
    const entries: JsonObjectEntry[] = [];
    const seen = new Set<string>();
    if (this.open('}')) return { type: 'object', entries, ...b };
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') {
        this.fail(this.text[this.pos] === '}' ? 'trailing comma before "}"' : `expected a key string, found ${this.found()}`);
      }
      const keyLine = this.line;
      const keyColumn = this.pos - this.lineStart + 1;
      const keyPos = this.pos;
      const key = this.string();
      if (seen.has(key)) {
        this.pos = keyPos;
        this.fail(`duplicate key "${key}"`, 'JSON_DUPLICATE_KEY');
      }
      seen.add(key);
      this.ws();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after key "${key}", found ${this.found()}`);
      this.pos++;
      this.ws();
      const value = this.value();
      entries.push({ key, keyLine, keyColumn, value });
      if (this.endOfItem('}', 'object')) break;
    }
    this.depth--;
    return { type: 'object', entries, ...b };
  }

  /** After an item: consumes "," (false: more items follow) or `close` (true: the end). */
  private endOfItem(close: '}' | ']', what: string): boolean {
    this.ws();
    const c = this.text[this.pos];
    if (c === ',' || c === close) {
      this.pos++;
      return c === close;
    }
    return this.fail(`expected "," or "${close}" in ${what}, found ${this.found()}`);
  }

  private array(): JsonArray {
    const b = this.base();
    const items: JsonNode[] = [];
    if (this.open(']')) return { type: 'array', items, ...b };
    for (;;) {
      this.ws();
      if (this.text[this.pos] === ']') this.fail('trailing comma before "]"');
      items.push(this.value());
      if (this.endOfItem(']', 'array')) break;
    }
    this.depth--;
    return { type: 'array', items, ...b };
  }

  private string(): string {
    const t = this.text;
    this.pos++;
    let out = '';
    let start = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail(`${this.found()} inside a string (escape it)`);
      if (c === 0x5c) {
        out += t.slice(start, this.pos);
        const e = t[this.pos + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && map[e] !== undefined) {
          out += map[e];
          this.pos += 2;
        } else if (e === 'u') {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos += 2;
            this.fail('bad \\u escape: expected 4 hex digits');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else {
          this.fail(`bad escape ${e === undefined ? 'at end of input' : `"\\${e}"`}`);
        }
        start = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private number(): JsonNumber {
    const b = this.base();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) {
      if (this.text[this.pos] === '-') this.pos++;
      this.fail(`bad number: expected a digit, found ${this.found()}`);
    }
    this.pos += m[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[0-9A-Za-z_.]/.test(next)) {
      this.fail(/^-?0\d/.test(m[0] + next) ? 'numbers cannot have leading zeros' : /[xX]/.test(next) ? 'JSON has no hex numbers (write decimal)' : `bad number: unexpected ${this.found()}`);
    }
    return { type: 'number', raw: m[0], ...b };
  }

  private literal(): JsonNode {
    const b = this.base();
    for (const [word, node] of [['true', { type: 'boolean', value: true }], ['false', { type: 'boolean', value: false }], ['null', { type: 'null' }]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { ...node, ...b } as JsonNode;
      }
    }
    return this.fail(`expected a JSON value, found ${this.found()}`);
  }
}
