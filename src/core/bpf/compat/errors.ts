/**
 * The error `--compat seccomp-tools` raises where seccomp-tools 1.7.1 raises.
 * `stMessage` is the text of seccomp-tools' exception (for its assembler,
 * the `file:line:col message` block with the source line and carets), which
 * the CLI prints verbatim on stderr; `crash` marks a Ruby-level crash of
 * seccomp-tools (NoMethodError and the like) that syswall describes in its own
 * words instead of imitating.
 */
import { SyswallError, type SyswallErrorOptions } from '../../errors.js';

export class SeccompToolsError extends SyswallError {
  /** What seccomp-tools prints as its exception message. */
  readonly stMessage: string;
  /** True when seccomp-tools itself crashes here (no message of its own). */
  readonly crash: boolean;

  constructor(code: string, stMessage: string, options: SyswallErrorOptions & { crash?: boolean; message?: string } = {}) {
    super(code, options.message ?? stMessage.replace(/\n+$/, ''), options);
    this.stMessage = stMessage;
    this.crash = options.crash ?? false;
  }
}
Object.defineProperty(SeccompToolsError.prototype, 'name', { value: 'SeccompToolsError', enumerable: false });
