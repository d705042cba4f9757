import { PrismaPg } from '@prisma/adapter-pg';
import { parseDatabaseUrl } from './db-url';

/**
 * The `pg` driver adapter for a context's Prisma client (JS engine, no Rust binaries).
 * @param url `postgresql://user:pass@host:port/db` (from `<CONTEXT>_DATABASE_URL`).
 * @param max pool size (default 5; PGlite in `pnpm dev` counts every connection).
 */
export function pgAdapter(url: string, max = 5): PrismaPg {
  return new PrismaPg({ ...parseDatabaseUrl(url), max, idleTimeoutMillis: 10_000 });
}
