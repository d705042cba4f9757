import {
  OutboxRelay,
  startIdempotentConsumer,
  watchOutboxBacklog,
  zeroEventCounters,
  type EventHandlers,
  type EventRetention,
  type GaugeProbe,
  type ScrapedGauge,
  type Subscription,
  type TransactionalDb,
} from '@ebook/events';
import type express from 'express';
import type { BaseContext } from './context';
import type { Logger } from 'pino';
import type { Platform, Service } from './platform';
import { startSubgraph, type SubgraphResolvers } from './subgraph-server';
import { livenessMaxEventLoopDelayFromEnv } from './health';
import { intEnv } from './env';
import { eventRetentionFromEnv, pruneEventTablesJob } from './event-retention';
import { disconnectDb, plainSqlOf } from './prisma';

/** A context's Prisma client as the runtime sees it. */
export interface ContextDb extends TransactionalDb<any> {
  $disconnect(): Promise<void>;
}

/** Options of {@link startContext}. */
export interface ContextRuntimeOptions<TContext extends BaseContext> {
  /** Context name: `user`, `book-management`, `rental`, `payment`, `rental-view`. */
  name: string;
  platform: Platform;
  db: ContextDb;
  /** HTTP port (0 = any free port). */
  port: number;
  typeDefs: string;
  /** The subgraph's generated `Resolvers<TContext>` map. */
  resolvers: SubgraphResolvers<TContext>;
  /** Adds the context's own fields (db, loaders, relay) to each request context. */
  context: (base: BaseContext, relay: OutboxRelay) => TContext;
  /**
   * The context's idempotent consumers: a consumer group and its handlers each. They share the
   * context's database (inbox) and wake its relay after a handler wrote events.
   */
  consumers?: { groupId: string; handlers: EventHandlers<any> }[];
  /** Extra HTTP routes (before `/graphql`), given the relay and the context's logger. */
  routes?: (app: express.Express, relay: OutboxRelay, logger: Logger) => void;
  /**
   * Periodic jobs of the context (rental's stale-rental sweeper, user's purge of expired OAuth
   * rows): started with the server, run every `everyMs` (a run never overlaps the previous
   * one), failures logged, stopped first on stop.
   */
  jobs?: PeriodicJob[];
  /** Extra readiness checks (the database and the event bus are always checked). */
  readiness?: Record<string, () => Promise<unknown>>;
  /**
   * How long published outbox rows and handled inbox rows are kept (default
   * {@link eventRetentionFromEnv}: `OUTBOX_RETENTION`, `INBOX_RETENTION`); every context prunes
   * its event tables every minute.
   */
  retention?: EventRetention;
  /** Outbox poll period, ms (default `OUTBOX_POLL_MS`, else 500; `wake()` after commits makes it immediate). */
  relayPollMs?: number;
  /**
   * Gauges of the context computed at scrape time (rental's overdue deadlines): each probe is
   * watched while the context runs and dropped before its database closes. The outbox backlog
   * gauges are always watched.
   */
  gauges?: { gauge: ScrapedGauge; probe: GaugeProbe }[];
}

/** A job a context runs every `everyMs` (see {@link startPeriodicJobs}). */
export interface PeriodicJob {
  /** For logs. */
  name: string;
  /** Period, ms. */
  everyMs: number;
  run: (relay: OutboxRelay, logger: Logger) => Promise<unknown>;
}

/**
 * Runs each job every `everyMs`: a run is skipped while the previous one is still going (no
 * overlap), a failure is logged with the job's name and the next period runs again; timers do
 * not keep the process alive. @returns `stop()`, which cancels every timer and resolves once the
 * runs in flight have finished (so a context closes its database only after its jobs let go of
 * it).
 */
export function startPeriodicJobs(jobs: PeriodicJob[], relay: OutboxRelay, logger: Logger): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>();
  const timers = jobs.map((job) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      const run = job
        .run(relay, logger)
        .catch((err: unknown) => logger.error({ err, job: job.name }, 'periodic job failed'))
        .finally(() => {
          running = false;
          inFlight.delete(run);
        });
      inFlight.add(run);
    }, job.everyMs);
    timer.unref();
    return timer;
  });
  return {
    stop: async () => {
      timers.forEach((t) => clearInterval(t));
      await Promise.all([...inFlight]);
    },
  };
}

/** A running context; `relay` is exposed for tests and the dev runner (`flush()`). */
export interface ContextService extends Service {
  relay: OutboxRelay;
}

