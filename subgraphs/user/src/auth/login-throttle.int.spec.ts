import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimitStore } from '@ebook/subgraph-kit';
import { sharedRateLimitRedis, UNREACHABLE_REDIS_URL } from '@ebook/subgraph-kit/testing';
import { LoginThrottle } from './login-throttle';
import { attempt, count, fail, gate, refusalOf, type Checks, type Verdict } from './login-throttle.spec-support';

/** A password check that takes a moment (as hashing does), so attempts overlap. */
const hashing = () => sleep(20);

/** `n` simultaneous attempts on `t`, all with `verdict`, counted in `checks`. */
const burst = (t: LoginThrottle, n: number, account: string, ip: string, verdict: Verdict, checks: Checks) =>
  Promise.all(Array.from({ length: n }, () => attempt(t, account, ip, verdict, hashing(), checks)));

describe('LoginThrottle across replicas (real Redis)', () => {
  const redis = sharedRateLimitRedis();
  afterAll(() => redis.cleanUp());

  it('two replicas sharing Redis check at most maxFailuresPerAccount wrong passwords per account across both, then refuse on both', async () => {
    const limits = { maxFailuresPerAccount: 3, maxFailuresPerIp: 0, windowSeconds: 60 };
    const a = new LoginThrottle(limits, await redis.replica());
    const b = new LoginThrottle(limits, await redis.replica());
    const checks: Checks = { now: 0, peak: 0 };
    const outcomes = (
      await Promise.all([burst(a, 5, 'ann@example.com', '198.51.100.1', 'failed', checks), burst(b, 5, 'ann@example.com', '198.51.100.2', 'failed', checks)])
    ).flat();
    expect(count(outcomes, 'failed')).toBe(3);
    expect(count(outcomes, 'refused')).toBe(7);
    expect(checks.peak).toBeLessThanOrEqual(3);
    expect(await refusalOf(a, 'ann@example.com', '198.51.100.3')).toBeGreaterThanOrEqual(1);
    expect(await refusalOf(b, 'ann@example.com', '198.51.100.4')).toBeGreaterThanOrEqual(1);
    expect(await refusalOf(b, 'bob@example.com', '198.51.100.4')).toBeNull(); // another account has its own budget
  });

  it('serves simultaneous correct logins from one IP beyond its limit on each replica, and their successes free the shared count', async () => {
    const limits = { maxFailuresPerAccount: 5, maxFailuresPerIp: 2, windowSeconds: 60 };
    const a = new LoginThrottle(limits, await redis.replica());
    const b = new LoginThrottle(limits, await redis.replica());
    const checks: Checks = { now: 0, peak: 0 };
    const campus = '203.0.113.9';
    const onA = await Promise.all(Array.from({ length: 6 }, (_, i) => attempt(a, `student${i}@example.com`, campus, 'succeeded', hashing(), checks)));
    expect(count(onA, 'succeeded')).toBe(6);
    const onB = await Promise.all(Array.from({ length: 6 }, (_, i) => attempt(b, `student${i}@example.com`, campus, 'succeeded', hashing(), checks)));
    expect(count(onB, 'succeeded')).toBe(6);
    // The IP's two failures per window are still whole after twelve successes, across replicas.
    await fail(a, 'x@example.com', campus, 1);
    await fail(b, 'y@example.com', campus, 1);
    expect(await refusalOf(a, 'z@example.com', campus)).toBeGreaterThanOrEqual(1);
  });

  it("a correct login on one replica while the other checks the limit's worth of passwords on its IP waits for them and is served", async () => {
    const limits = { maxFailuresPerAccount: 5, maxFailuresPerIp: 2, windowSeconds: 60 };
    const a = new LoginThrottle(limits, await redis.replica());
    const b = new LoginThrottle(limits, await redis.replica());
    const office = '203.0.113.20';
    const checks: Checks = { now: 0, peak: 0 };
    const slow = gate();
    const onA = Promise.all([attempt(a, 'eve@example.com', office, 'succeeded', slow.checked, checks), attempt(a, 'fay@example.com', office, 'succeeded', slow.checked, checks)]);
    await expect.poll(() => checks.now).toBe(2); // both of A's points in flight: the IP's limit is full
    const onB = attempt(b, 'gus@example.com', office, 'succeeded', Promise.resolve(), checks);
    await sleep(100);
    slow.open();
    expect(await onA).toEqual(['succeeded', 'succeeded']);
    expect(await onB).toBe('succeeded');
    expect(checks.peak).toBeLessThanOrEqual(2);
  });

  it('Redis unreachable: logins are still checked and throttled, the replica counting in memory', async () => {
    const store = new RateLimitStore({ redisUrl: UNREACHABLE_REDIS_URL, namespace: redis.namespace });
    try {
      const t = new LoginThrottle({ maxFailuresPerAccount: 2, maxFailuresPerIp: 0, windowSeconds: 60 }, store);
      await fail(t, 'cy@example.com', '192.0.2.40', 2);
      expect(await refusalOf(t, 'cy@example.com', '192.0.2.40')).toBeGreaterThanOrEqual(1);
      expect(await attempt(t, 'dee@example.com', '192.0.2.40', 'succeeded')).toBe('succeeded');
    } finally {
      await store.close();
    }
  });
});
