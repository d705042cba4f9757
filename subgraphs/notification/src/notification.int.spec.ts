import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BookRegistered,
  BookRented,
  BookReturned,
  CONTRACTS,
  HoldCanceled,
  HoldExpired,
  HoldPlaced,
  HoldReady,
  KafkaEventBus,
  PaymentRefunded,
  UserRegistered,
  type Envelope,
  type EventType,
} from '@ebook/events';
import { createLogger, requireEnv, TokenVerifier, type ContextService } from '@ebook/subgraph-kit';
import { createNotificationDb } from './db';
import { NOTIFICATION_GROUP, startNotificationService } from './index';
import { SmtpTestServer } from '../test/smtp-test-server';

// The notification context as it runs in production: its own PostgreSQL database, the real
// Kafka broker, a real SMTP server (in process). Events are published as the producers' relays do.
const logger = createLogger('notification-int', 'silent');
const bus = new KafkaEventBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'notification-int', logger, groupIdPrefix: `ntf-int-${randomUUID().slice(0, 8)}.` });
const db = createNotificationDb(requireEnv('NOTIFICATION_DATABASE_URL'));
const cause = { correlationId: `ntf-${randomUUID()}` };
let smtp: SmtpTestServer;
let service: ContextService;

/** Publishes envelopes as the outbox relay does (topic from the contract, keyed by aggregate id). */
async function publish(...events: Envelope[]) {
  await bus.publish(events.map((e) => ({ topic: CONTRACTS[e.type as EventType].topic, key: e.aggregateId, value: JSON.stringify(e) })));
}
const eventually = <T>(check: () => Promise<T> | T, timeoutMs = 30_000) => vi.waitFor(check, { timeout: timeoutMs, interval: 100 });
/** Resolves once the consumer has handled `event` (its inbox row). */
const handled = (event: Envelope) => eventually(async () => expect(await db.inboxEvent.count({ where: { consumer: NOTIFICATION_GROUP, eventId: event.eventId } })).toBe(1));

/** A customer (and a book) the context knows from UserRegistered / BookRegistered. */
async function customerAndBook(locale: 'ko' | 'en' | undefined, title: string, withEmail = true) {
  const [customerId, bookId] = [randomUUID(), randomUUID()];
  const email = `reader-${customerId}@example.com`;
  await publish(
    UserRegistered.create(
      customerId,
      { userId: customerId, name: locale === 'en' ? 'Ann Reader' : '김독자', role: 'CUSTOMER', ...(withEmail ? { email } : {}), ...(locale ? { locale } : {}) },
      cause,
    ),
    BookRegistered.create(bookId, { bookId, title, author: 'A', publishedYear: 1900, rentalFee: 1500, licensedCopies: 1 }, cause),
  );
  return { customerId, bookId, email };
}

beforeAll(async () => {
  smtp = await SmtpTestServer.start();
  service = await startNotificationService({
    platform: { bus, logger, verifier: new TokenVerifier({ issuer: 'urn:t', audience: 'ebook-rental', jwks: new URL('http://127.0.0.1:9/jwks') }) },
    databaseUrl: requireEnv('NOTIFICATION_DATABASE_URL'),
    port: 0,
    smtp: { url: smtp.url, from: '"E-book Rental" <no-reply@ebook.test>', timeoutMs: 2_000 },
    // Short waits, enough attempts to outlast the outage below (≈ 4 s of retries in all).
    delivery: { maxAttempts: 8, retryBaseMs: 100, retryMaxMs: 800 },
    pollMs: 100,
  });
});

afterAll(async () => {
  await service?.stop();
  await smtp?.stop();
  await bus.close();
  await db.$disconnect();
});

