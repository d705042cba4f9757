import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { databaseUrlEnv, type ContextName } from '../contexts';
import { parseDatabaseUrl } from '@ebook/subgraph-kit/db-url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The Prisma CLI configuration of one context (`prisma/<context>/prisma.config.ts`).
 *
 * Uses the JS engine with the `pg` driver adapter, so `generate`, `migrate diff` and
 * `migrate deploy` run offline (no Rust engine download).
 * `idleTimeoutMillis: 500` lets the CLI exit quickly after migrating.
 */
export function contextPrismaConfig(context: ContextName) {
  const envName = databaseUrlEnv(context);
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: path.join(here, context, 'schema.prisma'),
    migrations: { path: path.join(here, context, 'migrations') },
    adapter: async () => {
      const url = process.env[envName];
      if (!url) throw new Error(`${envName} is not set`);
      return new PrismaPg({ ...parseDatabaseUrl(url), idleTimeoutMillis: 500, max: 2 });
    },
  });
}
