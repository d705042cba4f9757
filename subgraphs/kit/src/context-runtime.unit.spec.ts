import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutboxRelay } from '@ebook/events';
import type { Logger } from 'pino';
import { isUniqueViolation, startPeriodicJobs } from './context-runtime';

/** What the jobs get; the runner only hands it over. */
const relay = {} as OutboxRelay;

describe('periodic jobs of a context (rental sweeper, OAuth purge)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('run every period, never two runs of one job at once, keep running after a failure, stop on stop()', async () => {
    const errors: unknown[] = [];
    const logger = { error: (obj: unknown) => errors.push(obj) } as unknown as Logger;
    let runs = 0;
    let release: () => void = () => undefined;
    let failNext = false;
    const jobs = startPeriodicJobs(
      [
        {
          name: 'sweeper',
          everyMs: 1000,
          run: () => {
            runs += 1;
            if (failNext) return Promise.reject(new Error('database down'));
            return new Promise<void>((resolve) => (release = resolve));
          },
        },
      ],
      relay,
      logger,
    );

    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    // The first run is still going: the next two periods are skipped, not stacked.
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(1);
    release();
    failNext = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    expect(errors).toEqual([expect.objectContaining({ job: 'sweeper' })]);
    failNext = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(3);

    // stop() waits for the run in flight, and no run starts after it
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });
});

describe('isUniqueViolation (ALREADY_RENTED, a concurrent approval)', () => {
  it("is true for Prisma's P2002, a raw statement's P2010 with SQLSTATE 23505 and pg's own 23505", () => {
    expect(isUniqueViolation({ code: 'P2002' })).toBe(true);
    expect(isUniqueViolation({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '23505' } } } })).toBe(true);
    expect(isUniqueViolation(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(true);
  });

  it('is false for any other failure', () => {
    expect(isUniqueViolation({ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '40P01' } } } })).toBe(false);
    expect(isUniqueViolation(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(false);
    expect(isUniqueViolation(new Error('connection refused'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
