import { intEnv, loadSchemaFile, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createNotificationDb } from './db';
import { resolvers, type NotificationContext } from './resolvers';
import { notificationHandlers } from './handlers/on-events';
import { deliverAllDue } from './application/deliver-notifications';
import { EmailChannel, type SmtpSettings } from './channels/email-channel';
import type { NotificationChannel } from './channels/channel';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './domain/delivery-policy';
import { DEFAULT_DELIVERY_POLL_MS, DEFAULT_MAX_EVENT_AGE_MS, deliveryPolicyFromEnv, smtpSettingsFromEnv } from './config';

export { EmailChannel, DEFAULT_FROM, type SmtpSettings } from './channels/email-channel';
export type { NotificationChannel, OutgoingNotification, Recipient } from './channels/channel';
export { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './domain/delivery-policy';
export { NOTIFYING_EVENTS } from './domain/notification';
export { smtpSettingsFromEnv, deliveryPolicyFromEnv } from './config';

/** Consumer group of the notification context (replica and messages). */
export const NOTIFICATION_GROUP = 'notification.messages';

/** The notification context's own settings (the stack's `settings.notification`). */
export interface NotificationSettings {
  /** SMTP server and From of the e-mail channel (unset, and no `channels`: the `SMTP_*` variables). */
  smtp?: SmtpSettings;
  /** The channels, replacing the e-mail channel built from `smtp`. */
  channels?: NotificationChannel[];
  /** Delivery retries (unset fields: the `NOTIFICATION_*` variables, then the defaults). */
  delivery?: Partial<DeliveryPolicy>;
  /** Period of the delivery worker, ms (default 500, `NOTIFICATION_POLL_MS`). */
  pollMs?: number;
  /** Events older than this give no message, ms (default 3 days, `NOTIFICATION_MAX_EVENT_AGE_MS`). */
  maxEventAgeMs?: number;
}

/** Settings of the notification context: database `NOTIFICATION_DATABASE_URL`, port `PORT` (default 4006), and its own. */
export type NotificationServiceOptions = ContextServiceOptions & NotificationSettings;

/**
 * Starts the notification context: one consumer (its replica of customers, books and rentals,
 * and one message per status change, recorded with a delivery per channel), the delivery worker
 * (every `pollMs`: send due deliveries, retry failed ones with back-off, dead after the last
 * attempt), and the subgraph (`myNotifications`). It only reads events: a failure here never
 * touches a rental. Stops the channels after the context.
 * @throws Error when no SMTP server is configured (neither `smtp`, `channels` nor `SMTP_URL`/`SMTP_HOST`).
 */
export async function startNotificationService(opts: NotificationServiceOptions): Promise<ContextService> {
  const channels = opts.channels ?? [new EmailChannel(opts.smtp ?? smtpSettingsFromEnv())];
  const policy = { ...DEFAULT_DELIVERY_POLICY, ...deliveryPolicyFromEnv(), ...opts.delivery };
  const db = createNotificationDb(opts.databaseUrl, opts.dbPoolSize);
  const service = await startContext<NotificationContext>({
    name: 'notification',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    consumers: [
      {
        groupId: NOTIFICATION_GROUP,
        handlers: notificationHandlers({
          channels: channels.map((c) => c.name),
          maxEventAgeMs: opts.maxEventAgeMs ?? intEnv('NOTIFICATION_MAX_EVENT_AGE_MS', DEFAULT_MAX_EVENT_AGE_MS),
        }),
      },
    ],
    jobs: [
      {
        name: 'deliver-notifications',
        everyMs: opts.pollMs ?? intEnv('NOTIFICATION_POLL_MS', DEFAULT_DELIVERY_POLL_MS),
        run: (_relay, logger) => deliverAllDue({ db, channels, policy, logger }),
      },
    ],
    context: (base) => ({ ...base, db }),
  }).catch(async (err: unknown) => {
    await Promise.allSettled(channels.map((c) => c.close()));
    throw err;
  });
  return {
    ...service,
    stop: async () => {
      await service.stop();
      await Promise.allSettled(channels.map((c) => c.close()));
    },
  };
}
