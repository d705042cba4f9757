import { defineConfig } from 'vitest/config';

/**
 * Test kinds by file suffix (STYLE.md): `*.unit.spec.ts` (no I/O), `*.int.spec.ts` (real
 * PostgreSQL and/or Kafka), `*.e2e.spec.ts` (whole stack through the gateway).
 * Integration and e2e files run one at a time: they share the broker and the test databases.
 */
/**
 * Unit and integration tests import the workspace packages from their TypeScript sources (the
 * `source` export condition); e2e and fault tests run what ships: the packages' compiled dist/
 * (`pnpm build` first), never their sources. `test/compiled-stack.e2e.spec.ts` fails if an e2e
 * run resolves a context to its sources.
 */
const fromSources = { resolve: { conditions: ['source'] } };

export default defineConfig({
  test: {
    // Integration and e2e files share the broker and the test databases: one file at a time.
    fileParallelism: false,
    projects: [
      { extends: true, ssr: fromSources, test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude: ['**/node_modules/**'] } },
      {
        extends: true,
        ssr: fromSources,
        test: {
          name: 'int',
          include: ['**/*.int.spec.ts'],
          exclude: ['**/node_modules/**'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['**/*.e2e.spec.ts'],
          exclude: ['**/node_modules/**'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'fault',
          include: ['test/fault/**/*.fault.spec.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
