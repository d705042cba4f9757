import { loadSchemaFile, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createViewDb } from './db';
import { resolvers, type ViewContext } from './resolvers';
import { projectionHandlers } from './handlers/projection';

/** Settings of the rental-view context: database `RENTAL_VIEW_DATABASE_URL`, port `PORT` (default 4005). */
export type ViewServiceOptions = ContextServiceOptions;

/** Consumer group of the projection. */
export const VIEW_PROJECTION_GROUP = 'rental-view.projection';

/**
 * Starts rental-view: the CQRS read model of rental status, built only from events of the
 * user, book-management, rental and payment topics (no calls, no other database).
 */
export async function startRentalViewService(opts: ViewServiceOptions): Promise<ContextService> {
  const db = createViewDb(opts.databaseUrl, opts.dbPoolSize);
  return startContext<ViewContext>({
    name: 'rental-view',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    consumers: [{ groupId: VIEW_PROJECTION_GROUP, handlers: projectionHandlers }],
    context: (base) => ({ ...base, db }),
  });
}
