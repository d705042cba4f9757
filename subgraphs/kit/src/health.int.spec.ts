import http from 'node:http';
import express from 'express';
import { describe, expect, it, vi } from 'vitest';
import { TokenVerifier } from './auth/verifier';
import { ConfigError } from './env';
import { EventLoopWatchdog, mountHealth } from './health';
import { createLogger } from './logger';
import type { BaseContext } from './context';
import { listen, startSubgraph, type SubgraphOptions } from './subgraph-server';

/** Blocks the event loop for `ms` (a wedged handler, a runaway loop). */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An Express app with only the health routes, listening on a free port. */
async function healthApp(opts: Parameters<typeof mountHealth>[1]) {
  const app = express();
  const control = mountHealth(app, opts);
  const server = http.createServer(app);
  const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  const get = async (path: string) => {
    const res = await fetch(url + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { control, get, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('/health/live and /health/ready', () => {
  it('live answers 503 after a real event-loop block over the threshold, and 200 again once it is over a threshold ago', async () => {
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 200 });
    const app = await healthApp({ service: 't', watchdog });
    try {
      expect((await app.get('/health/live')).status).toBe(200);
      blockEventLoop(700);
      const wedged = await app.get('/health/live');
      expect(wedged.status).toBe(503);
      expect(wedged.body).toMatchObject({ status: 'wedged', service: 't' });
      expect(wedged.body.eventLoopStallMs).toBeGreaterThan(200);
      await sleep(500);
      expect((await app.get('/health/live')).status).toBe(200);
    } finally {
      watchdog.stop();
      await app.close();
    }
  });

  it('a failing dependency makes ready 503 naming the check, while live stays 200', async () => {
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000 });
    let databaseUp = false;
    const app = await healthApp({
      service: 't',
      watchdog,
      readiness: {
        database: async () => {
          if (!databaseUp) throw new Error('connect ECONNREFUSED');
        },
        eventBus: async () => undefined,
      },
    });
    try {
      const notReady = await app.get('/health/ready');
      expect(notReady.status).toBe(503);
      expect(notReady.body).toEqual({ status: 'unavailable', service: 't', checks: { database: 'failing: connect ECONNREFUSED', eventBus: 'ok' } });
      expect((await app.get('/health/live')).status).toBe(200);
      databaseUp = true;
      expect(await app.get('/health/ready')).toEqual({ status: 200, body: { status: 'ok', service: 't', checks: { database: 'ok', eventBus: 'ok' } } });
    } finally {
      watchdog.stop();
      await app.close();
    }
  });

  it('a check that never answers fails ready instead of hanging the probe', async () => {
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000 });
    const app = await healthApp({ service: 't', watchdog, readiness: { database: () => new Promise(() => undefined) } });
    try {
      const res = await app.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.checks).toEqual({ database: 'failing: no answer within 2000 ms' });
    } finally {
      watchdog.stop();
      await app.close();
    }
  });
});

function subgraphOptions(drainDelayMs?: number): SubgraphOptions<BaseContext> {
  return {
    name: 'health-test',
    port: 0,
    typeDefs: 'type Query { ping: String }',
    resolvers: { Query: { ping: () => 'pong' } },
    verifier: new TokenVerifier({ issuer: 'urn:test', audience: 'test', jwks: { keys: [] } }),
    logger: createLogger('health-test', 'silent'),
    context: (base) => base,
    ...(drainDelayMs !== undefined ? { drainDelayMs } : {}),
  };
}

describe('starting a subgraph', () => {
  it('fails with ConfigError when LIVENESS_MAX_EVENT_LOOP_DELAY_MS is invalid', async () => {
    vi.stubEnv('LIVENESS_MAX_EVENT_LOOP_DELAY_MS', 'soon');
    try {
      await expect(startSubgraph(subgraphOptions())).rejects.toThrow(ConfigError);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('stopping a subgraph (SIGTERM)', () => {
  it('answers ready 503 (shutdown: stopping) and live 200 before its listener closes', async () => {
    const server = await startSubgraph(subgraphOptions(400));
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    const stopped = server.stop();
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', checks: { shutdown: 'stopping' } });
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    await stopped;
    await expect(fetch(`${server.url}/health/ready`)).rejects.toThrow();
  });

  it('while draining (SHUTDOWN_DRAIN_DELAY_MS), keeps serving but every response says Connection: close', async () => {
    vi.stubEnv('SHUTDOWN_DRAIN_DELAY_MS', '400');
    let server: Awaited<ReturnType<typeof startSubgraph>>;
    try {
      server = await startSubgraph(subgraphOptions());
    } finally {
      vi.unstubAllEnvs();
    }
    const agent = new http.Agent({ keepAlive: true });
    const ping = () =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const req = http.request(`${server.url}/graphql`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ ping }' }));
      });
    try {
      expect((await ping()).connection).toBe('keep-alive');
      const stopped = server.stop();
      const during = await ping();
      expect(during).toMatchObject({ status: 200, connection: 'close' });
      expect(JSON.parse(during.body)).toEqual({ data: { ping: 'pong' } });
      await stopped;
    } finally {
      agent.destroy();
    }
  });

  it('fails with ConfigError when SHUTDOWN_DRAIN_DELAY_MS is invalid', async () => {
    for (const value of ['-1', 'later']) {
      vi.stubEnv('SHUTDOWN_DRAIN_DELAY_MS', value);
      try {
        await expect(startSubgraph(subgraphOptions())).rejects.toThrow(ConfigError);
      } finally {
        vi.unstubAllEnvs();
      }
    }
  });
});
