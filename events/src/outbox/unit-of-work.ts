import type { Envelope } from '../envelope';
import type { SqlExecutor, TransactionalDb } from '../sql';
import { appendToOutbox, wroteToOutbox } from './outbox';

/** What the body of a unit of work returns: its result and the events its state change caused. */
export interface Outcome<R> {
  result: R;
  /** Envelopes to store in the outbox in the same transaction (may be empty). */
  events: Envelope[];
}

/**
 * One state change and its events, atomically: the body's writes and its events in the outbox
 * commit together or not at all, and the relay publishes the events after the commit.
 * Application services take a unit of work instead of a database client and a "wake the relay"
 * callback, so publishing after commit is written in one place.
 */
export interface UnitOfWork<Tx extends SqlExecutor> {
  /**
   * Runs `work` in a transaction, appends the events it returns to the outbox in that
   * transaction, commits, then wakes the relay (only when events were written: returned, or
   * appended by the body's own statements — `outboxInsert` with `noteOutboxWrite`).
   * @returns the body's `result`. @throws whatever the body throws (nothing is written then).
   */
  run<R>(work: (tx: Tx) => Promise<Outcome<R>>): Promise<R>;
}

/** The relay as a unit of work needs it (`OutboxRelay` satisfies it). */
export interface RelayWaker {
  wake(): void;
}

/**
 * The unit of work of a context: transactions of `db`, the relay woken after each commit that
 * wrote events (so they are published at once instead of at the next poll). Without `relay`
 * (seeding before the context runs) events wait for the relay's next poll.
 */
export function unitOfWork<Tx extends SqlExecutor>(db: TransactionalDb<Tx>, relay?: RelayWaker): UnitOfWork<Tx> {
  return {
    async run<R>(work: (tx: Tx) => Promise<Outcome<R>>): Promise<R> {
      const { result, wrote } = await db.$transaction(async (tx) => {
        const outcome = await work(tx);
        await appendToOutbox(tx, outcome.events);
        return { result: outcome.result, wrote: wroteToOutbox(tx) };
      });
      if (wrote) relay?.wake();
      return result;
    },
  };
}

/**
 * A unit of work inside a transaction someone else owns — an event handler's, which the
 * idempotent consumer opened to record the event in its inbox: the body runs on `tx` and its
 * events are appended to the outbox there; the owner commits and wakes the relay (the
 * consumer's `afterCommit`).
 */
export function joinTransaction<Tx extends SqlExecutor>(tx: Tx): UnitOfWork<Tx> {
  return {
    async run<R>(work: (tx: Tx) => Promise<Outcome<R>>): Promise<R> {
      const { result, events } = await work(tx);
      await appendToOutbox(tx, events);
      return result;
    },
  };
}
