/**
 * Playground state and its shareable form: the whole state as JSON, deflated
 * with CompressionStream('deflate-raw') where the browser has it, then
 * base64url, in the URL hash (`#z.<data>`; `#b.<data>` is plain base64url
 * JSON, used when compression is unavailable). Nothing leaves the page.
 */
import { isInputMode, type InputMode } from './engine.js';

/** Everything needed to restore the page. */
export interface State {
  /** Editor text (policy, assembly or hex). */
  text: string;
  mode: InputMode;
  /** Arch for assembly/hex input and the host arch for Docker profiles. */
  arch: string;
  /** Host kernel for Docker profiles' minKernel ('' = treated as met). */
  kernel: string;
  /** Firecracker thread or SPO profile name ('' = the file has only one). */
  pick: string;
  /** Emulator inputs. */
  emu: { arch: string; syscall: string; args: string[]; ip: string };
  /** Second input for the diff view ('' when unused). */
  diffText: string;
}

export const DEFAULT_STATE: State = {
  text: '',
  mode: 'auto',
  arch: 'x86_64',
  kernel: '',
  pick: '',
  emu: { arch: 'x86_64', syscall: '', args: ['', '', '', '', '', ''], ip: '' },
  diffText: '',
};

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

const hasCompression = () => typeof CompressionStream !== 'undefined' && typeof DecompressionStream !== 'undefined';

/** Encodes a state for the URL hash (without the `#`). */
export async function encodeState(state: State, compress = hasCompression()): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, ...state }));
  if (compress) return 'z.' + toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
  return 'b.' + toBase64Url(json);
}

/** Decodes a hash (with or without `#`); undefined when it holds no state. Throws on a damaged one. */
export async function decodeState(hash: string): Promise<State | undefined> {
  const h = hash.replace(/^#/, '');
  if (!h) return undefined;
  const [tag, data] = [h.slice(0, 2), h.slice(2)];
  let bytes: Uint8Array;
  if (tag === 'z.') {
    if (!hasCompression()) throw new Error('this browser cannot decompress the shared link (no DecompressionStream)');
    bytes = await pipe(fromBase64Url(data), new DecompressionStream('deflate-raw'));
  } else if (tag === 'b.') {
    bytes = fromBase64Url(data);
  } else {
    return undefined;
  }
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as Partial<State> & { v?: number };
  if (raw.v !== 1) throw new Error(`unsupported link version ${String(raw.v)}`);
  const emu = { ...DEFAULT_STATE.emu, ...(raw.emu ?? {}) };
  return {
    text: typeof raw.text === 'string' ? raw.text : '',
    mode: raw.mode === undefined ? 'auto' : isInputMode(raw.mode) ? raw.mode : badMode(raw.mode),
    arch: typeof raw.arch === 'string' ? raw.arch : DEFAULT_STATE.arch,
    kernel: typeof raw.kernel === 'string' ? raw.kernel : '',
    pick: typeof raw.pick === 'string' ? raw.pick : '',
    emu: { ...emu, args: [0, 1, 2, 3, 4, 5].map((i) => String(emu.args?.[i] ?? '')) },
    diffText: typeof raw.diffText === 'string' ? raw.diffText : '',
  };
}

function badMode(mode: unknown): never {
  throw new Error(`unknown input mode ${JSON.stringify(mode)}`);
}
