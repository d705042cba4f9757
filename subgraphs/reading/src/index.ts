import { loadSchemaFile, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createReadingDb } from './db';
import { loaders, resolvers, type ReadingContext } from './resolvers';
import { readingHandlers } from './handlers/on-events';
import { readingConfigFromEnv, type ReadingConfig } from './config';
import { ContentLinks } from './content/links';
import { PostgresLargeObjectStore, type ContentStore } from './content/store';
import { mountContentRoutes } from './content/routes';
import { seedBookContent } from './application/seed-content';

export { readingConfigFromEnv, DEFAULT_MAX_EPUB_BYTES, type ReadingConfig } from './config';
export { PostgresLargeObjectStore, type ContentStore } from './content/store';
export { validateEpub, EpubRejected, EPUB_MEDIA_TYPE } from './content/epub';
export { generateTitlePageEpub } from './content/generate-epub';

/** Consumer group of the reading context (licences and the books it knows). */
export const READING_GROUP = 'reading.licences';

/** The reading context's own settings (the stack's `settings.reading`): any field of {@link ReadingConfig}; unset ones come from the environment. */
export type ReadingSettings = Partial<ReadingConfig>;

/** Settings of the reading context: database `READING_DATABASE_URL`, port `PORT` (default 4008), and its own. */
export type ReadingServiceOptions = ContextServiceOptions & ReadingSettings;

/** The content store `READING_CONTENT_STORE` names, on reading's database. */
function contentStoreOf(config: ReadingConfig, db: ReturnType<typeof createReadingDb>): ContentStore {
  switch (config.contentStore) {
    case 'postgres':
      return new PostgresLargeObjectStore(db);
  }
}

/**
 * Starts the reading context: one consumer (group `reading.licences`: rental's loan events into
 * the licence table, `BookRegistered` into its books), the subgraph (`Rental.readingUrl`,
 * `Rental.licenseStatus`, `Book.content`, `requestBookContentUpload`) and the content server on
 * the same port (`/content/uploads/<token>`, `/content/read/<token>`; see `content/routes.ts`).
 * With `seedContent`, a job gives each book of the catalog seed a generated EPUB.
 * @throws ConfigError for a bad `READING_*` variable (see {@link readingConfigFromEnv}) when the setting is not given.
 */
export async function startReadingService(opts: ReadingServiceOptions): Promise<ContextService> {
  const { platform, databaseUrl, port, dbPoolSize, ...settings } = opts;
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as ReadingSettings;
  const config: ReadingConfig = { ...readingConfigFromEnv(), ...given };
  const db = createReadingDb(databaseUrl, dbPoolSize);
  const store = contentStoreOf(config, db);
  const links = new ContentLinks(config.linkSecret, { read: config.readLinkTtlMs, upload: config.uploadLinkTtlMs });
  return startContext<ReadingContext>({
    name: 'reading',
    platform,
    db,
    port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    consumers: [{ groupId: READING_GROUP, handlers: readingHandlers() }],
    routes: (app, _relay, logger) => mountContentRoutes(app, { db, store, links, maxEpubBytes: config.maxEpubBytes, logger }),
    jobs: config.seedContent ? [{ name: 'seed-content', everyMs: 1000, run: (_relay, logger) => seedBookContent(db, store, config.maxEpubBytes, logger) }] : [],
    context: (base) => ({ ...base, db, links, maxEpubBytes: config.maxEpubBytes, ...loaders(db) }),
  });
}
