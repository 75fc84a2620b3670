/**
 * Fuzz: the JSON policy dialects (OCI, Docker/moby, containers-common,
 * syswall, Firecracker) through the one input door (src/core/formats/door.ts),
 * structure-aware and as text, and the compiler behind it. Every case ends in a policy or a clean
 * SyswallError (see harness.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { readInput, INPUT_KINDS, type InputKindOption, type InputPolicy } from '../../src/core/formats/door.js';
import { compileInput } from '../../src/core/input/load.js';
import { clean, fuzz, watchdog } from './harness.js';
import { mutatedJsonTree, mutatedText, writeJson } from './mutate.js';
import { COMMON_WORDS, FIRECRACKER, JSON_POLICIES, JSON_POLICY_FILES, jsonTree, keysOf, stringsOf } from './seeds.js';

const JSON_NESTING = [['[', ']'], ['{"a":', '}'], ['{"syscalls":[', ']}'], ['[{"names":', '}]']] as const;
/** The samples small enough to compile in every case (the big profiles are parsed but compiled only in the CLI fuzz). */
const SMALL = JSON_POLICIES.filter((t) => t.length < 4000);
const TREES = JSON_POLICIES.map(jsonTree);
const SMALL_TREES = SMALL.map(jsonTree);
const KEYS = [...keysOf(TREES), 'badArchAction', 'noNewPrivs', 'groups', 'width', 'listenerPath', 'defaultErrno', 'errno', 'minKernel', 'archMap', 'subArchitectures', 'linux', 'seccomp', 'default_action', 'filter'];
const WORDS = [...new Set([...stringsOf(TREES).filter((s) => s.length < 40), ...COMMON_WORDS])];
const CONTEXT = { arch: 'x86_64', kernel: '6.1' };
/** A dialect forced, or detection (undefined). */
const kindArb = fc.constantFrom<InputKindOption | undefined>(undefined, undefined, undefined, ...INPUT_KINDS);

let stop: () => void;
beforeAll(() => {
  stop = watchdog('test/fuzz/policies.test.ts', 300);
});
afterAll(() => stop());

describe('fuzz: JSON policy dialects', () => {
  it(`structure-aware mutations of ${JSON_POLICY_FILES.length} real profiles, read and compiled`, () => {
    fuzz(
      'json-tree',
      fc.tuple(mutatedJsonTree({ seeds: SMALL_TREES, keys: KEYS, words: WORDS }), fc.nat({ max: 2 }), kindArb),
      ([tree, indent, kind]) => {
        const text = writeJson(tree, indent);
        const r = clean(() => readInput(text, { file: 'fuzz.json', context: CONTEXT, ...(kind ? { kind } : {}) }));
        if (r.ok && (r.value as { type: string }).type === 'policy') clean(() => compileInput(r.value as InputPolicy));
      },
    );
  });

  it('structure-aware mutations of the big profiles (Docker default, the built-in default): read only', () => {
    fuzz(
      'json-tree-big',
      mutatedJsonTree({ seeds: TREES.filter((_, i) => JSON_POLICIES[i].length >= 4000), keys: KEYS, words: WORDS }),
      (tree) => {
        clean(() => readInput(writeJson(tree, 0), { file: 'fuzz.json', context: CONTEXT }));
      },
    );
  });

  it('text mutations (bytes, tokens, splices, nesting, repeats)', () => {
    fuzz(
      'json-text',
      fc.tuple(mutatedText({ seeds: SMALL, dictionary: [...WORDS.map((w) => JSON.stringify(w)), ...KEYS.map((k) => `"${k}":`)], nesting: JSON_NESTING }), kindArb),
      ([text, kind]) => {
        clean(() => readInput(text, { file: 'fuzz.json', context: CONTEXT, ...(kind ? { kind } : {}) }));
      },
    );
  });

  it('Firecracker filters: structure-aware and text mutations, every thread', () => {
    const trees = FIRECRACKER.map(jsonTree);
    const words = [...stringsOf(trees), ...COMMON_WORDS, 'dword', 'qword', 'byte', 'eq', 'ne', 'masked_eq', 'vmm', 'api', 'vcpu'];
    const keys = [...keysOf(trees), 'syscalls', 'defaultAction', 'mask'];
    fuzz(
      'firecracker',
      fc.tuple(
        fc.oneof(
          mutatedJsonTree({ seeds: trees, keys, words }).map((t) => writeJson(t, 2)),
          mutatedText({ seeds: FIRECRACKER, dictionary: words.map((w) => JSON.stringify(w)), nesting: JSON_NESTING }),
        ),
        fc.constantFrom(undefined, 'vmm', 'api', 'vcpu', 'nope'),
      ),
      ([text, thread]) => {
        const r = clean(() => readInput(text, { file: 'fc.json', kind: 'firecracker', ...(thread ? { thread } : {}), context: CONTEXT }));
        if (r.ok) clean(() => compileInput(r.value as InputPolicy));
      },
    );
  });
});
