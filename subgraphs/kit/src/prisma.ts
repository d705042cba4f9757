import { PrismaPg } from '@prisma/adapter-pg';
import { ScrapedGauge, type GaugeSample } from '@ebook/events';
import pg from 'pg';
import { parseDatabaseUrl } from './db-url';
import { intEnv } from './env';
import { PlainSql } from './plain-sql';

const poolGauges = {
  total: new ScrapedGauge('db_pool_connections', 'Open connections of a database pool (busy + idle), at scrape time', ['database']),
  idle: new ScrapedGauge('db_pool_idle_connections', 'Idle connections of a database pool, at scrape time', ['database']),
  waiting: new ScrapedGauge('db_pool_waiting_requests', 'Queries waiting for a free connection of a database pool, at scrape time', ['database']),
  max: new ScrapedGauge('db_pool_max_connections', 'Size limit of a database pool (DB_POOL_SIZE), at scrape time', ['database']),
};

/** Pools of this process's Prisma clients, by database name (each context has its own database). */
const pools = new Map<pg.Pool, string>();

/** One gauge's samples: the live pools' `read` value; pools that have ended are forgotten. */
function poolSamples(read: (pool: pg.Pool) => number): GaugeSample[] {
  const samples: GaugeSample[] = [];
  for (const [pool, database] of pools) {
    if (pool.ended) pools.delete(pool);
    else samples.push({ labels: { database }, value: read(pool) });
  }
  return samples;
}

poolGauges.total.watch(() => poolSamples((p) => p.totalCount));
poolGauges.idle.watch(() => poolSamples((p) => p.idleCount));
poolGauges.waiting.watch(() => poolSamples((p) => p.waitingCount));
poolGauges.max.watch(() => poolSamples((p) => p.options.max ?? 10));

/**
 * The `pg` driver adapter for a context's Prisma client (JS engine, no Rust binaries), on a
 * `pg.Pool` of its own whose usage `/metrics` shows (`db_pool_connections`,
 * `db_pool_idle_connections`, `db_pool_waiting_requests`, `db_pool_max_connections`, label
 * `database`); {@link disconnectDb} (or the client's `$disconnect()`, once Prisma has run a
 * statement) ends the pool.
 * @param url `postgresql://user:pass@host:port/db` (from `<CONTEXT>_DATABASE_URL`).
 * @param max pool size (default `DB_POOL_SIZE`, else 10; @throws when it is not an integer). Keep it ≥ rental's saga bulkhead (`PAYMENT_MAX_CONCURRENT`).
 */
export function pgAdapter(url: string, max = intEnv('DB_POOL_SIZE', 10)): PrismaPg {
  const config = parseDatabaseUrl(url);
  const pool = new pg.Pool({ ...config, max, idleTimeoutMillis: 10_000 });
  // An idle connection the server ends (a restart, a failover, pnpm dev's embedded server
  // stopping) is an 'error' of the pool: the connection is dropped and the next query opens a
  // new one. Without a listener Node would end the process; readiness reports a database outage.
  pool.on('error', () => {});
  pools.set(pool, config.database);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  adapterPools.set(adapter, pool);
  return adapter;
}

/** The pool behind each adapter {@link pgAdapter} made. */
const adapterPools = new WeakMap<PrismaPg, pg.Pool>();
/** The plain-`pg` side of each client {@link withPlainSql} was given. */
const plainSqls = new WeakMap<object, PlainSql>();

/**
 * Gives `client` (a context's Prisma client on `adapter`, made by {@link pgAdapter}) a
 * {@link PlainSql} on the same pool, read with {@link plainSqlOf}. @returns `client`.
 * @throws Error when `adapter` was not made by {@link pgAdapter}.
 */
export function withPlainSql<C extends object>(client: C, adapter: PrismaPg): C {
  const pool = adapterPools.get(adapter);
  if (!pool) throw new Error('withPlainSql: the adapter was not made by pgAdapter');
  plainSqls.set(client, new PlainSql(pool));
  return client;
}

/** The plain-`pg` database of a client given one by {@link withPlainSql}, else undefined (a client made otherwise, e.g. by a test). */
export function plainSqlOf(client: object): PlainSql | undefined {
  return plainSqls.get(client);
}

/**
 * Disconnects a context's client and ends its pool: Prisma's `$disconnect()` ends the pool only
 * when Prisma itself has run a statement on it, and a context whose statements so far all went
 * through its {@link PlainSql} side would otherwise keep its connections open after stopping.
 */
export async function disconnectDb(client: { $disconnect(): Promise<void> }): Promise<void> {
  await client.$disconnect();
  await plainSqlOf(client)?.end();
}
