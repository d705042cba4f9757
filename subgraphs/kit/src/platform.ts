import { KafkaEventBus, kafkaSaslFromEnv, type EventBus } from '@ebook/events';
import type { Logger } from 'pino';
import { parseAlgorithms, TokenVerifier } from './auth/verifier';
import { createLogger } from './logger';
import { startTracing, stopTracing } from './tracing';
import { commaList, intEnv, requireEnv } from './env';

export { commaList, intEnv, requireEnv } from './env';

/**
 * What every context needs from the platform: the event bus, the token verifier and a logger.
 * Production builds it from the environment ({@link platformFromEnv}); `pnpm dev` and tests
 * build it once and share it between in-process contexts.
 */
export interface Platform {
  bus: EventBus;
  verifier: TokenVerifier;
  logger: Logger;
}

/** `iss` when `JWT_ISSUER` is unset: the user context on its default port (`pnpm dev`). */
export const DEFAULT_JWT_ISSUER = 'http://localhost:4001';

/** Token trust settings from the environment (same names in every service). */
export function trustFromEnv(env: NodeJS.ProcessEnv = process.env): { issuer: string; audience: string; jwksUrl: URL; algorithms: string[] } {
  const issuer = env.JWT_ISSUER ?? DEFAULT_JWT_ISSUER;
  return {
    issuer,
    audience: env.JWT_AUDIENCE ?? 'ebook-rental',
    jwksUrl: new URL(env.JWKS_URL ?? `${issuer}/.well-known/jwks.json`),
    algorithms: parseAlgorithms(env.JWT_ALGORITHMS),
  };
}

/** The token verifier configured by `JWT_ISSUER`, `JWT_AUDIENCE`, `JWKS_URL`, `JWT_ALGORITHMS` (gateway and subgraphs). */
export function verifierFromEnv(env: NodeJS.ProcessEnv = process.env): TokenVerifier {
  const trust = trustFromEnv(env);
  return new TokenVerifier({ issuer: trust.issuer, audience: trust.audience, jwks: trust.jwksUrl, algorithms: trust.algorithms });
}

/**
 * Production platform: tracing ({@link startTracing}: OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set), Kafka from `KAFKA_BROKERS` (comma separated), JWKS from `JWKS_URL`.
 */
export function platformFromEnv(service: string, env: NodeJS.ProcessEnv = process.env): Platform {
  startTracing(service, { env });
  const logger = createLogger(service);
  return {
    logger,
    verifier: verifierFromEnv(env),
    bus: kafkaBusFromEnv(service, logger, env),
  };
}

/**
 * The Kafka event bus from `KAFKA_BROKERS` (comma separated), `KAFKA_COMMIT_INTERVAL_MS`
 * (default 500), `KAFKA_GROUP_PREFIX` (consumer groups of separate runs on one broker) and the
 * SASL login of {@link kafkaSaslFromEnv}.
 * @throws Error when `KAFKA_BROKERS` is unset or the SASL settings are incomplete.
 */
export function kafkaBusFromEnv(clientId: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): KafkaEventBus {
  const sasl = kafkaSaslFromEnv(env);
  return new KafkaEventBus({
    brokers: commaList(requireEnv('KAFKA_BROKERS', env)),
    clientId,
    logger,
    commitIntervalMs: intEnv('KAFKA_COMMIT_INTERVAL_MS', 500, env),
    ...(env.KAFKA_GROUP_PREFIX ? { groupIdPrefix: env.KAFKA_GROUP_PREFIX } : {}),
    ...(sasl ? { sasl } : {}),
  });
}

/** A started context (subgraph server + relay + consumers) or the gateway. */
export interface Service {
  name: string;
  /** Base URL of its HTTP server. */
  url: string;
  /** Graceful stop: HTTP server, consumers, relay, database pool. */
  stop(): Promise<void>;
}

/**
 * Runs services until SIGINT/SIGTERM, then stops them in reverse order, flushes the traces
 * ({@link stopTracing}) and exits
 * (code 0; 1 when a stop fails or takes over `graceMs`, default 10 000 ms).
 */
export function stopOnSignals(services: () => Service[], logger: Logger, onStopped?: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown timed out');
      process.exit(1);
    }, graceMs);
    timer.unref();
    let code = 0;
    for (const s of [...services()].reverse()) {
      try {
        await s.stop();
      } catch (err) {
        code = 1;
        logger.error({ err, service: s.name }, 'stop failed');
      }
    }
    await onStopped?.().catch(() => (code = 1));
    await stopTracing().catch(() => undefined);
    logger.info('stopped');
    process.exit(code);
  };
  // `on`, not `once`: a wrapper (tsx, pnpm) may relay the same Ctrl-C again; a second signal
  // must not kill the process mid-shutdown (the `stopping` guard ignores it).
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
