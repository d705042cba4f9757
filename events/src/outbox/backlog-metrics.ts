import { cachedFor, ScrapedGauge } from '../metrics';
import type { SqlExecutor } from '../sql';

/** Unpublished `outbox_event` rows per context, counted at scrape time. */
export const outboxBacklogGauge = new ScrapedGauge('outbox_unpublished_events', 'Outbox rows not yet published to the bus, counted at scrape time', ['context']);

/** Age of the oldest unpublished outbox row per context, seconds (0 when none), at scrape time. */
export const outboxOldestAgeGauge = new ScrapedGauge(
  'outbox_oldest_unpublished_age_seconds',
  'Age of the oldest unpublished outbox row in seconds (0 when the outbox is drained), at scrape time',
  ['context'],
);

/** Backlog of one outbox: rows not yet published and the age of the oldest, seconds. */
export interface OutboxBacklog {
  unpublished: number;
  oldestAgeSeconds: number;
}

/**
 * Reads the backlog of the outbox in `db` in one query over the `publishedAt IS NULL` rows (the
 * `(publishedAt, seq)` index). `createdAt` is the database's own `CURRENT_TIMESTAMP` (a
 * `timestamp(3)` in the session's zone), so its age is taken against `LOCALTIMESTAMP`.
 */
export async function readOutboxBacklog(db: SqlExecutor): Promise<OutboxBacklog> {
  const [row] = await db.$queryRawUnsafe<{ unpublished: number; age: number | null }[]>(
    `SELECT count(*)::int AS unpublished,
            EXTRACT(EPOCH FROM (LOCALTIMESTAMP - min("createdAt")))::float8 AS age
     FROM outbox_event WHERE "publishedAt" IS NULL`,
  );
  return { unpublished: row?.unpublished ?? 0, oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
}

/**
 * Exposes `context`'s outbox backlog on `/metrics` ({@link outboxBacklogGauge},
 * {@link outboxOldestAgeGauge}): one query per scrape (both gauges share it), nothing on the
 * relay's path. @returns the function that stops watching (call it before closing `db`).
 */
export function watchOutboxBacklog(context: string, db: SqlExecutor): () => void {
  const read = cachedFor(1_000, () => readOutboxBacklog(db));
  const stops = [
    outboxBacklogGauge.watch(async () => [{ labels: { context }, value: (await read()).unpublished }]),
    outboxOldestAgeGauge.watch(async () => [{ labels: { context }, value: (await read()).oldestAgeSeconds }]),
  ];
  return () => stops.forEach((stop) => stop());
}
