import { CONTRACTS, type EventType } from '../contracts/index';
import type { Envelope } from '../envelope';
import type { SqlExecutor } from '../sql';
import { activeTraceparent } from '../tracing';

/** The transactions (their clients) that appended at least one event: read by {@link wroteToOutbox}. */
const transactionsWithEvents = new WeakSet<object>();

/**
 * True when events were appended to the outbox through `tx` (a transaction's client) — the
 * owner of the transaction wakes the relay after its commit only then.
 */
export function wroteToOutbox(tx: SqlExecutor): boolean {
  return transactionsWithEvents.has(tx);
}

/**
 * Appends domain events to the transactional outbox, inside the caller's transaction `tx`,
 * so they are stored if and only if the state change commits. The relay publishes them.
 * The topic comes from the event's contract. Each row keeps the active trace context (the
 * producing request's or handler's span) as the envelope's `traceparent`, unless it has one.
 * @throws Error for an event type without a contract.
 */
export async function appendToOutbox(tx: SqlExecutor, events: Envelope[]): Promise<void> {
  if (events.length === 0) return;
  const values: unknown[] = [];
  const traceparent = activeTraceparent();
  const rows = events.map((e, i) => {
    const contract = CONTRACTS[e.type as EventType];
    if (!contract) throw new Error(`no contract for event type ${e.type}`);
    values.push(e.eventId, contract.topic, e.type, e.aggregateId, JSON.stringify(traceparent && !e.traceparent ? { ...e, traceparent } : e));
    const b = i * 5;
    return `($${b + 1}::uuid, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
  });
  await tx.$executeRawUnsafe(`INSERT INTO outbox_event ("eventId", topic, type, "aggregateId", envelope) VALUES ${rows.join(', ')}`, ...values);
  transactionsWithEvents.add(tx);
}
