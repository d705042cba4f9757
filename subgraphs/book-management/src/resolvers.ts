import { appError, batchByKey, type BaseContext, isUuid, pageSize } from '@ebook/subgraph-kit';
import type { Book } from './generated/prisma/client';
import type { UnitOfWork } from '@ebook/events';
import type { BookManagementDb, BookManagementTx } from './db';
import { decodeCursor, encodeCursor, searchTermProblem } from './domain/book';
import { registerBooks } from './application/register-book';
import type { Resolvers } from './__generated__/resolvers-types';

/** Request context of the book-management subgraph. */
export interface BookManagementContext extends BaseContext {
  db: BookManagementDb;
  uow: UnitOfWork<BookManagementTx>;
  bookById: ReturnType<typeof bookLoader>;
}

/** Batches `Book` lookups (reference resolver, `book`): one query per request. */
export function bookLoader(db: BookManagementDb) {
  return batchByKey<string, Book>(
    (ids) => db.book.findMany({ where: { id: { in: [...ids] } } }),
    (b) => b.id,
  );
}

export const resolvers: Resolvers<BookManagementContext> = {
  Query: {
    book: (_, { id }, ctx) => (isUuid(id) ? ctx.bookById.load(id) : null),
    books: async (_, args, ctx) => {
      const first = pageSize(args.first);
      const after = args.after ? decodeCursor(args.after) : null;
      if (args.after && after === null) throw appError('BAD_USER_INPUT', 'after is not a valid cursor');
      const search = args.search?.trim();
      const problem = search ? searchTermProblem(search) : null;
      if (problem) throw appError('BAD_USER_INPUT', problem);
      const rows = await ctx.db.book.findMany({
        where: {
          ...(after !== null ? { seq: { gt: after } } : {}),
          ...(search ? { OR: [{ title: { contains: search, mode: 'insensitive' } }, { author: { contains: search, mode: 'insensitive' } }] } : {}),
        },
        orderBy: { seq: 'asc' },
        take: first + 1,
      });
      const page = rows.slice(0, first);
      for (const b of page) ctx.bookById.prime(b.id, b);
      return {
        edges: page.map((node) => ({ cursor: encodeCursor(node.seq), node })),
        pageInfo: { endCursor: page.length ? encodeCursor(page[page.length - 1]!.seq) : null, hasNextPage: rows.length > first },
      };
    },
  },
  Mutation: {
    registerBook: async (_, { input }, ctx) => {
      // The input's shape is GraphQL's; registerBooks validates its values (zod) again.
      const book = (await registerBooks(ctx.uow, [input], { correlationId: ctx.correlationId }))[0]!; // one book per input
      ctx.logger.info({ bookId: book.id }, 'book registered');
      return book;
    },
  },
  Book: {
    __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.bookById.load(ref.id) : null),
  },
};
