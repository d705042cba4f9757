import { describe, expect, it } from 'vitest';
import { buildEnvelope, causedBy, EnvelopeSchema } from './envelope';

describe('causedBy', () => {
  it('keeps the correlation id and points causationId at the causing event', () => {
    const incoming = buildEnvelope({ type: 'PaymentApproved', version: 1, aggregateId: 'p1', data: {}, cause: { correlationId: 'req-42' } });
    expect(causedBy(incoming)).toEqual({ correlationId: 'req-42', causationId: incoming.eventId });
  });

  it('chains: an event caused by another shares its correlation id', () => {
    const first = buildEnvelope({ type: 'A', version: 1, aggregateId: 'x', data: {}, cause: { correlationId: 'req-42' } });
    const second = buildEnvelope({ type: 'B', version: 1, aggregateId: 'x', data: {}, cause: causedBy(first) });
    expect(second.correlationId).toBe('req-42');
    expect(second.causationId).toBe(first.eventId);
    expect(second.eventId).not.toBe(first.eventId);
  });
});

describe('EnvelopeSchema', () => {
  const envelope = buildEnvelope({ type: 'BookReturned', version: 1, aggregateId: 'r1', data: { a: 1 }, cause: { correlationId: 'c' } });

  it('accepts what buildEnvelope produces and ignores unknown envelope fields', () => {
    const parsed = EnvelopeSchema.parse({ ...envelope, traceparent: '00-abc' });
    expect(parsed).toEqual(envelope);
    expect(parsed).not.toHaveProperty('traceparent');
  });

  it.each([
    ['a non-uuid eventId', { eventId: 'e1' }],
    ['version 0', { version: 0 }],
    ['a non-ISO occurredAt', { occurredAt: 'yesterday' }],
    ['an empty correlationId', { correlationId: '' }],
    ['an empty aggregateId', { aggregateId: '' }],
  ])('rejects %s', (_what, patch) => {
    expect(EnvelopeSchema.safeParse({ ...envelope, ...patch }).success).toBe(false);
  });
});
