import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The envelope every domain event travels in (Kafka message value, outbox row).
 *
 * - `eventId`: uuid, unique per event; consumers record it in their inbox (idempotency).
 * - `type` / `version`: the contract (see `contracts/`); consumers pick a handler by type.
 * - `occurredAt`: ISO-8601 UTC timestamp of the state change.
 * - `aggregateId`: id of the aggregate that changed; also the Kafka message key, so all
 *   events of one aggregate land on one partition, in order.
 * - `correlationId`: id of the GraphQL request that started the chain (shared by every
 *   event it causes); `causationId`: `eventId` of the event that caused this one, or null
 *   when a command caused it.
 * - `traceparent` (optional, outbox rows only): the W3C Trace Context `traceparent` of the span
 *   that produced the event, stamped by `appendToOutbox` when tracing is on; the relay continues
 *   that trace in the Kafka message headers. Consumers take the trace from the headers: like any
 *   unknown envelope field, the schema drops it.
 * Unknown envelope fields are ignored (forward compatibility).
 */
export const EnvelopeSchema = z.object({
  eventId: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  aggregateId: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().nullable(),
  data: z.unknown(),
});

/** A parsed envelope whose `data` has been validated against its contract. */
export interface Envelope<TType extends string = string, TData = unknown> {
  eventId: string;
  type: TType;
  version: number;
  occurredAt: string;
  aggregateId: string;
  correlationId: string;
  causationId: string | null;
  /** W3C `traceparent` of the producing span, when tracing was on (see {@link EnvelopeSchema}). */
  traceparent?: string;
  data: TData;
}

/**
 * The correlation id of the events a seed writes (the catalog and the manager account `pnpm dev`
 * seeds): how a consumer tells seeded data from what a request created.
 */
export const SEED_CORRELATION_ID = 'seed';

/** What caused an event: the request's correlation id and, for event handlers, the incoming event. */
export interface Causation {
  correlationId: string;
  /** `eventId` of the causing event, or null/undefined when a command caused it. */
  causationId?: string | null;
}

/** Builds a fresh envelope (new uuid, `occurredAt` = now unless given). */
export function buildEnvelope<TType extends string, TData>(args: {
  type: TType;
  version: number;
  aggregateId: string;
  data: TData;
  cause: Causation;
  occurredAt?: Date;
}): Envelope<TType, TData> {
  return {
    eventId: randomUUID(),
    type: args.type,
    version: args.version,
    occurredAt: (args.occurredAt ?? new Date()).toISOString(),
    aggregateId: args.aggregateId,
    correlationId: args.cause.correlationId,
    causationId: args.cause.causationId ?? null,
    data: args.data,
  };
}

/** The cause to record on events emitted while handling `event`: same correlation, caused by it. */
export function causedBy(event: Pick<Envelope, 'eventId' | 'correlationId'>): Causation {
  return { correlationId: event.correlationId, causationId: event.eventId };
}
