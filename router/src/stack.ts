import type { EventBus } from '@ebook/events';
import { randomBytes } from 'node:crypto';
import { ClientCredentialsTokenSource, PAYMENT_APPROVE_SCOPE, TokenVerifier, type Logger, type Platform, type Service, type ContextService } from '@ebook/subgraph-kit';
import { DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_REDIRECT_URI, JwtIssuer, startUserService, type LoginThrottleOptions, type ServiceClient } from '@ebook/user';
import { startBookManagementService } from '@ebook/book-management';
import { startRentalService, type LendingPolicy, type PaymentPolicyOptions } from '@ebook/rental';
import { startPaymentService, type PaymentProcessor } from '@ebook/payment';
import { startRentalViewService } from '@ebook/rental-view';
import { readFileSync } from 'node:fs';
import { startGateway } from './gateway';
import { SUPERGRAPH_FILE } from './subgraphs';

/** Everything needed to run all contexts + the gateway in ONE process (`pnpm dev`, e2e tests). */
export interface StackOptions {
  bus: EventBus;
  logger: Logger;
  /** Database URL per context. */
  databaseUrls: { user: string; 'book-management': string; rental: string; payment: string; 'rental-view': string };
  /** Ports (0 = any free port). */
  ports: { gateway: number; user: number; 'book-management': number; rental: number; payment: number; 'rental-view': number };
  /** JWT settings: `iss`, `aud`, access-token lifetime (s) and the signing key (file, or generated when absent). */
  jwt: { issuer: string; audience: string; ttlSeconds: number; privateKeyFile?: string };
  seedManager?: { email: string; password: string };
  seedCatalog?: boolean;
  paymentProcessor: PaymentProcessor;
  paymentPolicy?: Partial<PaymentPolicyOptions>;
  /** Lending rules of the rental context (loan period, cancel window, notice, limit); unset: its defaults. */
  lending?: Partial<LendingPolicy>;
  playground?: boolean;
  /** Login throttling of the user context (unset fields: `LOGIN_*` variables, then defaults). */
  loginThrottle?: Partial<LoginThrottleOptions>;
  /** Redirect URIs of the public web client `ebook-web` (authorization code + PKCE); default {@link DEFAULT_WEB_REDIRECT_URI}. */
  webRedirectUris?: string[];
}

/** Rental's OAuth client in a stack (its secret is generated per start). */
const RENTAL_SERVICE_CLIENT_ID = 'rental-service';

/** A running stack. */
export interface Stack {
  gatewayUrl: string;
  contexts: Record<'user' | 'book-management' | 'rental' | 'payment' | 'rental-view', ContextService>;
  /** Base URL of each subgraph (what the gateway routes to). */
  subgraphUrls: Record<'user' | 'book-management' | 'rental' | 'payment' | 'rental-view', string>;
  /** What tokens must carry to be trusted (`iss`, `aud`) and where their keys are (the user context's JWKS). */
  trust: { issuer: string; audience: string; jwksUrl: URL };
  /** The service clients registered at the authorization server, secrets included (tests call the token endpoint with them). */
  serviceClients: ServiceClient[];
  /** Stops the gateway, then every context (reverse start order). */
  stop(): Promise<void>;
}

