import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { KafkaEventBus } from '@ebook/events';
import { createLogger, kafkaBusFromEnv, TokenVerifier, type Logger, type Service } from '@ebook/subgraph-kit';
import { SimulatedPaymentProcessor } from '@ebook/payment';
import type { PaymentPolicyOptions } from '@ebook/rental';
import { startGateway } from '../src/gateway';
import type { GatewayHardening } from '../src/hardening';
import { startStack, type Stack, type StackOptions } from '../src/stack';
import { SUPERGRAPH_FILE } from '../src/subgraphs';
import { byContext, databaseUrlsFromEnv, type ContextName } from '../../contexts';
import { SmtpTestServer } from '../../subgraphs/notification/test/smtp-test-server';

/** Database URLs of the test stack (`<CONTEXT>_DATABASE_URL`, scripts/test-env.sh). */
export const testDatabaseUrls = (): Record<ContextName, string> => databaseUrlsFromEnv();

/** A TCP port free right now on 127.0.0.1 (for a service that must know its URL before it starts, or a dead endpoint). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Manager seeded into the e2e stacks. */
export const TEST_MANAGER = { email: 'manager@ebook.test', password: 'manager-test-password' };

/** Switches of the simulated processor that a test can flip while the stack runs. */
export interface PaymentKnobs {
  /** 0..1, share of declined charges. */
  declineRate: number;
}

/**
 * The whole product in this process on REAL PostgreSQL (test databases from scripts/test-env.sh)
 * and the REAL Kafka broker (`KAFKA_BROKERS`), every context on its own free port; the
 * notification context mails through a real SMTP server in this process (`mailbox`).
 */
export async function startTestStack(
  knobs: PaymentKnobs = { declineRate: 0 },
  paymentPolicy?: Partial<PaymentPolicyOptions>,
  /**
   * Optional stack settings: login throttling limits; the JWT signing key file (an ES256 private
   * JWK, created when absent); `userPort` — the user context on that port with
   * `iss` = `http://127.0.0.1:<userPort>`, so discovery is reachable at `<iss>/.well-known/...`
   * (authorization-server tests); the web client's redirect URIs; the rental context's lending
   * rules (short durations for lifecycle tests).
   */
  extra: Pick<StackOptions, 'loginThrottle' | 'webRedirectUris' | 'lending'> & { jwtPrivateKeyFile?: string; userPort?: number } = {},
): Promise<Stack & { bus: KafkaEventBus; mailbox: SmtpTestServer }> {
  const logger = createLogger('e2e', process.env.LOG_LEVEL ?? 'silent');
  // Like production: separate test runs on one broker get their own consumer groups (KAFKA_GROUP_PREFIX).
  const bus = kafkaBusFromEnv('e2e', logger);
  const processor = new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0.5, random: () => (Math.random() < knobs.declineRate ? 0 : 0.999) });
  const mailbox = await SmtpTestServer.start();
  const stack = await startStack({
    bus,
    logger,
    databaseUrls: testDatabaseUrls(),
    ports: { gateway: 0, ...byContext(() => 0), user: extra.userPort ?? 0 },
    jwt: {
      issuer: extra.userPort ? `http://127.0.0.1:${extra.userPort}` : 'http://localhost:4001',
      audience: 'ebook-rental',
      ttlSeconds: 900,
      ...(extra.jwtPrivateKeyFile ? { privateKeyFile: extra.jwtPrivateKeyFile } : {}),
    },
    seedManager: TEST_MANAGER,
    paymentProcessor: processor,
    ...(paymentPolicy ? { paymentPolicy } : {}),
    ...(extra.loginThrottle ? { loginThrottle: extra.loginThrottle } : {}),
    ...(extra.webRedirectUris ? { webRedirectUris: extra.webRedirectUris } : {}),
    ...(extra.lending ? { lending: extra.lending } : {}),
    settings: { notification: { smtp: { url: mailbox.url, from: '"E-book Rental" <no-reply@ebook.test>' }, pollMs: 100 } },
  }).catch(async (err: unknown) => {
    await mailbox.stop();
    throw err;
  });
  return {
    ...stack,
    bus,
    mailbox,
    stop: async () => {
      await stack.stop();
      await bus.close();
      await mailbox.stop();
    },
  };
}

/** Settings of {@link startExtraGateway}. */
export interface ExtraGatewayOptions {
  /** Limits and modes (unset fields: the `GATEWAY_*` variables, then the defaults). */
  hardening?: Partial<GatewayHardening>;
  /** Start it with NODE_ENV=production and no explicit `playground` (introspection and playground off, errors masked). */
  production?: boolean;
  /** Subgraph name → base URL replacing the stack's (e.g. a dead port). */
  subgraphUrls?: Record<string, string>;
}

/**
 * Starts one more gateway on `stack`'s subgraphs, with other settings than the stack's own
 * (production mode, tight rate limits, a dead subgraph, a persisted-query mode). The caller
 * stops it (before the stack).
 */
export async function startExtraGateway(stack: Stack, logger: Logger, o: ExtraGatewayOptions = {}): Promise<Service> {
  const verifier = new TokenVerifier({ issuer: stack.trust.issuer, audience: stack.trust.audience, jwks: stack.trust.jwksUrl });
  const previousEnv = process.env.NODE_ENV;
  if (o.production) process.env.NODE_ENV = 'production';
  try {
    return await startGateway({
      port: 0,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls: { ...stack.subgraphUrls, ...o.subgraphUrls },
      verifier,
      logger,
      ...(o.production ? {} : { playground: true }),
      ...(o.hardening ? { hardening: o.hardening } : {}),
    });
  } finally {
    // Assigning undefined would store the string "undefined".
    if (previousEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previousEnv;
  }
}
