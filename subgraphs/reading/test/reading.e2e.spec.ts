import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, gql } from '../../../test/support/graphql-client';
import { signIn, signUp } from '../../../test/support/customers';
import { registerRentableBook } from '../../../test/support/catalog';
import { eventually } from '../../../router/test/rental-scenario';
import { startTestStack, TEST_MANAGER } from '../../../router/test/test-stack';
import { generateTitlePageEpub } from '@ebook/reading';

// Reading access through the gateway, in the whole stack on PostgreSQL and Kafka: the manager
// uploads a book's EPUB by the signed URL, a customer rents it and reads it by readingUrl at the
// gateway's origin (proxied to reading), returns it, and the link handed out before is refused.
let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;
let manager: string;

const UPLOAD = gql`
  mutation Upload($bookId: ID!) {
    requestBookContentUpload(bookId: $bookId) {
      url
      expiresAt
      maxBytes
    }
  }
`;
const CONTENT = gql`
  query Content($id: ID!) {
    book(id: $id) {
      id
      content {
        sizeBytes
        sha256
        uploadedAt
      }
    }
  }
`;
const READING = gql`
  query Reading($id: ID!) {
    rental(id: $id) {
      id
      status
      licenseStatus
      readingUrl
    }
  }
`;

/** `PUT` of `body` to a relative upload URL at the gateway. */
async function put(url: string, body: Buffer) {
  const res = await fetch(`${stack.gatewayUrl}${url}`, { method: 'PUT', headers: { 'content-type': 'application/epub+zip' }, body: new Uint8Array(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** `GET` of a relative reading URL at the gateway. */
async function get(url: string) {
  const res = await fetch(`${stack.gatewayUrl}${url}`);
  return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('reading access through the gateway: upload, rent, read, return', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    api = new GatewayClient(stack.gatewayUrl);
    manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('an invalid EPUB is refused and nothing stored; a valid one is read by the renter until the return, then the same link answers 403', async () => {
    const bookId = await registerRentableBook(api, manager, { title: 'Walden' });
    const customer = await signUp(api, { name: 'Ann Reader' });
    expect(await api.errorCode(UPLOAD, { bookId }, customer.token)).toBe('FORBIDDEN');
    // Reading learns the book from BookRegistered (as rental did before it became rentable).
    const upload = await eventually(async () => (await api.run(UPLOAD, { bookId }, manager)).requestBookContentUpload);
    expect(upload).toMatchObject({ url: expect.stringMatching(/^\/content\/uploads\/[\w-]+\.[\w-]+\.[\w-]+$/), expiresAt: expect.any(String), maxBytes: 20 * 1024 * 1024 });

    expect(await put(upload.url, Buffer.from('PK\u0003\u0004 this is no EPUB'))).toEqual({ status: 400, body: { code: 'INVALID_EPUB', message: expect.any(String) } });
    expect((await api.run(CONTENT, { id: bookId })).book.content).toBeNull();

    const epub = await generateTitlePageEpub({ title: 'Walden', author: 'Henry David Thoreau', publishedYear: 1854 });
    const sha256 = createHash('sha256').update(epub).digest('hex');
    expect(await put(upload.url, epub)).toEqual({ status: 201, body: { sizeBytes: epub.length, sha256 } });
    expect((await api.run(CONTENT, { id: bookId })).book.content).toMatchObject({ sizeBytes: epub.length, sha256, uploadedAt: expect.any(String) });

    const { rentBook } = await api.run(
      gql`
        mutation Rent($bookId: ID!) {
          rentBook(bookId: $bookId) {
            id
            status
          }
        }
      `,
      { bookId },
      customer.token,
    );
    expect(rentBook.status).toBe('RENTED');
    const rented = await eventually(async () => {
      const { rental } = await api.run(READING, { id: rentBook.id }, customer.token);
      expect(rental.licenseStatus).toBe('ACTIVE');
      return rental;
    });
    expect(rented.readingUrl).toMatch(/^\/content\/read\/[\w-]+\.[\w-]+\.[\w-]+$/);
    // A manager sees the licence's state, not a link to read the customer's book.
    expect((await api.run(READING, { id: rentBook.id }, manager)).rental).toMatchObject({ licenseStatus: 'ACTIVE', readingUrl: null });

    const read = await get(rented.readingUrl);
    expect([read.status, read.type, read.cache]).toEqual([200, 'application/epub+zip', 'no-store, private']);
    expect(read.bytes.equals(epub)).toBe(true);

    await api.run(
      gql`
        mutation Return($id: ID!) {
          returnBook(rentalId: $id) {
            status
          }
        }
      `,
      { id: rentBook.id },
      customer.token,
    );
    await eventually(async () => expect((await api.run(READING, { id: rentBook.id }, customer.token)).rental).toMatchObject({ licenseStatus: 'RETURNED', readingUrl: null }));
    const after = await get(rented.readingUrl);
    expect(after.status).toBe(403);
    expect(JSON.parse(after.bytes.toString('utf8'))).toMatchObject({ code: 'FORBIDDEN' });
  });
});
