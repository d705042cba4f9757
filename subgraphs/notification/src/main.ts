/** Production entry of the notification context (SMTP from the `SMTP_*` variables). */
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';
import { startNotificationService } from './index';

const platform = platformFromEnv('notification');
const service = await startNotificationService({
  platform,
  databaseUrl: requireEnv('NOTIFICATION_DATABASE_URL'),
  port: intEnv('PORT', 4006),
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
