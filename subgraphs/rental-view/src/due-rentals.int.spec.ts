import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAdapter, requireEnv } from '@ebook/subgraph-kit';
import { PrismaClient } from './generated/prisma/client';
import { resolvers, type ViewContext } from './resolvers';

/**
 * `dueRentals` on real PostgreSQL: the overdue and expiring loans across the catalog, soonest due
 * first, in ONE select (counted from Prisma's query log), whatever the number of books.
 */
const db = new PrismaClient({ adapter: pgAdapter(requireEnv('RENTAL_VIEW_DATABASE_URL')), log: [{ emit: 'event', level: 'query' }] });
const queries: string[] = [];
db.$on('query', (e) => queries.push(e.query));

const HOUR = 3_600_000;
const now = Date.now();
// A year overdue: the oldest due time, first in the list.
const base = now - 365 * 24 * HOUR;
const ids = { overdue: randomUUID(), overdueOlder: randomUUID(), expiring: randomUUID(), later: randomUUID(), returned: randomUUID() };
const ours: string[] = Object.values(ids);
const ctx = { db, auth: { id: randomUUID(), role: 'MANAGER', scopes: ['manager'] } } as unknown as ViewContext;

async function dueRentals(args: { withinHours?: number; first?: number }) {
  const rows = await (resolvers.Query!.dueRentals as any)({}, args, ctx, {});
  return (rows as { rentalId: string }[]).map((r) => r.rentalId).filter((id) => ours.includes(id));
}

beforeAll(async () => {
  const row = (rentalId: string, status: string, dueAt: Date) => ({
    rentalId,
    status,
    dueAt,
    bookId: randomUUID(),
    bookTitle: 'Due Test',
    customerId: randomUUID(),
    customerName: 'Due Reader',
    fee: 1000,
    rentedAt: new Date(dueAt.getTime() - 7 * 24 * HOUR),
  });
  await db.rentalStatus.createMany({
    data: [
      row(ids.overdue, 'RENTED', new Date(now - 2 * HOUR)),
      row(ids.overdueOlder, 'RENTED', new Date(base)),
      row(ids.expiring, 'RENTED', new Date(now + 30 * HOUR)),
      row(ids.later, 'RENTED', new Date(now + 100 * HOUR)),
      row(ids.returned, 'RETURNED', new Date(now - 5 * HOUR)),
    ],
  });
});

afterAll(async () => {
  await db.rentalStatus.deleteMany({ where: { rentalId: { in: ours } } });
  await db.$disconnect();
});

describe('dueRentals', () => {
  it('lists RENTED loans due within 48 h by default, the overdue first, soonest due first, in one select', async () => {
    queries.length = 0;
    expect(await dueRentals({ first: 500 })).toEqual([ids.overdueOlder, ids.overdue, ids.expiring]);
    expect(queries.filter((q) => /^\s*SELECT/i.test(q))).toHaveLength(1);
  });

  it('withinHours 0: the overdue loans only; a wider window adds the later ones', async () => {
    expect(await dueRentals({ withinHours: 0, first: 500 })).toEqual([ids.overdueOlder, ids.overdue]);
    expect(await dueRentals({ withinHours: 200, first: 500 })).toEqual([ids.overdueOlder, ids.overdue, ids.expiring, ids.later]);
  });

  it('refuses an out-of-range window or page with BAD_USER_INPUT', async () => {
    for (const args of [{ withinHours: -1 }, { withinHours: 10_000 }, { first: 0 }, { first: 501 }]) {
      const err = await dueRentals(args).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GraphQLError);
      expect((err as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});
