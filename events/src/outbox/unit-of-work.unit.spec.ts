import { describe, expect, it } from 'vitest';
import { RentalCanceled } from '../contracts/index';
import type { SqlExecutor, TransactionalDb } from '../sql';
import { joinTransaction, unitOfWork } from './unit-of-work';
import { noteOutboxWrite } from './outbox';

const rentalId = '44444444-4444-4444-8444-444444444444';
const event = () =>
  RentalCanceled.create(rentalId, { rentalId, bookId: rentalId, customerId: rentalId, paymentId: null, canceledAt: '2025-03-01T10:00:00.000Z' }, { correlationId: 'c1' });

/** A database double that records, in order, what happens: statements, commit, rollback, wake. */
function fakeDb(log: string[]): TransactionalDb<SqlExecutor> {
  const tx: SqlExecutor = {
    $executeRawUnsafe: async (q: string) => (log.push(q.startsWith('INSERT INTO outbox_event') ? 'outbox' : q), 1),
    $queryRawUnsafe: async () => [] as never,
  };
  return {
    ...tx,
    $transaction: async (fn) => {
      try {
        const r = await fn(tx);
        log.push('commit');
        return r;
      } catch (err) {
        log.push('rollback');
        throw err;
      }
    },
  };
}

describe('unitOfWork', () => {
  it('writes, appends the events to the outbox in the same transaction, commits, then wakes the relay', async () => {
    const log: string[] = [];
    const uow = unitOfWork(fakeDb(log), { wake: () => log.push('wake') });
    const result = await uow.run(async (tx) => {
      await tx.$executeRawUnsafe('UPDATE rental');
      return { result: 42, events: [event()] };
    });
    expect(result).toBe(42);
    expect(log).toEqual(['UPDATE rental', 'outbox', 'commit', 'wake']);
  });

  it("wakes the relay when the body's own statement appended the events (noteOutboxWrite), though it returned none", async () => {
    const log: string[] = [];
    await unitOfWork(fakeDb(log), { wake: () => log.push('wake') }).run(async (tx) => {
      await tx.$executeRawUnsafe('WITH updated AS (UPDATE rental) INSERT INTO outbox_event');
      noteOutboxWrite(tx);
      return { result: null, events: [] };
    });
    expect(log).toEqual(['WITH updated AS (UPDATE rental) INSERT INTO outbox_event', 'commit', 'wake']);
  });

  it('does not wake the relay when no event was written', async () => {
    const log: string[] = [];
    await unitOfWork(fakeDb(log), { wake: () => log.push('wake') }).run(async () => ({ result: null, events: [] }));
    expect(log).toEqual(['commit']);
  });

  it('a refused body writes no event and wakes nothing', async () => {
    const log: string[] = [];
    const uow = unitOfWork(fakeDb(log), { wake: () => log.push('wake') });
    await expect(uow.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(log).toEqual(['rollback']);
  });

  it('without a relay, commits and leaves publishing to the next poll', async () => {
    const log: string[] = [];
    await unitOfWork(fakeDb(log)).run(async () => ({ result: 1, events: [event()] }));
    expect(log).toEqual(['outbox', 'commit']);
  });
});

describe('joinTransaction', () => {
  it("appends the events in the owner's transaction and neither commits nor wakes (the owner does)", async () => {
    const log: string[] = [];
    const db = fakeDb(log);
    await db.$transaction((tx) => joinTransaction(tx).run(async () => ({ result: 1, events: [event()] })));
    expect(log).toEqual(['outbox', 'commit']);
  });
});
