import { defineConfig } from 'vitest/config';

/**
 * Test kinds by file suffix (STYLE.md): `*.unit.spec.ts` (no I/O), `*.int.spec.ts` (real
 * PostgreSQL and/or Kafka), `*.e2e.spec.ts` (whole stack through the gateway).
 * Integration and e2e files run one at a time: they share the broker and the test databases.
 */
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources (the `source` export condition), never to dist/.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // Integration and e2e files share the broker and the test databases: one file at a time.
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude: ['**/node_modules/**'] } },
      {
        extends: true,
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
