import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { readOutboxBacklog, watchOutboxBacklog } from '@ebook/events';
import { requireEnv } from '@ebook/subgraph-kit';
import { register } from 'prom-client';
import { createRentalDb } from '../db';
import { activeKeyOf } from '../domain/rental';
import { deadlineGauges } from './deadline-metrics';

const db = createRentalDb(requireEnv('RENTAL_DATABASE_URL'), 2);
const rentalIds: string[] = [];
const holdIds: string[] = [];
const eventIds: string[] = [];
afterAll(async () => {
  await db.rental.deleteMany({ where: { id: { in: rentalIds } } });
  await db.hold.deleteMany({ where: { id: { in: holdIds } } });
  await db.$executeRawUnsafe('DELETE FROM outbox_event WHERE "eventId" = ANY($1::uuid[])', eventIds);
  await db.$disconnect();
});

/** A scrape of one gauge of the default registry: `labels → value`. */
async function scrape(name: string): Promise<Record<string, number>> {
  const metric = await register.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join(','), v.value]));
}

// A clock in a past nobody else's rows reach back to: only this test's deadlines have passed by then.
const now = new Date(Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 86_400_000));
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('rental deadlines overdue, read at scrape time on PostgreSQL', () => {
  it('counts RENTED loans past dueAt and READY holds past readyUntil, with the earliest one’s lateness; acted-on or future ones do not count', async () => {
    const stops = deadlineGauges(db, () => now).map((g) => g.gauge.watch(g.probe));
    try {
      const bookId = randomUUID();
      const loan = async (status: 'RENTED' | 'EXPIRED', dueAt: Date) => {
        const customerId = randomUUID();
        const r = await db.rental.create({
          data: {
            bookId,
            customerId,
            status,
            fee: 900,
            ...(status === 'RENTED' ? { activeKey: activeKeyOf(customerId, bookId) } : {}),
            paymentId: randomUUID(),
            rentedAt: ago(86_400),
            dueAt,
            correlationId: 'c',
          },
        });
        rentalIds.push(r.id);
      };
      const hold = async (status: 'READY' | 'FULFILLED', readyUntil: Date) => {
        const id = randomUUID();
        holdIds.push(id);
        await db.hold.create({ data: { id, bookId, customerId: randomUUID(), status, placedAt: ago(86_400), readyAt: ago(7_200), readyUntil } });
      };
      await loan('RENTED', ago(600)); // 10 min overdue
      await loan('RENTED', ago(30));
      await loan('RENTED', ago(-3_600)); // due in an hour
      await loan('EXPIRED', ago(900)); // already acted on
      await hold('READY', ago(120));
      await hold('FULFILLED', ago(3_000));

      expect(await scrape('rental_deadlines_overdue')).toEqual({ loan_due: 2, hold_offer: 1 });
      expect(await scrape('rental_deadline_oldest_overdue_seconds')).toEqual({ loan_due: 600, hold_offer: 120 });
    } finally {
      stops.forEach((stop) => stop());
    }
    expect(await scrape('rental_deadlines_overdue')).toEqual({});
  });
});

describe('outbox backlog, read at scrape time on PostgreSQL', () => {
  it('counts the unpublished rows and the age of the oldest; published rows do not count', async () => {
    const before = await readOutboxBacklog(db);
    const row = async (createdSecondsAgo: number, published: boolean) => {
      const eventId = randomUUID();
      eventIds.push(eventId);
      await db.$executeRawUnsafe(
        `INSERT INTO outbox_event ("eventId", topic, type, "aggregateId", envelope, "createdAt", "publishedAt")
         VALUES ($1::uuid, 'metrics.test', 'MetricsTest', 'agg', '{}'::jsonb, LOCALTIMESTAMP - make_interval(secs => $2), ${published ? 'now()' : 'NULL'})`,
        eventId,
        createdSecondsAgo,
      );
    };
    await row(7_200, true);
    await row(90, false);
    await row(1, false);
    const stop = watchOutboxBacklog('rental-test', db);
    try {
      const backlog = (await scrape('outbox_unpublished_events'))['rental-test'];
      const age = (await scrape('outbox_oldest_unpublished_age_seconds'))['rental-test'];
      expect(backlog).toBe(before.unpublished + 2);
      // The oldest unpublished row: ours (90 s) unless an older one was waiting; never the published one (2 h).
      expect(age).toBeGreaterThanOrEqual(Math.max(before.oldestAgeSeconds, 90));
      expect(age).toBeLessThan(7_200);
    } finally {
      stop();
    }
  });
});
