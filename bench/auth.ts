/**
 * Bench of the authorization server: what each way of getting a token costs.
 *
 * Run: `source scripts/test-env.sh && pnpm bench:auth` (real PostgreSQL test databases; the
 * event bus is the embedded one — no event matters here). Nothing is asserted: it prints a
 * markdown table (ms per operation, sequential, one client) and writes the numbers to
 * `bench/results/auth-<date>.json`. Takes about a minute. `AUTH_BENCH_N` sets the samples per
 * row (default 60).
 *
 * Rows:
 * - `login` mutation through the gateway (argon2id check + ES256 signature);
 * - the whole authorization code + PKCE sign-in a web app performs (authorize, login page,
 *   login POST with the same argon2id check, redirects, code exchange) — openid-client as the
 *   client, `fetch` as the browser;
 * - a refresh-token grant (rotation: consume the old one, issue a new one);
 * - a client-credentials grant at the token endpoint (rental → payment's token), and the same
 *   token from rental's cache (`ClientCredentialsTokenSource`), which is what a rent costs
 *   while the token lives;
 * - `{ me { id } }` at the gateway with an OAuth token and with a `login` token (same verifier:
 *   the ratio should be ≈ 1).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { EmbeddedEventBus } from '@ebook/events';
import { ClientCredentialsTokenSource, createLogger, PAYMENT_APPROVE_SCOPE } from '@ebook/subgraph-kit';
import { SimulatedPaymentProcessor } from '@ebook/payment';
import { startStack } from '@ebook/router';
import { byContext } from '../contexts';
import { discoverWebClient, refreshTokens, signIn } from '../router/test/oidc-browser';
import { freePort, testDatabaseUrls } from '../router/test/test-stack';

const N = Number(process.env.AUTH_BENCH_N ?? 60);
const REDIRECT_URI = 'http://127.0.0.1:3999/callback';
const PASSWORD = 'bench-password-123';

/** Runs `op` `n` times in a row (after 3 warm-up runs). @returns p50, p95 and mean in ms. */
async function measure(n: number, op: () => Promise<unknown>): Promise<{ p50: number; p95: number; mean: number }> {
  for (let i = 0; i < 3; i++) await op();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  return summarize(samples);
}

/** p50, p95 and mean of `samples` (ms). */
function summarize(samples: number[]): { p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

const userPort = await freePort();
const issuer = `http://127.0.0.1:${userPort}`;
const stack = await startStack({
  bus: new EmbeddedEventBus(),
  logger: createLogger('bench-auth', process.env.LOG_LEVEL ?? 'silent'),
  databaseUrls: testDatabaseUrls(),
  ports: { gateway: 0, ...byContext(() => 0), user: userPort },
  jwt: { issuer, audience: 'ebook-rental', ttlSeconds: 900 },
  paymentProcessor: new SimulatedPaymentProcessor({ latencyMs: 0, declineRate: 0 }),
  webRedirectUris: [REDIRECT_URI],
  // The bench signs in hundreds of times from one IP and one account.
  loginThrottle: { maxFailuresPerAccount: 1_000_000, maxFailuresPerIp: 1_000_000 },
  // The bench measures tokens, not e-mails: no SMTP server listens there (deliveries are retried, then dead).
  settings: { notification: { smtp: { url: 'smtp://127.0.0.1:9', from: 'bench@ebook.test' } } },
});

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const res = await fetch(`${stack.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

try {
  const email = `bench-${randomUUID()}@example.com`;
  await gql('mutation R($i: RegisterCustomerInput!) { registerCustomer(input: $i) { id } }', { i: { name: 'Bench', email, phone: '010-0000-0000', password: PASSWORD } });
  const web = await discoverWebClient(issuer, 'ebook-web', REDIRECT_URI);
  const rental = stack.serviceClients[0]!;
  const service = new ClientCredentialsTokenSource({
    issuer,
    tokenUrl: `${issuer}/oauth/token`,
    clientId: rental.clientId,
    clientSecret: rental.clientSecret,
    scope: PAYMENT_APPROVE_SCOPE,
  });
  const LOGIN = 'mutation L($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';

  const rows: Record<string, { p50: number; p95: number; mean: number }> = {};
  rows['login mutation (gateway)'] = await measure(N, () => gql(LOGIN, { e: email, p: PASSWORD }));
  rows['authorization code + PKCE sign-in (whole flow)'] = await measure(N, () => signIn(web, email, PASSWORD));
  let refresh = (await signIn(web, email, PASSWORD)).refresh_token!;
  rows['refresh-token grant (rotation)'] = await measure(N, async () => {
    refresh = (await refreshTokens(web, refresh)).refresh_token!;
  });
  rows['client-credentials grant (token endpoint)'] = await measure(N, async () => {
    service.invalidate();
    await service.token();
  });
  rows['client-credentials token from the cache'] = await measure(N, () => service.token());
  const oauthToken = (await signIn(web, email, PASSWORD)).access_token;
  const loginToken = (await gql(LOGIN, { e: email, p: PASSWORD })).login.accessToken as string;
  // Interleaved (one of each in turn), so drift over the run does not favour either token.
  let turn = 0;
  const both = { oauth: [] as number[], login: [] as number[] };
  await measure(2 * N, async () => {
    const which = turn++ % 2 === 0 ? 'oauth' : 'login';
    const t = performance.now();
    await gql('{ me { id } }', {}, which === 'oauth' ? oauthToken : loginToken);
    both[which].push(performance.now() - t);
  });
  rows['{ me { id } } with an OAuth access token'] = summarize(both.oauth);
  rows['{ me { id } } with a login token'] = summarize(both.login);

  const fmt = (x: number) => (x < 1 ? x.toFixed(3) : x.toFixed(1));
  console.log(`\n| operation (n = ${N}, sequential) | p50 ms | p95 ms | mean ms |\n|---|---|---|---|`);
  for (const [name, r] of Object.entries(rows)) console.log(`| ${name} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.mean)} |`);
  const ratio = (a: string, b: string) => (rows[a]!.p50 / rows[b]!.p50).toFixed(2);
  console.log(
    `\nratios of p50: sign-in flow / login mutation = ${ratio('authorization code + PKCE sign-in (whole flow)', 'login mutation (gateway)')}; ` +
      `token endpoint / cache = ${ratio('client-credentials grant (token endpoint)', 'client-credentials token from the cache')}; ` +
      `OAuth token / login token at the gateway = ${ratio('{ me { id } } with an OAuth access token', '{ me { id } } with a login token')}`,
  );
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/auth-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z.json`, import.meta.url);
  writeFileSync(file, JSON.stringify({ n: N, rows }, null, 2));
  console.log(`\nwritten to ${file.pathname}`);
} finally {
  await stack.stop();
}
