import type { Logger } from 'pino';
import type { EventBus, IncomingMessage, Subscription } from '../bus/event-bus';
import { CONTRACTS, type EventOf, type EventType } from '../contracts/index';
import { EnvelopeSchema } from '../envelope';
import { eventMetrics, zeroEventCounters } from '../metrics';
import { wroteToOutbox } from '../outbox/outbox';
import type { SqlExecutor, TransactionalDb } from '../sql';
import { contextFromHeaders, inSpan, SpanKind } from '../tracing';

/** Handlers by event type; each runs inside the transaction that records the event in the inbox. */
export type EventHandlers<Tx> = { [T in EventType]?: (event: EventOf<T>, tx: Tx) => Promise<void> };

/** Options of {@link startIdempotentConsumer}. */
export interface IdempotentConsumerOptions<Tx extends SqlExecutor> {
  bus: EventBus;
  db: TransactionalDb<Tx>;
  /** Consumer group id, also the inbox's `consumer` column (e.g. `rental-view.projection`). */
  groupId: string;
  handlers: EventHandlers<Tx>;
  logger: Logger;
  /** Attempts before dead-lettering a failing event (default 5). */
  maxAttempts?: number;
  /** First retry delay, ms, doubled each attempt (default 200). */
  retryBackoffMs?: number;
  /** Called after a handler's transaction committed having appended events to the outbox (to wake this context's outbox relay). */
  afterCommit?: () => void;
}

/** Suffix of the dead-letter topic of a topic: `rental.events` → `rental.events.dlt`. */
export const DEAD_LETTER_SUFFIX = '.dlt';

/** Headers dead-lettering adds to a message (the re-drive strips them before republishing). */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlt-reason',
  group: 'x-dlt-group',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
} as const;

class PoisonEvent extends Error {}

/**
 * Runs an idempotent consumer (inbox pattern) on the bus.
 *
 * For each delivered message: validate the envelope and its contract (`data` is parsed with
 * the contract's zod schema, unknown fields dropped); skip types without a handler; then in
 * ONE database transaction insert `(groupId, eventId)` into `inbox_event` and run the
 * handler — a redelivered event finds its inbox row and has no second effect.
 * A failing handler is retried in place (keeps per-aggregate order) up to `maxAttempts`
 * with exponential back-off; an invalid or still-failing event goes to `<topic>.dlt` with
 * headers `x-dlt-reason`, `x-dlt-group`, `x-original-*` and the original envelope as value,
 * and the partition moves on.
 * `stop()` delivers nothing more and resolves once the message in flight is settled; a failing
 * message is then not retried nor dead-lettered but left unhandled (redelivered later).
 * Topics subscribed are those of the handled contracts.
 * Tracing: each delivery runs in a CONSUMER span `<topic> process`, child of the trace context
 * in the message headers, so the handler's logs and the events it appends continue that trace.
 */
