import { readFileSync } from 'node:fs';
import { SEED_CORRELATION_ID, unitOfWork } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import type { BookManagementDb } from '../db';
import { registerBooks } from './register-book';

/** A seed entry: a real public-domain book (`seed/public-domain-books.json` of the package, beside src/ and dist/). */
interface SeedBook {
  title: string;
  author: string;
  publishedYear: number;
}

/**
 * Fills an EMPTY catalog with the public-domain seed list (`pnpm dev`, `SEED_CATALOG=true`).
 * Rental fee (KRW) and licensed copies are demo values derived from the year, so runs agree:
 * fee 1,000–3,000 KRW in 500 steps, 1–3 copies. @returns books created (0 when not empty).
 */
export async function seedCatalog(db: BookManagementDb, logger: Logger): Promise<number> {
  if ((await db.book.count()) > 0) return 0;
  const seed = JSON.parse(readFileSync(new URL('../../seed/public-domain-books.json', import.meta.url), 'utf8')) as SeedBook[];
  const created = await registerBooks(
    unitOfWork(db),
    seed.map((b) => ({ ...b, rentalFee: 1000 + (b.publishedYear % 5) * 500, licensedCopies: 1 + (b.publishedYear % 3) })),
    { correlationId: SEED_CORRELATION_ID },
  );
  logger.info({ books: created.length }, 'seeded catalog');
  return created.length;
}
