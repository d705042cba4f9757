import { batchByKey, type BaseContext, isUuid } from '@ebook/subgraph-kit';
import type { Payment } from './generated/prisma/client';
import type { PaymentDb } from './db';
import type { Resolvers } from './__generated__/resolvers-types';

/** Request context of the payment subgraph. */
export interface PaymentContext extends BaseContext {
  paymentByRental: ReturnType<typeof paymentLoader>;
}

/** Batches payment lookups by rental id: one query per request. */
export function paymentLoader(db: PaymentDb) {
  return batchByKey<string, Payment>((ids) => db.payment.findMany({ where: { rentalId: { in: [...ids] } } }), (p) => p.rentalId);
}


export const resolvers: Resolvers<PaymentContext> = {
  Rental: {
    payment: async (rental, _, ctx) => {
      if (!ctx.auth || !isUuid(rental.id)) return null;
      const p = await ctx.paymentByRental.load(rental.id);
      if (!p || (ctx.auth.role !== 'MANAGER' && p.customerId !== ctx.auth.id)) return null;
      return p;
    },
  },
  Payment: {
    approvedAt: (p) => p.approvedAt?.toISOString() ?? null,
    refundedAt: (p) => p.refundedAt?.toISOString() ?? null,
  },
};
