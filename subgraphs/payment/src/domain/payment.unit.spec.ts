import { describe, expect, it } from 'vitest';
import { DomainError } from '@ebook/subgraph-kit/domain-error';
import { ErrorCode } from '@ebook/subgraph-kit';
import { RENT_CHARGE, isRefundable, recordCharge, refund, repeatApproval, VOID_REASON, voidRental, type Payment, type PaymentStatus } from './payment';
import { PAYMENT_ERROR_CODES, PaymentError } from './errors';

const rentalId = '44444444-4444-4444-8444-444444444444';
const customerId = '11111111-1111-4111-8111-111111111111';
const paymentId = '55555555-5555-4555-8555-555555555555';
const t0 = new Date('2025-03-01T10:00:00.000Z');
const t1 = new Date('2025-03-04T18:45:00.000Z');
const request = { rentalId, customerId, amount: 1500 };
const charge = { ...request, paymentId, correlationId: 'corr-1' };

const approved = (): Payment => recordCharge(charge, { approved: true }, t0).payment;
const inStatus = (status: PaymentStatus): Payment => ({ ...approved(), status });

describe('recording a charge', () => {
  it('an approved charge is an APPROVED payment at the approval time, with PaymentApproved', () => {
    const { payment, events } = recordCharge(charge, { approved: true }, t0);
    expect(payment).toEqual({
      id: paymentId,
      rentalId,
      renewalId: RENT_CHARGE,
      customerId,
      amount: 1500,
      status: 'APPROVED',
      approvedAt: t0,
      declineReason: null,
      refundedAt: null,
      correlationId: 'corr-1',
    });
    expect(events).toEqual([{ type: 'PaymentApproved', data: { paymentId, rentalId, customerId, amount: 1500, approvedAt: t0.toISOString() } }]);
  });

  it('a declined charge is a DECLINED payment with the reason, never approved, with PaymentDeclined', () => {
    const { payment, events } = recordCharge(charge, { approved: false, reason: 'card declined' }, t0);
    expect(payment).toMatchObject({ status: 'DECLINED', declineReason: 'card declined', approvedAt: null });
    expect(events).toEqual([{ type: 'PaymentDeclined', data: { paymentId, rentalId, customerId, amount: 1500, reason: 'card declined' } }]);
  });
});

describe('approval is idempotent on the rental', () => {
  it.each<PaymentStatus>(['APPROVED', 'DECLINED', 'REFUNDED'])('the same request again gets the %s payment already recorded', (status) => {
    const existing = inStatus(status);
    expect(repeatApproval(existing, request)).toBe(existing);
  });

  it.each([
    ['another amount', { ...request, amount: 999 }],
    ['another customer', { ...request, customerId: '22222222-2222-4222-8222-222222222222' }],
  ])('a request with %s is refused: BAD_USER_INPUT', (_what, other) => {
    let thrown: unknown;
    try {
      repeatApproval(approved(), other);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PaymentError);
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'BAD_USER_INPUT', message: 'A different payment already exists for this rental' });
  });
});

describe('refund', () => {
  it('an APPROVED payment is refundable and becomes REFUNDED at the refund time, with PaymentRefunded', () => {
    expect(isRefundable(approved())).toBe(true);
    const { payment, events } = refund(approved(), t1);
    expect(payment).toMatchObject({ status: 'REFUNDED', refundedAt: t1, approvedAt: t0 });
    expect(events).toEqual([{ type: 'PaymentRefunded', data: { paymentId, rentalId, customerId, amount: 1500, refundedAt: t1.toISOString() } }]);
  });

  it('an already REFUNDED payment is not refunded twice: unchanged, no event', () => {
    const once = refund(approved(), t1).payment;
    expect(isRefundable(once)).toBe(false);
    expect(refund(once, new Date('2025-03-05T00:00:00.000Z'))).toEqual({ payment: once, events: [] });
  });

  it('a DECLINED payment charged nothing: not refundable, unchanged, no event', () => {
    const declined = inStatus('DECLINED');
    expect(isRefundable(declined)).toBe(false);
    expect(refund(declined, t1)).toEqual({ payment: declined, events: [] });
  });

  it('does not change the payment it was given', () => {
    const before = approved();
    const copy = structuredClone(before);
    refund(before, t1);
    expect(before).toEqual(copy);
  });
});

describe('voiding a failed rental', () => {
  it('a failed rental without payment gets a DECLINED "voided" payment of its fee, with PaymentDeclined', () => {
    const { payment, events } = voidRental(charge, t0);
    expect(payment).toEqual({
      id: paymentId,
      rentalId,
      renewalId: RENT_CHARGE,
      customerId,
      amount: 1500,
      status: 'DECLINED',
      declineReason: VOID_REASON,
      approvedAt: null,
      refundedAt: null,
      correlationId: 'corr-1',
    });
    expect(events).toEqual([{ type: 'PaymentDeclined', data: { paymentId, rentalId, customerId, amount: 1500, reason: VOID_REASON } }]);
  });

  it('a late approval request of a voided rental gets the voided payment: it can never charge', () => {
    const voided = voidRental(charge, t0).payment;
    expect(repeatApproval(voided, request)).toMatchObject({ status: 'DECLINED', declineReason: expect.stringMatching(/voided/) });
  });
});

describe('payment error codes', () => {
  it('are all public codes of the kit', () => {
    for (const code of PAYMENT_ERROR_CODES) expect(ErrorCode).toHaveProperty(code, code);
  });
});
