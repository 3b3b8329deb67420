// @ts-check
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import prettier from 'eslint-config-prettier';

/**
 * Layering (HOUSE-STYLE section 1): shared imports nothing of ours and no platform module;
 * renderer imports only shared; electron/core only shared; main/cli core + shared.
 * tsconfig references enforce the same at typecheck time; this rule gives the clearer message.
 * The lab is a test bench beside the product (HOUSE-STYLE section 8): product folders import
 * neither it nor bench/, e2e/ or test support; tests and the lab's front doors may.
 */
const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'crypto',
  'stream',
  'url',
  'util',
  'events',
  'dgram',
  'tls',
  'zlib',
  'readline',
  'worker_threads',
];
/**
 * One `no-restricted-imports` rule from `[patterns, message]` layers. A file gets the rule of the
 * last config block matching it (flat config replaces a rule's options, never merges them), so a
 * block that adds a layer repeats the layers it builds on.
 */
const restrict = (...layers) => ({
  'no-restricted-imports': [
    'error',
    { patterns: layers.flatMap(([patterns, message]) => patterns.map((group) => ({ group: [group], message }))) },
  ],
});
/** Test files: they may import the lab and test support wherever they sit. */
const testFiles = ['**/*.test.ts', '**/*.test.tsx', '**/*.testing.ts'];
const coreLayer = [
  ['electron', '**/renderer/**', '**/electron/main/**', '**/electron/cli/**', '**/electron/preload/**'],
  'electron/core is plain Node: no electron, no renderer (HOUSE-STYLE 1).',
];
const preloadLayer = [['**/electron/core/**', '**/renderer/**'], 'preload holds no logic: only contextBridge over the contract.'];
/** gitignore-style groups: a folder's pattern also matches every module inside it. */
const noLabOrTestSupport = [
  ['**/core/lab', '../lab', '**/bench', '**/e2e', '**/*.test', '**/*.testing', '**/*test-support*'],
  'Product code does not import the lab, bench/, e2e/ or test support: take a connector and known_hosts options ' +
    '(the lab builds them with labSshOptions for --lab, demo and tests; HOUSE-STYLE 8).',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.tsbuild/',
      'release/',
      'test-results/',
      'playwright-report/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: [
          './shared/tsconfig.json',
          './electron/core/tsconfig.json',
          './electron/main/tsconfig.json',
          './electron/preload/tsconfig.json',
          './electron/cli/tsconfig.json',
          './renderer/tsconfig.json',
          './e2e/tsconfig.json',
          './tsconfig.tests.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: testFiles,
    rules: restrict(
      [
        [
          ...nodeBuiltins,
          'electron',
          'react',
          'react-dom',
          '@xyflow/*',
          'zustand',
          'ssh2',
          'ws',
          '**/electron/**',
          '**/renderer/**',
          '../../electron/*',
          '../../renderer/*',
        ],
        'shared/ is pure TypeScript: no Node, DOM, electron, react or app imports (HOUSE-STYLE 1).',
      ],
      noLabOrTestSupport,
    ),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: [...testFiles, 'renderer/vite.config.ts'],
    rules: restrict(
      [
        [...nodeBuiltins, 'electron', 'ssh2', 'ws', '**/electron/**'],
        'renderer/ knows only the API contract in shared/ (HOUSE-STYLE 1).',
      ],
      noLabOrTestSupport,
    ),
  },
  {
    // The lab and the tests in core keep the core layering only: they may use each other.
    files: ['electron/core/**/*.ts'],
    rules: restrict(coreLayer),
  },
  {
    // The product rooms: backend, deploy, health, ssh, web (and any new one beside them).
    files: ['electron/core/**/*.ts'],
    ignores: [...testFiles, 'electron/core/lab/**'],
    rules: restrict(coreLayer, noLabOrTestSupport),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: restrict(preloadLayer),
  },
  {
    files: ['electron/preload/**/*.ts'],
    ignores: testFiles,
    rules: restrict(preloadLayer, noLabOrTestSupport),
  },
  {
    // The lab's front doors in the CLI build on the lab: the `lab` and `demo` commands and `--lab`.
    files: ['electron/main/**/*.ts', 'electron/cli/**/*.ts'],
    ignores: [...testFiles, 'electron/cli/commands/lab.ts', 'electron/cli/commands/demo.ts', 'electron/cli/lab-option.ts'],
    rules: restrict(noLabOrTestSupport),
  },
  {
    files: ['renderer/**/*.tsx', 'renderer/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  prettier,
);
