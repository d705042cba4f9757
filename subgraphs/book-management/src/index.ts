import { unitOfWork } from '@ebook/events';
import { loadSchemaFile, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createBookManagementDb } from './db';
import { bookLoader, resolvers, type BookManagementContext } from './resolvers';
import { seedCatalog } from './application/seed-catalog';

/** Settings of the book-management context: database `BOOK_MANAGEMENT_DATABASE_URL`, port `PORT` (default 4002), and: */
export interface BookManagementServiceOptions extends ContextServiceOptions {
  /** Seed an empty catalog with public-domain books (`SEED_CATALOG=true`; on in `pnpm dev`). */
  seed?: boolean;
}

/** Starts the book-management context (the catalog). Publishes `BookRegistered`. */
export async function startBookManagementService(opts: BookManagementServiceOptions): Promise<ContextService> {
  const db = createBookManagementDb(opts.databaseUrl, opts.dbPoolSize);
  if (opts.seed) await seedCatalog(db, opts.platform.logger);
  return startContext<BookManagementContext>({
    name: 'book-management',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    context: (base, relay) => ({ ...base, db, uow: unitOfWork(db, relay), bookById: bookLoader(db) }),
  });
}
