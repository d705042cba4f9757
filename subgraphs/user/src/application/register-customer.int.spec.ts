import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../domain/errors';
import { unitOfWork } from '@ebook/events';
import { createLogger, requireEnv, TokenVerifier } from '@ebook/subgraph-kit';
import { createUserDb } from '../db';
import { JwtIssuer } from '../auth/jwt-issuer';
import { registerUser } from './register-customer';
import { login } from './login';
import { seedManager } from './seed-manager';
import { LoginThrottle } from '../auth/login-throttle';

const db = createUserDb(requireEnv('USER_DATABASE_URL'));
const uow = unitOfWork(db);
const logger = createLogger('register-customer-int', 'silent');
const cause = { correlationId: `int-${randomUUID()}` };
const TRUST = { issuer: 'urn:t', audience: 'ebook-rental', ttlSeconds: 60 };
let issuer: JwtIssuer;

beforeAll(async () => {
  issuer = await JwtIssuer.generate(TRUST);
});
afterAll(() => db.$disconnect());

/** A valid registration with a unique email and name (the database is shared with other tests). */
function newCustomer(overrides: Record<string, unknown> = {}) {
  const tag = randomUUID();
  return { name: `Reader ${tag}`, email: `reader-${tag}@example.com`, phone: '010-1234-5678', password: `pw-${tag}`, ...overrides };
}

/** Outbox rows whose event data carries `name` (our names are unique). */
const outboxByName = (name: string) => db.outboxEvent.findMany({ where: { envelope: { path: ['data', 'name'], equals: name } } });

/** The code a client would see in `extensions.code`. */
async function codeOf(p: Promise<unknown>): Promise<{ code: unknown; message: string; extensions: Record<string, unknown> }> {
  const err = await p.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const g = err as UserError;
  return { code: g.code, message: g.message, extensions: g.extensions };
}

function decodePayload(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('registerUser on PostgreSQL', () => {
  it('stores a CUSTOMER with an argon2id hash (never the password) and exactly one UserRegistered outbox row', async () => {
    const tag = randomUUID();
    const input = newCustomer({ email: `  New.Reader-${tag.toUpperCase()}@Example.COM ` });
    const user = await registerUser(uow, input, cause);

    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.role).toBe('CUSTOMER');
    expect(stored.email).toBe(`new.reader-${tag}@example.com`); // trimmed and lower-cased
    expect(stored.name).toBe(input.name);
    expect(stored.passwordHash.startsWith('$argon2id$')).toBe(true);
    expect(stored.passwordHash).not.toContain(input.password);

    const outbox = await db.outboxEvent.findMany({ where: { aggregateId: user.id } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ type: 'UserRegistered', topic: 'user.events', publishedAt: null });
    const envelope = outbox[0]!.envelope as Record<string, unknown>;
    expect(envelope).toMatchObject({
      type: 'UserRegistered',
      aggregateId: user.id,
      correlationId: cause.correlationId,
      data: { userId: user.id, name: input.name, role: 'CUSTOMER', email: `new.reader-${tag}@example.com`, locale: 'ko' },
    });
    expect(stored.locale).toBe('ko'); // no locale given
    // The event never carries the password or its hash.
    expect(JSON.stringify(envelope)).not.toContain(input.password);
    expect(JSON.stringify(envelope)).not.toContain('$argon2id$');
  });

  it('refuses a duplicate email in another case and with whitespace (EMAIL_TAKEN) and writes nothing', async () => {
    const first = newCustomer();
    await registerUser(uow, first, cause);
    const dup = newCustomer({ email: `  ${first.email.toUpperCase()}\t` });

    const refusal = await codeOf(registerUser(uow, dup, cause));
    expect(refusal.code).toBe('EMAIL_TAKEN');
    expect(refusal.message).not.toMatch(/prisma|unique|constraint/i);

    expect(await db.user.count({ where: { name: dup.name } })).toBe(0);
    expect(await db.user.count({ where: { email: first.email } })).toBe(1);
    expect(await outboxByName(dup.name)).toHaveLength(0);
  });

  it('refuses invalid input with BAD_USER_INPUT listing the fields, and writes nothing', async () => {
    const bad = newCustomer({ email: 'not-an-email', password: 'short' });
    const refusal = await codeOf(registerUser(uow, bad, cause));
    expect(refusal.code).toBe('BAD_USER_INPUT');
    expect(refusal.extensions.fields).toEqual(expect.arrayContaining(['email', 'password']));
    expect(await db.user.count({ where: { name: bad.name } })).toBe(0);
    expect(await outboxByName(bad.name)).toHaveLength(0);
  });

  it('stores the locale asked for and carries it on UserRegistered; a bad locale is BAD_USER_INPUT on `locale`, nothing written', async () => {
    const english = newCustomer({ locale: 'en' });
    const user = await registerUser(uow, english, cause);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).locale).toBe('en');
    const [row] = await outboxByName(english.name);
    expect((row!.envelope as { data: unknown }).data).toMatchObject({ email: english.email, locale: 'en' });

    const bad = newCustomer({ locale: 'fr' });
    const refusal = await codeOf(registerUser(uow, bad, cause));
    expect(refusal.code).toBe('BAD_USER_INPUT');
    expect(refusal.extensions.fields).toEqual(['locale']);
    expect(await db.user.count({ where: { name: bad.name } })).toBe(0);
    expect(await outboxByName(bad.name)).toHaveLength(0);
  });

  it('refuses a non-object input with BAD_USER_INPUT', async () => {
    expect((await codeOf(registerUser(uow, null, cause))).code).toBe('BAD_USER_INPUT');
  });
});

