import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parseDatabaseUrl } from '../subgraphs/kit/src/db-url';
import { fileURLToPath } from 'node:url';
import { CONTEXTS, databaseUrlEnv, databaseUrlsFromEnv, type ContextName } from './contexts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Applies every context's migrations (`prisma migrate deploy`, offline JS engine) to its own
 * database, all contexts in parallel (each CLI run costs ~11 s of wall time, ENVIRONMENT.md).
 * @param urls database URL per context.
 * @throws Error with the CLI output of the first context that failed.
 */
export async function migrateAll(urls: Record<ContextName, string>): Promise<{ applied: ContextName[]; upToDate: ContextName[] }> {
  const pending = await Promise.all(CONTEXTS.map(async (c) => ((await isUpToDate(c, urls[c])) ? null : c)));
  const applied = pending.filter((c): c is ContextName => c !== null);
  await Promise.all(applied.map((c) => migrate(c, urls[c])));
  return { applied, upToDate: CONTEXTS.filter((c) => !applied.includes(c)) };
}

/**
 * True when every migration folder of `context` is recorded as finished in the database's
 * `_prisma_migrations` table (Prisma's own bookkeeping) — then the ~11 s CLI run is skipped.
 * Any doubt (no table, a failed or missing row, an unreachable database) answers false and
 * leaves the decision to `prisma migrate deploy`.
 */
async function isUpToDate(context: ContextName, url: string): Promise<boolean> {
  const dir = path.join(root, 'prisma', context, 'migrations');
  const wanted = readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isDirectory());
  const client = new pg.Client(parseDatabaseUrl(url));
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Set(rows.map((r) => r.migration_name));
    return wanted.every((m) => done.has(m));
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function migrate(context: ContextName, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const bin = path.join(root, 'node_modules', '.bin', 'prisma');
    const p = spawn(bin, ['migrate', 'deploy', '--config', path.join(root, 'prisma', context, 'prisma.config.ts')], {
      cwd: root,
      env: { ...process.env, [databaseUrlEnv(context)]: url, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate deploy of ${context} failed:\n${out}`))));
  });
}

/** CLI: `tsx prisma/migrate.ts` migrates the databases named by `<CONTEXT>_DATABASE_URL`. */
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const urls = databaseUrlsFromEnv();
  const t0 = Date.now();
  const { applied, upToDate } = await migrateAll(urls);
  console.log(`migrations: ${applied.length} databases migrated, ${upToDate.length} already up to date (${Date.now() - t0} ms)`);
}
