import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SecurityTarget } from './security-target';
import { codeOf, expectCleanJsonError, postJson, send } from './gateway-http';

/**
 * Gateway hardening attacks through real HTTP, defined ONCE and run against every
 * target that calls {@link hardeningAttacks}: the whole stack on PostgreSQL + Kafka
 * (gateway-hardening.e2e.spec.ts) and a real `pnpm dev` (dev-mode.e2e.spec.ts). Deep, costly,
 * alias-bombed, over-directived and over-long documents, batches, oversized bodies, malformed
 * JSON and CSRF-prone simple requests: each refusal has its status, its `extensions.code`, a
 * clean JSON body, and writes nothing (checked in the user database). The target's gateway must
 * run with the default limits ({@link DEFAULT_HARDENING} in router/src/hardening/config.ts).
 */

export const REGISTER = 'mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { id } }';
/** A unique, lower-case e-mail address. */
export const freshEmail = (tag: string) => `${tag}.${randomUUID().slice(0, 8)}@example.com`;
/** A valid registerCustomer input for `email`. */
export const registerInput = (email: string) => ({ name: 'Mallory', email, phone: '010-5555-0000', password: 'a-long-password' });
/** A registerCustomer request body for `email`. */
export const registerBody = (email: string) => ({ query: REGISTER, variables: { input: registerInput(email) } });

/** Asserts that nothing was written: the user database holds no account for `email`. */
export async function expectNoAccount(sql: SecurityTarget['sql'], email: string): Promise<void> {
  expect(await sql('user', 'SELECT id FROM user_account WHERE lower(email) = lower($1)', [email])).toEqual([]);
}

/** Registers the hardening attacks against `target`'s gateway (read when the tests run). */
export function hardeningAttacks(target: () => Pick<SecurityTarget, 'gatewayUrl' | 'sql' | 'manager'>): void {
  const gw = () => target().gatewayUrl;
  const noAccount = (email: string) => expectNoAccount(target().sql, email);

  describe('query limits: refused before any subgraph runs (400)', () => {
    it('depth: a 9-level registerCustomer is refused GRAPHQL_VALIDATION_FAILED and creates no account', async () => {
      const email = freshEmail('deep');
      const deep =
        'mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { rentals { user { rentals { user { rentals { user { rentals { id } } } } } } } } }';
      const r = await postJson(gw(), { query: deep, variables: { input: registerInput(email) } });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.json?.errors?.[0]?.message).toMatch(/depth limit of 8 exceeded, found 9/);
      expectCleanJsonError(r);
      await noAccount(email);
    });

    it('cost: two full 100-book pages in one query are refused GRAPHQL_VALIDATION_FAILED; one page is served', async () => {
      const page = 'edges { cursor node { id title author publishedYear rentalFee licensedCopies availableCopies } } pageInfo { endCursor hasNextPage }';
      const one = await postJson(gw(), { query: `{ books(first: 100) { ${page} } }` });
      expect(one.status).toBe(200);
      expect(one.json?.errors).toBeUndefined();
      const r = await postJson(gw(), { query: `{ a: books(first: 100) { ${page} } b: books(first: 100, after: "x") { ${page} } }` });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.json?.errors?.[0]?.message).toMatch(/Cost limit of 8000 exceeded/);
      expect(r.json?.data).toBeUndefined();
    });

    it('aliases: 16 aliased registerCustomer (alias bomb) are refused and create no account; 16 aliased logins (brute force) too', async () => {
      const emails = Array.from({ length: 16 }, () => freshEmail('alias'));
      const query = `mutation { ${emails.map((e, i) => `r${i}: registerCustomer(input: { name: "M", email: "${e}", phone: "010-5555-0000", password: "a-long-password" }) { id }`).join(' ')} }`;
      const r = await postJson(gw(), { query });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.json?.errors?.[0]?.message).toMatch(/Aliases limit of 15 exceeded, found 16/);
      expectCleanJsonError(r);
      for (const email of emails) await noAccount(email);

      const guesses = `mutation { ${Array.from({ length: 16 }, (_, i) => `g${i}: login(email: "${target().manager.email}", password: "guess-${i}") { accessToken }`).join(' ')} }`;
      const brute = await postJson(gw(), { query: guesses });
      expect([brute.status, codeOf(brute)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
    });

    it('directives: 21 directives are refused GRAPHQL_VALIDATION_FAILED and create no account', async () => {
      const email = freshEmail('directives');
      const query = `mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { ${'id @include(if: true) '.repeat(21)}} }`;
      const r = await postJson(gw(), { query, variables: { input: registerInput(email) } });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.json?.errors?.[0]?.message).toMatch(/Directives limit of 20 exceeded, found 21/);
      await noAccount(email);
    });

    it('tokens: a 1000+-token document is refused GRAPHQL_PARSE_FAILED and creates no account', async () => {
      const email = freshEmail('tokens');
      const query = `mutation R($input: RegisterCustomerInput!) { registerCustomer(input: $input) { ${'id '.repeat(1000)}} }`;
      const r = await postJson(gw(), { query, variables: { input: registerInput(email) } });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('GRAPHQL_PARSE_FAILED');
      expect(r.json?.errors?.[0]?.message).toMatch(/more tha[nt] 1000 tokens/);
      await noAccount(email);
    });
  });

  describe('HTTP-level refusals: clean JSON, nothing written', () => {
    it('batch: an array of operations is refused 400 BAD_REQUEST and none runs', async () => {
      const [a, b] = [freshEmail('batch'), freshEmail('batch')];
      const r = await postJson(gw(), [registerBody(a), registerBody(b)]);
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('BAD_REQUEST');
      expect(r.json?.errors?.[0]?.message).toMatch(/batching disabled/i);
      expectCleanJsonError(r);
      await noAccount(a);
      await noAccount(b);
    });

    it('body size: a body over 100kb is refused 413 PAYLOAD_TOO_LARGE as JSON (no HTML, no stack) and creates no account', async () => {
      const email = freshEmail('big');
      const r = await postJson(gw(), { ...registerBody(email), variables: { input: registerInput(email), padding: 'x'.repeat(150_000) } });
      expect(r.status).toBe(413);
      expect(codeOf(r)).toBe('PAYLOAD_TOO_LARGE');
      expectCleanJsonError(r);
      await noAccount(email);
    });

    it('malformed JSON (truncated, or not an object) is refused 400 BAD_REQUEST as JSON (no HTML, no stack)', async () => {
      for (const body of ['{"query": "mutation { registerCustomer', '"just a string"', '{"query": }']) {
        const r = await send(gw(), { body });
        expect([r.status, codeOf(r)]).toEqual([400, 'BAD_REQUEST']);
        expectCleanJsonError(r);
      }
    });

    it('CSRF: a mutation sent as a simple request (text/plain, form, multipart) is refused 400 BAD_REQUEST and creates no account', async () => {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const email = freshEmail('csrf');
        const r = await send(gw(), { body: JSON.stringify(registerBody(email)), headers: { 'content-type': contentType } });
        expect([r.status, codeOf(r)]).toEqual([400, 'BAD_REQUEST']);
        expect(r.json?.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
        await noAccount(email);
      }
      // A GET without a preflight header is a simple request too.
      const get = await send(gw(), { method: 'GET', headers: {} }, `/graphql?query=${encodeURIComponent('{ me { id } }')}`);
      expect([get.status, codeOf(get)]).toEqual([400, 'BAD_REQUEST']);
    });
  });
}
