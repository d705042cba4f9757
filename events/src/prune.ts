import type { SqlExecutor } from './sql';

/** How long published outbox rows and handled inbox rows are kept, ms. */
export interface EventRetention {
  /** Published `outbox_event` rows older than this (by `publishedAt`) are deleted. Unpublished rows are never deleted. */
  outboxMs: number;
  /**
   * Handled `inbox_event` rows older than this (by `handledAt`) are deleted. Must exceed the
   * longest time a message can stay in Kafka (topic retention plus segment roll): an event
   * redelivered after its inbox row is gone would take effect a second time.
   */
  inboxMs: number;
}

/** Options of {@link pruneEventTables}. */
export interface PruneOptions {
  retention: EventRetention;
  /** Rows per DELETE statement (default 1000): each statement is its own short transaction. */
  batchSize?: number;
  /** Most statements per table and run (default 50): a run ends in bounded time; the next goes on. */
  maxBatches?: number;
  /** The clock (default `new Date()`); the cutoffs are `now - retention`. */
  now?: () => Date;
}

/**
 * Deletes published outbox rows older than `publishedAt < now - outbox retention`, oldest first:
 * selected through the `(publishedAt, seq)` index, locked with `FOR UPDATE SKIP LOCKED`. The relay
 * only ever locks unpublished rows, so the two never wait for each other.
 */
const PRUNE_OUTBOX = `
  DELETE FROM outbox_event WHERE seq IN (
    SELECT seq FROM outbox_event
    WHERE "publishedAt" < $1::timestamptz
    ORDER BY "publishedAt", seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )`;

/** Deletes inbox rows handled before `now - inbox retention` (the `handledAt` index), skipping rows another statement holds. */
const PRUNE_INBOX = `
  DELETE FROM inbox_event i USING (
    SELECT consumer, "eventId" FROM inbox_event
    WHERE "handledAt" < $1::timestamptz
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ) old
  WHERE i.consumer = old.consumer AND i."eventId" = old."eventId"`;

/**
 * Prunes a context's event tables (`outbox_event`, `inbox_event`) in small batches: one
 * autocommitted `DELETE` of at most `batchSize` rows per statement, repeated while batches come
 * back full, at most `maxBatches` per table — no long transaction, no lock the relay or a
 * consumer waits for. Rows are compared in the database's own clock domain (`publishedAt` and
 * `handledAt` are written by `now()`), against cutoffs from `now`.
 * @returns rows deleted per table.
 */
export async function pruneEventTables(db: SqlExecutor, opts: PruneOptions): Promise<{ outbox: number; inbox: number }> {
  const now = (opts.now ?? (() => new Date()))().getTime();
  const batchSize = opts.batchSize ?? 1000;
  const maxBatches = opts.maxBatches ?? 50;
  const drain = async (sql: string, retentionMs: number) => {
    const cutoff = new Date(now - retentionMs).toISOString();
    let total = 0;
    for (let i = 0; i < maxBatches; i += 1) {
      const n = await db.$executeRawUnsafe(sql, cutoff, batchSize);
      total += n;
      if (n < batchSize) break;
    }
    return total;
  };
  return { outbox: await drain(PRUNE_OUTBOX, opts.retention.outboxMs), inbox: await drain(PRUNE_INBOX, opts.retention.inboxMs) };
}
