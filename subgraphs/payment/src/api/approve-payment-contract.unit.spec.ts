import { describe, expect, it } from 'vitest';
import { ApprovePaymentErrorSchema, ApprovePaymentRequestSchema, ApprovePaymentResponseSchema, approvePaymentContract, MAX_APPROVE_AMOUNT_KRW } from './approve-payment-contract';

const rentalId = '5b1c2f0e-8d7a-4c3b-9a1e-2f4d6b8c0a11';
const customerId = '0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b';
const paymentId = '11111111-2222-4333-8444-555555555555';

describe('approve contract: request', () => {
  it.each([
    ['a fee', 2300],
    ['a free book (0 KRW)', 0],
    ['the highest fee', MAX_APPROVE_AMOUNT_KRW],
  ])('accepts %s', (_, amount) => {
    expect(ApprovePaymentRequestSchema.parse({ rentalId, customerId, amount })).toEqual({ rentalId, customerId, amount });
  });

  it('drops unknown fields rather than passing them on', () => {
    expect(ApprovePaymentRequestSchema.parse({ rentalId, customerId, amount: 1, status: 'APPROVED' })).toEqual({ rentalId, customerId, amount: 1 });
  });

  it.each([
    ['a negative amount', { rentalId, customerId, amount: -1 }],
    ['a fractional amount', { rentalId, customerId, amount: 1.5 }],
    ['an amount above the highest fee', { rentalId, customerId, amount: MAX_APPROVE_AMOUNT_KRW + 1 }],
    ['an amount as a string', { rentalId, customerId, amount: '1000' }],
    ['a rental id that is not a uuid', { rentalId: 'rental-1', customerId, amount: 1000 }],
    ['a customer id that is not a uuid', { rentalId, customerId: '', amount: 1000 }],
    ['a missing customer id', { rentalId, amount: 1000 }],
    ['no body', undefined],
  ])('refuses %s', (_, body) => {
    expect(ApprovePaymentRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe('approve contract: response', () => {
  it('reads an approval; declineReason null', () => {
    expect(ApprovePaymentResponseSchema.parse({ paymentId, status: 'APPROVED', declineReason: null })).toEqual({ paymentId, status: 'APPROVED', declineReason: null });
  });

  it('reads a reply without declineReason as null (older senders and test doubles omit it)', () => {
    expect(ApprovePaymentResponseSchema.parse({ paymentId, status: 'APPROVED' })).toEqual({ paymentId, status: 'APPROVED', declineReason: null });
  });

  it.each(['DECLINED', 'REFUNDED'] as const)('reads %s with its reason', (status) => {
    expect(ApprovePaymentResponseSchema.parse({ paymentId, status, declineReason: 'card declined' })).toEqual({ paymentId, status, declineReason: 'card declined' });
  });

  it.each([
    ['an unknown status', { paymentId, status: 'PENDING', declineReason: null }],
    ['a lower-case status', { paymentId, status: 'approved' }],
    ['a payment id that is not a uuid', { paymentId: 'p-1', status: 'APPROVED' }],
    ['no payment id', { status: 'APPROVED' }],
    ['a reason that is not a string', { paymentId, status: 'DECLINED', declineReason: 42 }],
    ['an error body', { code: 'INTERNAL_SERVER_ERROR' }],
    ['HTML from a proxy', '<html>502</html>'],
    ['null', null],
  ])('refuses %s', (_, body) => {
    expect(ApprovePaymentResponseSchema.safeParse(body).success).toBe(false);
  });
});

describe('approve contract: error body', () => {
  it.each([[{ code: 'BAD_USER_INPUT', message: 'amount: too small' }], [{ code: 'UNAUTHENTICATED' }], [{ code: 'FORBIDDEN' }], [{ code: 'INTERNAL_SERVER_ERROR' }]])(
    'reads %j (flat, as payment has always answered)',
    (body) => {
      expect(ApprovePaymentErrorSchema.parse(body)).toEqual(body);
    },
  );

  it.each([[{ error: { code: 'FORBIDDEN' } }], [{ code: 'TEAPOT' }], [{ message: 'no code' }]])('refuses %j', (body) => {
    expect(ApprovePaymentErrorSchema.safeParse(body).success).toBe(false);
  });
});

describe('approve contract: route', () => {
  it('names the route, scope and correlation header both sides use', () => {
    expect(approvePaymentContract).toMatchObject({ method: 'POST', path: '/internal/payments/approve', scope: 'payment:approve', correlationHeader: 'x-correlation-id' });
  });
});
