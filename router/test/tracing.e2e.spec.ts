import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, stopTracing } from '@ebook/subgraph-kit';
import { GatewayClient, gql } from '../../test/support/graphql-client';
import { signIn, signUp } from '../../test/support/customers';
import { registerRentableBook } from '../../test/support/catalog';
import { startTestStack, TEST_MANAGER } from './test-stack';

/**
 * One `rentBook` through the gateway is one trace: gateway → rental → payment (the synchronous
 * call) → the relay's publish → the consumers' handling (rental-view, notification) on the real
 * Kafka broker. Every context runs in this process, so the Kafka hop is checked by parentage:
 * a consumer's span is the child of the relay's PRODUCER span, whose id only travels in the
 * message headers (the outbox row holds the request's span, not the producer's).
 */
const exporter = new InMemorySpanExporter();
const RENT = gql`
  mutation Rent($bookId: ID!) {
    rentBook(bookId: $bookId) {
      id
      status
    }
  }
`;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let api: GatewayClient;

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const scope = (s: ReadableSpan) => s.instrumentationScope.name;

describe('tracing of a rent across the platform', () => {
  beforeAll(async () => {
    startTracing('e2e', { exporter, env: {} });
    stack = await startTestStack();
    api = new GatewayClient(stack.gatewayUrl);
  });
  afterAll(async () => {
    await stack?.stop();
    await stopTracing();
  });

  it('shows gateway, rental, payment, the Kafka publish and the consumers under one trace id', async () => {
    const manager = await signIn(api, TEST_MANAGER.email, TEST_MANAGER.password);
    const bookId = await registerRentableBook(api, manager);
    const customer = await signUp(api, { name: 'Tracer' });
    exporter.reset();

    const { rentBook } = await api.run(RENT, { bookId }, customer.token);
    expect(rentBook.status).toBe('RENTED');

    // The payment call of this rent: rental's CLIENT span, with payment's SERVER span as its child.
    const call = () => exporter.getFinishedSpans().find((s) => scope(s) === 'rental' && s.kind === SpanKind.CLIENT && s.name === 'POST /internal/payments/approve');
    await vi.waitFor(() => expect(call()).toBeDefined(), { timeout: 10_000 });
    const traceId = call()!.spanContext().traceId;
    const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

    const gatewaySpan = inTrace().find((s) => scope(s) === 'gateway' && s.kind === SpanKind.SERVER && s.name === 'POST /graphql');
    expect(gatewaySpan, 'the gateway request span').toBeDefined();
    expect(parentOf(gatewaySpan!), 'the gateway span starts the trace').toBeUndefined();
    const rentalSpan = inTrace().find((s) => scope(s) === 'rental' && s.kind === SpanKind.SERVER && s.name === 'POST /graphql');
    expect(rentalSpan, 'rental served the mutation in the same trace').toBeDefined();
    // @apollo/gateway's own spans may sit between; the subgraph request is in the gateway's subtree.
    const ids = new Map(inTrace().map((s) => [s.spanContext().spanId, s]));
    const ancestors = (s: ReadableSpan): string[] => {
      const p = parentOf(s);
      return p && ids.has(p) ? [p, ...ancestors(ids.get(p)!)] : p ? [p] : [];
    };
    expect(ancestors(rentalSpan!)).toContain(gatewaySpan!.spanContext().spanId);
    expect(ancestors(call()!)).toContain(rentalSpan!.spanContext().spanId);
    const paymentSpan = inTrace().find((s) => scope(s) === 'payment' && s.kind === SpanKind.SERVER && s.name === 'POST /internal/payments/approve');
    expect(paymentSpan, 'payment served the approve call in the same trace').toBeDefined();
    expect(parentOf(paymentSpan!)).toBe(call()!.spanContext().spanId);

    // BookRented: published by rental's relay as a child of the rental request, handled by rental-view and notification.
    const publish = () =>
      inTrace().find((s) => s.kind === SpanKind.PRODUCER && s.attributes['ebook.event.type'] === 'BookRented' && s.attributes['messaging.destination.name'] === 'rental.events');
    const handledBy = (group: string) =>
      inTrace().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.consumer.group.name'] === group && s.attributes['ebook.event.type'] === 'BookRented');
    await vi.waitFor(
      () => {
        expect(publish(), 'the relay published BookRented in the trace').toBeDefined();
        expect(handledBy('rental-view.projection'), 'rental-view handled it in the trace').toBeDefined();
        expect(handledBy('notification.messages'), 'notification handled it in the trace').toBeDefined();
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(ancestors(publish()!)).toContain(rentalSpan!.spanContext().spanId);
    // Children of the PRODUCER span: its id reached the consumers only in the Kafka message headers.
    expect(parentOf(handledBy('rental-view.projection')!)).toBe(publish()!.spanContext().spanId);
    expect(parentOf(handledBy('notification.messages')!)).toBe(publish()!.spanContext().spanId);

    // PaymentApproved goes the same way, from payment's outbox to rental-view.
    await vi.waitFor(
      () => {
        const approved = inTrace().find((s) => s.kind === SpanKind.PRODUCER && s.attributes['ebook.event.type'] === 'PaymentApproved');
        expect(approved).toBeDefined();
        expect(ancestors(approved!)).toContain(paymentSpan!.spanContext().spanId);
        const projected = inTrace().find((s) => s.kind === SpanKind.CONSUMER && s.attributes['ebook.event.type'] === 'PaymentApproved');
        expect(parentOf(projected!)).toBe(approved!.spanContext().spanId);
      },
      { timeout: 20_000, interval: 100 },
    );
  });
});
