import { unitOfWork } from '@ebook/events';
import { intEnv, loadSchemaFile, plainSqlOf, startContext, type ContextService, type ServiceTokenSource, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createRentalDb } from './db';
import { loaders, resolvers, type RentalContext } from './resolvers';
import { DEFAULT_PAYMENT_POLICY, HttpPaymentProxy, type PaymentPolicyOptions } from './sagaparticipants/payment-proxy';
import { onBookRegistered } from './handlers/on-book-registered';
import { DEFAULT_LENDING_POLICY, type LendingPolicy } from './domain/rental';
import { sweepStalePending, sweepStaleRenewals } from './application/sweep-pending';
import { LENDING_SCHEDULE_EVERY_MS, runLendingSchedule } from './application/lending-schedule';
import { runHoldSchedule } from './application/holds';
import { deadlineGauges } from './application/deadline-metrics';
import { rentBook } from './application/rent-book';
import { holdCause } from './application/copies';
import type { Clock } from './application/clock';

export { DEFAULT_PAYMENT_POLICY, type PaymentPolicyOptions } from './sagaparticipants/payment-proxy';
export { DEFAULT_LENDING_POLICY, type LendingPolicy } from './domain/rental';
export { ConfigError, lendingPolicyFromEnv } from './config';

/** Settings of the rental context: database `RENTAL_DATABASE_URL`, port `PORT` (default 4003), and: */
export interface RentalServiceOptions extends ContextServiceOptions {
  /** Base URL of the payment service (`PAYMENT_URL`, e.g. `http://payment:4004`). */
  paymentUrl: string;
  /**
   * Rental's own OAuth client for calling payment: client-credentials tokens with scope
   * `payment:approve` (production: `serviceClientFromEnv`, env `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`, `OIDC_TOKEN_URL`).
   */
  serviceTokens: ServiceTokenSource;
  /** Resilience of the payment call (defaults: {@link DEFAULT_PAYMENT_POLICY}). */
  paymentPolicy?: Partial<PaymentPolicyOptions>;
  /**
   * The lending rules: loan period, cancel window, due-soon notice (ms), active-loan limit
   * (production: `lendingPolicyFromEnv()`, env `LOAN_PERIOD`, `CANCEL_WINDOW`,
   * `DUE_SOON_NOTICE`, `MAX_ACTIVE_RENTALS`, `MAX_RENEWALS`); unset fields take {@link DEFAULT_LENDING_POLICY}.
   */
  lending?: Partial<LendingPolicy>;
  /** Period of the lending schedule (expiries, due-soon notices), ms (default {@link LENDING_SCHEDULE_EVERY_MS}). */
  lendingScheduleEveryMs?: number;
  /** The time of decisions (default: the system clock); tests only. */
  clock?: Clock;
  /**
   * Age after which a PENDING_PAYMENT rental is failed by the sweeper, ms
   * (`PENDING_PAYMENT_STALE_MS`, default 60 000 — far above the longest saga:
   * timeout × (retries + 1) + back-off + queueing).
   */
  pendingStaleMs?: number;
}

/** Consumer group of rental's catalog replica. */
export const RENTAL_CATALOG_GROUP = 'rental.catalog-replica';

/**
 * Starts the rental context: rent/cancel/return/renew, holds, availability from its own replica
 * of the catalog (consumes `BookRegistered`), publishes `BookRented`, `RentalCanceled`,
 * `BookReturned`, `RentalPaymentFailed`, `RentalRenewed`, `RentalRenewalFailed`, the hold
 * events (`HoldPlaced` … `HoldExpired`), and — from its lending and hold schedules —
 * `RentalExpired`, `RentalDueSoon`, `HoldReady`, `HoldExpired`.
 */
export async function startRentalService(opts: RentalServiceOptions): Promise<ContextService> {
  const db = createRentalDb(opts.databaseUrl, opts.dbPoolSize);
  const sql = plainSqlOf(db);
  const logger = opts.platform.logger.child({ context: 'rental' });
  const payments = new HttpPaymentProxy(opts.paymentUrl, { ...DEFAULT_PAYMENT_POLICY, ...opts.paymentPolicy }, logger, opts.serviceTokens);
  const policy: LendingPolicy = { ...DEFAULT_LENDING_POLICY, ...opts.lending };
  const clock = opts.clock;
  const staleAfterMs = opts.pendingStaleMs ?? 60_000;
  return startContext<RentalContext>({
    name: 'rental',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    consumers: [{ groupId: RENTAL_CATALOG_GROUP, handlers: { BookRegistered: onBookRegistered(policy) } }],
    context: (base, relay) => ({
      ...base,
      deps: { uow: unitOfWork(db, relay), ...(sql ? { sqlUow: unitOfWork(sql, relay) } : {}), payments, policy, logger: base.logger, ...(clock ? { clock } : {}) },
      ...loaders(db),
    }),
    readiness: { paymentCircuit: async () => `circuit ${payments.circuitState()}` },
    gauges: deadlineGauges(db, clock),
    jobs: [
      {
        name: 'stale pending rentals and renewals sweeper',
        everyMs: Math.max(1_000, Math.min(15_000, Math.floor(staleAfterMs / 4))),
        run: async (relay, log) => {
          const deps = { db, uow: unitOfWork(db, relay), policy };
          await sweepStalePending(deps, staleAfterMs, log);
          await sweepStaleRenewals(deps, staleAfterMs, log);
        },
      },
      {
        name: 'lending schedule (loan expiry, due-soon notices)',
        everyMs: opts.lendingScheduleEveryMs ?? LENDING_SCHEDULE_EVERY_MS,
        run: (relay, log) => runLendingSchedule({ uow: unitOfWork(db, relay), policy }, log, clock?.()),
      },
      {
        name: 'hold schedule (expired offers, automatic rentals)',
        everyMs: opts.lendingScheduleEveryMs ?? LENDING_SCHEDULE_EVERY_MS,
        run: (relay, log) => {
          const uow = unitOfWork(db, relay);
          const rentDeps = { uow, ...(sql ? { sqlUow: unitOfWork(sql, relay) } : {}), payments, policy, logger: log, ...(clock ? { clock } : {}) };
          return runHoldSchedule({ uow, policy }, (hold) => rentBook(rentDeps, { id: hold.customerId }, hold.bookId, holdCause(hold)), log, clock?.());
        },
      },
    ],
  });
}

/** The payment-call policy from the environment (names in {@link PaymentPolicyOptions}). */
export function paymentPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentPolicyOptions {
  const d = DEFAULT_PAYMENT_POLICY;
  return {
    timeoutMs: intEnv('PAYMENT_TIMEOUT_MS', d.timeoutMs, env),
    retries: intEnv('PAYMENT_RETRIES', d.retries, env),
    breakerThreshold: intEnv('PAYMENT_BREAKER_THRESHOLD', d.breakerThreshold, env),
    halfOpenAfterMs: intEnv('PAYMENT_BREAKER_HALF_OPEN_MS', d.halfOpenAfterMs, env),
    maxConcurrent: intEnv('PAYMENT_MAX_CONCURRENT', d.maxConcurrent, env),
    maxQueued: intEnv('PAYMENT_MAX_QUEUED', d.maxQueued, env),
    maxQueueWaitMs: intEnv('PAYMENT_MAX_QUEUE_WAIT_MS', d.maxQueueWaitMs, env),
  };
}