describe('login on PostgreSQL', () => {
  it('issues a token whose payload names the user (sub), role, issuer and audience, verifiable with the JWKS', async () => {
    const input = newCustomer();
    const user = await registerUser(uow, input, cause);
    const result = await login(db, issuer, ` ${input.email.toUpperCase()} `, input.password);

    expect(result.user.id).toBe(user.id);
    const payload = decodePayload(result.accessToken);
    expect(payload).toMatchObject({ sub: user.id, role: 'CUSTOMER', iss: 'urn:t', aud: 'ebook-rental' });
    const exp = payload.exp as number;
    expect(exp - (payload.iat as number)).toBe(60);
    expect(new Date(result.expiresAt).getTime()).toBe(exp * 1000);
    expect(JSON.stringify(payload)).not.toContain(input.password);

    const verifier = new TokenVerifier({ issuer: 'urn:t', audience: 'ebook-rental', jwks: issuer.jwks() });
    await expect(verifier.verify(result.accessToken)).resolves.toMatchObject({ id: user.id, role: 'CUSTOMER' });
  });

  it('answers INVALID_CREDENTIALS with the same message for a wrong password and for an unknown email', async () => {
    const input = newCustomer();
    await registerUser(uow, input, cause);
    const wrongPassword = await codeOf(login(db, issuer, input.email, `${input.password}x`));
    const unknownEmail = await codeOf(login(db, issuer, `nobody-${randomUUID()}@example.com`, input.password));
    expect(wrongPassword.code).toBe('INVALID_CREDENTIALS');
    expect(unknownEmail.code).toBe('INVALID_CREDENTIALS');
    expect(unknownEmail.message).toBe(wrongPassword.message);
    expect(unknownEmail.extensions).toEqual(wrongPassword.extensions);
  });

  it('refuses a NUL byte (or any control character) in the registration with BAD_USER_INPUT, writing nothing', async () => {
    for (const field of ['name', 'email', 'phone', 'password'] as const) {
      const input = newCustomer();
      const bad = { ...input, [field]: field === 'email' ? `a\u0000${input.email}` : `${input[field].slice(0, 4)}\u0000${input[field].slice(4)}` };
      const refusal = await codeOf(registerUser(uow, bad, cause));
      expect(refusal.code).toBe('BAD_USER_INPUT');
      expect(refusal.extensions.fields).toEqual([field]);
      expect(await db.user.count({ where: { email: input.email } })).toBe(0);
      expect(await outboxByName(input.name)).toHaveLength(0);
    }
  });

  it('a NUL byte or a 10,000-character email at login is INVALID_CREDENTIALS (never a database error)', async () => {
    expect((await codeOf(login(db, issuer, 'a\u0000@example.com', 'whatever-password'))).code).toBe('INVALID_CREDENTIALS');
    expect((await codeOf(login(db, issuer, `${'a'.repeat(10_000)}@example.com`, 'whatever-password'))).code).toBe('INVALID_CREDENTIALS');
  });

  it('throttled: after the account limit even the right password is RATE_LIMITED (retryAfter), checked by no one; success before the limit resets', async () => {
    const throttle = new LoginThrottle({ maxFailuresPerAccount: 2, maxFailuresPerIp: 0, windowSeconds: 60 });
    const guard = { throttle, clientIp: '192.0.2.10' };
    const input = newCustomer();
    await registerUser(uow, input, cause);
    // One failure, then a success: the counter resets, so two more failures are allowed.
    expect((await codeOf(login(db, issuer, input.email, 'wrong-password', guard))).code).toBe('INVALID_CREDENTIALS');
    await login(db, issuer, input.email, input.password, guard);
    for (let i = 0; i < 2; i++) expect((await codeOf(login(db, issuer, input.email, 'wrong-password', guard))).code).toBe('INVALID_CREDENTIALS');
    const limited = await codeOf(login(db, issuer, ` ${input.email.toUpperCase()} `, input.password, guard));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect(limited.extensions.retryAfter).toBeLessThanOrEqual(60);
    // A refused attempt looks nothing up (so no password is checked): a database that throws is never reached.
    const untouchable = { user: { findUnique: () => expect.fail('a throttled login must not read the account') } } as unknown as typeof db;
    expect((await codeOf(login(untouchable, issuer, input.email, input.password, guard))).code).toBe('RATE_LIMITED');
  });
});