describe('notification context on PostgreSQL, Kafka and a real SMTP server', () => {
  it('a rent mails the customer once, in Korean by default, with the due date in Seoul time; a redelivered event mails nothing more', async () => {
    const { customerId, bookId, email } = await customerAndBook(undefined, '운수 좋은 날');
    const rentalId = randomUUID();
    const rented = BookRented.create(
      rentalId,
      { rentalId, bookId, customerId, fee: 1500, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt: '2030-12-20T06:30:00.000Z' },
      cause,
    );
    await publish(rented);
    const [mail] = await eventually(() => {
      expect(smtp.to(email)).toHaveLength(1);
      return smtp.to(email);
    });
    expect(mail!.subject).toBe('「운수 좋은 날」 대여가 시작되었습니다');
    expect(mail!.text).toContain('김독자님, 안녕하세요.');
    expect(mail!.text).toContain('반납 기한: 2030년 12월 20일 오후 3:30 GMT+9'); // 06:30 UTC in Asia/Seoul
    expect(mail!.text).toContain('결제 금액: ₩1,500');
    expect(mail!.language).toBe('ko');
    expect(mail!.from).toBe('no-reply@ebook.test');
    expect(mail!.messageId).toBe(`<${rented.eventId}.email@notification.ebook-rental>`);

    // The same envelope again (a consumer crash before its offset commit), then a later event of the same rental.
    await publish(rented);
    const returned = BookReturned.create(rentalId, { rentalId, bookId, customerId, returnedAt: new Date().toISOString() }, cause);
    await publish(returned);
    await eventually(() => expect(smtp.to(email)).toHaveLength(2));
    expect(smtp.to(email).map((m) => m.subject)).toEqual(['「운수 좋은 날」 대여가 시작되었습니다', '「운수 좋은 날」이(가) 반납되었습니다']);
    expect(await db.delivery.count({ where: { eventId: rented.eventId } })).toBe(1);
    const stored = await db.notification.findMany({ where: { customerId }, orderBy: { createdAt: 'asc' } });
    expect(stored.map((n) => [n.kind, n.subject, n.deliveredAt !== null])).toEqual([
      ['RENTED', '「운수 좋은 날」 대여가 시작되었습니다', true],
      ['RETURNED', '「운수 좋은 날」이(가) 반납되었습니다', true],
    ]);
  });

  it('holds in English, in their order: placed (place in line), ready with its deadline, expired; a canceled hold sends nothing', async () => {
    const { customerId, bookId, email } = await customerAndBook('en', 'Pride and Prejudice');
    const holdId = randomUUID();
    const hold = { holdId, bookId, customerId };
    const readyUntil = '2030-12-20T06:30:00.000Z';
    await publish(
      HoldPlaced.create(holdId, { ...hold, autoRent: false, position: 2, queueLength: 2, placedAt: new Date().toISOString() }, cause),
      HoldReady.create(holdId, { ...hold, autoRent: false, readyAt: new Date().toISOString(), readyUntil }, cause),
      HoldExpired.create(holdId, { ...hold, readyUntil, expiredAt: new Date().toISOString() }, cause),
    );
    await eventually(() => expect(smtp.to(email)).toHaveLength(3));
    const [placed, ready, expired] = smtp.to(email);
    expect(placed).toMatchObject({ subject: 'Your hold on "Pride and Prejudice" was placed', language: 'en' });
    expect(placed!.text).toContain('Your place in line: 2');
    expect(ready!.subject).toBe('"Pride and Prejudice" is ready for you');
    expect(ready!.text).toContain('Hello Ann Reader,');
    expect(ready!.text).toContain('Rent it by December 20, 2030 at 6:30 AM UTC, or the hold expires.');
    expect(expired!.subject).toBe('Your hold on "Pride and Prejudice" expired');

    // HoldCanceled has no handler (the customer canceled it themself): a later event of the same
    // hold (same key, so handled after it) gets its message, the cancel none.
    const other = await customerAndBook('en', 'Emma');
    const hold2 = { holdId: randomUUID(), bookId: other.bookId, customerId: other.customerId };
    const canceled = HoldCanceled.create(hold2.holdId, { ...hold2, canceledAt: new Date().toISOString() }, cause);
    await publish(canceled, HoldPlaced.create(hold2.holdId, { ...hold2, autoRent: true, position: 1, queueLength: 1, placedAt: new Date().toISOString() }, cause));
    await eventually(() => expect(smtp.to(other.email)).toHaveLength(1));
    expect(smtp.to(other.email)[0]!.subject).toBe('Your hold on "Emma" was placed');
    expect(await db.notification.count({ where: { eventId: canceled.eventId } })).toBe(0);
  });

  it('an SMTP outage is retried with back-off and the message delivered once after the server is back', async () => {
    const { customerId, bookId, email } = await customerAndBook('ko', '메밀꽃 필 무렵');
    await smtp.stop();
    try {
      const rentalId = randomUUID();
      const rented = BookRented.create(
        rentalId,
        { rentalId, bookId, customerId, fee: 900, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt: new Date(Date.now() + 86_400_000).toISOString() },
        cause,
      );
      await publish(rented);
      // Refused at least twice while the server is down.
      await eventually(async () => {
        const d = await db.delivery.findUniqueOrThrow({ where: { eventId_channel: { eventId: rented.eventId, channel: 'email' } } });
        expect(d).toMatchObject({ status: 'PENDING', deliveredAt: null });
        expect(d.attempts).toBeGreaterThanOrEqual(2);
        expect(d.lastError).toMatch(/ECONNREFUSED/);
      });
      expect(smtp.to(email)).toHaveLength(0);
    } finally {
      await smtp.start();
    }
    await eventually(() => expect(smtp.to(email)).toHaveLength(1));
    // the server accepted the message; the delivery is recorded right after
    await eventually(async () => expect(await db.delivery.findFirstOrThrow({ where: { notification: { customerId } } })).toMatchObject({ status: 'DELIVERED', lastError: null }));
    expect(smtp.to(email)[0]!.subject).toBe('「메밀꽃 필 무렵」 대여가 시작되었습니다');
    // Nothing more comes later (no second attempt after the accepted one).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(smtp.to(email)).toHaveLength(1);
  });

  it('a refund names the rental’s book and amount; a message whose book never becomes known is dead after the last attempt; no address → skipped', async () => {
    const { customerId, bookId, email } = await customerAndBook('ko', '날개');
    const rentalId = randomUUID();
    await publish(
      BookRented.create(
        rentalId,
        { rentalId, bookId, customerId, fee: 1200, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt: new Date(Date.now() + 86_400_000).toISOString() },
        cause,
      ),
      PaymentRefunded.create(rentalId, { paymentId: randomUUID(), rentalId, customerId, amount: 1200, refundedAt: new Date().toISOString() }, cause),
    );
    await eventually(() => expect(smtp.to(email)).toHaveLength(2));
    // The two topics are consumed independently: the refund may be handled before the rent.
    const refund = smtp.to(email).find((m) => m.subject === '₩1,200 환불이 완료되었습니다');
    expect(refund?.text).toContain('「날개」의 대여 요금 ₩1,200이(가) 환불되었습니다.');

    // A book the context never hears of: retried 8 times, then dead with the reason; nothing mailed.
    const unknownRental = randomUUID();
    const orphan = BookRented.create(
      unknownRental,
      { rentalId: unknownRental, bookId: randomUUID(), customerId, fee: 1, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt: new Date().toISOString() },
      cause,
    );
    await publish(orphan);
    await eventually(async () =>
      expect(await db.delivery.findUniqueOrThrow({ where: { eventId_channel: { eventId: orphan.eventId, channel: 'email' } } })).toMatchObject({
        status: 'DEAD',
        attempts: 8,
        lastError: expect.stringMatching(/not known yet/),
      }),
    );
    expect(smtp.to(email)).toHaveLength(2);

    // A customer registered before UserRegistered carried an e-mail address: nothing to send to.
    const old = await customerAndBook('ko', '봄봄', false);
    const oldRental = randomUUID();
    const rentedByOld = BookRented.create(
      oldRental,
      { rentalId: oldRental, bookId: old.bookId, customerId: old.customerId, fee: 1, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt: new Date().toISOString() },
      cause,
    );
    await publish(rentedByOld);
    await eventually(async () =>
      expect((await db.delivery.findUniqueOrThrow({ where: { eventId_channel: { eventId: rentedByOld.eventId, channel: 'email' } } })).status).toBe('SKIPPED'),
    );
  });

  it('an event older than the age limit (history replayed) gives no message', async () => {
    const { customerId, bookId } = await customerAndBook('ko', '감자');
    const rentalId = randomUUID();
    const old = BookRented.create(
      rentalId,
      { rentalId, bookId, customerId, fee: 1, paymentId: randomUUID(), rentedAt: '2020-01-01T00:00:00.000Z', dueAt: '2020-01-15T00:00:00.000Z' },
      cause,
      new Date('2020-01-01T00:00:00.000Z'),
    );
    await publish(old);
    await handled(old);
    expect(await db.notification.count({ where: { eventId: old.eventId } })).toBe(0);
  });
});
