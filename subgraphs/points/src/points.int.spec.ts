import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BookReturned, CONTRACTS, KafkaEventBus, RentalCanceled, RentalExpired, type Envelope, type EventType } from '@ebook/events';
import { createLogger, requireEnv, TokenVerifier, type ContextService } from '@ebook/subgraph-kit';
import { createPointsDb } from './db';
import { POINTS_GROUP, startPointsService } from './index';

// The points context as it runs in production: its own PostgreSQL database and the real Kafka
// broker. Events are published as rental's outbox relay does (topic from the contract, keyed by rental id).
const logger = createLogger('points-int', 'silent');
const bus = new KafkaEventBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'points-int', logger, groupIdPrefix: `pts-int-${randomUUID().slice(0, 8)}.` });
const db = createPointsDb(requireEnv('POINTS_DATABASE_URL'));
const cause = { correlationId: `pts-${randomUUID()}` };
let service: ContextService;

async function publish(...events: Envelope[]) {
  await bus.publish(events.map((e) => ({ topic: CONTRACTS[e.type as EventType].topic, key: e.aggregateId, value: JSON.stringify(e) })));
}
const eventually = <T>(check: () => Promise<T> | T, timeoutMs = 30_000) => vi.waitFor(check, { timeout: timeoutMs, interval: 100 });
/** Resolves once the consumer has handled `event` (its inbox row). */
const handled = (event: Envelope) => eventually(async () => expect(await db.inboxEvent.count({ where: { consumer: POINTS_GROUP, eventId: event.eventId } })).toBe(1));
const rental = () => ({ rentalId: randomUUID(), bookId: randomUUID(), customerId: randomUUID() });
const balance = async (customerId: string) => (await db.pointsEntry.aggregate({ where: { customerId }, _sum: { points: true } }))._sum.points ?? 0;

beforeAll(async () => {
  service = await startPointsService({
    platform: { bus, logger, verifier: new TokenVerifier({ issuer: 'urn:t', audience: 'ebook-rental', jwks: new URL('http://127.0.0.1:9/jwks') }) },
    databaseUrl: requireEnv('POINTS_DATABASE_URL'),
    port: 0,
    rule: { pointsPerCompletedRental: 70 },
  });
});

afterAll(async () => {
  await service?.stop();
  await bus.close();
  await db.$disconnect();
});

describe('points context on PostgreSQL and Kafka', () => {
  it('a return earns the points once: the same event redelivered, and a second completion of the rental, award nothing more', async () => {
    const r = rental();
    const returned = BookReturned.create(r.rentalId, { ...r, returnedAt: '2026-12-02T09:00:00.000Z' }, cause);
    await publish(returned);
    await handled(returned);
    expect(await db.pointsEntry.findMany({ where: { customerId: r.customerId }, select: { rentalId: true, points: true, reason: true, awardedAt: true, eventId: true } })).toEqual([
      { rentalId: r.rentalId, points: 70, reason: 'RETURNED', awardedAt: new Date('2026-12-02T09:00:00.000Z'), eventId: returned.eventId },
    ]);

    // Redelivery (same event id, as after a consumer crash before its offset commit), then another
    // completion event of that rental under a new id; same key, so the same partition, in this order.
    const again = RentalExpired.create(r.rentalId, { ...r, paymentId: null, dueAt: '2026-12-16T09:00:00.000Z', expiredAt: '2026-12-16T09:00:00.000Z' }, cause);
    await publish(returned, again);
    await handled(again);
    expect(await db.pointsEntry.count({ where: { rentalId: r.rentalId } })).toBe(1);
    expect(await balance(r.customerId)).toBe(70);
    expect(await db.inboxEvent.count({ where: { consumer: POINTS_GROUP, eventId: returned.eventId } })).toBe(1);
  });

  it('a canceled (refunded) rental earns nothing; an expired loan earns like a return; balances add up per customer', async () => {
    const customerId = randomUUID();
    const canceledRental = { ...rental(), customerId };
    const expiredRental = { ...rental(), customerId };
    const returnedRental = { ...rental(), customerId };
    const canceled = RentalCanceled.create(canceledRental.rentalId, { ...canceledRental, paymentId: randomUUID(), canceledAt: new Date().toISOString() }, cause);
    await publish(canceled);
    await handled(canceled);
    expect(await db.pointsEntry.count({ where: { customerId } })).toBe(0);

    const expired = RentalExpired.create(
      expiredRental.rentalId,
      { ...expiredRental, paymentId: randomUUID(), dueAt: '2026-12-10T00:00:00.000Z', expiredAt: '2026-12-10T00:00:00.500Z' },
      cause,
    );
    const returned = BookReturned.create(returnedRental.rentalId, { ...returnedRental, returnedAt: '2026-12-11T00:00:00.000Z' }, cause);
    await publish(expired, returned);
    await handled(expired);
    await handled(returned);
    const entries = await db.pointsEntry.findMany({ where: { customerId }, orderBy: { awardedAt: 'asc' } });
    expect(entries.map((e) => [e.rentalId, e.reason, e.points])).toEqual([
      [expiredRental.rentalId, 'EXPIRED', 70],
      [returnedRental.rentalId, 'RETURNED', 70],
    ]);
    expect(await balance(customerId)).toBe(140);
  });
});
