import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle, loginThrottleFromEnv } from './login-throttle';
import { attempt, count, fail, gate, refusalOf, refusals, settleDown } from './login-throttle.spec-support';

describe('LoginThrottle', () => {
  it('refuses the attempt after maxFailuresPerAccount failures, with the seconds left in the window', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 3, maxFailuresPerIp: 0, windowSeconds: 60 });
    await fail(t, 'ann@example.com', '10.0.0.1', 3);
    const wait = await refusalOf(t, 'ann@example.com', '10.0.0.2');
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    // Refused attempts do not extend the lock: still refused, same window.
    expect(await refusalOf(t, 'ann@example.com', '10.0.0.3')).toBeLessThanOrEqual(60);
    // Another account is unaffected.
    expect(await refusalOf(t, 'bob@example.com', '10.0.0.1')).toBeNull();
  });

  it('a success resets the account and gives the IP its point back', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 3, maxFailuresPerIp: 4, windowSeconds: 60 });
    await fail(t, 'ann@example.com', '10.0.0.1', 2);
    expect(await attempt(t, 'ann@example.com', '10.0.0.1', 'succeeded')).toBe('succeeded');
    // Account afresh (3 more), IP has used 2 of 4 → 2 more failures on other accounts.
    await fail(t, 'ann@example.com', '10.0.0.9', 3);
    await fail(t, 'carl@example.com', '10.0.0.1', 2);
    expect(await refusalOf(t, 'dora@example.com', '10.0.0.1')).toBeGreaterThanOrEqual(1);
  });

  it('per IP: maxFailuresPerIp failures over any accounts refuse the next; an account-refused attempt does not count for the IP', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 2, maxFailuresPerIp: 3, windowSeconds: 60 });
    await fail(t, 'a@example.com', '10.0.0.1', 2);
    expect(await refusalOf(t, 'a@example.com', '10.0.0.1')).not.toBeNull(); // account limit; IP stays at 2
    expect(await refusalOf(t, 'b@example.com', '10.0.0.1')).toBeNull(); // IP 3 of 3
    expect(await refusalOf(t, 'c@example.com', '10.0.0.1')).not.toBeNull(); // IP limit
    expect(await refusalOf(t, 'c@example.com', '10.0.0.2')).toBeNull(); // another IP
  });

  it('a limit of 0 turns that key off; no IP known → only the account counts', async () => {
    const t = new LoginThrottle({ maxFailuresPerAccount: 0, maxFailuresPerIp: 1, windowSeconds: 60 });
    await fail(t, 'a@example.com', '10.0.0.1', 1);
    expect(await refusalOf(t, 'a@example.com', '10.0.0.1')).not.toBeNull();
    await fail(t, 'a@example.com', undefined, 10);
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

  describe('simultaneous attempts from one IP (limit 20)', () => {
    const IP = '203.0.113.7';
    const throttle = () => new LoginThrottle({ maxFailuresPerAccount: 5, maxFailuresPerIp: 20, windowSeconds: 60 });

    it('50 correct logins at once are all served: 20 are checked at a time, the others wait instead of being refused', async () => {
      const t = throttle();
      const { checked, open } = gate();
      const checks = { now: 0, peak: 0 };
      let answered = 0;
      const outcomes = Array.from({ length: 50 }, (_, i) => attempt(t, `reader${i}@example.com`, IP, 'succeeded', checked, checks).finally(() => void answered++));
      await settleDown();
      expect(checks.now).toBe(20);
      expect(answered).toBe(0); // the 30 others wait: none is refused
      open();
      expect(await Promise.all(outcomes)).toEqual(Array(50).fill('succeeded'));
      expect(checks.peak).toBe(20);
    });

    it('50 wrong logins at once: exactly 20 are checked, 30 refused with the seconds left in the window', async () => {
      const t = throttle();
      const { checked, open } = gate();
      const outcomes = Array.from({ length: 50 }, (_, i) => attempt(t, `guess${i}@example.com`, IP, 'failed', checked));
      await settleDown();
      open();
      const all = await Promise.all(outcomes);
      expect(count(all, 'failed')).toBe(20);
      expect(count(all, 'refused')).toBe(30);
      for (const s of refusals(all)) {
        expect(s).toBeGreaterThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(60);
      }
      // The next one, right password or not, is refused without a check.
      expect(await attempt(t, 'late@example.com', IP, 'succeeded')).toEqual({ refused: expect.any(Number) });
    });

    it('30 correct then 30 wrong at once: every correct one is served (waiting attempts are served in arrival order), 20 wrong ones are checked, 10 refused', async () => {
      const t = throttle();
      const { checked, open } = gate();
      const right = Array.from({ length: 30 }, (_, i) => attempt(t, `reader${i}@example.com`, IP, 'succeeded', checked));
      const wrong = Array.from({ length: 30 }, (_, i) => attempt(t, `guess${i}@example.com`, IP, 'failed', checked));
      await settleDown();
      open();
      expect(await Promise.all(right)).toEqual(Array(30).fill('succeeded'));
      const guesses = await Promise.all(wrong);
      expect(count(guesses, 'failed')).toBe(20);
      expect(count(guesses, 'refused')).toBe(10);
    });

    it('30 wrong then 30 correct at once: once the 20 points are confirmed failures, the correct ones still waiting are refused too (they cannot be told from guesses)', async () => {
      const t = throttle();
      const { checked, open } = gate();
      const wrong = Array.from({ length: 30 }, (_, i) => attempt(t, `guess${i}@example.com`, IP, 'failed', checked));
      const right = Array.from({ length: 30 }, (_, i) => attempt(t, `reader${i}@example.com`, IP, 'succeeded', checked));
      await settleDown();
      open();
      const guesses = await Promise.all(wrong);
      expect(count(guesses, 'failed')).toBe(20);
      expect(count(guesses, 'refused')).toBe(10);
      expect(count(await Promise.all(right), 'refused')).toBe(30);
    });

    it('an abandoned attempt (e.g. the database is down) is no failure: its point goes to an attempt that was waiting', async () => {
      const t = new LoginThrottle({ maxFailuresPerAccount: 5, maxFailuresPerIp: 2, windowSeconds: 60 });
      const { checked, open } = gate();
      const outcomes = [
        attempt(t, 'a@example.com', IP, 'abandoned', checked),
        attempt(t, 'b@example.com', IP, 'failed', checked),
        attempt(t, 'c@example.com', IP, 'failed', checked), // waits for a point, gets the abandoned one
      ];
      await settleDown();
      open();
      expect(await Promise.all(outcomes)).toEqual(['abandoned', 'failed', 'failed']);
      // Two confirmed failures: the IP is now full.
      expect(await refusalOf(t, 'd@example.com', IP)).toBeGreaterThanOrEqual(1);
    });
  });

  describe('simultaneous attempts on one account (limit 5), from different IPs', () => {
    const throttle = () => new LoginThrottle({ maxFailuresPerAccount: 5, maxFailuresPerIp: 20, windowSeconds: 60 });

    it('12 correct logins at once are all served', async () => {
      const t = throttle();
      const { checked, open } = gate();
      const outcomes = Array.from({ length: 12 }, (_, i) => attempt(t, 'ann@example.com', `10.0.1.${i}`, 'succeeded', checked));
      await settleDown();
      open();
      expect(await Promise.all(outcomes)).toEqual(Array(12).fill('succeeded'));
    });

    it('concurrent guesses cannot overshoot: of 20 wrong logins at once, exactly 5 are checked, 15 refused with the seconds left', async () => {
      const t = throttle();
      const { checked, open } = gate();
      const outcomes = Array.from({ length: 20 }, (_, i) => attempt(t, 'ann@example.com', `10.0.2.${i}`, 'failed', checked));
      await settleDown();
      open();
      const all = await Promise.all(outcomes);
      expect(count(all, 'failed')).toBe(5);
      expect(refusals(all)).toHaveLength(15);
      for (const s of refusals(all)) expect(s).toBeLessThanOrEqual(60);
    });

    it('a success clears the confirmed failures only: a guess still in flight keeps its point', async () => {
      const t = new LoginThrottle({ maxFailuresPerAccount: 3, maxFailuresPerIp: 0, windowSeconds: 60 });
      await fail(t, 'ann@example.com', undefined, 1);
      const guess = await t.reserve('ann@example.com', undefined);
      const owner = await t.reserve('ann@example.com', undefined);
      if (!guess.allowed || !owner.allowed) return expect.fail('both attempts fit in the limit');
      await owner.attempt.succeeded(); // clears the first failure, not the guess in flight
      await guess.attempt.failed();
      await fail(t, 'ann@example.com', undefined, 2);
      expect(await refusalOf(t, 'ann@example.com', undefined)).toBeGreaterThanOrEqual(1);
    });

    it('an abandoned attempt gives the account its point back; settling twice counts once', async () => {
      const t = new LoginThrottle({ maxFailuresPerAccount: 1, maxFailuresPerIp: 0, windowSeconds: 60 });
      const r = await t.reserve('ann@example.com', undefined);
      if (!r.allowed) return expect.fail('the first attempt is allowed');
      await r.attempt.abandoned();
      await r.attempt.failed(); // too late: already settled
      await fail(t, 'ann@example.com', undefined, 1);
      expect(await refusalOf(t, 'ann@example.com', undefined)).toBeGreaterThanOrEqual(1);
    });
  });
});