/**
 * Starts user first (it issues tokens and serves the JWKS), then the other contexts and the
 * gateway, which verify tokens against the user context's JWKS URL like separate processes would.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const issuerOpts = { issuer: o.jwt.issuer, audience: o.jwt.audience, ttlSeconds: o.jwt.ttlSeconds };
  const issuer = o.jwt.privateKeyFile ? await JwtIssuer.fromFile(issuerOpts, o.jwt.privateKeyFile) : await JwtIssuer.generate(issuerOpts);
  const started: Service[] = [];
  // One process, so secrets are made here and never leave it: rental's client secret and the
  // authorization server's cookie key (production reads both from k8s Secrets).
  const secret = () => randomBytes(32).toString('base64url');
  const rentalClient: ServiceClient = { clientId: RENTAL_SERVICE_CLIENT_ID, clientSecret: secret(), scopes: [PAYMENT_APPROVE_SCOPE] };
  try {
    const userPlatform: Platform = { bus: o.bus, logger: o.logger, verifier: new TokenVerifier({ ...issuerOpts, jwks: issuer.jwks() }) };
    const user = await startUserService({
      platform: userPlatform,
      databaseUrl: o.databaseUrls.user,
      port: o.ports.user,
      issuer,
      oauth: {
        cookieKeys: [secret()],
        publicClients: [{ clientId: DEFAULT_WEB_CLIENT_ID, redirectUris: o.webRedirectUris ?? [DEFAULT_WEB_REDIRECT_URI] }],
        serviceClients: [rentalClient],
        refreshTokenTtlSeconds: 14 * 24 * 3600,
      },
      ...(o.seedManager ? { seedManager: o.seedManager } : {}),
      ...(o.loginThrottle ? { loginThrottle: o.loginThrottle } : {}),
    });
    started.push(user);
    const trust = { issuer: o.jwt.issuer, audience: o.jwt.audience, jwksUrl: new URL(`${user.url}/.well-known/jwks.json`) };
    const verifier = new TokenVerifier({ issuer: trust.issuer, audience: trust.audience, jwks: trust.jwksUrl });
    const platform: Platform = { bus: o.bus, logger: o.logger, verifier };
    const payment = await startPaymentService({ platform, databaseUrl: o.databaseUrls.payment, port: o.ports.payment, processor: o.paymentProcessor });
    started.push(payment);
    const bookManagement = await startBookManagementService({ platform, databaseUrl: o.databaseUrls['book-management'], port: o.ports['book-management'], seed: o.seedCatalog ?? false });
    started.push(bookManagement);
    // The read model and rental are independent of each other: both catch up on the catalog's
    // events at once (the larger share of a first start's time).
    const [viewStart, rentalStart] = await Promise.allSettled([
      startRentalViewService({ platform, databaseUrl: o.databaseUrls['rental-view'], port: o.ports['rental-view'] }).then((s) => (started.push(s), s)),
      startRentalService({
        platform,
        databaseUrl: o.databaseUrls.rental,
        port: o.ports.rental,
        paymentUrl: payment.url,
        serviceTokens: new ClientCredentialsTokenSource({
          issuer: o.jwt.issuer,
          tokenUrl: `${user.url}/oauth/token`,
          clientId: rentalClient.clientId,
          clientSecret: rentalClient.clientSecret,
          scope: PAYMENT_APPROVE_SCOPE,
        }),
        ...(o.paymentPolicy ? { paymentPolicy: o.paymentPolicy } : {}),
        ...(o.lending ? { lending: o.lending } : {}),
      }).then((s) => (started.push(s), s)),
    ]);
    // Both settled (a failure of one never leaves the other starting unseen by the cleanup below).
    if (viewStart.status === 'rejected') throw viewStart.reason;
    if (rentalStart.status === 'rejected') throw rentalStart.reason;
    const [view, rental] = [viewStart.value, rentalStart.value];
    const subgraphUrls = { user: user.url, 'book-management': bookManagement.url, rental: rental.url, payment: payment.url, 'rental-view': view.url };
    const gateway = await startGateway({
      port: o.ports.gateway,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls,
      verifier,
      logger: o.logger,
      playground: o.playground ?? true,
    });
    started.push(gateway);
    return {
      gatewayUrl: gateway.url,
      contexts: { user, 'book-management': bookManagement, rental, payment, 'rental-view': view },
      subgraphUrls,
      trust,
      serviceClients: [rentalClient],
      stop: async () => {
        for (const s of [...started].reverse()) {
          o.logger.info({ service: s.name }, 'stopping');
          await s.stop().catch((err) => o.logger.error({ err, service: s.name }, 'stop failed'));
          o.logger.info({ service: s.name }, 'stopped');
        }
      },
    };
  } catch (err) {
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
