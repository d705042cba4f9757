import type { SqlExecutor, TransactionalDb } from '@ebook/events';
import pg from 'pg';

const TIMESTAMP_OID: number = pg.types.builtins.TIMESTAMP;
const INT8_OID: number = pg.types.builtins.INT8;
/**
 * Result parsers of {@link PlainSql}'s statements (pg's defaults otherwise): `timestamp`
 * (without time zone, how Prisma stores `DateTime`) is read as UTC, as Prisma reads it, and
 * `bigint` as a JS `bigint`, as Prisma returns it. Prisma's own statements on the same pool pass
 * their own parsers per query, so these never change what Prisma reads.
 */
const PARSERS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMP_OID) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
    if (oid === INT8_OID) return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Parameters as PostgreSQL should read them: a `Date` as its UTC ISO-8601 text (a `timestamp` column ignores the `Z`, so it stores UTC, as Prisma does). */
const params = (values: unknown[]) => values.map((v) => (v instanceof Date ? v.toISOString() : v));

/** A statement on `client` with {@link PARSERS}: its rows and the rows it touched. */
async function run<T>(client: pg.Pool | pg.PoolClient, text: string, values: unknown[]): Promise<{ rows: T[]; rowCount: number }> {
  const res = await client.query<T & pg.QueryResultRow>({ text, values: params(values), types: PARSERS });
  return { rows: res.rows, rowCount: res.rowCount ?? 0 };
}

/** The statements of one plain-`pg` transaction: {@link SqlExecutor} on its connection. */
class PlainSqlTx implements SqlExecutor {
  constructor(private readonly client: pg.PoolClient) {}

  async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> {
    return (await run(this.client, query, values)).rows as T;
  }

  async $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> {
    return (await run(this.client, query, values)).rowCount;
  }
}

/**
 * A context's database through plain `pg` on the pool its Prisma client uses (so no second set
 * of connections): the {@link TransactionalDb} of the statements that run most — the outbox
 * relay and the hot steps of a context's commands — written as SQL, without Prisma's query
 * compiler and transaction manager in between (about 8× less CPU for a short transaction).
 * Statements take `$1`-style parameters; `Date` parameters are written as UTC, `timestamp`
 * columns read as UTC `Date`s, `bigint` columns as `bigint`. A statement's error is pg's
 * (`code`: the SQLSTATE, e.g. `23505` for a unique violation; see `isUniqueViolation`).
 */
export class PlainSql implements TransactionalDb<SqlExecutor> {
  constructor(private readonly pool: pg.Pool) {}

  async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> {
    return (await run(this.pool, query, values)).rows as T;
  }

  async $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> {
    return (await run(this.pool, query, values)).rowCount;
  }

  /**
   * Runs `fn` in a transaction on one pooled connection: `BEGIN`, `fn`'s statements, `COMMIT`;
   * `ROLLBACK` and rethrow when `fn` throws (a connection whose `ROLLBACK` failed is dropped,
   * not pooled). Prisma's `maxWait` / `timeout` options are not taken: the callers' transactions
   * are a few statements long.
   */
  /** Ends the pool (its idle connections at once, busy ones when released); a no-op when it has ended. */
  async end(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  async $transaction<R>(fn: (tx: SqlExecutor) => Promise<R>): Promise<R> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn(new PlainSqlTx(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      // A connection whose rollback failed is not given back to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}
