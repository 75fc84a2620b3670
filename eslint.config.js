// ESLint flat config. Besides the usual TypeScript rules it enforces syswall's
// one-way layering: core never imports node or cli (nor any node:* module),
// node never imports cli, web imports only core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { CORE_LAYERS, forbiddenAbove } from './scripts/layers.mjs';

const coreImportPatterns = [
  { regex: null, message: 'src/core must run in a browser: no Node built-ins.' },
  { group: ['**/node/**', '**/cli/**', '../node', '../cli', '../../node', '../../cli'], message: 'src/core must not import src/node or src/cli.' },
];

// Node built-ins are bare specifiers (`fs`, `node:fs`): a regex, so that `../util/x.js` is not taken for `util`.
const builtinRegex = () => `^(node:.*|${nodeBuiltins.filter((b) => b !== 'node:*').join('|')})(/.*)?$`;
const withBuiltins = (p) => (p.regex === null ? { regex: builtinRegex(), message: p.message } : p);

// One rule per layer of src/core (scripts/layers.mjs): no import of a higher layer.
function layerRules() {
  return CORE_LAYERS.flatMap((layer, i) => {
    const above = forbiddenAbove(i);
    if (above.length === 0) return [];
    const dirs = layer.filter((x) => !x.endsWith('.ts'));
    const files = [...dirs.map((d) => `src/core/${d}/**/*.ts`), ...layer.filter((x) => x.endsWith('.ts')).map((f) => `src/core/${f}`)];
    const group = above.flatMap((a) => {
      const name = a.replace(/\.ts$/, '.js');
      return a.endsWith('.ts') ? [`../${name}`, `../../${name}`, `./${name}`] : [`../${a}/*`, `../../${a}/*`, `../${a}`, `./${a}/*`];
    });
    return [{
      files,
      ignores: ['src/core/**/*.test.ts'],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: [...coreImportPatterns.map(withBuiltins), {
            group,
            message: `src/core layers (scripts/layers.mjs): ${layer.join(', ')} must not import a higher layer (${above.join(', ')}).`,
          }],
        }],
      },
    }];
  });
}

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'crypto', 'util', 'events', 'stream', 'worker_threads', 'module', 'url', 'process', 'buffer', 'tty', 'readline'];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'web/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        setImmediate: 'readonly', performance: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly',
        globalThis: 'readonly', queueMicrotask: 'readonly', AbortController: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: coreImportPatterns.map(withBuiltins),
      }],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'src/core must run in a browser: use Uint8Array.' }, { name: 'process', message: 'src/core must run in a browser.' }],
    },
  },
  ...layerRules(),
  {
    files: ['src/core/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-globals': 'off' },
  },
  {
    files: ['src/node/**/*.ts'],
    ignores: ['src/node/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**', '../cli', '../cli/*'], message: 'src/node must not import src/cli.' }] }],
    },
  },
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'web imports only the browser-safe core.' },
          { group: ['**/src/node/**', '**/src/cli/**'], message: 'web imports only src/core.' },
        ],
      }],
    },
  },
);
