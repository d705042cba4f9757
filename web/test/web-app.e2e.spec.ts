/**
 * The web client in a real browser (Debian's Chromium driven by playwright-core), one scenario
 * against two targets on this file's own ports (web-targets.ts): a real `pnpm dev`, and the
 * production mode (every service its own process from its compiled dist/, the built app behind
 * nginx as its image serves it, an nginx ingress in front: one origin). The scenario: sign-in through the authorization server (authorization
 * code + PKCE), silent refresh, catalog search and infinite scroll, rent / cancel (REFUNDED
 * appears without a reload) / rent again / return, a hold on a book with no copy left, the
 * notifications, both languages, a customer's whole flow in Korean (sign-in, rent, cancel →
 * 환불됨 without a reload), sign-out; then the seeded manager registers a book with two
 * copies, sees a customer's rental of it on the book's rentals page and uploads its EPUB (an invalid file is refused
 * with INVALID_EPUB); that customer reads it in the lazy-loaded epub.js reader (under the app's real CSP), returns it, and
 * the old reading link answers 403 while the reader says the loan ended; axe-core on the main pages; screenshots of them in
 * web/test/screenshots/. The gateway runs in safelist mode: every operation the app sends must be
 * one of router/operations/.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { firstParty } from '../../router/test/first-party';
import { signIn, signUp, TEST_PASSWORD, type SignedIn } from '../../test/support/customers';
import { registerRentableBook, waitUntilRentable } from '../../test/support/catalog';
import { operation } from '../../test/support/operations';
import { generateTitlePageEpub } from '@ebook/reading';
import { devTarget, productionTarget, WEB_MANAGER, type WebTarget } from './web-targets';

const TARGETS: WebTarget[] = [
  devTarget({ gateway: 4600, subgraphBase: 4601, pg: 54660, smtp: 4690, mailWeb: 4691 }),
  productionTarget({ basePort: 4880, webPort: 4896, ingressPort: 4895, mailWebPort: 4897 }),
];
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
/** Access tokens live this long (s): the app refreshes them (at 3/4 of it) while the test runs. */
const ACCESS_TOKEN_TTL_SECONDS = 16;
/** Gateway requests per signed-in user per window (s). */
const RATE_LIMIT_PER_USER = 300;
const RATE_LIMIT_WINDOW_SECONDS = 30;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now (rule id and the first offending element). */
async function seriousViolations(page: Page): Promise<string[]> {
  // A context that enforces the CSP gets axe-core as an init script instead (it refuses an injected one).
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, target: String(v.nodes[0]?.target ?? '') }));
  });
  return violations.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical').map((v: { id: string; target: string }) => `${v.id}: ${v.target}`);
}

/** Follows a link of the main navigation. */
async function nav(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name }).click();
}

/** Goes to the catalog, searches for the book `title` alone and opens its availability. */
async function openAvailability(page: Page, title: string): Promise<void> {
  await nav(page, 'Catalog');
  await page.getByLabel('Search by title or author').fill(title);
  await expect.poll(() => page.locator('li.book').count()).toBe(1);
  await page.getByRole('button', { name: 'Availability' }).click();
}

/** Screenshots are taken against the first target only (one set in web/test/screenshots/; the pages are the same): set per target. */
let takeScreenshots = false;

