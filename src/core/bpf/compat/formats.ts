/**
 * `asm -f FORMAT --compat seccomp-tools`: seccomp-tools 1.7.1's output
 * formats, byte for byte: `inspect` (Ruby's String#inspect), `raw`,
 * `c_array` / `carray`, `c_source` and `assembly` from its own templates
 * (amd64, i386 and s390x only: seccomp-tools has no assembly template for
 * aarch64 and riscv64 and fails there).
 */
import { rubyInspect } from '../formats.js';
import { SeccompToolsError } from './errors.js';
import { ST_TEMPLATES } from './seccomp-tools.generated.js';
import type { StArch } from './tables.js';

export const ST_FORMATS = ['inspect', 'raw', 'c_array', 'carray', 'c_source', 'assembly'] as const;
export type StFormat = (typeof ST_FORMATS)[number];

/** Renders assembled bytes as `seccomp-tools asm -f format` does; `raw` returns the bytes. */
export function stFormat(bytes: Uint8Array, format: StFormat, arch: StArch): string | Uint8Array {
  const decimal = () => Array.from(bytes).join(',');
  switch (format) {
    case 'inspect':
      return rubyInspect(bytes);
    case 'raw':
      return bytes;
    case 'c_array':
    case 'carray':
      return `unsigned char bpf[] = {${decimal()}};\n`;
    case 'c_source':
      return ST_TEMPLATES['asm.c'].replace('<TO_BE_REPLACED>', () => decimal());
    case 'assembly': {
      const t = ST_TEMPLATES[`asm.${arch}.asm`];
      if (t === undefined) {
        throw new SeccompToolsError('ST_NO_TEMPLATE', `No such file or directory @ rb_sysopen - lib/seccomp-tools/templates/asm.${arch}.asm`, {
          crash: true,
          message: `seccomp-tools 1.7.1 has no assembly template for ${arch} (it fails with Errno::ENOENT)`,
          hint: 'templates exist for amd64, i386 and s390x',
        });
      }
      return t.replace('<TO_BE_REPLACED>', () => Array.from(bytes, (b) => '\\' + b.toString(8).padStart(3, '0')).join(''));
    }
  }
}
