/**
 * The rental context's lending configuration, read from the environment once at start-up and
 * validated there: a bad value stops the service with an error naming the variable.
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | `LOAN_PERIOD` | `P14D` | ISO-8601 duration; `dueAt` = payment time + this. Unset → `LOAN_PERIOD_DAYS` (whole days) if set |
 * | `CANCEL_WINDOW` | `PT24H` | ISO-8601 duration after `rentedAt` during which `cancelRental` refunds |
 * | `DUE_SOON_NOTICE` | `P1D` | ISO-8601 duration before `dueAt` when `RentalDueSoon` is announced (`PT0S` = never) |
 * | `MAX_ACTIVE_RENTALS` | `5` | active loans (PENDING_PAYMENT or RENTED) per customer |
 * | `MAX_RENEWALS` | `1` | renewals of one loan (a whole number ≥ 0; `0` = never renewed) |
 * | `HOLD_OFFER_PERIOD` | `P3D` | ISO-8601 duration a copy freed for a hold stays reserved for its customer (READY until) |
 * | `MAX_HOLDS` | `10` | active holds (WAITING, SUSPENDED, READY) per customer |
 *
 * Durations are parsed by the kit's `isoDurationMs` (`tinyduration` for the syntax) with
 * fixed units: a week is 7 days, a day is 24 hours (no calendar, no time zone, no daylight
 * saving), fractions allowed on the smallest unit (`PT1.5S`). Years and months are refused:
 * their length depends on the calendar. Negative durations are refused.
 */
import { ConfigError, durationEnv } from '@ebook/subgraph-kit/env';
import { DEFAULT_LENDING_POLICY, type LendingPolicy } from './domain/rental';

export { ConfigError, isoDurationMs } from '@ebook/subgraph-kit/env';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reads an optional positive-integer variable. @throws ConfigError unless a whole number ≥ 1. */
function positiveIntEnv(env: NodeJS.ProcessEnv, variable: string): number | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw new ConfigError(variable, `"${raw}" is not a whole number ≥ 1`);
  return Number(raw);
}

/** Reads an optional whole-number variable that may be 0. @throws ConfigError unless a whole number ≥ 0. */
function nonNegativeIntEnv(env: NodeJS.ProcessEnv, variable: string): number | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new ConfigError(variable, `"${raw}" is not a whole number ≥ 0`);
  return Number(raw);
}

/**
 * The lending policy from the environment (table above); unset variables take
 * {@link DEFAULT_LENDING_POLICY}. `LOAN_PERIOD` wins over the older `LOAN_PERIOD_DAYS`.
 * @returns durations in ms.
 * @throws ConfigError naming the first bad variable: malformed, negative, years/months, a zero
 *   `LOAN_PERIOD` or `HOLD_OFFER_PERIOD`, a non-integer or zero `LOAN_PERIOD_DAYS` / `MAX_ACTIVE_RENTALS` / `MAX_HOLDS`, a non-integer
 *   or negative `MAX_RENEWALS`.
 */
export function lendingPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): LendingPolicy {
  const loanPeriodDays = positiveIntEnv(env, 'LOAN_PERIOD_DAYS');
  const loanPeriodMs = durationEnv(env, 'LOAN_PERIOD') ?? (loanPeriodDays !== undefined ? loanPeriodDays * DAY_MS : DEFAULT_LENDING_POLICY.loanPeriodMs);
  if (loanPeriodMs < 1) throw new ConfigError('LOAN_PERIOD', 'must be longer than zero');
  const holdOfferPeriodMs = durationEnv(env, 'HOLD_OFFER_PERIOD') ?? DEFAULT_LENDING_POLICY.holdOfferPeriodMs;
  if (holdOfferPeriodMs < 1) throw new ConfigError('HOLD_OFFER_PERIOD', 'must be longer than zero');
  return {
    loanPeriodMs,
    cancelWindowMs: durationEnv(env, 'CANCEL_WINDOW') ?? DEFAULT_LENDING_POLICY.cancelWindowMs,
    dueSoonNoticeMs: durationEnv(env, 'DUE_SOON_NOTICE') ?? DEFAULT_LENDING_POLICY.dueSoonNoticeMs,
    maxActiveRentals: positiveIntEnv(env, 'MAX_ACTIVE_RENTALS') ?? DEFAULT_LENDING_POLICY.maxActiveRentals,
    maxRenewals: nonNegativeIntEnv(env, 'MAX_RENEWALS') ?? DEFAULT_LENDING_POLICY.maxRenewals,
    holdOfferPeriodMs,
    maxHolds: positiveIntEnv(env, 'MAX_HOLDS') ?? DEFAULT_LENDING_POLICY.maxHolds,
  };
}
