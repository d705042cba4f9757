/**
 * The registry of bounded contexts: the ONE list every other list of contexts is derived from.
 *
 * Adding a context = its folder (`subgraphs/<name>` with `schema.graphql`, `src/index.ts`,
 * `src/main.ts`; `prisma/<name>` with `schema.prisma`, `migrations/`, `prisma.config.ts`) plus ONE
 * entry in {@link CONTEXT_REGISTRY}. Derived from it:
 * - the database variable `<NAME>_DATABASE_URL` ({@link databaseUrlEnv}), the migrations (`pnpm
 *   migrate`), the test databases (`scripts/test-env.sh` via `scripts/context-env.ts`), the
 *   embedded databases of `pnpm dev`;
 * - the supergraph's subgraphs (`router/src/subgraphs.ts`: `subgraphs/<name>/schema.graphql`,
 *   routing URL `http://<name>:<port>/graphql`, override `<NAME>_URL`), the resolver types
 *   (`codegen.ts`, with the entry's `mappers`);
 * - the in-process stack (`router/src/stack.ts`: `pnpm dev`, e2e tests) in `stage` order, the
 *   process stack of the fault suite, `pnpm start <name>` (`subgraphs/<name>/src/main.ts`), the
 *   Docker image's workspace manifests.
 *
 * This module loads nothing heavy: the Prisma CLI, the migration runner and the scripts import
 * it; a context's code is imported only when the stack starts it (`start`).
 */
import type { ClientCredentialsTokenSource, ContextService, Platform } from '@ebook/subgraph-kit';
import type { JwtIssuer, ServiceClient } from '@ebook/user';
import type { StackBaseOptions } from '@ebook/router/stack-options';

/** What the in-process stack hands each context's `start` (see `router/src/stack.ts`). */
export interface StackDeps {
  /** Bus, logger and token verifier shared by the stack's contexts. */
  platform: Platform;
  /** The context's own database (`<NAME>_DATABASE_URL` of the stack). */
  databaseUrl: string;
  /** Its HTTP port (0 = any free port). */
  port: number;
  /** The stack-wide settings (seeds, payment processor, lending rules, login throttle, ...). */
  options: StackBaseOptions;
  /** The stack's token issuer (signs `login` tokens; the user context serves its JWKS). */
  issuer: JwtIssuer;
  /** Secrets made for this stack: the authorization server's cookie key and rental's OAuth client. */
  secrets: { cookieKey: string; rentalClient: ServiceClient };
  /** Base URL of a context (by name) started in an earlier stage. @throws Error when it has not been started. */
  urlOf(context: string): string;
  /** A client-credentials token source for `client` at the user context's token endpoint, for `scope`. */
  serviceTokens(client: ServiceClient, scope: string): ClientCredentialsTokenSource;
}

/** One bounded context of the registry. `S`: its own stack settings (`StackOptions.settings[name]`), if any. */
export interface ContextEntry<N extends string = string, S = never> {
  /** Name: folder under `subgraphs/` and `prisma/`, subgraph name, Kubernetes service name. */
  name: N;
  /** Default HTTP port (`PORT`); `pnpm dev` runs it on `DEV_SUBGRAPH_PORT + (port - 4001)`. */
  port: number;
  /**
   * Start order in a stack: stages start one after the other, lowest first; the contexts of one
   * stage start side by side. A context may use {@link StackDeps.urlOf} of earlier stages only.
   */
  stage: number;
  /** Codegen mappers: GraphQL type → the TypeScript type its resolvers return (see `codegen.ts`). */
  mappers: Record<string, string>;
  /** Starts the context in an in-process stack; `settings` = `StackOptions.settings[name]`. */
  start(deps: StackDeps, settings: S | undefined): Promise<ContextService>;
}

/** Declares a registry entry (keeps its name literal and its settings type). */
function context<const N extends string, S = never>(entry: ContextEntry<N, S>): ContextEntry<N, S> {
  return entry;
}

