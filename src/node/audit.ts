/**
 * The kernel's own record of a seccomp decision: audit records of type 1326
 * (AUDIT_SECCOMP) in /dev/kmsg, which the kernel prints for KILL actions, for
 * LOG, and for every non-ALLOW action of a filter with
 * SECCOMP_FILTER_FLAG_LOG. Reading /dev/kmsg needs CAP_SYSLOG (root) on most
 * systems; without it the functions here find nothing.
 */
import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';
import { archesByToken, X32_SYSCALL_BIT } from '../core/arch/arches.js';
import { syscallName } from '../core/arch/syscalls.js';
import { decodeReturn, raisesSigsys } from '../core/bpf/actions.js';

/** One seccomp audit record. */
export interface SeccompAuditRecord {
  /** Kernel timestamp of the record, in microseconds since boot. */
  timestampUs: number;
  /** The process (as the kernel's initial PID namespace numbers it). */
  pid: number;
  /** The signal delivered (31 for SIGSYS), 0 for none. */
  sig: number;
  /** AUDIT_ARCH token. */
  arch: number;
  nr: number;
  /** The action the filter returned (SECCOMP_RET_* with its data masked off). */
  code: number;
  /** `KILL_PROCESS on mkdir (x86_64 nr 83)`. */
  text: string;
}

/** The SIGSYS-raising action kind of an action value, or undefined. */
export function sigsysKind(value: number): string | undefined {
  return raisesSigsys(value) ? decodeReturn(value).kind : undefined;
}

/** Parses one /dev/kmsg record; undefined when it is not a seccomp audit record. */
export function parseKmsgRecord(line: string): SeccompAuditRecord | undefined {
  if (!line.includes('type=1326')) return undefined;
  const ts = Number(line.split(',')[2]);
  const field = (name: string, re: string) => new RegExp(`[ :]${name}=(${re})(?: |$)`, 'm').exec(line)?.[1];
  const pid = field('pid', '\\d+');
  const sig = field('sig', '\\d+');
  const archHex = field('arch', '[0-9a-f]+');
  const nrText = field('syscall', '\\d+');
  const codeHex = field('code', '0x[0-9a-f]+');
  if (pid === undefined || archHex === undefined || nrText === undefined || codeHex === undefined || !Number.isFinite(ts)) return undefined;
  const token = parseInt(archHex, 16);
  const nr = Number(nrText);
  const code = parseInt(codeHex, 16) >>> 0;
  const arch = archesByToken(token).find((a) => !!a.x32 === ((nr & X32_SYSCALL_BIT) !== 0)) ?? archesByToken(token)[0];
  const name = arch ? syscallName(arch, nr) : undefined;
  const kind = sigsysKind(code) ?? `0x${code.toString(16)}`;
  return {
    timestampUs: ts, pid: Number(pid), sig: Number(sig ?? 0), arch: token, nr, code,
    text: `${kind} on ${name ?? 'syscall'} (${arch?.name ?? '0x' + token.toString(16)} nr ${nr})`,
  };
}

/** Every seccomp audit record in /dev/kmsg now (empty when it cannot be read). */
export function readSeccompAudit(): SeccompAuditRecord[] {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return [];
  }
  const out: SeccompAuditRecord[] = [];
  try {
    const buf = Buffer.alloc(8192);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') continue; // records overwritten meanwhile
        break; // EAGAIN: the end
      }
      const rec = parseKmsgRecord(buf.toString('utf8', 0, n));
      if (rec) out.push(rec);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/**
 * The kernel's record of the seccomp SIGSYS that killed `pid` (no older than
 * `sinceUs` on the kernel's clock, against pid reuse): e.g. `KILL_PROCESS on
 * mkdir (x86_64 nr 83)`. Retries briefly: the record may land after the exit
 * is seen. Undefined when there is none or /dev/kmsg is not readable.
 */
export async function seccompKillRecord(pid: number, sinceUs: number): Promise<string | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = readSeccompAudit().filter((r) => r.pid === pid && r.sig === 31 && r.timestampUs >= sinceUs && sigsysKind(r.code));
    if (found.length) return found[found.length - 1].text;
    await new Promise((res) => setTimeout(res, 40));
  }
  return undefined;
}
