/**
 * `pnpm dev`: the whole product on one machine with zero setup.
 * - one embedded PostgreSQL 17 server (scripts/embedded-postgres.ts) with one database per
 *   context, data under `.data/pg` (DATA_DIR overrides `.data`), on 127.0.0.1:DEV_PG_PORT;
 * - migrations applied (all contexts in parallel), catalog seeded with public-domain books, the
 *   manager account created;
 * - every context + the gateway in this process, events on the embedded bus (dev only);
 * - a local SMTP server with a web inbox (`maildev`) on 127.0.0.1:DEV_SMTP_PORT (web
 *   DEV_MAIL_WEB_PORT): the notification context's e-mails land there, nothing leaves the machine;
 * - the web client (`web/`) at `/`, rebuilt with Vite first when its build is missing or stale
 *   (scripts/web-build.ts), its `/callback` registered as a redirect URI of `ebook-web`.
 * Same code path as production; only the database URLs, the bus and the SMTP server differ.
 */
import './compile-cache';
import path from 'node:path';
import { inspect } from 'node:util';
// Only light modules load before the database server starts; the contexts (≈ 3 s of module
// loading under tsx) are imported while it initialises and migrates, see below.
import { commaList, intEnv } from '@ebook/subgraph-kit/env';
import type { Stack } from '@ebook/router';
import { byContext, CONTEXT_REGISTRY, CONTEXTS, type ContextName } from '../contexts';
import { migrateAll } from '../prisma/migrate';
import { devDatabaseUrl, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { ensureWebBuild, WEB_DIST } from './web-build';
import { startDevMailServer, type DevMailServer } from './mail-server';

const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const pgPort = intEnv('DEV_PG_PORT', 54320);
const gatewayPort = intEnv('PORT', 4000);
const subgraphBasePort = intEnv('DEV_SUBGRAPH_PORT', 4001);
const smtpPort = intEnv('DEV_SMTP_PORT', 1025);
const mailWebPort = intEnv('DEV_MAIL_WEB_PORT', 1080);
const manager = {
  email: process.env.SEED_MANAGER_EMAIL ?? 'manager@ebook.local',
  password: process.env.SEED_MANAGER_PASSWORD ?? 'manager-dev-password',
};
process.env.LOG_LEVEL ??= 'warn';

/** What has been started so far, stopped in reverse order on Ctrl-C or a failed start. */
let postgres: EmbeddedPostgres | undefined;
let mail: DevMailServer | undefined;
let stack: Stack | undefined;
let stopping = false;

/** Stops the stack, then the server; prints "stopped" and exits 0, or says what failed and exits 1. */
async function stop(reason?: unknown): Promise<void> {
  if (stopping) return;
  stopping = true;
  let code = 0;
  if (reason !== undefined) {
    code = 1;
    console.log(`start failed: ${reason instanceof Error ? (reason.stack ?? reason.message) : inspect(reason)}`);
  }
  console.log('\nstopping…');
  try {
    await stack?.stop();
  } catch (err) {
    code = 1;
    console.log(`stop failed: ${(err as Error).stack ?? String(err)}`);
  }
  try {
    await mail?.stop();
  } catch (err) {
    code = 1;
    console.log(`stopping the mail server failed: ${(err as Error).message}`);
  }
  try {
    await postgres?.stop();
  } catch (err) {
    code = 1;
    console.log(`stopping PostgreSQL failed: ${(err as Error).message}`);
  }
  // Flush before exiting: stdout may be a pipe, whose writes are asynchronous.
  await new Promise<void>((resolve) => process.stdout.write(code === 0 ? 'stopped\n' : 'stopped with errors\n', () => resolve()));
  process.exit(code);
}
// Ctrl-C in a terminal signals the whole foreground group (pnpm, tsx, this process); the
// PostgreSQL server runs in its own session and is stopped here, after the stack let go of it.
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  const t0 = Date.now();
  const urls: Record<ContextName, string> = byContext((c) => devDatabaseUrl(c, pgPort));
  const database = (async () => {
    postgres = await startEmbeddedPostgres(dataDir, pgPort, CONTEXTS);
    console.log(`embedded PostgreSQL ${postgres.initialised ? 'created' : 'started'} on 127.0.0.1:${pgPort} (${CONTEXTS.length} databases) in ${Date.now() - t0} ms`);
    const tMigrate = Date.now();
    const migrated = await migrateAll(urls, 'direct');
    console.log(`migrations: ${migrated.applied.length} databases migrated, ${migrated.upToDate.length} up to date (${Date.now() - tMigrate} ms)`);
  })();
  // maildev: a real SMTP server and its web inbox, started beside the database server on a
  // worker thread (its module loading runs on the other core).
  const mailServer = startDevMailServer(smtpPort, mailWebPort).then((m) => {
    mail = m;
  });
  // The web client's build, when stale, in a child process beside the database start-up.
  const webApp = (async () => {
    const tWeb = Date.now();
    if (await ensureWebBuild()) console.log(`web app built with Vite in ${Date.now() - tWeb} ms`);
  })();
  const modules = Promise.all([import('@ebook/events'), import('@ebook/subgraph-kit'), import('@ebook/payment'), import('@ebook/rental'), import('@ebook/router')]);
  // Both settle before going on, so a failure of one never leaves the other running unseen.
  const [databaseReady, mailReady, webReady, loaded] = await Promise.allSettled([database, mailServer, webApp, modules]);
  if (databaseReady.status === 'rejected') throw databaseReady.reason;
  if (mailReady.status === 'rejected') throw mailReady.reason;
  if (webReady.status === 'rejected') throw webReady.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
  const [
    { EmbeddedEventBus },
    { createLogger },
    { simulatedProcessorFromEnv },
    { lendingPolicyFromEnv, paymentPolicyFromEnv },
    { DEFAULT_WEB_CLIENT_ID, DEFAULT_WEB_REDIRECT_URI, startStack },
  ] = loaded.value;
  const logger = createLogger('dev');
  const tStack = Date.now();

  const issuer = process.env.JWT_ISSUER ?? `http://localhost:${subgraphBasePort}`;
  const gw = `http://localhost:${gatewayPort}`;
  // The served app's own callback, beside the SPA dev server's default (Vite on :3000).
  const webRedirectUris = commaList(process.env.OIDC_WEB_REDIRECT_URIS, `${DEFAULT_WEB_REDIRECT_URI},${gw}/callback`);
  stack = await startStack({
    bus: new EmbeddedEventBus(),
    logger,
    databaseUrls: urls,
    // Each context on DEV_SUBGRAPH_PORT + (its default port − 4001): 4001.. as in production.
    ports: { gateway: gatewayPort, ...byContext((c) => subgraphBasePort + (CONTEXT_REGISTRY.find((e) => e.name === c)!.port - 4001)) },
    webRedirectUris,
    jwt: {
      issuer,
      audience: process.env.JWT_AUDIENCE ?? 'ebook-rental',
      ttlSeconds: intEnv('ACCESS_TOKEN_TTL_SECONDS', 3600),
      privateKeyFile: path.join(dataDir, 'keys', 'jwt-private.json'),
    },
    seedManager: manager,
    seedCatalog: true,
    paymentProcessor: simulatedProcessorFromEnv(),
    paymentPolicy: paymentPolicyFromEnv(),
    lending: lendingPolicyFromEnv(),
    webApp: { root: WEB_DIST, config: { issuer, clientId: DEFAULT_WEB_CLIENT_ID } },
    settings: { notification: { smtp: { url: `smtp://127.0.0.1:${smtpPort}`, from: process.env.SMTP_FROM ?? '"E-book Rental" <no-reply@ebook.local>' } } },
  });

  console.log(`contexts and gateway started in ${Date.now() - tStack} ms`);
  console.log(`
E-book rental is running (started in ${((Date.now() - t0) / 1000).toFixed(1)} s; data in ${dataDir})
  Web app          : ${gw}/ (sign in as a customer you registered, or the manager)
  GraphQL endpoint : ${gw}/graphql
  Playground       : ${gw}/playground
  Manager account  : ${manager.email} / ${manager.password}
  Get a token      : mutation { login(email: "${manager.email}", password: "${manager.password}") { accessToken } }
                     then set the header {"Authorization": "Bearer <accessToken>"}
  OAuth 2.1 / OIDC : ${issuer}/.well-known/openid-configuration
                     (authorization code + PKCE: client "ebook-web", redirect URI ${webRedirectUris.join(', ')})
  Mail inbox       : http://localhost:${mailWebPort} (maildev; SMTP 127.0.0.1:${smtpPort}) — every customer e-mail lands here
  PostgreSQL       : ${devDatabaseUrl('rental', pgPort).replace(/ebook_rental$/, 'ebook_<context>')}
  Customers        : mutation { registerCustomer(input: {name: "Ann", email: "ann@example.com", phone: "010-1234-5678", password: "ann-password"}) { id } }
Press Ctrl-C to stop.`);
} catch (err) {
  await stop(err);
}
