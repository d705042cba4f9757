import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BookReturned, KafkaEventBus, OutboxRelay, appendToOutbox, pruneEventTables, startIdempotentConsumer, type IncomingMessage, type Subscription } from '@ebook/events';
import { createLogger, requireEnv } from '@ebook/subgraph-kit';
import { StatementCounter } from '../../../test/support/sql-statements';
import { createViewDb } from './db';

/**
 * The outbox relay and the pruning of the event tables on rental-view's own database (real
 * PostgreSQL) and the real broker. Rows here carry topics of their own, so other rows never mix in.
 */
const counter = StatementCounter.install();
const logger = createLogger('event-tables-int', 'silent');
const url = requireEnv('RENTAL_VIEW_DATABASE_URL');
const bus = new KafkaEventBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'event-tables-int', logger });
const db = createViewDb(url);
const replica = createViewDb(url);
const subs: Subscription[] = [];
const DAY_MS = 86_400_000;
const retention = { outboxMs: DAY_MS, inboxMs: 14 * DAY_MS };

const eventually = <T>(check: () => Promise<T>, timeoutMs = 30_000) => vi.waitFor(check, { timeout: timeoutMs, interval: 100 });

let written = 0;
/** `n` pending outbox rows on `topic`, round-robin over `aggregates` keys, `i` increasing across calls; @returns their event ids in seq order. */
async function pendingRows(topic: string, n: number, aggregates: number): Promise<string[]> {
  const offset = written;
  written += n;
  const rows = await db.$queryRawUnsafe<{ eventId: string }[]>(
    `INSERT INTO outbox_event ("eventId", topic, type, "aggregateId", envelope)
     SELECT id, $1, 'Test', 'agg-' || (i % $3), jsonb_build_object('eventId', id, 'type', 'Test', 'correlationId', 'c-' || i, 'i', i)
     FROM (SELECT gen_random_uuid() AS id, g + $4::int AS i FROM generate_series(1, $2::int) g) s ORDER BY i
     RETURNING "eventId"::text`,
    topic,
    n,
    aggregates,
    offset,
  );
  return rows.map((r) => r.eventId);
}

/** Everything delivered on `topic`, in arrival order. */
async function collect(topic: string): Promise<IncomingMessage[]> {
  const got: IncomingMessage[] = [];
  subs.push(await bus.subscribe({ groupId: `reader-${randomUUID().slice(0, 8)}`, topics: [topic], onMessage: async (m) => void got.push(m) }));
  return got;
}

const relayOf = (d: typeof db, pollIntervalMs = 600_000) => new OutboxRelay({ context: 'rental-view', db: d, bus, logger, batchSize: 100, pollIntervalMs });

/** In arrival order, the `i` of each aggregate's events increase (per-aggregate order kept). */
function expectOrderPerAggregate(got: IncomingMessage[]): void {
  const last = new Map<string, number>();
  for (const m of got) {
    const i = (JSON.parse(m.value) as { i: number }).i;
    expect(i).toBeGreaterThan(last.get(m.key ?? '') ?? 0);
    last.set(m.key ?? '', i);
  }
}

beforeAll(async () => {
  // Rows other test files left pending in this database would join the first batches.
  await relayOf(db).flush();
});

afterAll(async () => {
  await Promise.all(subs.map((s) => s.stop()));
  await bus.close();
  await db.$disconnect();
  await replica.$disconnect();
});

