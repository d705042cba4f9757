import http from 'node:http';
import net from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { listen, RateLimitStore, type TokenVerifier } from '@ebook/subgraph-kit';
import { sharedRateLimitRedis, TEST_REDIS_URL, UNREACHABLE_REDIS_URL } from '@ebook/subgraph-kit/testing';
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

/** A TCP relay to the test Redis that the test can cut (`cut()`: every connection dropped, no new ones), i.e. Redis going away under a running replica. */
async function cuttableRedis(): Promise<{ url: string; cut(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(relay.address() as net.AddressInfo).port}`,
    cut: async () => {
      const closed = new Promise((resolve) => relay.close(resolve));
      sockets.forEach((s) => s.destroy());
      await closed;
    },
  };
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

  it('Redis lost at run time: the replica keeps serving and limiting from memory', async () => {
    const relay = await cuttableRedis();
    const store = new RateLimitStore({ redisUrl: relay.url, namespace: redis.namespace });
    try {
      await store.ready();
      const limits = { perIp: 2, perUser: 0, windowSeconds: 60 };
      const cut = new GatewayRateLimiter(limits, store);
      const other = new GatewayRateLimiter(limits, await redis.replica());
      expect(await cut.consumeIp('192.0.2.8')).toBeNull(); // counted in Redis: the other replica sees it
      expect(await other.consumeIp('192.0.2.8')).toBeNull();
      expect(await other.consumeIp('192.0.2.8')).toBeGreaterThanOrEqual(1);
      await relay.cut();
      // Redis gone for this replica: its own memory counts from zero, within the same limit.
      expect(await cut.consumeIp('192.0.2.8')).toBeNull();
      expect(await cut.consumeIp('192.0.2.8')).toBeNull();
      expect(await cut.consumeIp('192.0.2.8')).toBeGreaterThanOrEqual(1);
    } finally {
      await store.close();
      await relay.cut().catch(() => undefined);
    }
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
