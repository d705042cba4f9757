import { createHash } from 'node:crypto';
import type { ReadingDb } from '../db';
import type { ContentStore } from '../content/store';
import { validateEpub } from '../content/epub';

/** What was stored for a book. `sha256`: lower-case hex. */
export interface StoredContent {
  sizeBytes: number;
  sha256: string;
  uploadedAt: Date;
}

/**
 * Validates `bytes` as an EPUB ({@link validateEpub}) and makes it the book's content: the bytes
 * go to the store, then the `book_content` row is written (replacing the book's previous EPUB,
 * whose bytes are then removed). Nothing is stored for a refused file; bytes whose row could not
 * be written are removed again.
 * @throws EpubRejected (nothing stored); what the store or the database throws.
 */
export async function storeBookContent(db: ReadingDb, store: ContentStore, bookId: string, bytes: Buffer, maxBytes: number, now = new Date()): Promise<StoredContent> {
  await validateEpub(bytes, maxBytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const storageKey = await store.put(bytes);
  let previous: string | null;
  try {
    previous = await db.$transaction(async (tx) => {
      const old = await tx.bookContent.findUnique({ where: { bookId }, select: { storageKey: true } });
      const data = { storageKey, sizeBytes: bytes.length, sha256, uploadedAt: now };
      await tx.bookContent.upsert({ where: { bookId }, create: { bookId, ...data }, update: data });
      return old?.storageKey ?? null;
    });
  } catch (err) {
    await store.delete(storageKey);
    throw err;
  }
  if (previous && previous !== storageKey) await store.delete(previous);
  return { sizeBytes: bytes.length, sha256, uploadedAt: now };
}