describe('outbox relay on PostgreSQL and Kafka', () => {
  it('publishes 250 pending rows in three batches of one 3-statement transaction each, in order per aggregate, then asks nothing more', async () => {
    const topic = `relay-batch-${randomUUID().slice(0, 8)}.events`;
    const got = await collect(topic);
    const ids = await pendingRows(topic, 250, 7);
    const relay = relayOf(db);
    counter.reset();
    relay.wake(); // a commit's wake: the relay publishes at once, no check first
    relay.start();
    await eventually(async () => expect(got).toHaveLength(250));
    await new Promise((r) => setTimeout(r, 300));
    await relay.stop();
    const relayUnits = counter.all().filter((u) => u.relay);
    expect(relayUnits.map((u) => u.statements.map((s) => s.text.trim().split(/\s+/)[0]))).toEqual([
      ['BEGIN', 'WITH', 'COMMIT'],
      ['BEGIN', 'WITH', 'COMMIT'],
      ['BEGIN', 'WITH', 'COMMIT'],
    ]);
    expect(relayUnits.map((u) => u.statements[1]!.rows)).toEqual([100, 100, 50]);
    expect(new Set(got.map((m) => (JSON.parse(m.value) as { eventId: string }).eventId))).toEqual(new Set(ids));
    expectOrderPerAggregate(got);
    expect(await db.outboxEvent.count({ where: { topic, publishedAt: null } })).toBe(0);
  });

  it('an idle relay polls with one cheap statement and no transaction', async () => {
    const relay = relayOf(db, 50);
    counter.reset();
    relay.start();
    await new Promise((r) => setTimeout(r, 600));
    await relay.stop();
    const relayUnits = counter.all().filter((u) => u.relay);
    expect(relayUnits.length).toBeGreaterThanOrEqual(5);
    for (const u of relayUnits) expect(u.statements.map((s) => [s.text, s.rows])).toEqual([[expect.stringMatching(/^SELECT 1 AS pending FROM outbox_event/), 0]]);
  });

  it('two relay replicas on one database publish every row once, in order per aggregate', async () => {
    const topic = `relay-replicas-${randomUUID().slice(0, 8)}.events`;
    const got = await collect(topic);
    const a = relayOf(db, 100);
    const b = relayOf(replica, 100);
    a.start();
    b.start();
    const ids: string[] = [];
    // Rows keep arriving while both relays run, each commit waking both (as two processes would be woken by their own commits).
    for (let k = 0; k < 6; k += 1) {
      ids.push(...(await pendingRows(topic, 60, 5)));
      a.wake();
      b.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(async () => expect(got.length).toBeGreaterThanOrEqual(ids.length));
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([a.stop(), b.stop()]);
    const delivered = got.map((m) => (JSON.parse(m.value) as { eventId: string }).eventId);
    expect(delivered).toHaveLength(ids.length);
    expect(new Set(delivered)).toEqual(new Set(ids));
    expectOrderPerAggregate(got);
  });

  it('a relay that finds another replica holding the lock tries again soon, not at its next poll', async () => {
    const topic = `relay-contended-${randomUUID().slice(0, 8)}.events`;
    const got = await collect(topic);
    const relay = relayOf(replica); // polls every 10 minutes: only the retry can publish within the test
    let publishedWhileHeld = -1;
    await db.$transaction(async (tx) => {
      // Another replica's relay transaction, as far as the lock goes.
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(727001)');
      await pendingRows(topic, 5, 1);
      relay.wake();
      relay.start();
      await new Promise((r) => setTimeout(r, 300));
      publishedWhileHeld = got.length;
    });
    await eventually(async () => expect(got).toHaveLength(5));
    await relay.stop();
    expect(publishedWhileHeld).toBe(0);
    expectOrderPerAggregate(got);
  });
});

describe('pruning the event tables (controllable clock)', () => {
  it('deletes published outbox rows past the outbox retention and inbox rows past the inbox retention, in batches; unpublished and recent rows stay', async () => {
    const topic = `prune-${randomUUID().slice(0, 8)}.events`;
    const consumer = `prune-test-${randomUUID().slice(0, 8)}`;
    const ids = await pendingRows(topic, 30, 3);
    const [oldPublished, recentPublished, unpublished] = [ids.slice(0, 20), ids.slice(20, 25), ids.slice(25)];
    await db.$executeRawUnsafe(`UPDATE outbox_event SET "publishedAt" = now() - interval '3 days' WHERE "eventId" = ANY($1::uuid[])`, oldPublished);
    await db.$executeRawUnsafe(`UPDATE outbox_event SET "publishedAt" = now() - interval '1 hour' WHERE "eventId" = ANY($1::uuid[])`, recentPublished);
    await db.$executeRawUnsafe(
      `INSERT INTO inbox_event (consumer, "eventId", type, "handledAt")
       SELECT $1, gen_random_uuid(), 'Test', now() - (d || ' days')::interval FROM unnest(ARRAY[20, 16, 15, 13, 3, 0]) d`,
      consumer,
    );
    // Two days on: outbox rows published 3 days ago (5 by now) are past P1D; 1 hour ago (2 days by now) too; inbox rows handled 13+ days ago are past P14D.
    const clock = () => new Date(Date.now() + 2 * DAY_MS);
    counter.reset();
    await pruneEventTables(db, { retention, batchSize: 7, now: clock });
    const deletes = counter
      .all()
      .flatMap((u) => u.statements)
      .filter((s) => /^\s*DELETE/.test(s.text));
    // Batches of 7: 25 published rows → 7, 7, 7, 4 (and whatever else is that old in this database); 4 inbox rows → one batch.
    expect(deletes.every((s) => s.rows <= 7)).toBe(true);
    expect(await db.outboxEvent.count({ where: { topic } })).toBe(5);
    expect(await db.outboxEvent.count({ where: { eventId: { in: unpublished }, publishedAt: null } })).toBe(5);
    expect(await db.inboxEvent.count({ where: { consumer } })).toBe(2);

    // Today's clock: nothing published an hour ago, nothing unpublished and no inbox row under 14 days goes.
    const more = await pendingRows(topic, 3, 1);
    await db.$executeRawUnsafe(`UPDATE outbox_event SET "publishedAt" = now() - interval '1 hour' WHERE "eventId" = ANY($1::uuid[])`, more);
    await pruneEventTables(db, { retention });
    expect(await db.outboxEvent.count({ where: { topic } })).toBe(8);
    expect(await db.inboxEvent.count({ where: { consumer } })).toBe(2);
  });

  it('skips rows another transaction holds instead of waiting for it', async () => {
    const topic = `prune-locked-${randomUUID().slice(0, 8)}.events`;
    const ids = await pendingRows(topic, 3, 1);
    await db.$executeRawUnsafe(`UPDATE outbox_event SET "publishedAt" = now() - interval '3 days' WHERE "eventId" = ANY($1::uuid[])`, ids);
    await db.$transaction(async (tx) => {
      await tx.$queryRawUnsafe(`SELECT seq FROM outbox_event WHERE "eventId" = $1::uuid FOR UPDATE`, ids[0]);
      // A second pool: this prune would wait for the lock above if it did not skip it.
      await pruneEventTables(replica, { retention });
      expect(await replica.outboxEvent.count({ where: { topic } })).toBe(1);
    });
    await pruneEventTables(db, { retention });
    expect(await db.outboxEvent.count({ where: { topic } })).toBe(0);
  });

  it('an event redelivered after its outbox row was pruned, but within the inbox retention, is still skipped', async () => {
    const group = `prune-redelivery-${randomUUID().slice(0, 8)}`;
    const handled: string[] = [];
    const rentalId = randomUUID();
    subs.push(
      await startIdempotentConsumer({
        bus,
        db,
        groupId: group,
        logger,
        handlers: { BookReturned: async (e) => void (e.data.rentalId === rentalId && handled.push(e.eventId)) },
      }),
    );
    const returned = BookReturned.create(
      rentalId,
      { rentalId, bookId: randomUUID(), customerId: randomUUID(), returnedAt: new Date().toISOString() },
      { correlationId: 'c-prune' },
    );
    await db.$transaction((tx) => appendToOutbox(tx, [returned]));
    await relayOf(db).flush();
    await eventually(async () => expect(handled).toEqual([returned.eventId]));

    // Three days later: the outbox row (P1D) is pruned, the inbox row (P14D) stays.
    const clock = () => new Date(Date.now() + 3 * DAY_MS);
    await pruneEventTables(db, { retention, now: clock });
    expect(await db.outboxEvent.count({ where: { eventId: returned.eventId } })).toBe(0);
    expect(await db.inboxEvent.count({ where: { consumer: group, eventId: returned.eventId } })).toBe(1);

    // Kafka redelivers it (a consumer reset, a re-drive); a later event of the same rental follows on its partition.
    const later = BookReturned.create(rentalId, { rentalId, bookId: randomUUID(), customerId: randomUUID(), returnedAt: new Date().toISOString() }, { correlationId: 'c-prune' });
    await bus.publish([returned, later].map((e) => ({ topic: 'rental.events', key: e.aggregateId, value: JSON.stringify(e) })));
    await eventually(async () => expect(handled).toContain(later.eventId));
    expect(handled).toEqual([returned.eventId, later.eventId]);
  });
});
