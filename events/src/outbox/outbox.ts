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

/** An outbox insert as SQL: `INSERT INTO outbox_event … VALUES …` and its parameters. */
export interface OutboxInsert {
  sql: string;
  values: unknown[];
}

/**
 * The `INSERT INTO outbox_event` statement of `events` (at least one), its parameters numbered
 * from `$firstParam` — alone ({@link appendToOutbox}) or as a data-modifying CTE of a
 * repository's own statement, so a state change and its events take one round trip (the
 * statement's author calls {@link noteOutboxWrite} on the transaction). With `onlyIf` (an SQL
 * condition, e.g. `EXISTS (SELECT 1 FROM updated)`) the rows are inserted only when it holds —
 * events of a conditional update that may apply to nothing. The topic comes from the
 * event's contract; each row keeps the active trace context (the producing request's or
 * handler's span) as the envelope's `traceparent`, unless it has one.
 * @throws Error for an event type without a contract, or for no events.
 */
export function outboxInsert(events: Envelope[], firstParam = 1, onlyIf?: string): OutboxInsert {
  if (events.length === 0) throw new Error('outboxInsert: no events');
  const values: unknown[] = [];
  const traceparent = activeTraceparent();
  const rows = events.map((e, i) => {
    const contract = CONTRACTS[e.type as EventType];
    if (!contract) throw new Error(`no contract for event type ${e.type}`);
    values.push(e.eventId, contract.topic, e.type, e.aggregateId, JSON.stringify(traceparent && !e.traceparent ? { ...e, traceparent } : e));
    const b = firstParam + i * 5;
    return `($${b}::uuid, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb)`;
  });
  const into = `INSERT INTO outbox_event ("eventId", topic, type, "aggregateId", envelope)`;
  return { sql: onlyIf ? `${into} SELECT * FROM (VALUES ${rows.join(', ')}) AS e WHERE ${onlyIf}` : `${into} VALUES ${rows.join(', ')}`, values };
}

/** Records that events were appended through `tx` (read by {@link wroteToOutbox}: the transaction's owner wakes the relay after its commit). */
export function noteOutboxWrite(tx: SqlExecutor): void {
  transactionsWithEvents.add(tx);
}

/**
 * Appends domain events to the transactional outbox, inside the caller's transaction `tx`,
 * so they are stored if and only if the state change commits — all of them in one statement
 * ({@link outboxInsert}). The relay publishes them.
 * @throws Error for an event type without a contract.
 */
export async function appendToOutbox(tx: SqlExecutor, events: Envelope[]): Promise<void> {
  if (events.length === 0) return;
  const insert = outboxInsert(events);
  await tx.$executeRawUnsafe(insert.sql, ...insert.values);
  noteOutboxWrite(tx);
}
