/**
 * The health endpoints every service serves, as Kubernetes reads them:
 * - `/health/live` (livenessProbe: "restart me"): fails only when this process is wedged — its
 *   event loop was blocked longer than `LIVENESS_MAX_EVENT_LOOP_DELAY_MS` ({@link EventLoopWatchdog}).
 *   It never asks the database or the broker: an outage of theirs must not restart every pod.
 * - `/health/ready` (readinessProbe: "send me traffic"): fails while a dependency check fails
 *   (database, broker) or while the service is stopping, so the pod leaves the Service's
 *   endpoints; it comes back by itself once the checks pass again.
 */
import type express from 'express';
import { ConfigError, intEnv } from './env';

/** `LIVENESS_MAX_EVENT_LOOP_DELAY_MS` when unset: a 5 s stall of the event loop means "wedged". */
export const DEFAULT_LIVENESS_MAX_EVENT_LOOP_DELAY_MS = 5000;

/** Smallest accepted `LIVENESS_MAX_EVENT_LOOP_DELAY_MS`: below it, garbage collection pauses would count as wedged. */
const MIN_LIVENESS_MAX_EVENT_LOOP_DELAY_MS = 100;

/**
 * The liveness threshold from `LIVENESS_MAX_EVENT_LOOP_DELAY_MS` (ms, default
 * {@link DEFAULT_LIVENESS_MAX_EVENT_LOOP_DELAY_MS}); read at start-up.
 * @throws ConfigError when it is not an integer of at least 100 ms.
 */
export function livenessMaxEventLoopDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const name = 'LIVENESS_MAX_EVENT_LOOP_DELAY_MS';
  let ms: number;
  try {
    ms = intEnv(name, DEFAULT_LIVENESS_MAX_EVENT_LOOP_DELAY_MS, env);
  } catch {
    throw new ConfigError(name, `"${env[name]}" is not an integer number of milliseconds`);
  }
  if (ms < MIN_LIVENESS_MAX_EVENT_LOOP_DELAY_MS) throw new ConfigError(name, `must be at least ${MIN_LIVENESS_MAX_EVENT_LOOP_DELAY_MS} ms, got ${ms}`);
  return ms;
}

/** What {@link EventLoopWatchdog.state} reports. */
export interface EventLoopState {
  /** False when the loop stalled longer than the threshold within the last threshold-long window (or is stalled now). */
  live: boolean;
  /** Longest stall seen in that window, ms (0 when none exceeded the threshold). */
  stallMs: number;
}

/** Options of {@link EventLoopWatchdog}. */
export interface EventLoopWatchdogOptions {
  /** A stall longer than this, ms, makes the process not live (see {@link livenessMaxEventLoopDelayFromEnv}). */
  maxDelayMs: number;
  /** Monotonic clock, ms (default `performance.now`). */
  now?: () => number;
}

/**
 * Detects a blocked event loop with a heartbeat timer: it ticks every `maxDelayMs / 5` (at most
 * 1 s); a tick arriving more than `maxDelayMs` late means the loop was blocked that long. The
 * process counts as not live while such a stall is under `maxDelayMs` old, or while the next
 * tick is overdue by more than `maxDelayMs` (a probe answered before the late tick ran). The
 * timer does not keep the process alive; `stop()` cancels it.
 */
