import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus';
import type { TransactionalDb } from '../sql';
import { eventMetrics } from '../metrics';
import { contextFromHeaders, injectTraceHeaders, EVENTS_TRACER } from '../tracing';
import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Context name, for logs and metrics (e.g. `rental`). */
  context: string;
  db: TransactionalDb;
  bus: EventBus;
  logger: Logger;
  /**
   * Poll period when idle, ms (default 500). A poll is one `SELECT` (a transaction only when rows
   * wait); it catches rows no wake reached (committed by a replica whose relay died, or with no
   * relay at all). `wake()` publishes at once.
   */
  pollIntervalMs?: number;
  /** Rows per batch (default 100). */
  batchSize?: number;
  /** Longest back-off after a failed publish, ms (default 5000). */
  maxBackoffMs?: number;
}

/** Advisory lock id taken by the relay's transaction: one relay publishes per database at a time, keeping `seq` order. */
const RELAY_LOCK_ID = 727_001;

/**
 * Claims the next batch in one statement: takes the relay's transaction-scoped advisory lock
 * (no rows when another relay holds it), marks up to `$2` unpublished rows published in `seq`
 * order and returns them. The mark commits only after the bus accepted the batch; a failed
 * publish rolls it back. `o."publishedAt" IS NULL` is checked again on the row being updated:
 * the statement's snapshot is taken before the lock, so rows another relay published and
 * committed in between are re-read and skipped instead of published twice.
 */
const CLAIM_BATCH = `
  WITH relay_lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1) AS locked)
  UPDATE outbox_event o SET "publishedAt" = now()
  FROM (
    SELECT e.seq FROM outbox_event e, relay_lock
    WHERE relay_lock.locked AND e."publishedAt" IS NULL
    ORDER BY e.seq LIMIT $2
  ) batch
  WHERE o.seq = batch.seq AND o."publishedAt" IS NULL
  RETURNING o.seq, o.topic, o."aggregateId", o.envelope`;

/** First wait before looking again when another relay held the lock, ms (doubled each time, up to the poll period). */
const CONTENDED_RETRY_MS = 20;

/** One cheap statement (the `(publishedAt, seq)` index): a row when something waits to be published, none otherwise. */
const ANY_PENDING = `SELECT 1 AS pending FROM outbox_event WHERE "publishedAt" IS NULL LIMIT 1`;

interface OutboxRow {
  seq: bigint;
  topic: string;
  aggregateId: string;
  envelope: unknown;
}