/** What every context's `start*Service` takes (each context adds its own settings). */
export interface ContextServiceOptions {
  platform: Platform;
  /** The context's own database (`<CONTEXT>_DATABASE_URL`). */
  databaseUrl: string;
  /** HTTP port (`PORT`; 0 = any free port). */
  port: number;
  /** Database pool size (`DB_POOL_SIZE`, default 10). */
  dbPoolSize?: number;
}

/**
 * Starts one bounded context: its consumers, its outbox relay and its subgraph server,
 * all sharing one database client; `/metrics` shows its outbox backlog
 * (`outbox_unpublished_events`, `outbox_oldest_unpublished_age_seconds`) and its `gauges`. Stops in reverse: server, consumers, relay, pool.
 * Readiness (`/health/ready`) checks the database (`SELECT 1`) and the event bus
 * (`EventBus.ready`: the Kafka broker answers; the embedded bus always does): while either fails
 * the context is not ready but still live, and it is ready again once they answer.
 * Every context also prunes its outbox and inbox ({@link pruneEventTablesJob}).
 * @throws ConfigError for a bad `OUTBOX_RETENTION` / `INBOX_RETENTION` / `LIVENESS_MAX_EVENT_LOOP_DELAY_MS` (nothing started); what the server's start throws (e.g. the port is taken), after stopping the consumers,
 * the relay and the pool it had started.
 */
export async function startContext<TContext extends BaseContext>(opts: ContextRuntimeOptions<TContext>): Promise<ContextService> {
  // Validated before anything starts: a bad retention stops the context with the variable's name.
  const retention = opts.retention ?? eventRetentionFromEnv();
  const maxEventLoopDelayMs = livenessMaxEventLoopDelayFromEnv();
  const logger = opts.platform.logger.child({ context: opts.name });
  // The relay's statements run on plain pg when the client has that side (same pool).
  const relayDb = plainSqlOf(opts.db) ?? opts.db;
  const relay = new OutboxRelay({
    context: opts.name,
    db: relayDb,
    bus: opts.platform.bus,
    logger,
    pollIntervalMs: opts.relayPollMs ?? intEnv('OUTBOX_POLL_MS', 500),
  });
  const subscriptions: Subscription[] = await Promise.all(
    (opts.consumers ?? []).map((c) =>
      startIdempotentConsumer({ bus: opts.platform.bus, db: opts.db, groupId: c.groupId, handlers: c.handlers, logger, afterCommit: () => relay.wake() }),
    ),
  );
  relay.start();
  zeroEventCounters({ context: opts.name });
  const unwatch = [watchOutboxBacklog(opts.name, relayDb), ...(opts.gauges ?? []).map((g) => g.gauge.watch(g.probe))];
  /** Consumers, relay, gauges, pool: what runs beside the server, stopped after it (or when it cannot start). */
  const stopBackground = async () => {
    logger.debug('stopping consumers');
    await Promise.allSettled(subscriptions.map((s) => s.stop()));
    logger.debug('stopping relay');
    await relay.stop();
    unwatch.forEach((stop) => stop());
    logger.debug('closing database pool');
    await disconnectDb(opts.db);
  };
  let server: Awaited<ReturnType<typeof startSubgraph<TContext>>>;
  try {
    server = await startSubgraph<TContext>({
      name: opts.name,
      port: opts.port,
      typeDefs: opts.typeDefs,
      resolvers: opts.resolvers,
      verifier: opts.platform.verifier,
      logger,
      context: (base) => opts.context(base, relay),
      maxEventLoopDelayMs,
      readiness: {
        database: async () => {
          await opts.db.$queryRawUnsafe('SELECT 1');
        },
        eventBus: () => opts.platform.bus.ready(),
        ...opts.readiness,
      },
      ...(opts.routes ? { routes: (app: express.Express) => opts.routes!(app, relay, logger) } : {}),
    });
  } catch (err) {
    // E.g. the port is taken: what already runs must not outlive the failed start.
    await stopBackground();
    throw err;
  }
  const jobs = startPeriodicJobs([...(opts.jobs ?? []), pruneEventTablesJob(opts.db, retention)], relay, logger);
  return {
    name: opts.name,
    url: server.url,
    relay,
    stop: async () => {
      await jobs.stop();
      logger.debug('stopping server');
      await server.stop();
      await stopBackground();
    },
  };
}

/**
 * True for a unique-constraint violation, however the error is wrapped: Prisma's (P2002; P2010
 * with SQLSTATE 23505 for a raw statement) or pg's (SQLSTATE 23505, a `PlainSql` statement).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, meta } = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  return code === 'P2002' || code === '23505' || (code === 'P2010' && meta?.driverAdapterError?.cause?.originalCode === '23505');
}
