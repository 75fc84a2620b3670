import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHES } from '../core/arch/arches.js';
import { formatSyscall } from '../core/decode/format.js';
import { ProcessMemory, structLayoutOffsets } from './memory.js';

const PY = '/usr/bin/python3';

// A child that lays out known bytes in its memory, prints their addresses and waits.
const SCRIPT = String.raw`
import ctypes, sys, mmap
s = ctypes.create_string_buffer(b"/tmp/some path\n\"q\"")
long = ctypes.create_string_buffer(b"L" * 5000)
class S(ctypes.Structure):
    _fields_ = [("a", ctypes.c_uint8), ("b", ctypes.c_uint32), ("c", ctypes.c_uint64), ("d", ctypes.c_int16), ("p", ctypes.c_void_p), ("e", ctypes.c_int32)]
st = S(7, 0xdeadbeef, 0x1122334455667788, -2, 0x7fff0000, -5)
# A string that ends exactly at the end of a mapping followed by an unmapped page.
m = mmap.mmap(-1, 8192)
base = ctypes.addressof(ctypes.c_char.from_buffer(m))
import ctypes.util
libc = ctypes.CDLL(None)
libc.munmap(ctypes.c_void_p(base + 4096), 4096)
tail = b"edge\0"
ctypes.memmove(base + 4096 - len(tail), tail, len(tail))
print(ctypes.addressof(s), ctypes.addressof(long), ctypes.addressof(st), ctypes.sizeof(S), base + 4096 - len(tail), base + 4096, flush=True)
sys.stdin.read()
`;

describe('ProcessMemory (/proc/PID/mem of a live child)', () => {
  let child: ReturnType<typeof spawn>;
  let addrs: bigint[] = [];
  let structSize = 0;

  beforeAll(async () => {
    child = spawn(PY, ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.on('error', (e) => {
      throw new Error(`cannot run ${PY} (apt-get install python3): ${e.message}`);
    });
    const line = await new Promise<string>((res) => createInterface({ input: child.stdout! }).once('line', res));
    const nums = line.trim().split(' ').map((x) => BigInt(x));
    structSize = Number(nums[3]);
    addrs = nums;
  });
  afterAll(() => {
    child.stdin?.end();
    child.kill('SIGKILL');
  });

  it('reads strings, paths and bytes', () => {
    const mem = new ProcessMemory(child.pid!);
    expect(mem.readString(addrs[0])).toBe('/tmp/some path\n"q"');
    expect(mem.readPath(addrs[0])).toBe('/tmp/some path\n"q"');
    expect(mem.readString(addrs[0], 4)).toBe('/tmp');
    expect(Array.from(mem.readBytes(addrs[0], 4)!)).toEqual([0x2f, 0x74, 0x6d, 0x70]);
    expect(mem.readString(addrs[1], 100_000)?.length).toBe(5000);
    // Too long for a path (PATH_MAX).
    expect(mem.readPath(addrs[1])).toBeUndefined();
    mem.close();
  });

  it('reads a string that ends right before an unmapped page, and not past it', () => {
    const mem = new ProcessMemory(child.pid!);
    expect(mem.readString(addrs[4])).toBe('edge');
    expect(mem.readBytes(addrs[4], 100)?.length).toBe(5);
    expect(mem.readBytes(addrs[5], 8)).toBeUndefined();
    expect(mem.readString(0n)).toBeUndefined();
    expect(mem.readString(0xffffffffffff0000n)).toBeUndefined();
    mem.close();
  });

  it('reads a struct with C alignment', () => {
    const layout = [['a', 'u8'], ['b', 'u32'], ['c', 'u64'], ['d', 'i16'], ['p', 'ptr'], ['e', 'i32']] as const;
    expect(structLayoutOffsets(layout, ARCHES.x86_64)).toEqual({ offsets: [0, 4, 8, 16, 24, 32], size: 40 });
    expect(structLayoutOffsets(layout, ARCHES.x86_64).size).toBe(structSize);
    const mem = new ProcessMemory(child.pid!);
    expect(mem.readStruct(addrs[2], layout)).toEqual({ a: 7, b: 0xdeadbeef, c: 0x1122334455667788n, d: -2, p: 0x7fff0000n, e: -5 });
    mem.close();
  });

  it('feeds the strace-like decoder', () => {
    const mem = new ProcessMemory(child.pid!);
    expect(formatSyscall('mkdir', [addrs[0], 0o700n], mem)).toBe('mkdir("/tmp/some path\\n\\"q\\"", 0700)');
    mem.close();
  });

  it('gives undefined for a process that does not exist', () => {
    const mem = new ProcessMemory(0x3fffffff);
    expect(mem.readString(addrs[0])).toBeUndefined();
    expect(mem.opened).toBe(false);
  });

  it('marks memory unreadable when the open check fails (stale notification)', () => {
    const mem = new ProcessMemory(child.pid!, ARCHES.x86_64, () => false);
    expect(mem.readString(addrs[0])).toBeUndefined();
  });
});
