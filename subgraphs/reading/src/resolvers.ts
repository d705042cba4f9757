import { appError, batchByKey, isUuid, ownedOrManaged, requireAuth, type BaseContext } from '@ebook/subgraph-kit';
import type DataLoader from 'dataloader';
import type { ReadingDb } from './db';
import type { BookContent, License } from './generated/prisma/client';
import type { Resolvers } from './__generated__/resolvers-types';
import { mayRead, statusOf } from './domain/license';
import type { ContentLinks } from './content/links';

/** Request-scoped batch loaders of the reading subgraph. */
export interface ReadingLoaders {
  /** A rental's licence (null: none yet). */
  licenseByRental: DataLoader<string, License | null>;
  /** A book's current content row (null: no EPUB). */
  contentByBook: DataLoader<string, BookContent | null>;
}

/** Request-scoped batch loaders: one query for the licences, one for the contents of a response. */
export function loaders(db: ReadingDb): ReadingLoaders {
  return {
    licenseByRental: batchByKey(
      async (ids: readonly string[]) => db.license.findMany({ where: { rentalId: { in: ids.filter(isUuid) } } }),
      (l) => l.rentalId,
    ),
    contentByBook: batchByKey(
      async (ids: readonly string[]) => db.bookContent.findMany({ where: { bookId: { in: ids.filter(isUuid) } } }),
      (c) => c.bookId,
    ),
  };
}

/** Request context of the reading subgraph. */
export interface ReadingContext extends BaseContext, ReadingLoaders {
  db: ReadingDb;
  links: ContentLinks;
  maxEpubBytes: number;
}

export const resolvers: Resolvers<ReadingContext> = {
  Mutation: {
    requestBookContentUpload: async (_, { bookId }, ctx) => {
      if (!isUuid(bookId)) throw appError('BAD_USER_INPUT', 'bookId must be a book id (uuid)');
      if (!(await ctx.db.book.findUnique({ where: { id: bookId }, select: { id: true } }))) throw appError('NOT_FOUND', 'No such book');
      const { url, expiresAt } = await ctx.links.issue('upload', bookId);
      return { url, expiresAt: expiresAt.toISOString(), maxBytes: ctx.maxEpubBytes };
    },
  },
  Rental: {
    // Any rental id is a rental to this subgraph (rental owns which exist): READY until its licence starts.
    __resolveReference: (ref) => ({ id: ref.id }),
    // Its customer and managers see the state; anyone else gets what a missing rental answers (non-null: NOT_FOUND).
    licenseStatus: async (rental, _, ctx) => {
      requireAuth(ctx);
      const license = isUuid(rental.id) ? await ctx.licenseByRental.load(rental.id) : undefined;
      if (license && !ownedOrManaged(ctx.auth, license, (l) => l.userId)) throw appError('NOT_FOUND', 'No such rental');
      return statusOf(license ?? null);
    },
    // Only the licence holder gets a link (a manager sees the status, not the book), and only while it may read.
    readingUrl: async (rental, _, ctx) => {
      const me = requireAuth(ctx);
      const license = isUuid(rental.id) ? await ctx.licenseByRental.load(rental.id) : undefined;
      if (!license || license.userId !== me.id || !mayRead(license, new Date())) return null;
      if (!(await ctx.contentByBook.load(license.bookId))) return null;
      return (await ctx.links.issue('read', license.rentalId)).url;
    },
  },
  Book: {
    __resolveReference: (ref) => ({ id: ref.id }),
    content: async (book, _, ctx) => {
      const content = isUuid(book.id) ? await ctx.contentByBook.load(book.id) : undefined;
      return content ? { sizeBytes: content.sizeBytes, sha256: content.sha256, uploadedAt: content.uploadedAt.toISOString() } : null;
    },
  },
};
