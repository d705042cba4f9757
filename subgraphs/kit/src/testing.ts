/**
 * Test support shared by the contexts' integration tests (imported by `*.spec.ts` files only,
 * through `@ebook/subgraph-kit/testing`; never by production code: it imports vitest).
 */
import { expect } from 'vitest';
import { DomainError } from './domain-error';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimitStore } from './rate-limit';

/**
 * The refusal of `p`: the {@link DomainError} it rejects with.
 * @throws an assertion error when `p` resolves or rejects with anything else.
 */
export async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

/** The Redis the integration tests share (`REDIS_URL`, default the local one at 127.0.0.1:6379). */
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A Redis URL nothing listens on (port 1): a store on it is the "Redis is down" case. */
export const UNREACHABLE_REDIS_URL = 'redis://127.0.0.1:1';

/**
 * Replicas' rate-limit stores on the real Redis under one namespace unique to this run, so
 * runs (and machines sharing the Redis) never see each other's counters.
 * `replica()` opens one more store (one per simulated replica: its own connection);
 * `cleanUp()` closes them and deletes every key of the namespace.
 */
export function sharedRateLimitRedis(): { namespace: string; replica(): Promise<RateLimitStore>; cleanUp(): Promise<void> } {
  const namespace = `test-${randomUUID()}`;
  const stores: RateLimitStore[] = [];
  return {
    namespace,
    async replica() {
      const store = new RateLimitStore({ redisUrl: TEST_REDIS_URL, namespace });
      stores.push(store);
      await store.ready();
      return store;
    },
    async cleanUp() {
      await Promise.all(stores.map((s) => s.close()));
      const admin = new Redis(TEST_REDIS_URL);
      try {
        const keys = await admin.keys(`${namespace}:*`);
        if (keys.length) await admin.del(...keys);
      } finally {
        await admin.quit();
      }
    },
  };
}