/**
 * The outbox relay: publishes unpublished `outbox_event` rows to the {@link EventBus} in
 * `seq` order (keyed by aggregate id) and marks them published in the same transaction.
 * A failed publish rolls back and is retried with exponential back-off, so an unreachable
 * broker delays events but never loses them (at-least-once; consumers are idempotent).
 * Replicas are safe: a transaction-scoped advisory lock lets one relay work at a time.
 * Tracing: each event gets a PRODUCER span `<topic> publish`, child of the envelope's
 * `traceparent`, whose context is sent in the message headers (`traceparent`, `tracestate`).
 *
 * Cost: a batch is one transaction of three statements (`BEGIN`, {@link CLAIM_BATCH}, `COMMIT`).
 * After a commit's `wake()` the relay publishes at once, then goes on only while batches come
 * back full; a wake that arrived during a batch (its rows may already be in it) and each idle
 * poll first ask {@link ANY_PENDING} — one statement, no transaction — so a wake or poll with
 * nothing to publish costs one cheap statement, never an empty transaction. A claim that gets
 * nothing although rows wait (another replica holds the lock) is tried again after 20 ms, the
 * wait doubling up to the poll period, so a replica's rows do not wait for its next poll.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;

  constructor(private readonly opts: OutboxRelayOptions) {}

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks the loop to publish now (call after a commit that wrote outbox rows). */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Stops the loop after the batch in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /**
   * Publishes one batch (at most `batchSize` rows, oldest first). @returns rows published (0 when
   * none pending or another relay holds the lock).
   * @throws when the bus rejects the batch (nothing is marked published).
   */
  async publishBatch(): Promise<number> {
    const batchSize = this.opts.batchSize ?? 100;
    return this.opts.db.$transaction(
      async (tx) => {
        const claimed = await tx.$queryRawUnsafe<OutboxRow[]>(CLAIM_BATCH, RELAY_LOCK_ID, batchSize);
        if (claimed.length === 0) return 0;
        // RETURNING has no order: publish in seq order (per-aggregate order on each partition).
        const rows = [...claimed].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
        const spans: Span[] = [];
        const messages = rows.map((r) => {
          // jsonb arrives parsed: read the headers from it and serialize once.
          const env = (typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope) as { type: string; correlationId: string; traceparent?: string };
          // One PRODUCER span per event, child of the span that wrote the row; its context travels in the headers.
          const span = trace.getTracer(EVENTS_TRACER).startSpan(
            `${r.topic} publish`,
            {
              kind: SpanKind.PRODUCER,
              attributes: {
                'messaging.system': 'kafka',
                'messaging.destination.name': r.topic,
                'messaging.operation.type': 'send',
                'ebook.event.type': env.type,
                'ebook.context': this.opts.context,
              },
            },
            env.traceparent ? contextFromHeaders({ traceparent: env.traceparent }) : context.active(),
          );
          spans.push(span);
          return {
            topic: r.topic,
            key: r.aggregateId,
            value: JSON.stringify(env),
            headers: injectTraceHeaders({ 'event-type': env.type, 'correlation-id': env.correlationId }, trace.setSpan(context.active(), span)),
          };
        });
        try {
          await this.opts.bus.publish(messages);
        } catch (err) {
          for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          for (const span of spans) span.end();
        }
        eventMetrics.published.inc({ context: this.opts.context }, rows.length);
        return rows.length;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }

  /** True when at least one row waits to be published (one statement, outside a transaction). */
  async hasPending(): Promise<boolean> {
    const rows = await this.opts.db.$queryRawUnsafe<unknown[]>(ANY_PENDING);
    return rows.length > 0;
  }

  /** Publishes until nothing is pending. @returns rows published. */
  async flush(): Promise<number> {
    const batchSize = this.opts.batchSize ?? 100;
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n < batchSize && !(n > 0 && (await this.hasPending()))) return total;
    }
  }

  private async run(): Promise<void> {
    const poll = this.opts.pollIntervalMs ?? 500;
    const maxBackoff = this.opts.maxBackoffMs ?? 5_000;
    const batchSize = this.opts.batchSize ?? 100;
    let failures = 0;
    // 'publish': rows are known to wait (a wake, a full batch, a retry); 'check': they may (the
    // start, a wake during the last batch, an idle poll) — ask first.
    let next: 'publish' | 'check' = this.pendingWake ? 'publish' : 'check';
    // Consecutive claims that found rows waiting but got none: another replica holds the lock.
    let contended = 0;
    while (this.running) {
      this.pendingWake = false;
      let published = 0;
      let claimed = false;
      try {
        if (next === 'publish' || (await this.hasPending())) {
          claimed = true;
          published = await this.publishBatch();
        }
        if (failures > 0) this.opts.logger.info({ context: this.opts.context }, 'outbox relay recovered');
        failures = 0;
      } catch (err) {
        failures += 1;
        eventMetrics.publishFailures.inc({ context: this.opts.context });
        this.opts.logger.warn({ err: (err as Error).message, failures }, 'outbox relay: publish failed, will retry');
      }
      if (!this.running) break;
      if (failures === 0 && published === batchSize) {
        next = 'publish';
        continue;
      }
      if (failures === 0 && this.pendingWake) {
        next = 'check';
        continue;
      }
      // Rows were waiting (a wake, or the check) and none came back: another replica holds the
      // lock, or has just published them. Look again soon, backing off up to the poll period,
      // instead of leaving this replica's rows for the next poll.
      contended = failures === 0 && claimed && published === 0 ? contended + 1 : 0;
      const delay = failures > 0 ? Math.min(maxBackoff, 100 * 2 ** failures) : contended > 0 ? Math.min(poll, CONTENDED_RETRY_MS * 2 ** (contended - 1)) : poll;
      const woken = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), delay);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve(true);
        };
      });
      this.wakeUp = undefined;
      next = woken || failures > 0 ? 'publish' : 'check';
    }
  }
}
