/** Production entry of the points context (`POINTS_PER_COMPLETED_RENTAL` checked before anything starts). */
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { startPointsService } from './index';
import { pointsRuleFromEnv } from './config';

const rule = pointsRuleFromEnv();
const platform = platformFromEnv('points');
const service = await startPointsService({
  platform,
  databaseUrl: requireEnv('POINTS_DATABASE_URL'),
  port: intEnv('PORT', 4007),
  rule,
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
