// ESLint (flat config): ESLint's and typescript-eslint's recommended rules, without type
// information (type-aware rules cost a second full type check per run; `tsc` already checks types).
// Each rule turned off or tuned below says why.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated code (Prisma clients, GraphQL Code Generator's resolver types) and build output.
    ignores: ['**/node_modules/', '**/dist/', '**/src/generated/', '**/src/__generated__/', 'coverage/', '.cache/', '.data/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
    rules: {
      // A leading underscore marks a binding unused on purpose: a field left out of a
      // rest-destructuring copy (`const { dueAt: _dueAt, ...rest } = event`), a parameter a
      // signature requires.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The web client runs in the browser.
    files: ['web/src/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests, their clients and the benchmarks read GraphQL and JSON answers of any shape.
    files: ['**/*.spec.ts', 'router/test/**', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
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
