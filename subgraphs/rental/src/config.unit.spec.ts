import { describe, expect, it } from 'vitest';
import { ConfigError, isoDurationMs, lendingPolicyFromEnv } from './config';

const S = 1000;
const H = 3600 * S;
const D = 24 * H;

describe('lending configuration from the environment', () => {
  it('defaults: 14 days to read, 24 h to cancel, a notice 1 day before due, 5 active loans, 1 renewal, offers held 3 days, 10 holds', () => {
    expect(lendingPolicyFromEnv({})).toEqual({
      loanPeriodMs: 14 * D,
      cancelWindowMs: 24 * H,
      dueSoonNoticeMs: D,
      maxActiveRentals: 5,
      maxRenewals: 1,
      holdOfferPeriodMs: 3 * D,
      maxHolds: 10,
    });
  });

  it('HOLD_OFFER_PERIOD (ISO-8601) and MAX_HOLDS', () => {
    expect(lendingPolicyFromEnv({ HOLD_OFFER_PERIOD: 'PT4S', MAX_HOLDS: '2' })).toMatchObject({ holdOfferPeriodMs: 4 * S, maxHolds: 2 });
  });

  it('MAX_RENEWALS: a whole number ≥ 0 (0 = loans are never renewed)', () => {
    expect(lendingPolicyFromEnv({ MAX_RENEWALS: '3' }).maxRenewals).toBe(3);
    expect(lendingPolicyFromEnv({ MAX_RENEWALS: '0' }).maxRenewals).toBe(0);
    expect(lendingPolicyFromEnv({ MAX_RENEWALS: ' ' }).maxRenewals).toBe(1);
  });

  it('reads ISO-8601 durations (days are 24 h) and the limit', () => {
    expect(lendingPolicyFromEnv({ LOAN_PERIOD: 'PT6S', CANCEL_WINDOW: 'PT2S', DUE_SOON_NOTICE: 'PT3S', MAX_ACTIVE_RENTALS: '2' })).toEqual({
      loanPeriodMs: 6 * S,
      cancelWindowMs: 2 * S,
      dueSoonNoticeMs: 3 * S,
      maxActiveRentals: 2,
      maxRenewals: 1,
      holdOfferPeriodMs: 3 * D,
      maxHolds: 10,
    });
    expect(lendingPolicyFromEnv({ LOAN_PERIOD: 'P1W', CANCEL_WINDOW: 'P1DT12H', DUE_SOON_NOTICE: 'PT0S' })).toMatchObject({
      loanPeriodMs: 7 * D,
      cancelWindowMs: 36 * H,
      dueSoonNoticeMs: 0,
    });
  });

  it('LOAN_PERIOD_DAYS keeps working while LOAN_PERIOD is unset; LOAN_PERIOD wins when both are set', () => {
    expect(lendingPolicyFromEnv({ LOAN_PERIOD_DAYS: '7' }).loanPeriodMs).toBe(7 * D);
    expect(lendingPolicyFromEnv({ LOAN_PERIOD_DAYS: '7', LOAN_PERIOD: 'P3D' }).loanPeriodMs).toBe(3 * D);
    expect(lendingPolicyFromEnv({ LOAN_PERIOD_DAYS: '', LOAN_PERIOD: '' }).loanPeriodMs).toBe(14 * D);
  });

  it.each([
    ['LOAN_PERIOD', '14 days', /LOAN_PERIOD: "14 days" is not an ISO-8601 duration/],
    ['LOAN_PERIOD', 'P1M', /LOAN_PERIOD: .*years or months/],
    ['LOAN_PERIOD', 'PT0S', /LOAN_PERIOD: must be longer than zero/],
    ['CANCEL_WINDOW', '-PT1H', /CANCEL_WINDOW: "-PT1H" is negative/],
    ['DUE_SOON_NOTICE', 'P', /DUE_SOON_NOTICE: "P" is not an ISO-8601 duration/],
    ['MAX_ACTIVE_RENTALS', '0', /MAX_ACTIVE_RENTALS: "0" is not a whole number ≥ 1/],
    ['MAX_ACTIVE_RENTALS', '2.5', /MAX_ACTIVE_RENTALS/],
    ['LOAN_PERIOD_DAYS', 'x', /LOAN_PERIOD_DAYS/],
    ['MAX_RENEWALS', '-1', /MAX_RENEWALS: "-1" is not a whole number ≥ 0/],
    ['MAX_RENEWALS', 'one', /MAX_RENEWALS/],
    ['HOLD_OFFER_PERIOD', 'PT0S', /HOLD_OFFER_PERIOD: must be longer than zero/],
    ['HOLD_OFFER_PERIOD', 'soon', /HOLD_OFFER_PERIOD: "soon" is not an ISO-8601 duration/],
    ['MAX_HOLDS', '0', /MAX_HOLDS: "0" is not a whole number ≥ 1/],
  ])('refuses %s=%s at start-up with an error naming the variable', (variable, value, message) => {
    const attempt = () => lendingPolicyFromEnv({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('fractions on the smallest unit round to the millisecond', () => {
    expect(isoDurationMs('X', 'PT1.5S')).toBe(1500);
    expect(isoDurationMs('X', 'PT0.0004S')).toBe(0);
  });
});
