/** Production entry of the book-management context. */
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { startBookManagementService } from './index';

const platform = platformFromEnv('book-management');
const service = await startBookManagementService({
  platform,
  databaseUrl: requireEnv('BOOK_MANAGEMENT_DATABASE_URL'),
  port: intEnv('PORT', 4002),
  seed: process.env.SEED_CATALOG === 'true',
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