describe('seedManager on PostgreSQL', () => {
  it('creates the MANAGER account once; a second run (even with another password) changes nothing', async () => {
    const email = `manager-${randomUUID()}@ebook.local`;
    await seedManager(db, logger, email, 'manager-password-1');
    const manager = await db.user.findUniqueOrThrow({ where: { email } });
    expect(manager.role).toBe('MANAGER');
    expect(manager.passwordHash.startsWith('$argon2id$')).toBe(true);
    expect(await db.outboxEvent.count({ where: { aggregateId: manager.id } })).toBe(1);

    await seedManager(db, logger, ` ${email.toUpperCase()} `, 'manager-password-2');
    expect(await db.user.count({ where: { email } })).toBe(1);
    expect(await db.user.findUniqueOrThrow({ where: { email } })).toEqual(manager);
    expect(await db.outboxEvent.count({ where: { aggregateId: manager.id } })).toBe(1);

    const session = await login(db, issuer, email, 'manager-password-1');
    expect(decodePayload(session.accessToken)).toMatchObject({ sub: manager.id, role: 'MANAGER' });
    expect((await codeOf(login(db, issuer, email, 'manager-password-2'))).code).toBe('INVALID_CREDENTIALS');
  });

  it('two replicas seeding at the same moment: both start, one MANAGER account and one UserRegistered', async () => {
    const email = `manager-${randomUUID()}@ebook.local`;
    await Promise.all(Array.from({ length: 4 }, () => seedManager(db, logger, email, 'manager-password-1')));
    const manager = await db.user.findUniqueOrThrow({ where: { email } });
    expect(manager.role).toBe('MANAGER');
    expect(await db.outboxEvent.count({ where: { aggregateId: manager.id } })).toBe(1);
  });
});
