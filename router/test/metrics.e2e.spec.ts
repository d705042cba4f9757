import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './rental-scenario';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { signIn, signUp } from '../../test/support/customers';
import { operation } from '../../test/support/operations';
import { exposedSamples, labelUsesOf, metricNamesOf, monitoringQueries } from '../../test/support/monitoring';
import { startTestStack, TEST_MANAGER } from './test-stack';

// Named as the first-party operations (whose files use fragments, which `operation()` does not resolve).
const RENT_BOOK = gql`
  mutation RentBook($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
    }
  }
`;
const MY_RENTALS = gql`
  query MyRentals {
    myRentals {
      status
    }
  }
`;

let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;

/** `/metrics` of every running service (gateway and each context), by name. */
async function scrapeAll(): Promise<Record<string, string>> {
  const urls: Record<string, string> = { gateway: stack.gatewayUrl, ...stack.subgraphUrls };
  const pages = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status, `${name} /metrics`).toBe(200);
      return [name, await res.text()] as const;
    }),
  );
  return Object.fromEntries(pages);
}

/** The value of the sample `name{labels…}` on `page` (labels given must match, others may be present). */
function sampleValue(page: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics the alert rules and dashboards read, on the running stack', () => {
  beforeAll(async () => {
    stack = await startTestStack();
    api = new GatewayClient(stack.gatewayUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('after a rent, every metric a rule or a dashboard panel queries is exported by some service, with bounded labels', async () => {
    const manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
    const { registerBook } = await api.run(
      operation('RegisterBook'),
      { input: { title: `Metrics ${randomUUID().slice(0, 6)}`, author: 'Test', publishedYear: 1900, rentalFee: 1000, licensedCopies: 1 } },
      manager,
    );
    const customer = await signUp(api, { name: 'metrics' });
    // Rental learns the book from BookRegistered: rent once its replica has it.
    const rental = await eventually(async () => (await api.run(RENT_BOOK, { bookId: registerBook.id }, customer.token)).rentBook);
    expect(rental.status).toBe('RENTED');
    // A refusal, so the error counter has a series: the only copy is taken.
    const other = await signUp(api, { name: 'metrics-other' });
    expect(await api.errorCode(RENT_BOOK, { bookId: registerBook.id }, other.token)).toBe('BOOK_NOT_AVAILABLE');
    // The projection wrote the view (the handling-lag histogram has an observation of its group).
    await eventually(async () => expect((await api.run(MY_RENTALS, {}, customer.token)).myRentals).toHaveLength(1));

    const pages = await eventually(async () => {
      const p = await scrapeAll();
      // Consumer lag is read from the broker at scrape time (cached 5 s): wait for the view's group.
      expect(Object.values(p).some((page) => page.includes('events_consumer_lag_messages{group="rental-view.projection"'))).toBe(true);
      return p;
    });
    // Sample name → label names, over every service's page.
    const exported = new Map<string, Set<string>>();
    for (const page of Object.values(pages)) for (const [name, labels] of exposedSamples(page)) exported.set(name, new Set([...(exported.get(name) ?? []), ...labels]));
    const queries = monitoringQueries();
    const missing = queries.flatMap((q) =>
      metricNamesOf(q.expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${name} (${q.where})`),
    );
    expect(missing).toEqual([]);
    // …and every label a query matches on or groups by is carried by a metric it reads.
    const missingLabels = queries.flatMap((q) =>
      labelUsesOf(q.expr).flatMap((use) => use.labels.filter((l) => !use.metrics.some((m) => exported.get(m)?.has(l))).map((l) => `${l} on ${use.metrics.join('|')} (${q.where})`)),
    );
    expect(missingLabels).toEqual([]);

    const all = Object.values(pages).join('\n');
    // Operations are named by the first-party name, at the gateway and in the subgraph the plan reached.
    expect(sampleValue(pages.gateway!, 'graphql_operation_duration_seconds_count', { service: 'gateway', operation: 'RentBook' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(all, 'graphql_operation_duration_seconds_count', { service: 'rental', operation: 'RentBook' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(all, 'graphql_operation_errors_total', { service: 'gateway', operation: 'RentBook', code: 'BOOK_NOT_AVAILABLE' })).toBeGreaterThanOrEqual(1);
    // Scrape-time gauges: every context's outbox, the payment breaker closed, nothing overdue.
    for (const context of Object.keys(stack.contexts)) expect(sampleValue(all, 'outbox_unpublished_events', { context }), context).toBeGreaterThanOrEqual(0);
    expect(sampleValue(all, 'payment_circuit_breaker_state', {})).toBe(0);
    for (const deadline of ['loan_due', 'hold_offer']) expect(sampleValue(all, 'rental_deadlines_overdue', { deadline }), deadline).toBeGreaterThanOrEqual(0);
    expect(sampleValue(all, 'db_pool_max_connections', {})).toBeGreaterThan(0);
    // No label carries a user id, an e-mail or raw operation text.
    expect(all).not.toContain(customer.id);
    expect(all).not.toContain(customer.email);
    expect(all).not.toMatch(/operation="[^"]*[\s{(]/);
  });
});
