/**
 * Fuzz: the text policy languages: SPO SeccompProfile YAML (structure-aware,
 * text, anchors and aliases), minijail `.policy` and Kafel, with includes
 * resolved against the samples, and the compiler behind them.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { importSpo } from '../../src/core/formats/spo.js';
import { importMinijail } from '../../src/core/formats/minijail.js';
import { importKafel } from '../../src/core/formats/kafel.js';
import { readInput } from '../../src/core/formats/door.js';
import { compilePolicy } from '../../src/core/compile/index.js';
import type { Policy } from '../../src/core/policy/types.js';
import { clean, fuzz, watchdog } from './harness.js';
import { mutatedJsonTree, mutatedText, type Tree } from './mutate.js';
import { COMMON_WORDS, KAFEL, MINIJAIL, YAML_POLICIES, keysOf, stringsOf } from './seeds.js';

let stop: () => void;
beforeAll(() => {
  stop = watchdog('test/fuzz/text-dialects.test.ts', 300);
});
afterAll(() => stop());

/** Compiles what a reader returned (small policies only: the compiler is fuzzed through every reader). */
function compileIfSmall(r: ReturnType<typeof clean>): void {
  if (!r.ok) return;
  const policy = (r.value as { policy: Policy }).policy;
  if (policy.rules.length <= 200) clean(() => compilePolicy(policy));
}

describe('fuzz: SPO SeccompProfile YAML', () => {
  const trees = YAML_POLICIES.map((t) => parseDocument(t).toJS() as Tree);
  const keys = [...keysOf(trees), 'baseProfileName', 'disabled', 'state', 'listenerPath', 'flags', 'errnoRet', 'valueTwo', 'defaultErrnoRet', 'spec'];
  const words = [...stringsOf(trees), ...COMMON_WORDS, 'runc-base', '../outside', '/etc/passwd', 'SeccompProfile', 'security-profiles-operator.x-k8s.io/v1', 'v1beta1'];
  const YAML_NESTING = [['[', ']'], ['{a: ', '}'], ['- ', ''], ['a:\n ', ''], ['? ', ''], ['&x ', ''], ['!!map {', '}']] as const;
  const dictionary = [...words, ...keys.map((k) => `${k}:`), '&a', '*a', '<<: *a', '---', '...', '!!binary', '!!int', '%YAML 1.1', '|', '>-', '? ', '~', 'null', 'yes', 'no', '0o17', '.inf', '.nan'];
  const base = YAML_POLICIES.find((t) => /name: runc-base/.test(t))!;
  const resolveBase = (name: string) => (name === 'runc-base' ? { text: base, file: 'runc-base.yaml' } : name === 'self' ? { text: YAML_POLICIES[0], file: 'self.yaml' } : undefined);

  it('structure-aware mutations, written as YAML, read with base profiles', () => {
    fuzz(
      'spo-tree',
      mutatedJsonTree({ seeds: trees, keys, words }),
      (tree) => {
        let text: string;
        try {
          text = stringify(tree, { aliasDuplicateObjects: true });
        } catch {
          return; // the mutation made something YAML cannot write (not syswall's concern)
        }
        compileIfSmall(clean(() => importSpo(text, { file: 'p.yaml', resolveBase, context: { arch: 'x86_64', kernel: '6.1' } })));
      },
    );
  });

  it('text mutations (indentation, anchors, aliases, tags, nesting)', () => {
    fuzz(
      'spo-text',
      mutatedText({ seeds: YAML_POLICIES, dictionary, nesting: YAML_NESTING }),
      (text) => {
        compileIfSmall(clean(() => importSpo(text, { file: 'p.yaml', resolveBase })));
      },
    );
  });

  it('anchors and aliases: fan-out bombs and deep alias chains stay bounded', () => {
    // levels x width aliases: width^levels nodes if followed naively.
    const bomb = fc.record({ levels: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 12 }), where: fc.constantFrom('names', 'syscalls', 'metadata', 'args') }).map(({ levels, width, where }) => {
      const lines = [`apiVersion: security-profiles-operator.x-k8s.io/v1`, 'kind: SeccompProfile', 'metadata:', '  name: bomb', 'x:'];
      lines.push('  - &a0 [read, write]');
      for (let l = 1; l <= levels; l++) lines.push(`  - &a${l} [${Array.from({ length: width }, () => `*a${l - 1}`).join(', ')}]`);
      const top = `*a${levels}`;
      lines.push('spec:', '  defaultAction: SCMP_ACT_ERRNO');
      if (where === 'names') lines.push('  syscalls:', '    - action: SCMP_ACT_ALLOW', `      names: ${top}`);
      else if (where === 'syscalls') lines.push(`  syscalls: ${top}`);
      else if (where === 'args') lines.push('  syscalls:', '    - action: SCMP_ACT_ALLOW', '      names: [read]', `      args: ${top}`);
      else lines[3] = `  name: ${top}`;
      return lines.join('\n') + '\n';
    });
    fuzz(
      'spo-aliases',
      bomb,
      (text) => {
        // Each bomb runs into the door's node limit (200,000 nodes): a few tenths of a second each.
        clean(() => readInput(text, { file: 'bomb.yaml' }));
      },
    );
  });
});

