/** Production entry of the rental context. */
import { intEnv, PAYMENT_APPROVE_SCOPE, platformFromEnv, requireEnv, serviceClientFromEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { lendingPolicyFromEnv, paymentPolicyFromEnv, startRentalService } from './index';

const lending = lendingPolicyFromEnv(); // validated before anything starts: a bad value names its variable
const platform = platformFromEnv('rental');
const service = await startRentalService({
  platform,
  databaseUrl: requireEnv('RENTAL_DATABASE_URL'),
  port: intEnv('PORT', 4003),
  paymentUrl: requireEnv('PAYMENT_URL'),
  serviceTokens: serviceClientFromEnv(PAYMENT_APPROVE_SCOPE),
  lending,
  paymentPolicy: paymentPolicyFromEnv(),
  pendingStaleMs: intEnv('PENDING_PAYMENT_STALE_MS', 60_000),
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
