import { randomBytes, randomUUID } from 'node:crypto';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BookRegistered, BookRented, BookReturned, CONTRACTS, KafkaEventBus, RentalExpired, SEED_CORRELATION_ID, type Envelope, type EventType } from '@ebook/events';
import { createLogger, requireEnv, TokenVerifier, type ContextService } from '@ebook/subgraph-kit';
import { createReadingDb } from './db';
import { READING_GROUP, startReadingService } from './index';
import { PostgresLargeObjectStore } from './content/store';
import { ContentLinks } from './content/links';
import { generateTitlePageEpub } from './content/generate-epub';
import { validateEpub } from './content/epub';
import { seedBookContent } from './application/seed-content';

// The reading context as it runs in production: its own PostgreSQL database (large objects) and
// the real Kafka broker; events published as rental's and book-management's relays do.
const logger = createLogger('reading-int', 'silent');
const bus = new KafkaEventBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'reading-int', logger, groupIdPrefix: `rdg-int-${randomUUID().slice(0, 8)}.` });
const db = createReadingDb(requireEnv('READING_DATABASE_URL'));
const store = new PostgresLargeObjectStore(db);
const linkSecret = randomBytes(32);
const links = new ContentLinks(linkSecret, { read: 60_000, upload: 60_000 });
const cause = { correlationId: `rdg-${randomUUID()}` };
let service: ContextService;

