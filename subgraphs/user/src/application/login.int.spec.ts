import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitOfWork } from '@ebook/events';
import { requireEnv } from '@ebook/subgraph-kit';
import { createUserDb } from '../db';
import { JwtIssuer } from '../auth/jwt-issuer';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from '../auth/login-throttle';
import { registerUser } from './register-customer';
import { login } from './login';
import { UserError } from '../domain/errors';

const db = createUserDb(requireEnv('USER_DATABASE_URL'));
const cause = { correlationId: `int-${randomUUID()}` };
let issuer: JwtIssuer;

/** Customers registered before the tests, with their passwords (the database is shared with other tests: unique emails). */
const customers: Array<{ id: string; email: string; password: string }> = [];

beforeAll(async () => {
  issuer = await JwtIssuer.generate({ issuer: 'urn:t', audience: 'ebook-rental', ttlSeconds: 60 });
  for (let i = 0; i < 30; i++) {
    const tag = randomUUID();
    const input = { name: `Campus reader ${tag}`, email: `campus-${tag}@example.com`, phone: '010-1234-5678', password: `pw-${tag}` };
    const user = await registerUser(unitOfWork(db), input, cause);
    customers.push({ id: user.id, email: input.email, password: input.password });
  }
});
afterAll(() => db.$disconnect());

/** The code a client would see in `extensions.code` (the user context's refusal), or 'ok' for a session. */
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof UserError ? e.code : 'unexpected error'),
  );

describe('login throttle on PostgreSQL, many clients behind one address', () => {
  it('30 customers signing in at the same moment from one IP, with the default limit of 20 failures per IP, all get a session', async () => {
    const guard = { throttle: new LoginThrottle(DEFAULT_LOGIN_THROTTLE), clientIp: '192.0.2.30' };
    const sessions = await Promise.all(customers.map((c) => login(db, issuer, c.email, c.password, guard)));
    expect(sessions.map((s) => s.user.id)).toEqual(customers.map((c) => c.id));
  });

  it('25 wrong passwords at the same moment from one IP (on 25 accounts): exactly 20 are checked (INVALID_CREDENTIALS), 5 are RATE_LIMITED', async () => {
    const guard = { throttle: new LoginThrottle(DEFAULT_LOGIN_THROTTLE), clientIp: '192.0.2.31' };
    const replies = await Promise.all(customers.slice(0, 25).map((c) => codeOf(login(db, issuer, c.email, `${c.password}-wrong`, guard))));
    expect(replies.filter((r) => r === 'INVALID_CREDENTIALS')).toHaveLength(20);
    expect(replies.filter((r) => r === 'RATE_LIMITED')).toHaveLength(5);
    // The right password from that IP is refused too for the rest of the window; from another IP it works.
    expect(await codeOf(login(db, issuer, customers[29]!.email, customers[29]!.password, guard))).toBe('RATE_LIMITED');
    expect(await codeOf(login(db, issuer, customers[29]!.email, customers[29]!.password, { ...guard, clientIp: '192.0.2.32' }))).toBe('ok');
  });
});