async function screenshot(page: Page, name: string): Promise<void> {
  if (!takeScreenshots) return;
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** The catalog's first page is 20 books: the scroll test needs more (the production target's test databases may hold fewer). */
async function fillCatalog(api: GatewayClient, managerToken: string, atLeast: number): Promise<void> {
  const { books } = await api.run(operation('Books'), { first: atLeast });
  for (let i = books.edges.length; i < atLeast; i++) {
    await api.run(operation('RegisterBook'), { input: { title: `Shelf Filler ${i}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } }, managerToken);
  }
}

describe.each(TARGETS)('web app in Chromium against $name', (target) => {
  const { app: APP, issuer: ISSUER } = target;
  let browser: Browser | undefined;
  let page: Page;
  let customer: SignedIn;
  let api: GatewayClient;
  const requests: Request[] = [];
  const title = `Lantern Keeper ${Date.now().toString(36)}`;
  const soloTitle = `Solo Copy ${Date.now().toString(36)}`;
  const koTitle = `등대지기 ${Date.now().toString(36)}`;
  let koCustomer: SignedIn;
  /** The book the manager registers in the browser, and the customer who rents and reads it. */
  const managed = `Harbor Ledger ${Date.now().toString(36)}`;
  let managedReader: SignedIn;
  let soloId: string;

  beforeAll(async () => {
    takeScreenshots = target === TARGETS[0];
    mkdirSync(SCREENSHOTS, { recursive: true });
    const started = target.start({
      ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
      MAX_ACTIVE_RENTALS: '1',
      // A day's loan: the manager's rentals page flags it as due within 2 days.
      LOAN_PERIOD: 'P1D',
      // Only the first-party operations run: the app sends nothing else.
      GATEWAY_PERSISTED_QUERIES: 'safelist',
      // A per-user budget the flow stays far below; the rate-limit test spends it on purpose.
      GATEWAY_RATE_LIMIT_PER_USER: String(RATE_LIMIT_PER_USER),
      GATEWAY_RATE_LIMIT_WINDOW_SECONDS: String(RATE_LIMIT_WINDOW_SECONDS),
    });
    // The browser starts while pnpm dev does.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    await started;
    // Test data through the API: a customer, a book with copies, a book whose one copy another customer holds.
    api = new GatewayClient(APP, { persistedQueries: true });
    const manager = await signIn(api, WEB_MANAGER.email, WEB_MANAGER.password);
    await fillCatalog(api, manager, 25);
    await registerRentableBook(api, manager, { title, rentalFee: 1500, licensedCopies: 3 });
    soloId = await registerRentableBook(api, manager, { title: soloTitle, rentalFee: 1500, licensedCopies: 1 });
    await registerRentableBook(api, manager, { title: koTitle, rentalFee: 1500, licensedCopies: 3 });
    customer = await signUp(api, { name: 'Ann Reader', locale: 'en' });
    koCustomer = await signUp(api, { name: 'Haneul Kim', locale: 'ko' });
    const other = await signUp(api, { name: 'Bo Other' });
    await api.run(gql(firstParty('RentBook')), { bookId: soloId }, other.token);
    // bypassCSP: axe-core is injected as a script the app's Content-Security-Policy would refuse.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 800 }, bypassCSP: true });
    page = await context.newPage();
    page.on('request', (r) => requests.push(r));
  });

  afterAll(async () => {
    await browser?.close();
    await target.stop();
  });

  // What the page showed when a test failed, for the report (in the temp directory, not committed).
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await page?.screenshot({ path: path.join(tmpdir(), `web-e2e-${task.name.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });

  it('is served with its configuration and a Content-Security-Policy, beside a safelist-only /graphql', async () => {
    const home = await fetch(`${APP}/rentals`, { headers: { accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<div id="root">');
    expect(home.headers.get('content-security-policy')).toContain(`connect-src 'self' ${ISSUER}`);
    expect(await (await fetch(`${APP}/config.json`)).json()).toEqual({ issuer: ISSUER, clientId: 'ebook-web' });
    const other = await fetch(`${APP}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect((await other.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_SAFELIST');
  });

  it('signs in through the authorization server with authorization code + PKCE (S256)', async () => {
    await page.goto(APP);
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).first().isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await page.waitForURL(`${ISSUER}/interaction/**`);
    await screenshot(page, 'sign-in');
    await page.getByLabel('Email').fill(customer.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${APP}/`);
    await expect.poll(() => page.getByText('Signed in as Ann Reader').isVisible()).toBe(true);

    const authorize = new URL(requests.find((r) => r.url().startsWith(`${ISSUER}/oauth/authorize`))!.url());
    expect(authorize.searchParams.get('client_id')).toBe('ebook-web');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${APP}/callback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const exchange = requests.find((r) => r.url() === `${ISSUER}/oauth/token` && r.method() === 'POST')!;
    const body = new URLSearchParams(exchange.postData() ?? '');
    expect(body.get('grant_type')).toBe('authorization_code');
    expect(body.get('code_verifier')).toMatch(/^[\w-]{43,128}$/);
  });

  it('searches the catalog and scrolls to more books', async () => {
    const cards = page.locator('li.book');
    await expect.poll(() => cards.count()).toBe(20);
    await page.locator('li.book').last().scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 20_000);
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBeGreaterThan(20);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel('Search by title or author').fill(title);
    await expect.poll(() => cards.count()).toBe(1);
    await expect.poll(() => cards.first().textContent()).toContain(title);
  });

  it('shows availability and rents with the fee shown', async () => {
    await page.getByRole('button', { name: 'Availability' }).click();
    await expect.poll(() => page.getByText('Copies: 3 of 3 available').isVisible()).toBe(true);
    await expect.poll(() => page.getByText('Holds waiting: 0').isVisible()).toBe(true);
    await screenshot(page, 'catalog');
    await page.getByRole('button', { name: 'Rent for ₩1,500' }).click();
    await expect.poll(() => page.getByText(`Rental of "${title}"`).isVisible()).toBe(true);
  });

  it('explains a refusal: a second loan over MAX_ACTIVE_RENTALS is LOAN_LIMIT_REACHED', async () => {
    await page.getByLabel('Search by title or author').fill('');
    const other = page.locator('li.book').filter({ hasNotText: title }).first();
    await other.getByRole('button', { name: 'Availability' }).click();
    await other.getByRole('button', { name: /^Rent for/ }).click();
    await expect.poll(() => other.getByRole('alert').textContent()).toContain('You hold the most loans allowed (1). Return one first.');
  });

  it('cancels a rental: REFUNDED appears by itself, without a reload', async () => {
    await nav(page, 'My rentals');
    const row = page.locator('li.rental', { hasText: title });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('Approved');
    await screenshot(page, 'rentals');
    expect(await seriousViolations(page)).toEqual([]);
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await row.getByRole('button', { name: 'Cancel and refund' }).click();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('Refunded');
    expect(await row.textContent()).toContain('Canceled');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  });

  it('rents again and returns the book, with the keyboard only', async () => {
    // A fresh page: the first Tab reaches the skip link, which moves focus to the content.
    await page.goto(APP);
    await expect.poll(() => page.getByText('Signed in as Ann Reader').isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.getByLabel('Search by title or author').fill(title);
    await expect.poll(() => page.locator('li.book').count()).toBe(1);
    await page.getByRole('button', { name: 'Availability' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Rent for ₩1,500' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByText(`Rental of "${title}"`).isVisible()).toBe(true);
    await nav(page, 'My rentals');
    const active = page.locator('li.rental', { hasText: title }).filter({ has: page.getByRole('button', { name: 'Return' }) });
    await expect.poll(() => active.count(), { timeout: 15_000 }).toBe(1);
    await active.getByRole('button', { name: 'Return' }).focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByText('Returned. Thank you!').isVisible()).toBe(true);
    await expect.poll(() => page.locator('li.rental', { hasText: 'Returned' }).count(), { timeout: 15_000 }).toBe(1);
  });

  it('places a hold on a book with no copy left and shows its place in line', async () => {
    await openAvailability(page, soloTitle);
    await expect.poll(() => page.getByText('Copies: 0 of 1 available').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Place a hold' }).click();
    await expect.poll(() => page.getByText('you are number 1 in line').isVisible()).toBe(true);
    await nav(page, 'Holds');
    const hold = page.locator('li.hold', { hasText: soloTitle });
    await expect.poll(() => hold.textContent()).toContain('Number 1 of 1 in line');
    await hold.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(() => hold.textContent()).toContain('Suspended');
    await hold.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => hold.textContent()).toContain('Waiting');
    await screenshot(page, 'holds');
    expect(await seriousViolations(page)).toEqual([]);
    await hold.getByRole('button', { name: 'Cancel hold' }).click();
    await expect.poll(() => hold.textContent()).toContain('Canceled');
    expect(await hold.getByRole('button').count()).toBe(0);
  });

  it('lists the notifications of the rentals and the hold', async () => {
    await nav(page, 'Notifications');
    await expect.poll(() => page.locator('li.notification').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'notifications');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('refreshes the access token silently: on a timer, and after a reload from the refresh token', async () => {
    const refreshes = () => requests.filter((r) => r.url() === `${ISSUER}/oauth/token` && new URLSearchParams(r.postData() ?? '').get('grant_type') === 'refresh_token').length;
    // Tokens live ACCESS_TOKEN_TTL_SECONDS: staying on the page, the app refreshes the current one before it expires.
    const loaded = refreshes();
    const stored = () => page.evaluate(() => sessionStorage.getItem('ebook.refreshToken'));
    const rotated = await stored();
    await expect.poll(refreshes, { timeout: ACCESS_TOKEN_TTL_SECONDS * 1000 }).toBe(loaded + 1);
    // Reload only once the rotated refresh token is kept: the one it replaced is spent, and
    // presenting it again would end the grant (reuse detection answers invalid_grant).
    await expect.poll(stored).not.toBe(rotated);
    const before = refreshes();
    await page.reload();
    await expect.poll(() => page.getByText('Signed in as Ann Reader').isVisible()).toBe(true);
    expect(refreshes()).toBe(before + 1);
    expect(page.url()).toBe(`${APP}/notifications`);
    await expect.poll(() => page.locator('li.notification').count()).toBeGreaterThanOrEqual(3);
  });

  it('speaks Korean, and keeps the choice', async () => {
    await nav(page, 'Catalog');
    await page.getByLabel('Language').selectOption('ko');
    await expect.poll(() => page.getByRole('heading', { name: '도서 목록' }).isVisible()).toBe(true);
    await expect.poll(() => page.locator('li.book').count()).toBeGreaterThanOrEqual(20);
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await screenshot(page, 'catalog-ko');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'catalog-mobile-ko');
    await page.reload();
    await expect.poll(() => page.getByRole('link', { name: '내 대여' }).isVisible()).toBe(true);
    await page.getByLabel('언어').selectOption('en');
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  it('a customer in Korean (the default) signs in, rents, cancels: 환불됨 appears by itself, without a reload', async () => {
    // A browser of its own (no stored language choice, a Korean locale), beside the English one.
    const context = await browser!.newContext({ locale: 'ko-KR', viewport: { width: 1100, height: 800 }, bypassCSP: true });
    const ko = await context.newPage();
    try {
      await ko.goto(APP);
      await expect.poll(() => ko.getByRole('button', { name: '로그인' }).first().isVisible()).toBe(true);
      expect(await ko.getAttribute('html', 'lang')).toBe('ko');
      await ko.getByRole('button', { name: '로그인' }).first().click();
      await ko.waitForURL(`${ISSUER}/interaction/**`);
      await ko.getByLabel('Email').fill(koCustomer.email);
      await ko.getByLabel('Password').fill(TEST_PASSWORD);
      await ko.getByRole('button', { name: 'Sign in' }).click();
      await ko.waitForURL(`${APP}/`);
      await expect.poll(() => ko.getByText('Haneul Kim 님').isVisible()).toBe(true);
      await ko.getByLabel('제목 또는 저자로 검색').fill(koTitle);
      await expect.poll(() => ko.locator('li.book').count()).toBe(1);
      await ko.getByRole('button', { name: '대여 현황', exact: true }).click();
      await expect.poll(() => ko.getByText('사본: 3권 중 3권 대여 가능').isVisible()).toBe(true);
      await ko.getByRole('button', { name: '₩1,500에 대여' }).click();
      await expect.poll(() => ko.getByText(`"${koTitle}" 대여:`).isVisible()).toBe(true);
      await ko.getByRole('navigation').getByRole('link', { name: '내 대여' }).click();
      const row = ko.locator('li.rental', { hasText: koTitle });
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('승인');
      expect(await row.textContent()).toContain('대여 중');
      await ko.evaluate(() => ((window as any).__sameDocument = true));
      await row.getByRole('button', { name: '취소하고 환불' }).click();
      await expect.poll(() => ko.getByText('취소했습니다. 곧 환불됩니다.').isVisible()).toBe(true);
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('환불됨');
      expect(await row.textContent()).toContain('취소됨');
      expect(await ko.evaluate(() => (window as any).__sameDocument)).toBe(true);
      await screenshot(ko, 'rentals-ko');
      expect(await seriousViolations(ko)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says "try again in N s" when the gateway answers RATE_LIMITED with extensions.retryAfter', async () => {
    await openAvailability(page, title);
    await expect.poll(() => page.getByText('Copies: 3 of 3 available').isVisible()).toBe(true);
    // The same customer spends the rest of this window's budget with another (fresh) token of
    // theirs (every /graphql request counts, before its body is read); a window about to end is waited out.
    const token = await signIn(new GatewayClient(APP, { persistedQueries: true }), customer.email, TEST_PASSWORD);
    const spend = async (): Promise<number> => {
      for (let i = 0; i < RATE_LIMIT_PER_USER * 2; i += 50) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, () =>
            fetch(`${APP}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' }),
          ),
        );
        const limited = answers.find((a) => a.status === 429);
        if (limited) return Number(limited.headers.get('retry-after'));
      }
      throw new Error('the per-user rate limit never answered 429');
    };
    let retryAfter = await spend();
    if (retryAfter < 8) {
      await new Promise((r) => setTimeout(r, (retryAfter + 1) * 1000));
      retryAfter = await spend();
    }
    await page.getByRole('button', { name: 'Rent for ₩1,500' }).click();
    const alert = page.locator('li.book').getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('Too many requests.');
    expect(await alert.textContent()).toMatch(/Try again in \d+ s\./);
    expect(await alert.getByRole('button', { name: 'Try again' }).isDisabled()).toBe(true);
    await screenshot(page, 'rate-limited');
  });

  it('signs out: the refresh token is revoked and the next sign-in asks for the password again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${ISSUER}/oauth/logout**`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${APP}/`);
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).first().isVisible()).toBe(true);
    const revoke = requests.find((r) => r.url() === `${ISSUER}/oauth/revoke`);
    expect(revoke?.method()).toBe('POST');
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await page.waitForURL(`${ISSUER}/interaction/**`);
    expect(await page.getByLabel('Password').isVisible()).toBe(true);
  });

  it("the manager registers a book with 2 copies, finds it in the catalog and sees a customer's rental of it, also among the loans due soon", async () => {
    // The previous test ends on the login page.
    await page.getByLabel('Email').fill(WEB_MANAGER.email);
    await page.getByLabel('Password').fill(WEB_MANAGER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${APP}/`);
    await nav(page, 'Register a book');
    expect(await page.getByRole('navigation').getByRole('link', { name: 'My rentals' }).count()).toBe(0);
    // A blank title passes the browser's `required` but not the API: BAD_USER_INPUT, explained, nothing registered.
    await page.getByLabel('Title').fill('   ');
    await page.getByLabel('Author').fill('Mina Park');
    await page.getByRole('button', { name: 'Register book' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The book was not registered: title 1–300 characters');
    await page.getByLabel('Title').fill(managed);
    await page.getByLabel('Year of first publication').fill('2021');
    await page.getByLabel('Rental fee (KRW)').fill('2500');
    await page.getByLabel('Licensed copies').fill('2');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'manager-register');
    await page.getByRole('button', { name: 'Register book' }).click();
    await expect.poll(() => page.getByText(`Registered "${managed}" with 2 copies.`).isVisible()).toBe(true);
    const bookId = (await page.getByRole('link', { name: `Rentals of "${managed}"` }).getAttribute('href'))!.split('/').pop()!;

    // A customer rents it (once rental has its copies).
    await waitUntilRentable(api, bookId, 2);
    managedReader = await signUp(api, { name: 'Cy Reader' });
    await api.run(gql(firstParty('RentBook')), { bookId }, managedReader.token);

    await nav(page, 'Catalog');
    await page.getByLabel('Search by title or author').fill(managed);
    await expect.poll(() => page.locator('li.book').count()).toBe(1);
    expect(await page.locator('li.book').textContent()).toContain('₩2,500');
    await page.getByRole('link', { name: `Rentals of "${managed}"` }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Rentals of ${managed}` }).isVisible()).toBe(true);
    const row = page.locator('li.rental', { hasText: 'Cy Reader' });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('Approved');
    expect(await row.textContent()).toContain('Rented');
    await expect.poll(() => page.getByText('Copies: 1 of 2 available').isVisible()).toBe(true);
    expect(await row.textContent()).toContain('Due soon');
    expect(await page.getByText('Loans overdue: 0 · due within 2 days: 1').isVisible()).toBe(true);
    await screenshot(page, 'manager-book-rentals');
    expect(await seriousViolations(page)).toEqual([]);

    // The queue of the book whose one copy is out: a customer waits for it, first in line.
    const waiting = await signUp(api, { name: 'Di Waiting' });
    await api.run(gql(firstParty('PlaceHold')), { bookId: soloId }, waiting.token);
    await nav(page, 'Catalog');
    await page.getByLabel('Search by title or author').fill(soloTitle);
    await page.getByRole('link', { name: `Rentals of "${soloTitle}"` }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Holds' }).isVisible()).toBe(true);
    const queued = page.getByRole('row', { name: /Di Waiting/ });
    await expect.poll(() => queued.count(), { timeout: 15_000 }).toBe(1);
    expect(await queued.getByRole('cell').allTextContents()).toEqual(['1', 'Waiting', expect.stringMatching(/\d/), '']);
    await screenshot(page, 'manager-book-holds');
    expect(await seriousViolations(page)).toEqual([]);

    // The same loan among the overdue and expiring loans of the whole catalog.
    await nav(page, 'Overdue and due soon');
    await expect.poll(() => page.getByRole('heading', { name: 'Overdue and due soon' }).isVisible()).toBe(true);
    const due = page.getByRole('listitem', { name: `${managed}, rented by Cy Reader` });
    await expect.poll(() => due.count(), { timeout: 15_000 }).toBe(1);
    expect(await due.textContent()).toContain('Due soon');
    await screenshot(page, 'manager-due');
    expect(await seriousViolations(page)).toEqual([]);
    await due.getByRole('link', { name: managed }).click();
    await expect.poll(() => page.getByRole('heading', { name: `Rentals of ${managed}` }).isVisible()).toBe(true);
  });

  it('the manager uploads the EPUB of that book: an invalid file is refused (INVALID_EPUB), a valid one shows its size and SHA-256', async () => {
    const upload = page.getByLabel('Upload EPUB');
    await expect.poll(() => page.getByText('No EPUB uploaded yet').isVisible()).toBe(true);
    await upload.setInputFiles({ name: 'notes.epub', mimeType: 'application/epub+zip', buffer: Buffer.from('plain text, not a zip') });
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This file is not a valid EPUB');
    expect(await page.getByText('No EPUB uploaded yet').isVisible()).toBe(true);
    const epub = await generateTitlePageEpub({ title: managed, author: 'Mina Park', publishedYear: 2021 });
    const sha256 = createHash('sha256').update(epub).digest('hex');
    await upload.setInputFiles({ name: 'harbor-ledger.epub', mimeType: 'application/epub+zip', buffer: epub });
    const size = epub.length.toLocaleString('en-US');
    await expect.poll(() => page.getByText(`Uploaded: ${size} bytes, SHA-256 ${sha256}.`).isVisible()).toBe(true);
    await expect.poll(() => page.getByText(`EPUB of ${size} bytes, uploaded`).isVisible()).toBe(true);
    expect(await page.getByRole('alert').count()).toBe(0);
    await screenshot(page, 'manager-content');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("the customer reads it in the browser (epub.js, under the app's CSP); once returned, the old link answers 403 and the reader says the loan ended", async () => {
    // A browser of the customer's own that enforces the Content-Security-Policy the app is served with.
    const context = await browser!.newContext({ locale: 'en-US', viewport: { width: 1100, height: 800 } });
    await context.addInitScript({ path: AXE });
    const reading = await context.newPage();
    try {
      await reading.goto(`${APP}/rentals`);
      await reading.getByRole('button', { name: 'Sign in' }).first().click();
      await reading.waitForURL(`${ISSUER}/interaction/**`);
      await reading.getByLabel('Email').fill(managedReader.email);
      await reading.getByLabel('Password').fill(TEST_PASSWORD);
      await reading.getByRole('button', { name: 'Sign in' }).click();
      await reading.waitForURL(`${APP}/rentals`);
      // From here on, the app's pages: what the policy refuses is reported on the console.
      const refused: string[] = [];
      reading.on('console', (m) => void (m.type() === 'error' && /Content Security Policy/i.test(m.text()) && refused.push(m.text())));
      const contentRequests: string[] = [];
      reading.on('request', (r) => void (r.url().includes('/content/read/') && contentRequests.push(r.url())));
      const row = reading.locator('li.rental', { hasText: managed });
      await row.getByRole('link', { name: `Read "${managed}"` }).click();
      await expect.poll(() => reading.getByRole('heading', { name: `Reading ${managed}` }).isVisible()).toBe(true);
      // The title page, inside epub.js's page iframe.
      const pageText = () =>
        reading
          .frameLocator('.reader-page iframe')
          .locator('body')
          .textContent({ timeout: 2000 })
          .catch(() => '');
      await expect.poll(pageText, { timeout: 15_000 }).toContain(managed);
      await expect.poll(() => reading.frameLocator('.reader-page iframe').first().getByText(managed).first().isVisible()).toBe(true);
      await screenshot(reading, 'reader');
      expect(await seriousViolations(reading)).toEqual([]);
      await reading.getByRole('button', { name: 'Next page' }).focus();
      await reading.keyboard.press('Enter');
      await expect.poll(pageText).toContain('this title page is all it holds');
      await reading.getByRole('button', { name: 'Previous page' }).focus();
      await reading.keyboard.press('Enter');
      await expect.poll(pageText).toContain(managed);
      expect(refused).toEqual([]);
      expect(contentRequests).toHaveLength(1);
      const link = contentRequests[0]!;

      await reading.getByRole('link', { name: 'Back to my rentals' }).click();
      await row.getByRole('button', { name: 'Return' }).click();
      await expect.poll(() => reading.getByText('Returned. Thank you!').isVisible()).toBe(true);
      // The link was valid for minutes; the licence ends once the return's event reaches reading.
      await expect.poll(async () => (await fetch(link)).status, { timeout: 15_000 }).toBe(403);
      expect((await (await fetch(link)).json()).code).toBe('FORBIDDEN');
      await reading.goBack();
      await expect.poll(() => reading.getByText('This loan has ended: the book can no longer be read.').isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await reading.locator('.reader-page').count()).toBe(0);
      await reading.getByLabel('Language').selectOption('ko');
      await expect.poll(() => reading.getByText('대여가 끝나 더 이상 이 책을 읽을 수 없습니다.').isVisible()).toBe(true);
      await screenshot(reading, 'reader-ko');
      expect(await seriousViolations(reading)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
