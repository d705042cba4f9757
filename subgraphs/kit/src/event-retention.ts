import { pruneEventTables, type EventRetention, type SqlExecutor } from '@ebook/events';
import type { Logger } from 'pino';
import { ConfigError, durationEnv } from './env';
import type { PeriodicJob } from './context-runtime';

/** `OUTBOX_RETENTION` when unset: published outbox rows are kept one day (P1D). */
export const DEFAULT_OUTBOX_RETENTION_MS = 24 * 3600_000;
/** `INBOX_RETENTION` when unset: handled inbox rows are kept 14 days (P14D). */
export const DEFAULT_INBOX_RETENTION_MS = 14 * 24 * 3600_000;
/** `KAFKA_TOPIC_RETENTION` when unset: 7 days (P7D), Kafka's own default `retention.ms` (`log.retention.hours=168`). */
export const DEFAULT_KAFKA_TOPIC_RETENTION_MS = 7 * 24 * 3600_000;
/** Period of the pruning job, ms. */
export const PRUNE_EVERY_MS = 60_000;

/**
 * The event tables' retention from the environment, validated at start-up:
 * `OUTBOX_RETENTION` (default P1D) and `INBOX_RETENTION` (default P14D), ISO-8601 durations
 * (see {@link durationEnv}). The inbox retention must exceed `KAFKA_TOPIC_RETENTION` (the
 * `retention.ms` of the topics the context consumes, default P7D): an event Kafka can still
 * redeliver — a consumer group reset, a re-driven dead letter — must find its inbox row, or it
 * takes effect twice. Kafka deletes whole segments, so a message may outlive `retention.ms` by up
 * to `segment.ms`: the default P14D covers Kafka's defaults (7 days + 7 days).
 * @returns retention in ms. @throws ConfigError naming the variable: malformed, negative, years or
 *   months, or `INBOX_RETENTION` not longer than `KAFKA_TOPIC_RETENTION`.
 */
export function eventRetentionFromEnv(env: NodeJS.ProcessEnv = process.env): EventRetention {
  const outboxMs = durationEnv(env, 'OUTBOX_RETENTION') ?? DEFAULT_OUTBOX_RETENTION_MS;
  const inboxMs = durationEnv(env, 'INBOX_RETENTION') ?? DEFAULT_INBOX_RETENTION_MS;
  const topicMs = durationEnv(env, 'KAFKA_TOPIC_RETENTION') ?? DEFAULT_KAFKA_TOPIC_RETENTION_MS;
  if (inboxMs <= topicMs) {
    throw new ConfigError(
      'INBOX_RETENTION',
      `${env.INBOX_RETENTION ?? 'P14D'} must be longer than the Kafka topics' retention KAFKA_TOPIC_RETENTION (${env.KAFKA_TOPIC_RETENTION ?? 'P7D'}): an event redelivered after its inbox row is deleted would take effect twice`,
    );
  }
  return { outboxMs, inboxMs };
}

/**
 * The periodic job every context runs: deletes published outbox rows and handled inbox rows
 * past `retention` in batches of 1 000 rows per statement ({@link pruneEventTables}); logs what
 * it deleted at debug level.
 */
export function pruneEventTablesJob(db: SqlExecutor, retention: EventRetention, everyMs = PRUNE_EVERY_MS): PeriodicJob {
  return {
    name: 'prune event tables',
    everyMs,
    run: async (_relay, logger: Logger) => {
      const deleted = await pruneEventTables(db, { retention });
      if (deleted.outbox + deleted.inbox > 0) logger.debug(deleted, 'event tables pruned');
      return deleted;
    },
  };
}