async function publish(...events: Envelope[]) {
  await bus.publish(events.map((e) => ({ topic: CONTRACTS[e.type as EventType].topic, key: e.aggregateId, value: JSON.stringify(e) })));
}
const eventually = <T>(check: () => Promise<T> | T) => vi.waitFor(check, { timeout: 30_000, interval: 100 });
const handled = (event: Envelope) => eventually(async () => expect(await db.inboxEvent.count({ where: { consumer: READING_GROUP, eventId: event.eventId } })).toBe(1));
const largeObjects = async () => Number((await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_largeobject_metadata`)[0]!.n);

beforeAll(async () => {
  service = await startReadingService({
    platform: { bus, logger, verifier: new TokenVerifier({ issuer: 'urn:t', audience: 'ebook-rental', jwks: new URL('http://127.0.0.1:9/jwks') }) },
    databaseUrl: requireEnv('READING_DATABASE_URL'),
    port: 0,
    linkSecret,
    maxEpubBytes: 64 * 1024,
    seedContent: false,
  });
});

afterAll(async () => {
  await service?.stop();
  await bus.close();
  await db.$disconnect();
});

describe('reading context on PostgreSQL and Kafka', () => {
  it('the large-object store keeps bytes exactly, and removes them', async () => {
    const bytes = randomBytes(300_000); // more than one 2 KB large-object page, with every byte value
    const before = await largeObjects();
    const key = await store.put(bytes);
    expect(await largeObjects()).toBe(before + 1);
    expect((await store.get(key))!.equals(bytes)).toBe(true);
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    expect(await largeObjects()).toBe(before);
  });

  it('upload → licence from BookRented → read; a second upload replaces the first; return and expiry refuse the old link at once', async () => {
    const bookId = randomUUID();
    const registered = BookRegistered.create(bookId, { bookId, title: 'Walden', author: 'Henry David Thoreau', publishedYear: 1854, rentalFee: 1000, licensedCopies: 2 }, cause);
    await publish(registered);
    await handled(registered);
    expect(await db.book.findUnique({ where: { id: bookId } })).toMatchObject({ title: 'Walden', seeded: false });

    const put = async (body: Buffer, token?: string) => {
      const path = token ?? (await links.issue('upload', bookId)).url;
      const res = await fetch(`${service.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/epub+zip' }, body: new Uint8Array(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const first = await generateTitlePageEpub({ title: 'Walden', author: 'Henry David Thoreau', publishedYear: 1854 });
    const objects = await largeObjects();
    expect(await put(first)).toEqual({ status: 201, body: { sizeBytes: first.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const second = await generateTitlePageEpub({ title: 'Walden; or, Life in the Woods', author: 'Henry David Thoreau', publishedYear: 1854 });
    expect((await put(second)).status).toBe(201);
    expect(await largeObjects()).toBe(objects + 1); // the first EPUB's bytes are gone
    expect(await put(Buffer.from('not an epub'))).toEqual({ status: 400, body: { code: 'INVALID_EPUB', message: expect.stringContaining('not a readable zip') } });
    expect((await put(randomBytes(70 * 1024))).body.code).toBe('CONTENT_TOO_LARGE');
    expect((await put(first, `/content/uploads/${(await links.issue('read', bookId)).url.split('/').pop()}`)).status).toBe(403); // a reading token uploads nothing
    expect(await largeObjects()).toBe(objects + 1);

    const read = async (path: string) => {
      const res = await fetch(`${service.url}${path}`);
      return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const r = { rentalId: randomUUID(), bookId, customerId: randomUUID() };
    const link = (await links.issue('read', r.rentalId)).url;
    expect((await read(link)).status).toBe(403); // no licence yet

    const dueAt = new Date(Date.now() + 3600_000).toISOString();
    const rented = BookRented.create(r.rentalId, { ...r, fee: 1000, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt }, cause);
    await publish(rented);
    await handled(rented);
    const ok = await read(link);
    expect(ok).toMatchObject({ status: 200, type: 'application/epub+zip', cache: 'no-store, private' });
    expect(ok.bytes.equals(second)).toBe(true);

    const returned = BookReturned.create(r.rentalId, { ...r, returnedAt: new Date().toISOString() }, cause);
    await publish(returned);
    await handled(returned);
    expect((await read(link)).status).toBe(403);
    expect(await db.license.findUnique({ where: { rentalId: r.rentalId } })).toMatchObject({ status: 'RETURNED', userId: r.customerId });

    // A loan past its due date is refused even before RentalExpired arrives; then it is EXPIRED.
    const late = { ...r, rentalId: randomUUID() };
    const pastDue = new Date(Date.now() - 1000).toISOString();
    const lateRented = BookRented.create(
      late.rentalId,
      { ...late, fee: 1000, paymentId: randomUUID(), rentedAt: new Date(Date.now() - 7200_000).toISOString(), dueAt: pastDue },
      cause,
    );
    await publish(lateRented);
    await handled(lateRented);
    const lateLink = (await links.issue('read', late.rentalId)).url;
    expect((await read(lateLink)).status).toBe(403);
    const expired = RentalExpired.create(late.rentalId, { ...late, paymentId: null, dueAt: pastDue, expiredAt: new Date().toISOString() }, cause);
    await publish(expired);
    await handled(expired);
    expect((await db.license.findUnique({ where: { rentalId: late.rentalId } }))?.status).toBe('EXPIRED');

    const forged = new ContentLinks(randomBytes(32), { read: 60_000, upload: 60_000 });
    expect((await read((await forged.issue('read', r.rentalId)).url)).status).toBe(403);
  });

  it("the catalog seed's books (and only they) get a generated EPUB with their title and author", async () => {
    const seeded = randomUUID();
    const registered = randomUUID();
    const events = [
      BookRegistered.create(
        seeded,
        { bookId: seeded, title: 'Moby-Dick', author: 'Herman Melville', publishedYear: 1851, rentalFee: 1500, licensedCopies: 1 },
        { correlationId: SEED_CORRELATION_ID },
      ),
      BookRegistered.create(registered, { bookId: registered, title: 'Registered by hand', author: 'A Manager', publishedYear: 2026, rentalFee: 1000, licensedCopies: 1 }, cause),
    ];
    await publish(...events);
    for (const e of events) await handled(e);
    while ((await seedBookContent(db, store, 64 * 1024, logger)) > 0); // earlier runs' seeded books too
    expect(await db.bookContent.findUnique({ where: { bookId: registered } })).toBeNull();
    const content = await db.bookContent.findUnique({ where: { bookId: seeded } });
    const bytes = (await store.get(content!.storageKey))!;
    await validateEpub(bytes, 64 * 1024);
    const opf = await (await JSZip.loadAsync(bytes)).file('OEBPS/content.opf')!.async('string');
    expect(opf).toMatch(/<dc:title[^>]*>Moby-Dick<\/dc:title>/);
    expect(opf).toMatch(/<dc:creator[^>]*>Herman Melville<\/dc:creator>/);
    expect(await seedBookContent(db, store, 64 * 1024, logger)).toBe(0);
  });
});
