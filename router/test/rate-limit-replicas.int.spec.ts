import http from 'node:http';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { listen, RateLimitStore, type TokenVerifier } from '@ebook/subgraph-kit';
import { sharedRateLimitRedis, UNREACHABLE_REDIS_URL } from '@ebook/subgraph-kit/testing';
import { GatewayRateLimiter } from '../src/hardening';
import { codeOf, postJson } from './gateway-http';

/** Not called: these limiters have no per-user limit, so every request counts against its IP. */
const noVerifier = {} as TokenVerifier;

/** One gateway replica's `/graphql` behind `limiter` (the request itself is answered 200 when let through). @returns its base URL. */
async function replica(limiter: GatewayRateLimiter, servers: http.Server[]): Promise<string> {
  const app = express();
  app.use('/graphql', limiter.middleware(noVerifier), (_req, res) => void res.json({ data: { ok: true } }));
  const server = http.createServer(app);
  servers.push(server);
  return `http://127.0.0.1:${await listen(server, 0)}`;
}

describe('gateway rate limits across replicas (real Redis)', () => {
  const redis = sharedRateLimitRedis();
  const servers: http.Server[] = [];
  afterAll(async () => {
    servers.forEach((s) => s.closeAllConnections());
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await redis.cleanUp();
  });

  it('two replicas sharing Redis enforce ONE per-IP limit: the request after it is refused 429 RATE_LIMITED with Retry-After on the other replica', async () => {
    const limits = { perIp: 3, perUser: 0, windowSeconds: 60 };
    const a = await replica(new GatewayRateLimiter(limits, await redis.replica()), servers);
    const b = await replica(new GatewayRateLimiter(limits, await redis.replica()), servers);
    const query = { query: '{ __typename }' };
    expect((await postJson(a, query)).status).toBe(200);
    expect((await postJson(a, query)).status).toBe(200);
    expect((await postJson(b, query)).status).toBe(200);
    const refused = await postJson(b, query);
    expect(refused.status).toBe(429);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json?.errors?.[0]?.extensions?.retryAfter).toBe(retryAfter);
    expect((await postJson(a, query)).status).toBe(429);
  });

  it('Redis unreachable: requests are still served and limited, each replica counting in memory', async () => {
    const store = new RateLimitStore({ redisUrl: UNREACHABLE_REDIS_URL, namespace: redis.namespace });
    try {
      const limiter = new GatewayRateLimiter({ perIp: 2, perUser: 0, windowSeconds: 60 }, store);
      expect(await limiter.consumeIp('192.0.2.7')).toBeNull();
      expect(await limiter.consumeIp('192.0.2.7')).toBeNull();
      expect(await limiter.consumeIp('192.0.2.7')).toBeGreaterThanOrEqual(1);
    } finally {
      await store.close();
    }
  });
});
