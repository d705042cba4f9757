import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { EnvelopeSchema } from '../envelope';
import { BookRented, CONTRACTS, TOPICS } from './index';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const rentalId = '7c2e8a4e-1d5f-4f0a-9a57-2b1e3c4d5e6f';
const rented = {
  rentalId,
  bookId: '0b8f9f1e-3c2a-4d9b-8e7f-6a5b4c3d2e1f',
  customerId: '5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f',
  fee: 1500,
  paymentId: '9e8d7c6b-5a49-4382-a716-f5e4d3c2b1a0',
  rentedAt: '2025-03-01T10:00:00.000Z',
  dueAt: '2025-03-15T10:00:00.000Z',
};

describe('BookRented.create', () => {
  it('builds a valid envelope carrying the cause', () => {
    const before = Date.now();
    const event = BookRented.create(rentalId, rented, { correlationId: 'req-1', causationId: 'evt-0' });

    expect(EnvelopeSchema.parse(event)).toEqual(event);
    expect(event.eventId).toMatch(UUID);
    expect(event.type).toBe('BookRented');
    expect(event.version).toBe(1);
    expect(event.aggregateId).toBe(rentalId);
    expect(event.correlationId).toBe('req-1');
    expect(event.causationId).toBe('evt-0');
    expect(event.data).toEqual(rented);
    expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
    expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(event.occurredAt)).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('records a command-caused event with a null causationId', () => {
    expect(BookRented.create(rentalId, rented, { correlationId: 'req-1' }).causationId).toBeNull();
  });

  it('uses the given occurredAt and a fresh eventId per event', () => {
    const at = new Date('2025-03-01T10:00:00.000Z');
    const a = BookRented.create(rentalId, rented, { correlationId: 'req-1' }, at);
    const b = BookRented.create(rentalId, rented, { correlationId: 'req-1' }, at);
    expect(a.occurredAt).toBe('2025-03-01T10:00:00.000Z');
    expect(a.eventId).not.toBe(b.eventId);
  });

  it.each([
    ['a non-uuid rentalId', { ...rented, rentalId: 'r-1' }],
    ['a negative fee', { ...rented, fee: -1 }],
    ['a fractional fee', { ...rented, fee: 10.5 }],
    ['a non-ISO dueAt', { ...rented, dueAt: 'next week' }],
    ['a missing paymentId', { ...rented, paymentId: undefined }],
  ])('throws on %s', (_what, data) => {
    expect(() => BookRented.create(rentalId, data as typeof rented, { correlationId: 'req-1' })).toThrow(ZodError);
  });

  it('drops unknown fields when building (only the contract goes on the wire)', () => {
    const event = BookRented.create(rentalId, { ...rented, secret: 'x' } as typeof rented, { correlationId: 'req-1' });
    expect(event.data).not.toHaveProperty('secret');
  });
});

describe('BookRented.data.parse (consumers)', () => {
  it('ignores fields added by a newer producer (forward compatibility)', () => {
    const parsed = BookRented.data.parse({ ...rented, loyaltyPoints: 30, channel: 'app' });
    expect(parsed).toEqual(rented);
    expect(parsed).not.toHaveProperty('loyaltyPoints');
  });

  it('still rejects a message missing a field of the contract', () => {
    const { dueAt: _dueAt, ...withoutDueAt } = rented;
    expect(() => BookRented.data.parse(withoutDueAt)).toThrow(ZodError);
  });
});

describe('CONTRACTS', () => {
  const topics: string[] = Object.values(TOPICS);

  it.each(Object.entries(CONTRACTS))('%s has a known topic, a version >= 1 and its own type name', (name, contract) => {
    expect(topics).toContain(contract.topic);
    expect(Number.isInteger(contract.version)).toBe(true);
    expect(contract.version).toBeGreaterThanOrEqual(1);
    expect(contract.type).toBe(name);
  });

  it('has one contract per type name', () => {
    const types = Object.values(CONTRACTS).map((c) => c.type);
    expect(new Set(types).size).toBe(types.length);
  });
});
