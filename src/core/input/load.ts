/**
 * From any input to a program: the door (src/core/formats/door.ts) reads
 * the text or bytes into a policy or a program, and a policy is compiled
 * with the one set of defaults (src/core/defaults.ts). Every command, the
 * Node API (`run --profile`, `record --merge`) and the playground go through
 * {@link loadInput}, so they all see the same filter for the same input.
 */
import { resolveArch, type ArchInfo, type Endian } from '../arch/arches.js';
import type { Instruction } from '../bpf/instruction.js';
import { compilePolicy, type CompiledFilter } from '../compile/compile.js';
import { DEFAULTS, type EnosysMode, type Settings } from '../defaults.js';
import { checkedArches } from '../bpf/disasm.js';
import { readInput, type DoorInput, type DoorOptions, type InputPolicy } from '../formats/door.js';
import type { Policy } from '../policy/types.js';

/** Options of {@link loadInput}: the door's, plus the compiler's. */
export interface LoadOptions extends DoorOptions {
  /** ENOSYS mode (default {@link DEFAULTS}.enosys). */
  enosys?: EnosysMode;
  /** The filter's arches instead of the policy's (`compile --arch A,B`). */
  arches?: readonly string[];
  /** Syscall frequencies for the search tree (added to a minijail file's own `@frequency`). */
  frequencies?: Readonly<Record<string, number>>;
}

/** An input ready for analysis, output or loading. */
export interface LoadedInput {
  /** What the door read. */
  readonly input: DoorInput;
  /** The program: the input's, or the policy's compiled filter. */
  readonly program: Instruction[];
  readonly endian: Endian;
  /** The arches the program decides for: the compiled filter's, or the ones a program checks (or was given). */
  readonly arches: readonly ArchInfo[];
  /** For policies: the compiled filter. */
  readonly compiled?: CompiledFilter;
  /** For policies: the settings it was compiled with (for `--verbose`/`--stats`). */
  readonly settings?: Settings;
  readonly file?: string;
}

/** The settings a policy input is compiled with. */
export function settingsOf(input: InputPolicy, enosys: EnosysMode = DEFAULTS.enosys): Settings {
  const k = input.context.kernel;
  return {
    enosys,
    ...(input.compat ? { compat: input.compat } : {}),
    arch: input.context.arch.name,
    ...(k ? { kernel: `${k[0]}.${k[1]}` } : {}),
    caps: [...input.context.caps],
  };
}

/** Compiles a policy read through the door with the defaults (and `options`). */
export function compileInput(input: InputPolicy, options: Pick<LoadOptions, 'enosys' | 'arches' | 'frequencies'> = {}): CompiledFilter {
  let policy: Policy = input.policy;
  if (options.arches && options.arches.length > 1) policy = { ...policy, arches: options.arches.map((a) => resolveArch(a).name) };
  const frequencies = input.frequencies || options.frequencies ? { ...input.frequencies, ...options.frequencies } : undefined;
  return compilePolicy(policy, { enosys: options.enosys ?? DEFAULTS.enosys, ...(frequencies ? { frequencies } : {}) });
}

/** Reads any input through the door and compiles policies with the defaults. */
export function loadInput(data: Uint8Array | string, options: LoadOptions = {}): LoadedInput {
  const input = readInput(data, options);
  const file = options.file;
  if (input.type === 'program') {
    const checked = checkedArches(input.program).filter((a) => a.endian === input.endian);
    const arches = checked.length ? checked : input.arch ? [input.arch] : [];
    return { input, program: input.program, endian: input.endian, arches, ...(file !== undefined ? { file } : {}) };
  }
  const compiled = compileInput(input, options);
  return {
    input, program: compiled.instructions, endian: compiled.endian, arches: compiled.arches, compiled,
    settings: settingsOf(input, options.enosys ?? DEFAULTS.enosys), ...(file !== undefined ? { file } : {}),
  };
}
