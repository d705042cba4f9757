import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const pools = new Map<string, pg.Pool>();
function pool(envName: string): pg.Pool {
  let p = pools.get(envName);
  if (!p) {
    p = new pg.Pool({ connectionString: process.env[envName], max: 2 });
    pools.set(envName, p);
  }
  return p;
}

/** Closes the ledger's database pools. */
export async function closeLedger(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.end()));
  pools.clear();
}

/** An event written to an outbox. */
export interface ProducedEvent {
  eventId: string;
  type: string;
  aggregateId: string;
  published: boolean;
}

/** Events produced (outbox rows) by rental and payment for these rentals (their aggregate ids). */
export async function producedFor(rentalIds: string[]): Promise<ProducedEvent[]> {
  const q = `SELECT "eventId" AS "eventId", type, "aggregateId" AS "aggregateId", "publishedAt" IS NOT NULL AS published
             FROM outbox_event WHERE "aggregateId" = ANY($1::text[]) ORDER BY seq`;
  const [rental, payment] = await Promise.all([
    pool('RENTAL_DATABASE_URL').query<ProducedEvent>(q, [rentalIds]),
    pool('PAYMENT_DATABASE_URL').query<ProducedEvent>(q, [rentalIds]),
  ]);
  return [...rental.rows, ...payment.rows];
}

/** How many of `eventIds` a consumer group recorded in its inbox (handled once, in effect). */
export async function deliveredTo(dbEnv: 'RENTAL_VIEW_DATABASE_URL' | 'PAYMENT_DATABASE_URL' | 'RENTAL_DATABASE_URL', group: string, eventIds: string[]): Promise<number> {
  const { rows } = await pool(dbEnv).query<{ n: string }>(`SELECT count(*) AS n FROM inbox_event WHERE consumer = $1 AND "eventId" = ANY($2::uuid[])`, [group, eventIds]);
  return Number(rows[0]!.n);
}

/** Runs a SQL query on one context's test database. */
export async function sql<T extends pg.QueryResultRow>(dbEnv: string, text: string, values: unknown[] = []): Promise<T[]> {
  return (await pool(dbEnv).query<T>(text, values)).rows;
}

/** One row of the fault-injection report. */
export interface FaultReportRow {
  scenario: string;
  produced: number;
  delivered: number;
  duplicatedEffects: number;
  lost: number;
  recoveryMs: number | null;
}

/** Appends a row to `.cache/fault-report.jsonl`; scripts/test.sh prints the table at the end. */
export function report(row: FaultReportRow): void {
  mkdirSync(path.join(root, '.cache'), { recursive: true });
  appendFileSync(path.join(root, '.cache', 'fault-report.jsonl'), JSON.stringify(row) + '\n');
}

/** Stops / starts the test Kafka broker (scripts/kafka/kafka.sh; data kept across stop/start). */
export const kafkaBroker = {
  stop(): void {
    const r = spawnSync('bash', [path.join(root, 'scripts/kafka/kafka.sh'), 'stop'], { stdio: 'pipe', encoding: 'utf8', env: process.env });
    if (r.status !== 0) throw new Error(`kafka stop failed: ${r.stderr}`);
  },
  start(): void {
    const r = spawnSync('bash', [path.join(root, 'scripts/kafka/kafka.sh'), 'start'], { stdio: 'pipe', encoding: 'utf8', env: process.env });
    if (r.status !== 0) throw new Error(`kafka start failed: ${r.stderr}${r.stdout}`);
  },
};

/**
 * The counts of the fault report for a set of rentals: events produced by rental and payment
 * (outbox rows), delivered to the view (inbox rows of `rental-view.projection`), rentals refunded
 * more than once (duplicated effects), and produced events never delivered (lost).
 */
export async function viewLedger(rentalIds: string[]): Promise<Omit<FaultReportRow, 'scenario' | 'recoveryMs'>> {
  const produced = await producedFor(rentalIds);
  const delivered = await deliveredTo(
    'RENTAL_VIEW_DATABASE_URL',
    'rental-view.projection',
    produced.map((e) => e.eventId),
  );
  const doubled = await sql<{ n: string }>(
    'PAYMENT_DATABASE_URL',
    `SELECT count(*) AS n FROM outbox_event WHERE type = 'PaymentRefunded' AND "aggregateId" = ANY($1::text[]) GROUP BY "aggregateId" HAVING count(*) > 1`,
    [rentalIds],
  );
  return { produced: produced.length, delivered, duplicatedEffects: doubled.length, lost: produced.length - delivered };
}

/**
 * {@link viewLedger} once every produced event has reached the view, or after `timeoutMs`
 * (default 60 000: a killed consumer's partitions move after the 10 s session timeout plus a
 * rebalance). The view's status can converge before the last event is in its inbox (a rental
 * shows APPROVED from `BookRented` before `PaymentApproved` lands), so counting at that moment
 * would report in-flight events as lost. An event still missing after the wait is lost.
 */
export async function settledViewLedger(rentalIds: string[], timeoutMs = 60_000): Promise<Omit<FaultReportRow, 'scenario' | 'recoveryMs'>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await viewLedger(rentalIds);
    if (counts.lost === 0 || Date.now() >= deadline) return counts;
    await new Promise((r) => setTimeout(r, 250));
  }
}
