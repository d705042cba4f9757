/** Production entry of the payment context. */
import { intEnv, plainSqlOf, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { DbChargeLedger, simulatedProcessorFromEnv, startPaymentService } from './index';

const platform = platformFromEnv('payment');
const service = await startPaymentService({
  platform,
  databaseUrl: requireEnv('PAYMENT_DATABASE_URL'),
  port: intEnv('PORT', 4004),
  // The simulated processor keeps its books in the payment database (plain pg): a charge outlives a crash.
  processor: (db) => simulatedProcessorFromEnv(process.env, new DbChargeLedger(plainSqlOf(db) ?? db)),
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