export async function startIdempotentConsumer<Tx extends SqlExecutor>(opts: IdempotentConsumerOptions<Tx>): Promise<Subscription> {
  const types = Object.keys(opts.handlers) as EventType[];
  const topics = [...new Set(types.map((t) => CONTRACTS[t].topic))];
  const maxAttempts = opts.maxAttempts ?? 5;
  const backoff = opts.retryBackoffMs ?? 200;
  const log = opts.logger.child({ group: opts.groupId });
  zeroEventCounters({ group: opts.groupId, types, topics });

  const deadLetter = async (m: IncomingMessage, reason: string) => {
    eventMetrics.deadLettered.inc({ group: opts.groupId, topic: m.topic });
    log.error({ topic: m.topic, partition: m.partition, offset: m.offset, reason }, 'event dead-lettered');
    await opts.bus.publish([
      {
        topic: m.topic + DEAD_LETTER_SUFFIX,
        key: m.key ?? '',
        value: m.value,
        headers: {
          ...m.headers,
          [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.group]: opts.groupId,
          [DEAD_LETTER_HEADERS.originalTopic]: m.topic,
          [DEAD_LETTER_HEADERS.originalPartition]: String(m.partition),
          [DEAD_LETTER_HEADERS.originalOffset]: m.offset,
        },
      },
    ]);
  };

  const handleOnce = async (m: IncomingMessage): Promise<'handled' | 'duplicate' | 'ignored'> => {
    let raw: unknown;
    try {
      raw = JSON.parse(m.value);
    } catch {
      throw new PoisonEvent('value is not JSON');
    }
    const env = EnvelopeSchema.safeParse(raw);
    if (!env.success) throw new PoisonEvent(`invalid envelope: ${env.error.message}`);
    const type = env.data.type as EventType;
    const handler = opts.handlers[type] as ((e: unknown, tx: Tx) => Promise<void>) | undefined;
    if (!handler) return 'ignored';
    const contract = CONTRACTS[type];
    if (env.data.version > contract.version) {
      throw new PoisonEvent(`${type} v${env.data.version} is newer than the v${contract.version} this consumer knows`);
    }
    const data = contract.data.safeParse(env.data.data);
    if (!data.success) throw new PoisonEvent(`invalid ${type} data: ${data.error.message}`);
    const event = { ...env.data, data: data.data };
    const result = await opts.db.$transaction(
      async (tx) => {
        const inserted = await tx.$executeRawUnsafe(
          `INSERT INTO inbox_event (consumer, "eventId", type) VALUES ($1, $2::uuid, $3) ON CONFLICT DO NOTHING`,
          opts.groupId,
          event.eventId,
          type,
        );
        if (inserted === 0) return { outcome: 'duplicate' as const, wroteEvents: false };
        await handler(event, tx);
        return { outcome: 'handled' as const, wroteEvents: wroteToOutbox(tx) };
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
    if (result.outcome === 'handled') {
      eventMetrics.handled.inc({ group: opts.groupId, type });
      const lagMs = Date.now() - Date.parse(event.occurredAt);
      if (Number.isFinite(lagMs)) eventMetrics.handlingLag.observe({ group: opts.groupId }, Math.max(0, lagMs) / 1000);
      log.debug({ type, eventId: event.eventId, correlationId: event.correlationId }, 'event handled');
      if (result.wroteEvents) opts.afterCommit?.();
    } else {
      eventMetrics.duplicates.inc({ group: opts.groupId, type });
      log.info({ type, eventId: event.eventId, correlationId: event.correlationId }, 'duplicate event skipped');
    }
    return result.outcome;
  };

  // Set by stop(): a failing event is then neither retried nor dead-lettered but left unhandled
  // (not committed), so it is redelivered when the group runs again.
  const stopping = new AbortController();
  const cutShort = (m: IncomingMessage, reason: string) => new ConsumerStopping(`${opts.groupId} stopped before handling ${m.topic}@${m.offset}: ${reason}`);
  const subscription = await opts.bus.subscribe({
    groupId: opts.groupId,
    topics,
    onMessage: (m) =>
      // The handling span continues the producer's trace from the message headers (never the envelope).
      inSpan(
        `${m.topic} process`,
        {
          kind: SpanKind.CONSUMER,
          parent: contextFromHeaders(m.headers),
          attributes: {
            'messaging.system': 'kafka',
            'messaging.destination.name': m.topic,
            'messaging.operation.type': 'process',
            'messaging.consumer.group.name': opts.groupId,
            'messaging.kafka.offset': m.offset,
            'ebook.event.type': m.headers['event-type'] ?? '',
          },
        },
        () => deliver(m),
      ),
  });
  async function deliver(m: IncomingMessage): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handleOnce(m);
        return;
      } catch (err) {
        const reason = (err as Error).message;
        if (stopping.signal.aborted) throw cutShort(m, reason);
        if (err instanceof PoisonEvent || attempt >= maxAttempts) {
          await deadLetter(m, attempt >= maxAttempts ? `failed ${attempt} times: ${reason}` : reason);
          return;
        }
        log.warn({ topic: m.topic, offset: m.offset, attempt, reason }, 'event handler failed, retrying');
        await sleep(backoff * 2 ** (attempt - 1), stopping.signal);
        if (stopping.signal.aborted) throw cutShort(m, reason);
      }
    }
  }
  return {
    stop: async () => {
      stopping.abort();
      await subscription.stop();
    },
  };
}

/** Thrown out of a delivery whose retries were cut short by the consumer's stop: the event stays unhandled. */
export class ConsumerStopping extends Error {}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
