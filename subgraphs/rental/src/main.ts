/** Production entry of the rental context. */
import { intEnv, PAYMENT_APPROVE_SCOPE, platformFromEnv, requireEnv, serviceClientFromEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { paymentPolicyFromEnv, startRentalService } from './index';

const platform = platformFromEnv('rental');
const service = await startRentalService({
  platform,
  databaseUrl: requireEnv('RENTAL_DATABASE_URL'),
  port: intEnv('PORT', 4003),
  paymentUrl: requireEnv('PAYMENT_URL'),
  serviceTokens: serviceClientFromEnv(PAYMENT_APPROVE_SCOPE),
  loanDays: intEnv('LOAN_PERIOD_DAYS', 14),
  paymentPolicy: paymentPolicyFromEnv(),
  pendingStaleMs: intEnv('PENDING_PAYMENT_STALE_MS', 60_000),
});
stopOnSignals(() => [service], platform.logger, () => platform.bus.close());
