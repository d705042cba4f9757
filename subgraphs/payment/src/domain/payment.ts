/**
 * The payment aggregate (one payment per rental, and one per renewal of it): its state as plain data and pure decisions.
 * A decision takes the current state, the command and the time (`now`, passed in) and returns
 * the new state plus the domain events it caused, or throws a {@link PaymentError}. Charging
 * and refunding at the processor, loading and storing live in `application/`.
 *
 * Life cycle:
 * ```
 * recordCharge ─┬─ APPROVED ── refund ─▶ REFUNDED   (refund again: no change)
 *               └─ DECLINED                          (refund: no change)
 * voidRental ───── DECLINED  (a failed rental with no payment yet: a late approval finds it)
 * ```
 */
import type { DomainEvent } from '@ebook/events';
import { PaymentErrors } from './errors';
import type { ChargeRequest, ChargeResult } from './payment-processor';

/** States of the payment aggregate (mirrors `PaymentState` in prisma/payment/schema.prisma). */
export type PaymentStatus = 'APPROVED' | 'DECLINED' | 'REFUNDED';

/** The payment aggregate's state (the columns of table `payment` that rules read or write). */
export interface Payment {
  /** uuid. */
  id: string;
  /** The rental paid for; also the aggregate id of its events. */
  rentalId: string;
  /**
   * The renewal paid for (rental's renewal id), or {@link RENT_CHARGE} for the rent's own charge.
   * (rentalId, renewalId) is unique: one charge per rent and per renewal.
   */
  renewalId: string;
  customerId: string;
  /** Integer KRW. */
  amount: number;
  status: PaymentStatus;
  /** Why the processor declined, or why the rental was voided; null when approved. */
  declineReason: string | null;
  approvedAt: Date | null;
  refundedAt: Date | null;
  /** The request that caused the payment. */
  correlationId: string | null;
}

/** The domain events of the payment aggregate (payload types: `events/src/contracts/`). */
export type PaymentEvent = DomainEvent<'PaymentApproved' | 'PaymentDeclined' | 'PaymentRefunded'>;

/** What a decision returns: the payment's new state and the events to record with it. */
export interface PaymentDecision {
  payment: Payment;
  events: PaymentEvent[];
}

/** `renewalId` of a rent's own charge (the nil uuid): a charge that pays for no renewal. */
export const RENT_CHARGE = '00000000-0000-0000-0000-000000000000';

/** Command: pay the fee of a rental or of one of its renewals (from rental's sagas, which vouch for the customer). */
export interface ApprovePayment {
  rentalId: string;
  /** The renewal paid for; absent (or {@link RENT_CHARGE}) for the rent's own charge. */
  renewalId?: string | undefined;
  customerId: string;
  /** Integer KRW. */
  amount: number;
}

/** Reason recorded on the DECLINED payment that voids a failed rental. */
export const VOID_REASON = 'voided: the rental could not be completed';

/** The data every payment event carries. */
/** The charge `p` records, as the processor knows it (`renewalId` only for a renewal's charge) — also its events' common fields. */
export function chargeOf(p: Payment): ChargeRequest & { paymentId: string; renewalId?: string } {
  return { paymentId: p.id, rentalId: p.rentalId, customerId: p.customerId, amount: p.amount, ...(p.renewalId !== RENT_CHARGE ? { renewalId: p.renewalId } : {}) };
}

const eventBase = chargeOf;

/**
 * Records the processor's answer to a first charge of a rental: APPROVED at `now` with
 * `PaymentApproved`, or DECLINED with its reason and `PaymentDeclined`.
 * `paymentId` (uuid) is chosen by the caller; `correlationId` is the request's.
 */
export function recordCharge(cmd: ApprovePayment & { paymentId: string; correlationId: string }, result: ChargeResult, now: Date): PaymentDecision {
  const payment: Payment = {
    id: cmd.paymentId,
    rentalId: cmd.rentalId,
    renewalId: cmd.renewalId ?? RENT_CHARGE,
    customerId: cmd.customerId,
    amount: cmd.amount,
    status: result.approved ? 'APPROVED' : 'DECLINED',
    approvedAt: result.approved ? now : null,
    declineReason: result.approved ? null : result.reason,
    refundedAt: null,
    correlationId: cmd.correlationId,
  };
  return {
    payment,
    events: [
      result.approved
        ? { type: 'PaymentApproved', data: { ...eventBase(payment), approvedAt: now.toISOString() } }
        : { type: 'PaymentDeclined', data: { ...eventBase(payment), reason: result.reason } },
    ],
  };
}

/**
 * Approval is idempotent on the rental: a repeated request gets the payment already recorded,
 * whatever its status (a voided rental's DECLINED payment included — it is never charged).
 * @returns `existing`. @throws PaymentError `BAD_USER_INPUT` when the request names another customer or amount.
 */
export function repeatApproval<P extends Payment>(existing: P, cmd: ApprovePayment): P {
  if (existing.customerId !== cmd.customerId || existing.amount !== cmd.amount) throw PaymentErrors.differentPayment();
  return existing;
}

/** Only an APPROVED payment is refunded (a DECLINED one charged nothing; a REFUNDED one already was). */
export function isRefundable(payment: Payment): boolean {
  return payment.status === 'APPROVED';
}

/**
 * Refunds a payment once the processor gave the money back: APPROVED → REFUNDED at `now`, event
 * `PaymentRefunded`. Idempotent: any other status is returned unchanged, without events.
 */
export function refund(payment: Payment, now: Date): PaymentDecision {
  if (!isRefundable(payment)) return { payment, events: [] };
  const refunded: Payment = { ...payment, status: 'REFUNDED', refundedAt: now };
  return { payment: refunded, events: [{ type: 'PaymentRefunded', data: { ...eventBase(refunded), refundedAt: now.toISOString() } }] };
}

/**
 * Voids a rental (or one renewal of it: `renewalId`) whose saga failed before any payment was
 * recorded: the charge recorded as declined with {@link VOID_REASON} (`PaymentDeclined`), so a
 * late approval request finds it (see {@link repeatApproval}) and can never charge. `amount` is
 * the rental's fee (integer KRW).
 */
export function voidRental(cmd: ApprovePayment & { paymentId: string; correlationId: string }, now: Date): PaymentDecision {
  return recordCharge(cmd, { approved: false, reason: VOID_REASON }, now);
}
