import { BookRegistered, type Causation, type UnitOfWork } from '@ebook/events';
import { DomainError } from '@ebook/subgraph-kit';
import type { Book } from '../generated/prisma/client';
import { NewBookSchema } from '../domain/book';
import type { BookManagementTx } from '../db';

/**
 * Adds books to the catalog, each with a `BookRegistered` event in the outbox, in one unit of
 * work (the relay is woken after the commit).
 * @throws DomainError `BAD_USER_INPUT` (offending fields in `extensions.fields`); nothing is written.
 */
export async function registerBooks(uow: UnitOfWork<BookManagementTx>, inputs: unknown[], cause: Causation): Promise<Book[]> {
  const books = inputs.map((input) => {
    const parsed = NewBookSchema.safeParse(input);
    if (!parsed.success) {
      throw new DomainError('BAD_USER_INPUT', parsed.error.issues.map((i) => i.message).join('; '), {
        fields: parsed.error.issues.map((i) => i.path.join('.')),
      });
    }
    return parsed.data;
  });
  return uow.run(async (tx) => {
    const created: Book[] = [];
    for (const data of books) {
      const book = await tx.book.create({ data });
      created.push(book);
    }
    const events = created.map((b) =>
      BookRegistered.create(
        b.id,
        { bookId: b.id, title: b.title, author: b.author, publishedYear: b.publishedYear, rentalFee: b.rentalFee, licensedCopies: b.licensedCopies },
        cause,
      ),
    );
    return { result: created, events };
  });
}
