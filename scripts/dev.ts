/**
 * `pnpm dev`: the whole product on one machine with zero setup.
 * - one embedded PostgreSQL (PGlite, served over the Postgres wire protocol by
 *   pglite-socket) PER CONTEXT, data under `.data/pg/<context>` (DATA_DIR overrides `.data`);
 * - migrations applied, catalog seeded with public-domain books, the manager account created;
 * - every context + the gateway in this process, events on the embedded bus (dev only).
 * Same code path as production; only the database URLs and the bus differ.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { EmbeddedEventBus } from '@ebook/events';
import { commaList, createLogger, intEnv } from '@ebook/subgraph-kit';
import { simulatedProcessorFromEnv } from '@ebook/payment';
import { paymentPolicyFromEnv } from '@ebook/rental';
import { DEFAULT_WEB_REDIRECT_URI, startStack } from '@ebook/router';
import { CONTEXTS, type ContextName } from '../prisma/contexts';
import { migrateAll } from '../prisma/migrate';

const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');
const pgBasePort = intEnv('DEV_PG_PORT', 54320);
const gatewayPort = intEnv('PORT', 4000);
const subgraphBasePort = intEnv('DEV_SUBGRAPH_PORT', 4001);
const manager = {
  email: process.env.SEED_MANAGER_EMAIL ?? 'manager@ebook.local',
  password: process.env.SEED_MANAGER_PASSWORD ?? 'manager-dev-password',
};
process.env.LOG_LEVEL ??= 'warn';
const logger = createLogger('dev');

const t0 = Date.now();
mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
const databases = await Promise.all(
  CONTEXTS.map(async (context, i) => {
    const db = await PGlite.create(path.join(dataDir, 'pg', context));
    const server = new PGLiteSocketServer({ db, port: pgBasePort + i, host: '127.0.0.1', maxConnections: 24 });
    await server.start();
    return { context, db, server, url: `postgresql://postgres@127.0.0.1:${pgBasePort + i}/postgres` };
  }),
);
const urls = Object.fromEntries(databases.map((d) => [d.context, d.url])) as Record<ContextName, string>;
console.log(`embedded PostgreSQL ready (${CONTEXTS.length} databases) in ${Date.now() - t0} ms`);
const tMigrate = Date.now();
const migrated = await migrateAll(urls);
console.log(`migrations: ${migrated.applied.length} databases migrated, ${migrated.upToDate.length} up to date (${Date.now() - tMigrate} ms)`);
const tStack = Date.now();

const issuer = process.env.JWT_ISSUER ?? `http://localhost:${subgraphBasePort}`;
const webRedirectUris = commaList(process.env.OIDC_WEB_REDIRECT_URIS, DEFAULT_WEB_REDIRECT_URI);
const stack = await startStack({
  bus: new EmbeddedEventBus(),
  logger,
  databaseUrls: urls,
  ports: {
    gateway: gatewayPort,
    user: subgraphBasePort,
    'book-management': subgraphBasePort + 1,
    rental: subgraphBasePort + 2,
    payment: subgraphBasePort + 3,
    'rental-view': subgraphBasePort + 4,
  },
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
  loanDays: intEnv('LOAN_PERIOD_DAYS', 14),
  dbPoolSize: 4,
});

console.log(`contexts and gateway started in ${Date.now() - tStack} ms`);
const gw = `http://localhost:${gatewayPort}`;
console.log(`
E-book rental is running (started in ${((Date.now() - t0) / 1000).toFixed(1)} s; data in ${dataDir})
  GraphQL endpoint : ${gw}/graphql
  Playground       : ${gw}/playground
  Manager account  : ${manager.email} / ${manager.password}
  Get a token      : mutation { login(email: "${manager.email}", password: "${manager.password}") { accessToken } }
                     then set the header {"Authorization": "Bearer <accessToken>"}
  OAuth 2.1 / OIDC : ${issuer}/.well-known/openid-configuration
                     (authorization code + PKCE: client "ebook-web", redirect URI ${webRedirectUris.join(', ')})
  Customers        : mutation { registerCustomer(input: {name: "Ann", email: "ann@example.com", phone: "010-1234-5678", password: "ann-password"}) { id } }
Press Ctrl-C to stop.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  let code = 0;
  try {
    await stack.stop();
    for (const d of databases) {
      await d.server.stop();
      await d.db.close();
    }
  } catch (err) {
    // Say what failed, on stdout like the rest (a crash here used to end the process silently).
    code = 1;
    console.log(`stop failed: ${(err as Error).stack ?? String(err)}`);
  }
  // Flush before exiting: stdout may be a pipe, whose writes are asynchronous.
  await new Promise<void>((resolve) => process.stdout.write(code === 0 ? 'stopped\n' : 'stopped with errors\n', () => resolve()));
  process.exit(code);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
