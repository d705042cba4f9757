import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** prom-client metrics of deliveries (default registry, served on `/metrics`). */
export const deliveryMetrics = {
  delivered: counter('notifications_delivered_total', 'Messages accepted by a channel', ['channel', 'kind']),
  failedAttempts: counter('notifications_failed_attempts_total', 'Delivery attempts that failed (retried or dead)', ['channel']),
  dead: counter('notifications_dead_total', 'Deliveries given up after their last attempt (dead letters)', ['channel']),
  skipped: counter('notifications_skipped_total', 'Deliveries a channel cannot make (e.g. no e-mail address known)', ['channel']),
};
