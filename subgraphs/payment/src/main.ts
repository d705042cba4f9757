/** Production entry of the payment context. */
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { simulatedProcessorFromEnv, startPaymentService } from './index';

const platform = platformFromEnv('payment');
const service = await startPaymentService({
  platform,
  databaseUrl: requireEnv('PAYMENT_DATABASE_URL'),
  port: intEnv('PORT', 4004),
  processor: simulatedProcessorFromEnv(),
});
stopOnSignals(() => [service], platform.logger, () => platform.bus.close());
