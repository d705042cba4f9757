import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { updateLock } from '../../scripts/lock-contracts';
import { breakingChanges, checkContractsAgainstLock, lockKey, snapshotOf, type ContractLike, type ContractsLock, type JsonSchema } from './compatibility';
import { BookRented, CONTRACTS, RentalPaymentFailed, TOPICS } from './index';

/** The committed lock (`events/contracts.lock.json`). */
const committedLock = JSON.parse(readFileSync(new URL('../../contracts.lock.json', import.meta.url), 'utf8')) as ContractsLock;

const schema = (s: z.ZodType): JsonSchema => z.toJSONSchema(s, { io: 'input' });
const changes = (before: z.ZodType, after: z.ZodType) => breakingChanges(schema(before), schema(after));

const uuid = z.uuid();
const base = { rentalId: uuid, fee: z.number().int().nonnegative(), reason: z.enum(['DECLINED', 'UNAVAILABLE']) };
const v1 = z.object(base);

describe('the live event contracts against events/contracts.lock.json', () => {
  it('break no locked contract and are all locked (fix: bump the version, then pnpm events:lock)', () => {
    expect(checkContractsAgainstLock(committedLock, CONTRACTS)).toEqual([]);
  });

  it('the lock has one entry per live contract version', () => {
    expect(Object.keys(committedLock.contracts).sort()).toEqual(
      Object.values(CONTRACTS)
        .map((c) => `${c.type}@v${c.version}`)
        .sort(),
    );
  });
});

describe('checkContractsAgainstLock', () => {
  /** A lock of the live contracts (independent of the committed file, which the test above checks). */
  const lock: ContractsLock = { contracts: Object.fromEntries(Object.values(CONTRACTS).map((c) => [lockKey(c), snapshotOf(c)])) };
  /** The live contracts with BookRented replaced. */
  const withBookRented = (contract: ContractLike) => ({ ...CONTRACTS, BookRented: contract });
  const { paymentId: _dropped, ...rentedWithoutPayment } = BookRented.data.shape;

  it('fails when a locked version loses a field', () => {
    const changed = { ...BookRented, data: z.object(rentedWithoutPayment) };
    expect(checkContractsAgainstLock(lock, withBookRented(changed))).toEqual(['BookRented@v1: data.paymentId: property removed (it was required)']);
  });

  it('fails when a locked version moves to another topic', () => {
    expect(checkContractsAgainstLock(lock, withBookRented({ ...BookRented, topic: TOPICS.payment }))).toEqual([
      'BookRented@v1: topic changed from rental.events to payment.events (consumers of the previous topic stop receiving it)',
    ]);
  });

  it('accepts a compatible change of a locked version (a new optional field)', () => {
    const changed = { ...BookRented, data: BookRented.data.extend({ note: z.string().optional() }) };
    expect(checkContractsAgainstLock(lock, withBookRented(changed))).toEqual([]);
  });

  it('asks to lock a breaking change made as the next version, and accepts it once locked', () => {
    const v2 = { ...BookRented, version: 2, data: z.object(rentedWithoutPayment) };
    expect(checkContractsAgainstLock(lock, withBookRented(v2))).toEqual(['BookRented@v2: not in contracts.lock.json — run pnpm events:lock']);

    const locked = updateLock(lock, withBookRented(v2));
    expect(locked.refused).toBe(false);
    expect(locked.lines).toContain('added   BookRented@v2');
    expect(Object.keys(locked.lock.contracts)).toEqual(expect.arrayContaining(['BookRented@v1', 'BookRented@v2']));
    expect(locked.lock.contracts['BookRented@v1']).toEqual(lock.contracts['BookRented@v1']);
    expect(checkContractsAgainstLock(locked.lock, withBookRented(v2))).toEqual([]);

    const { 'BookRented@v1': _v1, ...withoutV1 } = locked.lock.contracts;
    expect(checkContractsAgainstLock({ contracts: withoutV1 }, withBookRented(v2))).toEqual(['BookRented@v2: the previous version BookRented@v1 must stay in contracts.lock.json']);
  });

  it('rejects a version that skips one, or one older than the locked version', () => {
    const v3 = { ...BookRented, version: 3 };
    expect(checkContractsAgainstLock(lock, withBookRented(v3))).toEqual([
      'BookRented@v3: skips versions — the latest locked version is v1, the next one is v2',
      'BookRented@v3: the previous version BookRented@v2 must stay in contracts.lock.json',
    ]);
    expect(updateLock(lock, withBookRented(v3)).refused).toBe(true);

    const lockWithV2: ContractsLock = { contracts: { ...lock.contracts, 'BookRented@v2': { ...snapshotOf(BookRented), version: 2 } } };
    expect(checkContractsAgainstLock(lockWithV2, CONTRACTS)).toEqual(['BookRented@v2: locked but the live BookRented is v1 (versions never go back)']);
    const { 'BookRented@v1': _v1, ...onlyV2 } = lockWithV2.contracts;
    expect(checkContractsAgainstLock({ contracts: onlyV2 }, CONTRACTS)).toEqual([
      'BookRented@v1: v1 is missing from contracts.lock.json while v2 is locked (versions never go back; locked entries must stay)',
      'BookRented@v2: locked but the live BookRented is v1 (versions never go back)',
    ]);
  });

  it('reports a contract missing from the lock', () => {
    const BookReserved = { type: 'BookReserved', version: 1, topic: TOPICS.rental, data: z.object({ rentalId: uuid }) };
    expect(checkContractsAgainstLock(lock, { ...CONTRACTS, BookReserved })).toEqual(['BookReserved@v1: not in contracts.lock.json — run pnpm events:lock']);
  });

  it('the lock script keeps a locked entry that the live contract breaks, unless --force', () => {
    const changed = withBookRented({ ...BookRented, data: z.object(rentedWithoutPayment) });
    const kept = updateLock(lock, changed);
    expect(kept.refused).toBe(true);
    expect(kept.lock.contracts['BookRented@v1']).toEqual(lock.contracts['BookRented@v1']);
    expect(kept.lines.find((l) => l.includes('BookRented@v1'))).toMatch(/^kept .*BREAKING: BookRented@v1: data.paymentId: property removed/);

    const forced = updateLock(lock, changed, { force: true });
    expect(forced.lock.contracts['BookRented@v1']?.data).toEqual(schema(z.object(rentedWithoutPayment)));
  });
});

