import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = register.getSingleMetric(name);
  return (existing as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** prom-client metrics of the event flow (default registry, served on each subgraph's `/metrics`). */
export const eventMetrics = {
  published: counter('outbox_events_published_total', 'Outbox events published to the bus', ['context']),
  publishFailures: counter('outbox_publish_failures_total', 'Failed outbox publish attempts', ['context']),
  handled: counter('events_handled_total', 'Events handled by a consumer (first delivery)', ['group', 'type']),
  duplicates: counter('events_duplicates_skipped_total', 'Redelivered events skipped by the inbox', ['group', 'type']),
  deadLettered: counter('events_dead_lettered_total', 'Events sent to a dead-letter topic', ['group', 'topic']),
};
