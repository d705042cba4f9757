import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus';
import type { TransactionalDb } from '../sql';
import { eventMetrics } from '../metrics';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Context name, for logs and metrics (e.g. `rental`). */
  context: string;
  db: TransactionalDb;
  bus: EventBus;
  logger: Logger;
  /** Poll period when idle, ms (default 500). `wake()` publishes sooner. */
  pollIntervalMs?: number;
  /** Rows per batch (default 100). */
  batchSize?: number;
  /** Longest back-off after a failed publish, ms (default 5000). */
  maxBackoffMs?: number;
}

/** Advisory lock id taken by the relay's transaction: one relay publishes per database at a time, keeping `seq` order. */
const RELAY_LOCK_ID = 727_001;

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
   * Publishes one batch. @returns rows published (0 when none pending or another relay holds the lock).
   * @throws when the bus rejects the batch (nothing is marked published).
   */
  async publishBatch(): Promise<number> {
    const batchSize = this.opts.batchSize ?? 100;
    return this.opts.db.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          RELAY_LOCK_ID,
        );
        if (!lock?.locked) return 0;
        const rows = await tx.$queryRawUnsafe<OutboxRow[]>(
          `SELECT seq, topic, "aggregateId", envelope FROM outbox_event
           WHERE "publishedAt" IS NULL ORDER BY seq LIMIT $1`,
          batchSize,
        );
        if (rows.length === 0) return 0;
        await this.opts.bus.publish(
          rows.map((r) => {
            // jsonb arrives parsed: read the headers from it and serialize once.
            const env = (typeof r.envelope === 'string' ? JSON.parse(r.envelope) : r.envelope) as { type: string; correlationId: string };
            return {
              topic: r.topic,
              key: r.aggregateId,
              value: JSON.stringify(env),
              headers: { 'event-type': env.type, 'correlation-id': env.correlationId },
            };
          }),
        );
        await tx.$executeRawUnsafe(
          `UPDATE outbox_event SET "publishedAt" = now() WHERE seq = ANY($1::bigint[])`,
          rows.map((r) => r.seq.toString()),
        );
        eventMetrics.published.inc({ context: this.opts.context }, rows.length);
        return rows.length;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }

  /** Publishes until nothing is pending. @returns rows published. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n === 0) return total;
    }
  }

  private async run(): Promise<void> {
    const poll = this.opts.pollIntervalMs ?? 500;
    const maxBackoff = this.opts.maxBackoffMs ?? 5_000;
    let failures = 0;
    while (this.running) {
      this.pendingWake = false;
      let published = 0;
      try {
        published = await this.publishBatch();
        if (failures > 0) this.opts.logger.info({ context: this.opts.context }, 'outbox relay recovered');
        failures = 0;
      } catch (err) {
        failures += 1;
        eventMetrics.publishFailures.inc({ context: this.opts.context });
        this.opts.logger.warn({ err: (err as Error).message, failures }, 'outbox relay: publish failed, will retry');
      }
      if (!this.running) break;
      if (published > 0 && failures === 0) continue;
      const delay = failures > 0 ? Math.min(maxBackoff, 100 * 2 ** failures) : poll;
      if (this.pendingWake && failures === 0) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }
}