describe('breakingChanges', () => {
  it('finds nothing when the schema is the same', () => {
    expect(changes(v1, z.object(base))).toEqual([]);
    expect(breakingChanges(snapshotOf(RentalPaymentFailed).data, snapshotOf(RentalPaymentFailed).data)).toEqual([]);
  });

  it('accepts a new optional field (consumers of the previous version ignore it)', () => {
    expect(changes(v1, v1.extend({ note: z.string().optional() }))).toEqual([]);
    expect(changes(v1, v1.extend({ retries: z.number().int().default(0) }))).toEqual([]);
  });

  it('reports a removed field', () => {
    const { fee: _fee, ...rest } = base;
    expect(changes(v1, z.object(rest))).toEqual(['data.fee: property removed (it was required)']);
    expect(changes(v1.extend({ note: z.string().optional() }), v1)).toEqual(['data.note: property removed']);
  });

  it('reports a new required field, and an optional field that became required or the reverse', () => {
    expect(changes(v1, v1.extend({ dueAt: z.iso.datetime() }))).toEqual(['data.dueAt: new required property (events of the previous schema lack it)']);
    expect(changes(v1.extend({ note: z.string().optional() }), v1.extend({ note: z.string() }))).toEqual([
      'data.note: became required (events of the previous schema may lack it)',
    ]);
    expect(changes(v1, v1.extend({ fee: base.fee.optional() }))).toEqual(['data.fee: became optional (consumers of the previous schema require it)']);
  });

  it('reports a type change', () => {
    expect(changes(v1, v1.extend({ fee: z.string() }))).toEqual([
      'data.fee: type changed from integer to string',
      expect.stringMatching(/^data\.fee: maximum .* removed/),
      expect.stringMatching(/^data\.fee: minimum .* removed/),
    ]);
    expect(changes(v1, v1.extend({ fee: z.number().nonnegative() }))[0]).toBe('data.fee: type changed from integer to number');
  });

  it('reports enum values removed and enum values added', () => {
    expect(changes(v1, v1.extend({ reason: z.enum(['DECLINED']) }))).toEqual(['data.reason: enum value(s) removed: "UNAVAILABLE" (events of the previous schema may carry them)']);
    expect(changes(v1, v1.extend({ reason: z.enum(['DECLINED', 'UNAVAILABLE', 'FRAUD']) }))).toEqual([
      'data.reason: enum value(s) added: "FRAUD" (consumers of the previous schema reject them)',
    ]);
  });

  it('reports nullable → non-nullable and the reverse', () => {
    const nullable = v1.extend({ paymentId: uuid.nullable() });
    expect(changes(nullable, v1.extend({ paymentId: uuid }))).toEqual(['data.paymentId: is no longer nullable (events of the previous schema may carry null)']);
    expect(changes(v1.extend({ paymentId: uuid }), nullable)).toEqual(['data.paymentId: became nullable (consumers of the previous schema reject null)']);
  });

  it('reports a changed format or bound, and changes in nested objects and arrays', () => {
    expect(changes(z.object({ at: z.iso.datetime() }), z.object({ at: z.iso.date() }))).toEqual(expect.arrayContaining(['data.at: format changed from "date-time" to "date"']));
    expect(changes(z.object({ n: z.number().max(10) }), z.object({ n: z.number().max(5) }))).toEqual(['data.n: maximum changed from 10 to 5']);
    expect(changes(z.object({ a: z.object({ b: z.string() }) }), z.object({ a: z.object({ b: z.number() }) }))).toEqual(['data.a.b: type changed from string to number']);
    expect(changes(z.object({ a: z.array(z.string()) }), z.object({ a: z.array(z.number()) }))).toEqual(['data.a[]: type changed from string to number']);
  });

  it('ignores annotations and key order', () => {
    expect(changes(v1, v1.describe('A payment failed'))).toEqual([]);
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    const reordered = reverseKeys(schema(v1)) as JsonSchema;
    expect(Object.keys(reordered)).not.toEqual(Object.keys(schema(v1)));
    expect(breakingChanges(schema(v1), reordered)).toEqual([]);
  });
});
