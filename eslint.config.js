// ESLint (flat config): ESLint's recommended rules and typescript-eslint's type-checked recommended
// rules (floating and misused promises, unsafe `any` flows, needless assertions...), typed by the
// TypeScript project service: each file gets the program of its nearest tsconfig.json.
// Each rule turned off or tuned below says why.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated code (Prisma clients, GraphQL Code Generator's resolver types) and build output.
    ignores: ['**/node_modules/', '**/dist/', '**/src/generated/', '**/src/__generated__/', 'web/src/api/__generated__/', 'coverage/', '.cache/', '.data/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.node,
      // vitest.config.ts is in no tsconfig.json (it is not part of the type-checked program).
      parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a binding unused on purpose: a field left out of a
      // rest-destructuring copy (`const { dueAt: _dueAt, ...rest } = event`), a parameter a
      // signature requires.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // An `async` method implementing a Promise-returning interface (an in-memory bus, store or
      // test double) needs no `await`: `async` turns its throws into rejections, as callers expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript (this file, the install and bench hooks) is in no TypeScript program.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The web client runs in the browser.
    files: ['web/src/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests, their clients and the benchmarks read GraphQL and JSON answers of any shape: their
    // fields are read from `any` and asserted on.
    files: ['**/*.spec.ts', 'router/test/**', 'test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The runtime holds every context's database and event handlers, each typed with that
    // context's own Prisma transaction client: `any` erases that type at this one boundary.
    files: ['subgraphs/kit/src/context-runtime.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The parse error of OIDC_SERVICE_CLIENTS quotes the value, which holds client secrets: the
    // error thrown instead names only what is wrong, and must not carry it as its cause.
    files: ['subgraphs/user/src/oidc/authorization-server.ts'],
    rules: { 'preserve-caught-error': 'off' },
  },
);
