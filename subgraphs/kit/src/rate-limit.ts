import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ConfigError } from './env';
import type { Logger } from './logger';

/** The part of a rate-limiter-flexible limiter {@link takePoint} uses. */
export interface PointLimiter {
  consume(key: string, points?: number): Promise<unknown>;
}

/**
 * Takes one point from `limiter` for `key`.
 * @returns null when allowed, else the seconds to wait (≥ 1, for `retryAfter` / `Retry-After`).
 * @throws whatever the limiter throws that is not a refusal (a store error).
 */
export async function takePoint(limiter: PointLimiter | null, key: string): Promise<number | null> {
  if (!limiter) return null;
  try {
    await limiter.consume(key);
    return null;
  } catch (rejection) {
    const msBeforeNext = (rejection as { msBeforeNext?: unknown } | null)?.msBeforeNext;
    if (typeof msBeforeNext !== 'number') throw rejection;
    return Math.max(1, Math.ceil(msBeforeNext / 1000));
  }
}

/**
 * Reads `REDIS_URL`: the Redis (or Valkey) shared by every replica's rate-limit counters.
 * @returns the URL, or undefined when unset or empty (counters stay in memory, per process).
 * @throws ConfigError when it is set but not a `redis://` or `rediss://` URL with a host.
 */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.REDIS_URL;
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL'); // the value may hold a password: not echoed
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL with a host');
  return value;
}

/** Options of {@link RateLimitStore}. */
export interface RateLimitStoreOptions {
  /** Shared Redis (`redis://` / `rediss://`, see {@link redisUrlFromEnv}); unset: counters in memory, per process. */
  redisUrl?: string;
  /** Prepended to every limiter's key prefix (`<namespace>:<keyPrefix>:<key>` in Redis); default none. Tests use one per run. */
  namespace?: string;
  /** Where Redis outages and recoveries are reported (never the URL: it may hold a password). */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/** One limiter of a {@link RateLimitStore}: fixed window of `duration` seconds, `points` per key, keys under `keyPrefix` (distinct per limiter). */
export interface RateLimiterSpec {
  keyPrefix: string;
  points: number;
  /** Window, seconds. */
  duration: number;
}

/**
 * Where the rate-limit counters of a process live (rate-limiter-flexible). Without a Redis URL:
 * `RateLimiterMemory`, each process counts alone (`pnpm dev`, one replica). With one:
 * `RateLimiterRedis` on an ioredis client, so every replica using the same Redis counts against
 * the same limits (atomic per key in Redis).
 *
 * Redis outage: the client does not queue commands while disconnected (`enableOfflineQueue:
 * false`) and the limiter rejects at once when the connection is not ready
 * (`rejectIfRedisNotReady`), so every operation falls to the limiter's `insuranceLimiter`, a
 * `RateLimiterMemory` with the same limits: each replica counts alone again (up to N × the
 * limits for N replicas) until Redis is back, and no request fails or waits on Redis. The
 * client keeps reconnecting; the first error of an outage is logged at warn, the recovery at
 * info. Counts taken in memory during the outage are not carried to Redis.
 */
export class RateLimitStore {
  private readonly redis: Redis | null;
  private readonly namespace: string;

  /** @throws ConfigError for an invalid `redisUrl` (see {@link redisUrlFromEnv}). Does not wait for Redis: an unreachable one means memory until it answers. */
  constructor(opts: RateLimitStoreOptions = {}) {
    this.namespace = opts.namespace ? `${opts.namespace}:` : '';
    const url = redisUrlFromEnv({ REDIS_URL: opts.redisUrl });
    if (!url) {
      this.redis = null;
      return;
    }
    // Loaded only here: a process without REDIS_URL (pnpm dev, one replica) never loads the client.
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: (attempt) => Math.min(attempt * 200, 5_000) });
    let down = false;
    this.redis.on('error', (err: Error) => {
      if (down) return;
      down = true;
      opts.logger?.warn({ err: { name: err.name, message: err.message } }, 'rate-limit Redis unreachable: counting in memory per process until it is back');
    });
    this.redis.on('ready', () => {
      if (!down) return;
      down = false;
      opts.logger?.info('rate-limit Redis reachable again: counters shared');
    });
  }

  /** The store of `REDIS_URL` ({@link redisUrlFromEnv}). @throws ConfigError for an invalid `REDIS_URL`. */
  static fromEnv(logger?: RateLimitStoreOptions['logger'], env: NodeJS.ProcessEnv = process.env): RateLimitStore {
    const redisUrl = redisUrlFromEnv(env);
    return new RateLimitStore({ ...(redisUrl ? { redisUrl } : {}), ...(logger ? { logger } : {}) });
  }

  /** True when counters are shared through Redis. */
  get shared(): boolean {
    return this.redis !== null;
  }

  /**
   * Resolves once the Redis connection is ready (at once in memory). Not needed before use —
   * limiters answer from memory until it is — but lets a caller (a test) start shared.
   * @throws Error when the connection is closed before it became ready.
   */
  async ready(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('end', () => reject(new Error('rate-limit Redis connection closed before it was ready')));
    });
  }

  /** A limiter on this store (Redis with an in-memory insurance, or memory); see the class comment. */
  limiter(spec: RateLimiterSpec): RateLimiterAbstract {
    const keyPrefix = `${this.namespace}${spec.keyPrefix}`;
    const memory = new RateLimiterMemory({ keyPrefix, points: spec.points, duration: spec.duration });
    if (!this.redis) return memory;
    return new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points: spec.points, duration: spec.duration, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  }

  /** Closes the Redis connection (no-op in memory). Limiters of this store fall back to memory afterwards. */
  async close(): Promise<void> {
    if (!this.redis) return;
    await this.redis.quit().catch(() => this.redis!.disconnect());
  }
}
