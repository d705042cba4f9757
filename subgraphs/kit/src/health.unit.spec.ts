import http from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenVerifier } from './auth/verifier';
import { ConfigError } from './env';
import { EventLoopWatchdog, livenessMaxEventLoopDelayFromEnv, mountHealth } from './health';
import { createLogger } from './logger';
import { listen, startSubgraph } from './subgraph-server';

/** Blocks the event loop for `ms` (a wedged handler, a runaway loop). */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventLoopWatchdog (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stays live while the heartbeat ticks on time, however long it runs', () => {
    vi.useFakeTimers();
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000, now: () => Date.now() });
    vi.advanceTimersByTime(60_000);
    expect(watchdog.state()).toEqual({ live: true, stallMs: 0 });
    watchdog.stop();
  });

  it('is not live while a stall over the threshold is under a threshold old, then live again', () => {
    vi.useFakeTimers();
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000, now: () => Date.now() });
    vi.advanceTimersByTime(3000);
    // The loop is blocked 7 s: the clock moves, no timer runs.
    vi.setSystemTime(Date.now() + 7000);
    expect(watchdog.state().live).toBe(false); // a probe served before the late tick
    vi.advanceTimersByTime(1000); // the late tick runs and records the stall
    const stalled = watchdog.state();
    expect(stalled.live).toBe(false);
    expect(stalled.stallMs).toBeGreaterThan(5000);
    vi.advanceTimersByTime(5000);
    expect(watchdog.state()).toEqual({ live: true, stallMs: 0 });
    watchdog.stop();
  });

  it('ignores a stall shorter than the threshold', () => {
    vi.useFakeTimers();
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000, now: () => Date.now() });
    vi.setSystemTime(Date.now() + 4000);
    vi.advanceTimersByTime(1000);
    expect(watchdog.state().live).toBe(true);
    watchdog.stop();
  });
});

describe('LIVENESS_MAX_EVENT_LOOP_DELAY_MS', () => {
  it('defaults to 5000 ms and reads a number of ms', () => {
    expect(livenessMaxEventLoopDelayFromEnv({})).toBe(5000);
    expect(livenessMaxEventLoopDelayFromEnv({ LIVENESS_MAX_EVENT_LOOP_DELAY_MS: '2500' })).toBe(2500);
  });

  it('refuses text, fractions and values under 100 ms, naming the variable', () => {
    for (const value of ['5s', '1.5', '50', '-1']) {
      expect(() => livenessMaxEventLoopDelayFromEnv({ LIVENESS_MAX_EVENT_LOOP_DELAY_MS: value })).toThrow(ConfigError);
      expect(() => livenessMaxEventLoopDelayFromEnv({ LIVENESS_MAX_EVENT_LOOP_DELAY_MS: value })).toThrow(/LIVENESS_MAX_EVENT_LOOP_DELAY_MS/);
    }
  });

  it('stops a subgraph from starting when invalid', async () => {
    vi.stubEnv('LIVENESS_MAX_EVENT_LOOP_DELAY_MS', 'soon');
    try {
      await expect(startSubgraph(subgraphOptions())).rejects.toThrow(ConfigError);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

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

function subgraphOptions(drainDelayMs?: number) {
  return {
    name: 'health-test',
    port: 0,
    typeDefs: 'type Query { ping: String }',
    resolvers: { Query: { ping: () => 'pong' } },
    verifier: new TokenVerifier({ issuer: 'urn:test', audience: 'test', jwks: { keys: [] } }),
    logger: createLogger('health-test', 'silent'),
    context: (base: never) => base,
    ...(drainDelayMs !== undefined ? { drainDelayMs } : {}),
  };
}

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
});
