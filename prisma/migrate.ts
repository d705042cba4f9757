import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parseDatabaseUrl } from '@ebook/subgraph-kit/db-url';
import { fileURLToPath } from 'node:url';
import { CONTEXTS, databaseUrlEnv, databaseUrlsFromEnv, type ContextName } from '../contexts';

/**
 * The repository root (of the checkout or the image): the nearest folder above this file holding
 * pnpm-workspace.yaml — `prisma/..` when run from sources, `dist/prisma/../..` when compiled.
 */
const root = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('prisma/migrate: no pnpm-workspace.yaml above this file');
  }
})();

/**
 * How migrations are applied:
 * - `prisma-cli`: `prisma migrate deploy` (offline JS engine), one CLI process per context —
 *   production, the Kubernetes migration Job and the test setup;
 * - `direct`: the same `migration.sql` files, each in one transaction with the row Prisma itself
 *   records in `_prisma_migrations` (same name, same SHA-256 checksum), so `prisma migrate deploy`
 *   later finds nothing pending. For the fresh embedded databases of `pnpm dev` only: a CLI run
 *   costs ≈ 2 CPU-seconds per context (its bundle loads each time), the direct way ≈ 20 ms.
 */
export type MigrationRunner = 'prisma-cli' | 'direct';

/**
 * Applies every context's pending migrations to its own database, all contexts in parallel.
 * @param urls database URL per context.
 * @param runner see {@link MigrationRunner} (default `prisma-cli`).
 * @returns the contexts that had pending migrations and those already up to date.
 * @throws Error naming the first context that failed (with the CLI output or the SQL error).
 */
export async function migrateAll(urls: Record<ContextName, string>, runner: MigrationRunner = 'prisma-cli'): Promise<{ applied: ContextName[]; upToDate: ContextName[] }> {
  // The direct runner reads the bookkeeping itself; the CLI costs ≈ 2 CPU-s, so it runs only when something is pending.
  const ran = await Promise.all(
    CONTEXTS.map(async (c) => (runner === 'direct' ? (await applyMigrationFiles(c, urls[c])) > 0 : !(await isUpToDate(c, urls[c])) && (await migrate(c, urls[c]), true))),
  );
  const applied = CONTEXTS.filter((_, i) => ran[i]);
  return { applied, upToDate: CONTEXTS.filter((_, i) => !ran[i]) };
}

/** The migration folders of `context`, oldest first (Prisma orders them by name: a timestamp prefix). */
function migrationNames(context: ContextName): string[] {
  const dir = path.join(root, 'prisma', context, 'migrations');
  return readdirSync(dir)
    .filter((f) => statSync(path.join(dir, f)).isDirectory())
    .sort();
}

/**
 * True when every migration folder of `context` is recorded as finished in the database's
 * `_prisma_migrations` table (Prisma's own bookkeeping) — then nothing is run.
 * Any doubt (no table, a failed or missing row, an unreachable database) answers false and
 * leaves the decision to the runner.
 */
async function isUpToDate(context: ContextName, url: string): Promise<boolean> {
  const wanted = migrationNames(context);
  const client = new pg.Client(parseDatabaseUrl(url));
  try {
    await client.connect();
    const done = await finishedMigrations(client);
    return wanted.every((m) => done.has(m));
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Names of the migrations Prisma's bookkeeping records as finished and not rolled back. @throws when the table does not exist. */
async function finishedMigrations(client: pg.Client): Promise<Set<string>> {
  const { rows } = await client.query<{ migration_name: string }>(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`);
  return new Set(rows.map((r) => r.migration_name));
}

/** `_prisma_migrations` exactly as `prisma migrate deploy` creates it (PostgreSQL connector). */
const PRISMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
  id VARCHAR(36) PRIMARY KEY NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  finished_at TIMESTAMPTZ,
  migration_name VARCHAR(255) NOT NULL,
  logs TEXT,
  rolled_back_at TIMESTAMPTZ,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  applied_steps_count INTEGER NOT NULL DEFAULT 0
)`;

/**
 * The `direct` runner for one context: every migration not yet recorded as finished runs in its
 * own transaction together with its `_prisma_migrations` row, so a failure leaves neither a
 * half-applied migration nor a row. Only for a database no other process migrates at the same
 * time (the embedded server of `pnpm dev`).
 * @returns how many migrations it applied (0: the database was up to date).
 * @throws Error naming the context and migration, with PostgreSQL's message.
 */
export async function applyMigrationFiles(context: ContextName, url: string): Promise<number> {
  const client = new pg.Client(parseDatabaseUrl(url));
  await client.connect();
  try {
    await client.query(PRISMA_MIGRATIONS_TABLE);
    const done = await finishedMigrations(client);
    const pending = migrationNames(context).filter((m) => !done.has(m));
    for (const name of pending) {
      const sql = readFileSync(path.join(root, 'prisma', context, 'migrations', name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${name} of ${context} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return pending.length;
  } finally {
    await client.end();
  }
}

/**
 * The line `prisma migrate deploy` (Prisma 6.19) prints as its last act when it succeeded. The CLI
 * then stays alive ≈ 10 s for a timer its schema engine armed around `pg_advisory_lock` and never
 * cleared; everything is committed and the lock is released with the connection, so the run is
 * complete once this line is out and the process is ended then.
 */
const DEPLOYED = /All migrations have been successfully applied\.|No pending migrations to apply\./;

/**
 * Runs `prisma migrate deploy` for one context.
 * @throws Error with the CLI output when it fails.
 */
function migrate(context: ContextName, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const bin = path.join(root, 'node_modules', '.bin', 'prisma');
    const p = spawn(bin, ['migrate', 'deploy', '--config', path.join(root, 'prisma', context, 'prisma.config.ts')], {
      cwd: root,
      env: { ...process.env, [databaseUrlEnv(context)]: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let deployed = false;
    const collect = (d: Buffer) => {
      out += d.toString();
      if (!deployed && DEPLOYED.test(out)) {
        deployed = true;
        p.kill('SIGTERM');
        resolve();
      }
    };
    p.stdout.on('data', collect);
    p.stderr.on('data', collect);
    p.on('error', reject);
    p.on('exit', (code) => {
      if (deployed) return;
      if (code === 0) resolve();
      else reject(new Error(`migrate deploy of ${context} failed:\n${out}`));
    });
  });
}

/** CLI: `pnpm migrate` (sources, tsx) or `node dist/prisma/migrate.js` (compiled, the image's Job) migrates the databases named by `<CONTEXT>_DATABASE_URL`. */
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const urls = databaseUrlsFromEnv();
  const t0 = Date.now();
  const { applied, upToDate } = await migrateAll(urls);
  console.log(`migrations: ${applied.length} databases migrated, ${upToDate.length} already up to date (${Date.now() - t0} ms)`);
}