describe('fuzz: minijail and Kafel', () => {
  const files: Record<string, string> = {};
  const readFile = (p: string) => files[p.replace(/^.*\//, '')];
  // The samples include each other and frequency files: serve them by base name.
  files['common_device.policy'] = MINIJAIL[0];
  files['device.frequency'] = 'read: 5000\nwrite: 3000\n';
  files['self.policy'] = '@include ./self.policy\n';

  const minijailWords = [
    ...COMMON_WORDS, 'arg0', 'arg1', 'arg2', 'arg5', 'arg6', 'arg9', 'in', '~', '&', '&&', '||', '==', '!=', '<=', '>=', '<', '>', ';', 'return', 'return EPERM', 'return 1',
    '@include ./common_device.policy', '@include ./self.policy', '@include /etc/passwd', '@frequency ./device.frequency', '@default', '@denylist', 'kill-process', 'kill-thread', 'user-notify', 'trap', 'trace', 'log', 'allow',
    'O_RDONLY', 'O_WRONLY', 'PROT_EXEC', 'PROT_WRITE', 'AF_UNIX', 'SOCK_STREAM', 'SOCK_CLOEXEC', 'TCGETS', 'CLONE_THREAD', 'NOT_A_CONSTANT', '[arch=x86_64]', '[arch=vax]', '{', '}', ':',
  ];
  it('minijail: text mutations with includes, frequencies and every filter form', () => {
    fuzz(
      'minijail',
      fc.tuple(mutatedText({ seeds: MINIJAIL, dictionary: minijailWords, nesting: [['(', ')'], ['{', '}'], ['~', '']] }), fc.constantFrom('x86_64', 'x86', 'aarch64', 'arm', 's390x')),
      ([text, arch]) => {
        compileIfSmall(clean(() => importMinijail(text, { file: 'fuzz.policy', arch, readFile })));
      },
    );
  });

  const kafelWords = [
    ...COMMON_WORDS, 'POLICY', 'USE', 'DEFAULT', '#define', '#include "x.kafel"', '#include "self.kafel"', 'SYSCALL', 'SYSCALL[1]', 'SYSCALL[99999999999]', 'fd', 'buf', 'count', 'domain', 'flags', 'prot',
    '&&', '||', '!', ',', '(', ')', '{', '}', '==', '!=', '&', '|', '<', '<=', '>', '>=', 'ALLOW', 'KILL', 'KILL_PROCESS', 'ERRNO', 'TRAP', 'TRACE', 'USER_NOTIF', 'LOG', 'DENY', '/*', '*/', '//',
  ];
  files['x.kafel'] = KAFEL[0];
  files['self.kafel'] = '#include "self.kafel"\n';
  it('Kafel: text mutations with defines, policies, USE and includes', () => {
    fuzz(
      'kafel',
      fc.tuple(mutatedText({ seeds: KAFEL, dictionary: kafelWords, nesting: [['(', ')'], ['!(', ')'], ['POLICY p { ALLOW { read } } USE p', ''], ['{', '}']] }), fc.constantFrom('x86_64', 'x86', 'aarch64', 'mips')),
      ([text, arch]) => {
        compileIfSmall(clean(() => importKafel(text, { file: 'fuzz.kafel', arch, readFile })));
      },
    );
  });

  it('detection across dialects (any sample, any mutation, no kind given)', () => {
    const all = [...MINIJAIL, ...KAFEL, ...YAML_POLICIES];
    const yamlWords = ['&a', '*a', '---', 'apiVersion:', 'kind: SeccompProfile', 'spec:'];
    fuzz(
      'detect',
      mutatedText({ seeds: all, dictionary: [...minijailWords, ...kafelWords, ...yamlWords], nesting: [['{', '}'], ['[', ']']] }),
      (text) => {
        clean(() => readInput(text, { file: 'input', readFile, context: { arch: 'x86_64' } }));
      },
    );
  });
});
