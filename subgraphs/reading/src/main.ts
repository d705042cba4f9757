/** Production entry of the reading context (its `READING_*` settings checked before anything starts). */
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { startReadingService } from './index';
import { readingConfigFromEnv } from './config';

const config = readingConfigFromEnv();
const platform = platformFromEnv('reading');
const service = await startReadingService({
  platform,
  databaseUrl: requireEnv('READING_DATABASE_URL'),
  port: intEnv('PORT', 4008),
  ...config,
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
