import { batchByKey, ownedOrManaged, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { Payment } from './generated/prisma/client';
import type { PaymentDb } from './db';
import type { Resolvers } from './__generated__/resolvers-types';
import { RENT_CHARGE } from './domain/payment';

/** Request context of the payment subgraph. */
export interface PaymentContext extends BaseContext {
  paymentByRental: ReturnType<typeof paymentLoader>;
}

/** Batches lookups of a rental's own (rent) payment by rental id — renewal charges are not it: one query per request. */
export function paymentLoader(db: PaymentDb) {
  return batchByKey<string, Payment>(
    (ids) => db.payment.findMany({ where: { rentalId: { in: [...ids] }, renewalId: RENT_CHARGE } }),
    (p) => p.rentalId,
  );
}

export const resolvers: Resolvers<PaymentContext> = {
  Rental: {
    // Its customer's and managers' only; null for anyone else, as for a rental without a payment.
    payment: async (rental, _, ctx) => ownedOrManaged(ctx.auth, isUuid(rental.id) ? await ctx.paymentByRental.load(rental.id) : null, (p) => p.customerId),
  },
  Payment: {
    approvedAt: (p) => p.approvedAt?.toISOString() ?? null,
    refundedAt: (p) => p.refundedAt?.toISOString() ?? null,
  },
};
