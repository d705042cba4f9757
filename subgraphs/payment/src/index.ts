import { unitOfWork } from '@ebook/events';
import { loadSchemaFile, plainSqlOf, startContext, type ContextService, type ContextServiceOptions } from '@ebook/subgraph-kit';
import { createPaymentDb, type PaymentDb } from './db';
import { paymentLoader, resolvers, type PaymentContext } from './resolvers';
import { internalPaymentRoutes } from './internal-api';
import { refundHandlers } from './handlers/refund-handlers';
import type { PaymentProcessor } from './domain/payment-processor';

export { SimulatedPaymentProcessor, simulatedProcessorFromEnv, type PaymentProcessor } from './domain/payment-processor';
export { DbChargeLedger } from './db-charge-ledger';

/** Settings of the payment context: database `PAYMENT_DATABASE_URL`, port `PORT` (default 4004), and: */
export interface PaymentServiceOptions extends ContextServiceOptions {
  /** The processor, or a function making it from the context's database client (for books kept there, `DbChargeLedger`). */
  processor: PaymentProcessor | ((db: PaymentDb) => PaymentProcessor);
}

/** Consumer group of payment's refunds and saga compensations. */
export const PAYMENT_REFUNDS_GROUP = 'payment.refunds';

/**
 * Starts the payment context: the internal approve route, refunds on `RentalCanceled`,
 * compensation on `RentalPaymentFailed` (never on `RentalExpired`); publishes `PaymentApproved`, `PaymentDeclined`,
 * `PaymentRefunded`; extends `Rental` with `payment`.
 */
export async function startPaymentService(opts: PaymentServiceOptions): Promise<ContextService> {
  const db = createPaymentDb(opts.databaseUrl, opts.dbPoolSize);
  const logger = opts.platform.logger.child({ context: 'payment' });
  const processor = typeof opts.processor === 'function' ? opts.processor(db) : opts.processor;
  const sql = plainSqlOf(db) ?? db;
  return startContext<PaymentContext>({
    name: 'payment',
    platform: opts.platform,
    db,
    port: opts.port,
    typeDefs: loadSchemaFile(import.meta.url, '../schema.graphql'),
    resolvers,
    consumers: [{ groupId: PAYMENT_REFUNDS_GROUP, handlers: refundHandlers(processor) }],
    context: (base) => ({ ...base, paymentByRental: paymentLoader(db) }),
    // The approval's statements on plain pg (the client's pool) when the client has that side.
    routes: (app, relay) => internalPaymentRoutes(app, { db: sql, uow: unitOfWork(sql, relay), processor, verifier: opts.platform.verifier, logger }),
  });
}
