/**
 * Test support of the {@link LoginThrottle} specs (unit and integration): attempts whose
 * password check lasts as long as a test says. Imported by `*.spec.ts` files only.
 */
import { expect } from 'vitest';
import type { LoginThrottle } from './login-throttle';

export type Verdict = 'succeeded' | 'failed' | 'abandoned';
/** What became of one attempt: its password was checked with that verdict, or it was refused (`retryAfter` seconds). */
export type Outcome = Verdict | { refused: number };

/** Attempts whose password is being checked right now (allowed, not yet settled), and the most at once. */
export interface Checks {
  now: number;
  peak: number;
}

/**
 * One login attempt through the throttle: when allowed, the password "check" lasts until
 * `checked` resolves (counted in `checks` meanwhile), then gives `verdict`.
 */
export async function attempt(
  t: LoginThrottle,
  account: string,
  ip: string | undefined,
  verdict: Verdict,
  checked: Promise<void> = Promise.resolve(),
  checks: Checks = { now: 0, peak: 0 },
): Promise<Outcome> {
  const r = await t.reserve(account, ip);
  if (!r.allowed) return { refused: r.retryAfter };
  checks.peak = Math.max(checks.peak, ++checks.now);
  await checked;
  checks.now--;
  await r.attempt[verdict]();
  return verdict;
}

/** `n` failed logins one after the other, each of which must have been checked. */
export async function fail(t: LoginThrottle, account: string, ip: string | undefined, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect(await attempt(t, account, ip, 'failed')).toBe('failed');
}

/** The seconds of a refusal, or null when the attempt was let through (it is then settled as a failure). */
export async function refusalOf(t: LoginThrottle, account: string, ip: string | undefined): Promise<number | null> {
  const outcome = await attempt(t, account, ip, 'failed');
  return typeof outcome === 'object' ? outcome.refused : null;
}

/** A password check that ends when the test says so. */
export function gate(): { checked: Promise<void>; open: () => void } {
  let open!: () => void;
  const checked = new Promise<void>((resolve) => (open = resolve));
  return { checked, open };
}

/** Lets every pending reservation run as far as it can (the limiter answers in promises, no timers). */
export const settleDown = () => new Promise((resolve) => setImmediate(resolve));

export const count = (outcomes: Outcome[], what: Verdict | 'refused') => outcomes.filter((o) => (what === 'refused' ? typeof o === 'object' : o === what)).length;
export const refusals = (outcomes: Outcome[]) => outcomes.flatMap((o) => (typeof o === 'object' ? [o.refused] : []));
