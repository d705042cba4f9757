import type { Logger } from '@ebook/subgraph-kit';
import type { ReadingDb } from '../db';
import type { ContentStore } from '../content/store';
import { generateTitlePageEpub } from '../content/generate-epub';
import { storeBookContent } from './store-content';

/**
 * Gives up to `batch` seeded books without content a generated title-page EPUB
 * ({@link generateTitlePageEpub}), stored like an upload. Run by a periodic job when content
 * seeding is on (`READING_SEED_CONTENT`), so the consumer stays fast while the seed's events arrive.
 * @returns how many books got content.
 */
export async function seedBookContent(db: ReadingDb, store: ContentStore, maxBytes: number, logger: Logger, batch = 20): Promise<number> {
  const books = await db.$queryRaw<{ id: string; title: string; author: string; publishedYear: number }[]>`
    SELECT b.id, b.title, b.author, b."publishedYear" FROM book b
    WHERE b.seeded AND NOT EXISTS (SELECT 1 FROM book_content c WHERE c."bookId" = b.id)
    ORDER BY b."createdAt" LIMIT ${batch}`;
  for (const book of books) await storeBookContent(db, store, book.id, await generateTitlePageEpub(book), maxBytes);
  if (books.length) logger.info({ books: books.length }, 'seeded book content');
  return books.length;
}
