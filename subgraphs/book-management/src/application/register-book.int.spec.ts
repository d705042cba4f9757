import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaEventBus, unitOfWork, OutboxRelay, TOPICS, type IncomingMessage } from '@ebook/events';
import { createLogger, requireEnv } from '@ebook/subgraph-kit';
import { createBookManagementDb } from '../db';
import { registerBooks } from './register-book';

const logger = createLogger('outbox-int', 'silent');
const db = createBookManagementDb(requireEnv('BOOK_MANAGEMENT_DATABASE_URL'));
const uow = unitOfWork(db);
const bus = new KafkaEventBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'outbox-int', logger });
const cause = { correlationId: `corr-${randomUUID()}` };
const book = (title: string) => ({ title, author: 'Outbox Test', publishedYear: 1901, rentalFee: 1000, licensedCopies: 2 });

afterAll(async () => {
  await bus.close();
  await db.$disconnect();
});

describe('transactional outbox of book-management, on PostgreSQL and Kafka', () => {
  it('writes the book and its BookRegistered event together; a refused batch writes nothing', async () => {
    const tag = randomUUID().slice(0, 8);
    const [created] = await registerBooks(uow, [book(`Outbox ${tag}`)], cause);
    const row = await db.outboxEvent.findFirstOrThrow({ where: { aggregateId: created!.id } });
    expect(row).toMatchObject({ type: 'BookRegistered', topic: TOPICS.catalog, publishedAt: null });
    expect((row.envelope as { data: { licensedCopies: number } }).data.licensedCopies).toBe(2);

    const booksBefore = await db.book.count();
    const outboxBefore = await db.outboxEvent.count();
    await expect(registerBooks(uow, [book(`Fine ${tag}`), { ...book(`Bad ${tag}`), rentalFee: -5 }], cause)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await db.book.count()).toBe(booksBefore);
    expect(await db.outboxEvent.count()).toBe(outboxBefore);
  });

  it('keeps events while the broker is unreachable and publishes all of them, in order and keyed, once it is back', async () => {
    const tag = randomUUID().slice(0, 8);
    const created = await registerBooks(uow, [book(`A ${tag}`), book(`B ${tag}`), book(`C ${tag}`)], cause);
    const ids = created.map((b) => b.id);

    const deadBus = new KafkaEventBus({ brokers: ['127.0.0.1:1'], clientId: 'outbox-int-dead', logger });
    const cutOff = new OutboxRelay({ context: 'book-management', db, bus: deadBus, logger });
    await expect(cutOff.publishBatch()).rejects.toThrow();
    await deadBus.close();
    expect(await db.outboxEvent.count({ where: { aggregateId: { in: ids }, publishedAt: null } })).toBe(3);

    const received: IncomingMessage[] = [];
    const sub = await bus.subscribe({
      groupId: `outbox-reader-${tag}`,
      topics: [TOPICS.catalog],
      onMessage: async (m) => {
        if (m.key && ids.includes(m.key)) received.push(m);
      },
    });
    try {
      const relay = new OutboxRelay({ context: 'book-management', db, bus, logger });
      expect(await relay.flush()).toBeGreaterThanOrEqual(3);
      expect(await db.outboxEvent.count({ where: { aggregateId: { in: ids }, publishedAt: null } })).toBe(0);
      const deadline = Date.now() + 30_000;
      while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(received.map((m) => m.key).sort()).toEqual([...ids].sort());
      for (const m of received) {
        const env = JSON.parse(m.value) as { type: string; aggregateId: string; correlationId: string };
        expect(env).toMatchObject({ type: 'BookRegistered', aggregateId: m.key, correlationId: cause.correlationId });
        expect(m.headers['event-type']).toBe('BookRegistered');
      }
      // Nothing left to publish: a second flush sends nothing again.
      expect(await relay.flush()).toBe(0);
    } finally {
      await sub.stop();
    }
  });
});
