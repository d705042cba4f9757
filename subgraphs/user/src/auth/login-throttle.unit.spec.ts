import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, loginThrottleFromEnv } from './login-throttle';

/** Reserves `n` attempts (all allowed) for `account` from `ip`. */
async function fail(t: LoginThrottle, account: string, ip: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect(await t.reserve(account, ip)).toBeNull();
}

describe('LoginThrottle', () => {
  it('refuses the attempt after maxFailuresPerAccount failures, with the seconds left in the window', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 3, maxFailuresPerIp: 0, windowSeconds: 60 });
    await fail(t, 'ann@example.com', '10.0.0.1', 3);
    const wait = await t.reserve('ann@example.com', '10.0.0.2');
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    // Refused attempts do not extend the lock: still refused, same window.
    expect(await t.reserve('ann@example.com', '10.0.0.3')).toBeLessThanOrEqual(60);
    // Another account is unaffected.
    expect(await t.reserve('bob@example.com', '10.0.0.1')).toBeNull();
  });

  it('a success resets the account and gives the IP its point back', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 3, maxFailuresPerIp: 4, windowSeconds: 60 });
    await fail(t, 'ann@example.com', '10.0.0.1', 2);
    expect(await t.reserve('ann@example.com', '10.0.0.1')).toBeNull();
    await t.succeeded('ann@example.com', '10.0.0.1');
    // Account afresh (3 more), IP has used 2 of 4 → 2 more failures on other accounts.
    await fail(t, 'ann@example.com', '10.0.0.9', 3);
    await fail(t, 'carl@example.com', '10.0.0.1', 2);
    expect(await t.reserve('dora@example.com', '10.0.0.1')).toBeGreaterThanOrEqual(1);
  });

  it('per IP: maxFailuresPerIp failures over any accounts refuse the next; an account-refused attempt does not count for the IP', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 2, maxFailuresPerIp: 3, windowSeconds: 60 });
    await fail(t, 'a@example.com', '10.0.0.1', 2);
    expect(await t.reserve('a@example.com', '10.0.0.1')).not.toBeNull(); // account limit; IP stays at 2
    expect(await t.reserve('b@example.com', '10.0.0.1')).toBeNull(); // IP 3 of 3
    expect(await t.reserve('c@example.com', '10.0.0.1')).not.toBeNull(); // IP limit
    expect(await t.reserve('c@example.com', '10.0.0.2')).toBeNull(); // another IP
  });

  it('concurrent guesses cannot overshoot the limit (the attempt is counted before the password is checked)', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 5, maxFailuresPerIp: 0, windowSeconds: 60 });
    const results = await Promise.all(Array.from({ length: 20 }, () => t.reserve('ann@example.com', '10.0.0.1')));
    expect(results.filter((r) => r === null)).toHaveLength(5);
  });

  it('a limit of 0 turns that key off; no IP known → only the account counts', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 0, maxFailuresPerIp: 1, windowSeconds: 60 });
    await fail(t, 'a@example.com', '10.0.0.1', 1);
    expect(await t.reserve('a@example.com', '10.0.0.1')).not.toBeNull();
    for (let i = 0; i < 10; i++) expect(await t.reserve('a@example.com', undefined)).toBeNull();
  });

  it('reads LOGIN_* variables, with defaults 5 / 20 / 900 s', () => {
    expect(loginThrottleFromEnv({})).toEqual(DEFAULT_LOGIN_THROTTLE);
    expect(DEFAULT_LOGIN_THROTTLE).toEqual({ maxFailuresPerAccount: 5, maxFailuresPerIp: 20, windowSeconds: 900 });
    expect(loginThrottleFromEnv({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '7', LOGIN_THROTTLE_WINDOW_SECONDS: '60' })).toEqual({
      maxFailuresPerAccount: 3,
      maxFailuresPerIp: 7,
      windowSeconds: 60,
    });
    expect(() => loginThrottleFromEnv({ LOGIN_MAX_FAILURES_PER_IP: 'many' })).toThrow(/LOGIN_MAX_FAILURES_PER_IP/);
  });
});
