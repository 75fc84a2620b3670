/** Facts about the machine syswall runs on. */
import { release } from 'node:os';
import { ARCHES, type ArchInfo } from '../core/arch/arches.js';

/** The arch of this Node process, as a libseccomp arch. */
export function hostArch(): ArchInfo {
  switch (process.arch) {
    case 'x64': return ARCHES.x86_64;
    case 'ia32': return ARCHES.x86;
    case 'arm64': return ARCHES.aarch64;
    case 'arm': return ARCHES.arm;
    case 'riscv64': return ARCHES.riscv64;
    case 's390x': return ARCHES.s390x;
    case 's390': return ARCHES.s390;
    case 'ppc64': return (process as any).endianness === 'BE' || osEndianBig() ? ARCHES.ppc64 : ARCHES.ppc64le;
    case 'ppc': return ARCHES.ppc;
    case 'loong64': return ARCHES.loongarch64;
    case 'mips': return ARCHES.mips;
    case 'mipsel': return ARCHES.mipsel;
    default: return ARCHES.x86_64;
  }
}

function osEndianBig(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
}

/** The running kernel's version as [major, minor]. */
export function hostKernelVersion(): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Microseconds on the kernel's monotonic clock (the clock of /dev/kmsg timestamps). */
export function kernelClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