/** Prisma model of the context, as seen from `subgraphs/<name>/src/__generated__/` (codegen mapper). */
const prisma = (model: string) => `../generated/prisma/client#${model}`;
/** An entity owned by another subgraph: what a subgraph receives and returns is its representation. */
const REFERENCE = '{ id: string }';

/**
 * The bounded contexts, in `pnpm dev` port order. Stages: user first (it issues tokens and serves
 * the JWKS every other context verifies against), payment, book-management, then rental (which
 * calls payment) and the event-only contexts side by side, then the gateway.
 */
export const CONTEXT_REGISTRY = [
  context({
    name: 'user',
    port: 4001,
    stage: 0,
    mappers: { User: prisma('User') },
    start: async (d) => {
      const { DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_REDIRECT_URI, startUserService } = await import('@ebook/user');
      return startUserService({
        platform: d.platform,
        databaseUrl: d.databaseUrl,
        port: d.port,
        issuer: d.issuer,
        oauth: {
          cookieKeys: [d.secrets.cookieKey],
          publicClients: [{ clientId: DEFAULT_WEB_CLIENT_ID, redirectUris: d.options.webRedirectUris ?? [DEFAULT_WEB_REDIRECT_URI] }],
          serviceClients: [d.secrets.rentalClient],
          refreshTokenTtlSeconds: 14 * 24 * 3600,
        },
        ...(d.options.seedManager ? { seedManager: d.options.seedManager } : {}),
        ...(d.options.loginThrottle ? { loginThrottle: d.options.loginThrottle } : {}),
      });
    },
  }),
  context({
    name: 'book-management',
    port: 4002,
    stage: 2,
    mappers: { Book: prisma('Book') },
    start: async (d) =>
      (await import('@ebook/book-management')).startBookManagementService({ platform: d.platform, databaseUrl: d.databaseUrl, port: d.port, seed: d.options.seedCatalog ?? false }),
  }),
  context({
    name: 'rental',
    port: 4003,
    stage: 3,
    mappers: { Rental: prisma('Rental'), Hold: prisma('Hold'), Book: REFERENCE, User: REFERENCE },
    start: async (d) => {
      const { PAYMENT_APPROVE_SCOPE } = await import('@ebook/subgraph-kit');
      return (await import('@ebook/rental')).startRentalService({
        platform: d.platform,
        databaseUrl: d.databaseUrl,
        port: d.port,
        paymentUrl: d.urlOf('payment'),
        serviceTokens: d.serviceTokens(d.secrets.rentalClient, PAYMENT_APPROVE_SCOPE),
        ...(d.options.paymentPolicy ? { paymentPolicy: d.options.paymentPolicy } : {}),
        ...(d.options.lending ? { lending: d.options.lending } : {}),
      });
    },
  }),
  context({
    name: 'payment',
    port: 4004,
    stage: 1,
    mappers: { Payment: prisma('Payment'), Rental: REFERENCE },
    start: async (d) =>
      (await import('@ebook/payment')).startPaymentService({ platform: d.platform, databaseUrl: d.databaseUrl, port: d.port, processor: d.options.paymentProcessor }),
  }),
  context({
    name: 'rental-view',
    port: 4005,
    stage: 3,
    mappers: { RentalStatus: prisma('RentalStatus') },
    start: async (d) => (await import('@ebook/rental-view')).startRentalViewService({ platform: d.platform, databaseUrl: d.databaseUrl, port: d.port }),
  }),
  context({
    name: 'notification',
    port: 4006,
    stage: 3,
    mappers: { Notification: prisma('Notification') },
    start: async (d, s?: import('@ebook/notification').NotificationSettings) =>
      (await import('@ebook/notification')).startNotificationService({ platform: d.platform, databaseUrl: d.databaseUrl, port: d.port, ...s }),
  }),
  context({
    name: 'points',
    port: 4007,
    stage: 3,
    mappers: { PointsEntry: prisma('PointsEntry'), User: REFERENCE },
    start: async (d, s?: import('@ebook/points').PointsSettings) =>
      (await import('@ebook/points')).startPointsService({ platform: d.platform, databaseUrl: d.databaseUrl, port: d.port, ...s }),
  }),
  context({
    name: 'reading',
    port: 4008,
    stage: 3,
    mappers: { Rental: REFERENCE, Book: REFERENCE },
    // The catalog seed's books get generated EPUBs where the catalog is seeded (pnpm dev).
    start: async (d, s?: import('@ebook/reading').ReadingSettings) =>
      (await import('@ebook/reading')).startReadingService({
        platform: d.platform,
        databaseUrl: d.databaseUrl,
        port: d.port,
        ...(d.options.seedCatalog ? { seedContent: true } : {}),
        ...s,
      }),
  }),
] as const;

