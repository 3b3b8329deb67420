// @ts-check
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import prettier from 'eslint-config-prettier';

/**
 * Layering (HOUSE-STYLE section 1): shared imports nothing of ours and no platform module;
 * renderer imports only shared; electron/core only shared; main/cli core + shared.
 * tsconfig references enforce the same at typecheck time; this rule gives the clearer message.
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
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

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
    ignores: ['**/*.test.ts'],
    rules: restrict(
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
    ),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', 'renderer/vite.config.ts'],
    rules: restrict(
      [...nodeBuiltins, 'electron', 'ssh2', 'ws', '**/electron/**'],
      'renderer/ knows only the API contract in shared/ (HOUSE-STYLE 1).',
    ),
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: restrict(
      ['electron', '**/renderer/**', '**/electron/main/**', '**/electron/cli/**', '**/electron/preload/**'],
      'electron/core is plain Node: no electron, no renderer (HOUSE-STYLE 1).',
    ),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: restrict(['**/electron/core/**', '**/renderer/**'], 'preload holds no logic: only contextBridge over the contract.'),
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
