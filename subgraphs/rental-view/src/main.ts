/** Production entry of the rental-view context. */
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { startRentalViewService } from './index';

const platform = platformFromEnv('rental-view');
const service = await startRentalViewService({
  platform,
  databaseUrl: requireEnv('RENTAL_VIEW_DATABASE_URL'),
  port: intEnv('PORT', 4005),
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
