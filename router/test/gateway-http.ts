import { expect } from 'vitest';

/**
 * Raw HTTP to the gateway for the e2e suites: what an attacker (or a client without a GraphQL
 * library) sends, with no client library in between.
 */

/** A gateway answer. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body (undefined when not JSON). */
  json: { data?: any; errors?: { message: string; extensions?: { code?: string; retryAfter?: number } }[] } | undefined;
}

/** Raw HTTP to `<base>/graphql` (or `path`, which may carry a query string). Default: POST with `content-type: application/json`. */
export async function send(base: string, init: { method?: string; body?: string; headers?: Record<string, string> }, path = '/graphql'): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'POST',
    headers: init.headers ?? { 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  let json: Reply['json'];
  try {
    json = JSON.parse(text) as Reply['json'];
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POSTs `body` as JSON to `<base>/graphql`, with extra `headers`. */
export const postJson = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  send(base, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

/** The first error's `extensions.code`. */
export const codeOf = (r: Reply) => r.json?.errors?.[0]?.extensions?.code;

/** Asserts a JSON error body: no HTML page, no stack trace, no internals. */
export function expectCleanJsonError(r: Reply): void {
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.json?.errors?.length).toBeGreaterThan(0);
  expect(r.text).not.toMatch(/<html|<pre>|\bat \S+:\d+|node_modules|stacktrace|exception|prisma|postgres|SELECT |INSERT |ECONNREFUSED|127\.0\.0\.1/i);
}

/**
 * Asserts a gateway rate-limit refusal: 429 `RATE_LIMITED`, `extensions.retryAfter` within
 * 1..`windowSeconds` and equal to the `Retry-After` header, a clean JSON body.
 */
export function expectRateLimited(r: Reply, windowSeconds: number): void {
  expect(r.status).toBe(429);
  expect(codeOf(r)).toBe('RATE_LIMITED');
  const retryAfter = r.json?.errors?.[0]?.extensions?.retryAfter;
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(r.headers.get('retry-after')).toBe(String(retryAfter));
  expectCleanJsonError(r);
}