export class EventLoopWatchdog {
  private readonly now: () => number;
  private readonly intervalMs: number;
  private lastTick: number;
  private lastStall: { at: number; ms: number } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: EventLoopWatchdogOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.intervalMs = Math.max(10, Math.min(1000, Math.floor(opts.maxDelayMs / 5)));
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    const t = this.now();
    const late = t - this.lastTick - this.intervalMs;
    if (late > this.opts.maxDelayMs) this.lastStall = { at: t, ms: late };
    this.lastTick = t;
  }

  /** Whether the loop is live now, and the stall that says otherwise. */
  state(): EventLoopState {
    const t = this.now();
    const overdue = t - this.lastTick - this.intervalMs;
    if (overdue > this.opts.maxDelayMs) return { live: false, stallMs: Math.round(overdue) };
    if (this.lastStall && t - this.lastStall.at < this.opts.maxDelayMs) return { live: false, stallMs: Math.round(this.lastStall.ms) };
    return { live: true, stallMs: 0 };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A readiness check: resolves (optionally to a detail string shown instead of `ok`) or throws why it is not ready. */
export type ReadinessCheck = () => Promise<unknown>;

/** How long one readiness check may take before it counts as failing, ms (below the probes' 3 s `timeoutSeconds`). */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

/** Options of {@link mountHealth}. */
export interface HealthOptions {
  /** Service name, in the answers. */
  service: string;
  watchdog: EventLoopWatchdog;
  /** Readiness checks by name, run concurrently, each bounded by {@link READINESS_CHECK_TIMEOUT_MS}. */
  readiness?: Record<string, ReadinessCheck>;
  /** How long {@link HealthControl.drain} keeps the server not ready but listening, ms (default {@link shutdownDrainDelayFromEnv}). */
  drainDelayMs?: number;
}

/**
 * `SHUTDOWN_DRAIN_DELAY_MS` (ms, default 0): on stop, how long a server keeps listening while
 * `/health/ready` answers 503 and every response says `Connection: close`, before the listener
 * closes. In Kubernetes the pod's preStop sleep does this job (0 is right there); elsewhere (a
 * load balancer polling readiness, a test stack) set it above the balancer's probe period.
 * @throws ConfigError when it is not a non-negative integer.
 */
export function shutdownDrainDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const name = 'SHUTDOWN_DRAIN_DELAY_MS';
  let ms: number;
  try {
    ms = intEnv(name, 0, env);
  } catch {
    throw new ConfigError(name, `"${env[name]}" is not an integer number of milliseconds`);
  }
  if (ms < 0) throw new ConfigError(name, `must be at least 0, got ${ms}`);
  return ms;
}

/** What {@link mountHealth} gives back to the server that owns the routes. */
export interface HealthControl {
  /** From now on `/health/ready` answers 503 (`checks.shutdown: "stopping"`). */
  markStopping(): void;
  /**
   * The first step of a graceful stop: {@link markStopping}, then resolves after the drain
   * delay (`drainDelayMs`, ms), while the server still listens and answers with
   * `Connection: close`; the caller closes the listener after it.
   */
  drain(): Promise<void>;
}

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_CHECK_TIMEOUT_MS} ms`)), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    const detail = await Promise.race([check(), timeout]);
    return typeof detail === 'string' ? detail : 'ok';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Mounts `/health/live` and `/health/ready` on `app`.
 * Live: 200 `{status:"ok"}`, or 503 `{status:"wedged", eventLoopStallMs}` per the watchdog.
 * Ready: 200 `{status:"ok", checks}`, or 503 `{status:"unavailable", checks}` where each failing
 * check reads `failing: <reason>`, and `shutdown: "stopping"` once {@link HealthControl.markStopping} ran.
 * From then on every response of `app` (routes mounted after this call) carries `Connection: close`.
 * Mount it before the other routes.
 */
export function mountHealth(app: express.Express, opts: HealthOptions): HealthControl {
  const drainDelayMs = opts.drainDelayMs ?? shutdownDrainDelayFromEnv(); // validated before anything listens
  let stopping = false;
  // While stopping, every response asks the client to close its keep-alive connection, so a
  // client (the gateway's pool, a load balancer) opens its next one to a replica that stays,
  // instead of reusing this one when the listener closes it.
  app.use((_req, res, next) => {
    if (stopping) res.setHeader('Connection', 'close');
    next();
  });
  app.get('/health/live', (_req, res) => {
    const { live, stallMs } = opts.watchdog.state();
    if (live) res.json({ status: 'ok', service: opts.service });
    else res.status(503).json({ status: 'wedged', service: opts.service, eventLoopStallMs: stallMs });
  });
  app.get('/health/ready', async (_req, res) => {
    const entries = await Promise.all(
      Object.entries(opts.readiness ?? {}).map(async ([name, check]): Promise<[string, string, boolean]> => {
        try {
          return [name, await runCheck(check), true];
        } catch (err) {
          return [name, `failing: ${(err as Error).message}`, false];
        }
      }),
    );
    const checks: Record<string, string> = Object.fromEntries(entries.map(([name, detail]) => [name, detail]));
    if (stopping) checks.shutdown = 'stopping';
    const ok = !stopping && entries.every(([, , passed]) => passed);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', service: opts.service, checks });
  });
  const markStopping = () => {
    stopping = true;
  };
  return {
    markStopping,
    drain: async () => {
      markStopping();
      if (drainDelayMs) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
    },
  };
}