/** A registry entry. */
export type RegisteredContext = (typeof CONTEXT_REGISTRY)[number];

/** Name of a registered context. */
export type ContextName = RegisteredContext['name'];

/** Every context's name, in registry order. */
export const CONTEXTS: readonly ContextName[] = CONTEXT_REGISTRY.map((c) => c.name);

/** The stack settings of each context that takes some (`StackOptions.settings`). */
export type ContextSettings = {
  [E in RegisteredContext as E extends ContextEntry<string, infer S> ? ([S] extends [never] ? never : E['name']) : never]?: E extends ContextEntry<string, infer S> ? S : never;
};

/** The registry entry of `name`. @throws Error for an unknown name. */
export function contextEntry(name: string): RegisteredContext {
  const entry = CONTEXT_REGISTRY.find((c) => c.name === name);
  if (!entry) throw new Error(`unknown context "${name}" (known: ${CONTEXTS.join(', ')})`);
  return entry;
}

/** `rental-view` → `RENTAL_VIEW` (the prefix of its variables). */
export function envPrefix(context: string): string {
  return context.toUpperCase().replace(/-/g, '_');
}

/** `rental-view` → `RENTAL_VIEW_DATABASE_URL`. */
export function databaseUrlEnv(context: ContextName): string {
  return `${envPrefix(context)}_DATABASE_URL`;
}

export { serviceUrlEnv } from '@ebook/router/supergraph-file';

/** `rental-view` → `rental_view` (database names: `ebook_rental_view`, `ebook_rental_view_test`). */
export function databaseSuffix(context: ContextName): string {
  return context.replace(/-/g, '_');
}

/** Production entry of a context, relative to the repository root (`pnpm start <name>`, the image, the fault suite). */
export function entryOf(context: ContextName): string {
  return `subgraphs/${context}/src/main.ts`;
}

/** Compiled production entry of a context (after `pnpm build`), relative to the repository root: what the image and `k8s/` run with plain node. */
export function compiledEntryOf(context: ContextName): string {
  return `subgraphs/${context}/dist/main.js`;
}

/** The stages of the stack in start order, each with its contexts (registry order within a stage). */
export function stages(): RegisteredContext[][] {
  const byStage = new Map<number, RegisteredContext[]>();
  for (const c of CONTEXT_REGISTRY) byStage.set(c.stage, [...(byStage.get(c.stage) ?? []), c]);
  return [...byStage.entries()].sort(([a], [b]) => a - b).map(([, cs]) => cs);
}

/**
 * Every context's database URL from `<NAME>_DATABASE_URL` (migrations, test databases, test stacks).
 * @throws Error naming the first variable that is unset.
 */
export function databaseUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<ContextName, string> {
  return Object.fromEntries(
    CONTEXTS.map((context) => {
      const name = databaseUrlEnv(context);
      const url = env[name];
      if (!url) throw new Error(`${name} is not set`);
      return [context, url];
    }),
  ) as Record<ContextName, string>;
}

/** One value per context, computed from its name and registry index (e.g. ports of a stack). */
export function byContext<T>(value: (context: ContextName, index: number) => T): Record<ContextName, T> {
  return Object.fromEntries(CONTEXTS.map((c, i) => [c, value(c, i)])) as Record<ContextName, T>;
}
