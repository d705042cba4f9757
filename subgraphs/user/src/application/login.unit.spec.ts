import { describe, expect, it } from 'vitest';
import type { UserDb } from '../db';
import { LoginThrottle } from '../auth/login-throttle';
import { authenticate } from './login';
import { UserError } from '../domain/errors';

/** A database whose account lookup fails the way an outage does, after `ms` milliseconds. */
const downDb = (ms = 0) => ({ user: { findUnique: () => new Promise((_, reject) => setTimeout(() => reject(new Error('connection refused')), ms)) } }) as unknown as UserDb;
/** A database that knows no account (every login is INVALID_CREDENTIALS). */
const emptyDb = { user: { findUnique: async () => null } } as unknown as UserDb;

/** The code of a refusal (`extensions.code` for a client), or the message of any other error. */
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => (e instanceof UserError ? e.code : e.message),
  );

describe('authenticate with a throttle', () => {
  it('a database error is no failed login: the error surfaces as is and the IP keeps its point', async () => {
    const guard = { throttle: new LoginThrottle({ maxFailuresPerAccount: 5, maxFailuresPerIp: 1, windowSeconds: 60 }), clientIp: '198.51.100.1' };
    expect(await codeOf(authenticate(downDb(), 'ann@example.com', 'password-1', guard))).toBe('connection refused');
    expect(await codeOf(authenticate(downDb(), 'ann@example.com', 'password-1', guard))).toBe('connection refused');
    // The one failure the IP may have is still available, then the IP is full.
    expect(await codeOf(authenticate(emptyDb, 'bob@example.com', 'password-1', guard))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(authenticate(emptyDb, 'carl@example.com', 'password-1', guard))).toBe('RATE_LIMITED');
  });

  it('an attempt waiting behind one that hits a database error is then checked (it neither hangs nor is refused)', async () => {
    const guard = { throttle: new LoginThrottle({ maxFailuresPerAccount: 5, maxFailuresPerIp: 1, windowSeconds: 60 }), clientIp: '198.51.100.2' };
    const first = codeOf(authenticate(downDb(20), 'ann@example.com', 'password-1', guard));
    const second = codeOf(authenticate(emptyDb, 'bob@example.com', 'password-1', guard));
    expect(await Promise.all([first, second])).toEqual(['connection refused', 'INVALID_CREDENTIALS']);
  });
});
