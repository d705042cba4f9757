import { intEnv } from '@ebook/subgraph-kit';
import { DEFAULT_FROM, type SmtpSettings } from './channels/email-channel';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './domain/delivery-policy';

/** Default: events older than 3 days give no message (ms). */
export const DEFAULT_MAX_EVENT_AGE_MS = 3 * 24 * 3600 * 1000;
/** Default period of the delivery worker, ms. */
export const DEFAULT_DELIVERY_POLL_MS = 500;

/**
 * SMTP settings from `SMTP_URL` (`smtp://user:pass@host:port`, `smtps://...`) or `SMTP_HOST`,
 * `SMTP_PORT` (587), `SMTP_SECURE` (`true`: TLS from the first byte), `SMTP_USER`,
 * `SMTP_PASSWORD`; `SMTP_FROM` (default `"E-book Rental" <no-reply@ebook.local>`),
 * `SMTP_TIMEOUT_MS` (10 000).
 * @throws Error when neither `SMTP_URL` nor `SMTP_HOST` is set, or a number is not an integer.
 */
export function smtpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings {
  if (!env.SMTP_URL && !env.SMTP_HOST) throw new Error('environment variable SMTP_URL (or SMTP_HOST) is required: the SMTP server e-mails are sent through');
  return {
    ...(env.SMTP_URL ? { url: env.SMTP_URL } : { host: env.SMTP_HOST, port: intEnv('SMTP_PORT', 587, env), secure: env.SMTP_SECURE === 'true' }),
    ...(env.SMTP_USER ? { user: env.SMTP_USER, password: env.SMTP_PASSWORD ?? '' } : {}),
    from: env.SMTP_FROM || DEFAULT_FROM,
    timeoutMs: intEnv('SMTP_TIMEOUT_MS', 10_000, env),
  };
}

/**
 * Delivery retries from `NOTIFICATION_MAX_ATTEMPTS` (10), `NOTIFICATION_RETRY_BASE_MS` (1000),
 * `NOTIFICATION_RETRY_MAX_MS` (300 000).
 * @throws Error when a value is not an integer or `NOTIFICATION_MAX_ATTEMPTS` < 1.
 */
export function deliveryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryPolicy {
  const policy = {
    maxAttempts: intEnv('NOTIFICATION_MAX_ATTEMPTS', DEFAULT_DELIVERY_POLICY.maxAttempts, env),
    retryBaseMs: intEnv('NOTIFICATION_RETRY_BASE_MS', DEFAULT_DELIVERY_POLICY.retryBaseMs, env),
    retryMaxMs: intEnv('NOTIFICATION_RETRY_MAX_MS', DEFAULT_DELIVERY_POLICY.retryMaxMs, env),
  };
  if (policy.maxAttempts < 1) throw new Error(`NOTIFICATION_MAX_ATTEMPTS must be at least 1, got ${policy.maxAttempts}`);
  return policy;
}
