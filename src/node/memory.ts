/**
 * Reading another process's memory through /proc/PID/mem, for the
 * user-notification supervisor: C strings, paths, raw bytes and fixed-size
 * structs at addresses taken from syscall arguments.
 *
 * Reads never throw for bad addresses: unreadable memory (unmapped, or the
 * process is gone) gives `undefined`, as strace prints such a pointer in hex.
 * Opening needs ptrace access to the process (same user and a descendant
 * under Yama's ptrace_scope=1, or CAP_SYS_PTRACE).
 *
 * Everything read here is a snapshot: the process (or another thread of it)
 * can change the memory right after we read it. See docs/supervisor.md.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ArchInfo } from '../core/arch/arches.js';
import { ARCHES } from '../core/arch/arches.js';
import type { MemoryReader } from '../core/decode/format.js';
import { PATH_MAX } from '../core/decode/format.js';

/** A field type of {@link ProcessMemory.readStruct}. `long`, `ulong` and `ptr` have the arch's word size. */
export type StructFieldType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'long' | 'ulong' | 'ptr';

/** A struct layout: fields in declaration order, laid out with C's natural alignment. */
export type StructLayout = readonly (readonly [name: string, type: StructFieldType])[];

/** The value read for a layout: numbers for fields up to 32 bits, bigints for wider ones. */
export type StructValue<L extends StructLayout> = { [K in L[number] as K[0]]: K[1] extends 'u64' | 'i64' | 'long' | 'ulong' | 'ptr' ? bigint : number };

const MAX_READ = 1 << 20;

/** Size and alignment of a field type on an arch. */
function fieldSize(type: StructFieldType, arch: ArchInfo): number {
  switch (type) {
    case 'u8': case 'i8': return 1;
    case 'u16': case 'i16': return 2;
    case 'u32': case 'i32': return 4;
    case 'u64': case 'i64': return 8;
    default: return arch.bits / 8;
  }
}

/** Byte offsets and total size of a struct layout under C's natural alignment (x86's 4-byte u64 alignment ignored). */
export function structLayoutOffsets(layout: StructLayout, arch: ArchInfo = ARCHES.x86_64): { offsets: number[]; size: number } {
  let off = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const [, type] of layout) {
    const size = fieldSize(type, arch);
    const align = arch.name === 'x86' && size === 8 ? 4 : size;
    maxAlign = Math.max(maxAlign, align);
    off = Math.ceil(off / align) * align;
    offsets.push(off);
    off += size;
  }
  return { offsets, size: Math.ceil(off / maxAlign) * maxAlign };
}

/** Memory of one process, read through /proc/PID/mem (opened lazily, closed with {@link close}). */
export class ProcessMemory implements MemoryReader {
  readonly pid: number;
  readonly arch: ArchInfo;
  private fd: number | undefined;
  private failed = false;
  /** Called once, right after /proc/PID/mem is opened; returning false marks the memory unreadable (the notification is stale). */
  private readonly onOpen: (() => boolean) | undefined;

  constructor(pid: number, arch: ArchInfo = ARCHES.x86_64, onOpen?: () => boolean) {
    this.pid = pid;
    this.arch = arch;
    this.onOpen = onOpen;
  }

  private open(): number | undefined {
    if (this.fd !== undefined) return this.fd;
    if (this.failed) return undefined;
    try {
      this.fd = openSync(`/proc/${this.pid}/mem`, 'r');
    } catch {
      this.failed = true;
      return undefined;
    }
    if (this.onOpen && !this.onOpen()) {
      this.close();
      this.failed = true;
      return undefined;
    }
    return this.fd;
  }

  /** Whether /proc/PID/mem was opened (memory was read). */
  get opened(): boolean {
    return this.fd !== undefined;
  }

  /** Up to `len` bytes at `addr` (fewer at the end of a mapping); undefined if nothing is readable. */
  readBytes(addr: bigint, len: number): Uint8Array | undefined {
    if (len <= 0) return new Uint8Array(0);
    if (addr <= 0n || addr >= 1n << 63n) return undefined;
    const fd = this.open();
    if (fd === undefined) return undefined;
    const n = Math.min(len, MAX_READ);
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      let r: number;
      try {
        r = readSync(fd, buf, got, n - got, addr + BigInt(got));
      } catch {
        break;
      }
      if (r <= 0) break;
      got += r;
    }
    if (got === 0) return undefined;
    return new Uint8Array(buf.buffer, buf.byteOffset, got);
  }

  /**
   * The bytes of the NUL-terminated string at `addr`, without the NUL, at most
   * `max` bytes; reads in page-bounded chunks so a string ending just before
   * an unmapped page is still read.
   */
  readCString(addr: bigint, max: number): Uint8Array | undefined {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let at = addr;
    while (total < max) {
      const toPage = 4096 - Number(at & 4095n);
      const want = Math.min(toPage, 256, max - total);
      const b = this.readBytes(at, want);
      if (!b) {
        if (total === 0) return undefined;
        break;
      }
      const nul = b.indexOf(0);
      if (nul >= 0) {
        chunks.push(b.subarray(0, nul));
        total += nul;
        break;
      }
      chunks.push(b);
      total += b.length;
      at += BigInt(b.length);
      if (b.length < want) break;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  /** The C string at `addr` decoded as UTF-8 (at most `max` bytes, default 4096); undefined if unreadable. */
  readString(addr: bigint, max = PATH_MAX): string | undefined {
    const b = this.readCString(addr, max);
    return b ? Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8') : undefined;
  }

  /** A path argument (up to PATH_MAX - 1 bytes); undefined if unreadable or longer than the kernel accepts. */
  readPath(addr: bigint): string | undefined {
    const b = this.readCString(addr, PATH_MAX);
    if (!b || b.length >= PATH_MAX) return undefined;
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }

  /**
   * A fixed-size struct at `addr`, laid out as C would on this process's arch
   * (natural alignment, the arch's byte order); undefined if not fully readable.
   * `readStruct(addr, [['flags', 'u64'], ['mode', 'u64'], ['resolve', 'u64']])`.
   */
  readStruct<L extends StructLayout>(addr: bigint, layout: L): StructValue<L> | undefined {
    const { offsets, size } = structLayoutOffsets(layout, this.arch);
    const b = this.readBytes(addr, size);
    if (!b || b.length < size) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const le = this.arch.endian === 'little';
    const out: Record<string, number | bigint> = {};
    layout.forEach(([name, type], i) => {
      const o = offsets[i];
      const wide = fieldSize(type, this.arch) === 8;
      switch (type) {
        case 'u8': out[name] = dv.getUint8(o); break;
        case 'i8': out[name] = dv.getInt8(o); break;
        case 'u16': out[name] = dv.getUint16(o, le); break;
        case 'i16': out[name] = dv.getInt16(o, le); break;
        case 'u32': out[name] = dv.getUint32(o, le); break;
        case 'i32': out[name] = dv.getInt32(o, le); break;
        case 'u64': out[name] = dv.getBigUint64(o, le); break;
        case 'i64': out[name] = dv.getBigInt64(o, le); break;
        case 'long': out[name] = wide ? dv.getBigInt64(o, le) : BigInt(dv.getInt32(o, le)); break;
        case 'ulong': case 'ptr': out[name] = wide ? dv.getBigUint64(o, le) : BigInt(dv.getUint32(o, le)); break;
      }
    });
    return out as StructValue<L>;
  }

  /** Closes /proc/PID/mem (further reads reopen it). */
  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
  }
}
