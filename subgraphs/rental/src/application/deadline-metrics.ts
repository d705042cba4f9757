import { cachedFor, ScrapedGauge, type GaugeSample } from '@ebook/events';
import { Prisma } from '../generated/prisma/client';
import type { RentalDb } from '../db';
import { systemClock, type Clock } from './clock';
import { utc } from './lending-schedule';

/**
 * Lifecycle deadlines the rental context's schedules have not acted on yet, at scrape time, by
 * `deadline`: `loan_due` (RENTED loans past `dueAt`: the lending schedule expires them) and
 * `hold_offer` (READY holds past `readyUntil`: the hold schedule expires the offer). Both
 * schedules run every 500 ms, so a count that stays above zero means a schedule is not keeping up.
 */
export const overdueDeadlinesGauge = new ScrapedGauge(
  'rental_deadlines_overdue',
  'Rental deadlines passed but not acted on yet (loan_due: RENTED past dueAt; hold_offer: READY past readyUntil)',
  ['deadline'],
);

/** Seconds since the earliest of those deadlines passed (0 when none is overdue), by `deadline`. */
export const oldestOverdueGauge = new ScrapedGauge(
  'rental_deadline_oldest_overdue_seconds',
  'Seconds since the earliest unhandled rental deadline passed (0 when none), by deadline kind',
  ['deadline'],
);

/** Count and lateness (s) of overdue deadlines as one query returns them. */
interface OverdueRow {
  overdue: number;
  oldest: number | null;
}

/** One query per deadline kind, over the `(status, dueAt)` and `(status, readyUntil)` indexes. */
const QUERIES: Record<'loan_due' | 'hold_offer', (now: Date) => Prisma.Sql> = {
  loan_due: (now) => Prisma.sql`SELECT count(*)::int AS overdue, EXTRACT(EPOCH FROM (${utc(now)} - min("dueAt")))::float8 AS oldest
    FROM rental WHERE status = 'RENTED' AND "dueAt" <= ${utc(now)}`,
  hold_offer: (now) => Prisma.sql`SELECT count(*)::int AS overdue, EXTRACT(EPOCH FROM (${utc(now)} - min("readyUntil")))::float8 AS oldest
    FROM hold WHERE status = 'READY' AND "readyUntil" <= ${utc(now)}`,
};

/** Overdue deadlines of each kind at `now`: count and seconds since the earliest passed. */
export async function readOverdueDeadlines(db: RentalDb, now: Date): Promise<{ deadline: string; overdue: number; oldestSeconds: number }[]> {
  return Promise.all(
    Object.entries(QUERIES).map(async ([deadline, query]) => {
      const [row] = await db.$queryRaw<OverdueRow[]>(query(now));
      return { deadline, overdue: row?.overdue ?? 0, oldestSeconds: Math.max(0, row?.oldest ?? 0) };
    }),
  );
}

/**
 * The rental context's scrape-time gauges ({@link overdueDeadlinesGauge}, {@link oldestOverdueGauge}),
 * for `startContext`'s `gauges`; both share one reading per scrape (`clock`: the schedules' time).
 */
export function deadlineGauges(db: RentalDb, clock: Clock = systemClock): { gauge: ScrapedGauge; probe: () => Promise<GaugeSample[]> }[] {
  const read = cachedFor(1_000, () => readOverdueDeadlines(db, clock()));
  return [
    { gauge: overdueDeadlinesGauge, probe: async () => (await read()).map((r) => ({ labels: { deadline: r.deadline }, value: r.overdue })) },
    { gauge: oldestOverdueGauge, probe: async () => (await read()).map((r) => ({ labels: { deadline: r.deadline }, value: r.oldestSeconds })) },
  ];
}
