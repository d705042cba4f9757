import { hasControlChars } from '@ebook/subgraph-kit';
import { UserErrors } from '../domain/errors';
import type { User } from '../generated/prisma/client';
import { normalizeEmail } from '../domain/registration';
import { verifyPassword } from '../auth/passwords';
import type { JwtIssuer } from '../auth/jwt-issuer';
import type { LoginThrottle } from '../auth/login-throttle';
import type { UserDb } from '../db';

/** Longest email that can belong to an account (RFC 5321 path limit; registration allows 254). */
const MAX_EMAIL_LENGTH = 254;

/** Brute-force protection of one login call: the shared throttle and the caller's IP (from the gateway's `x-forwarded-for`). */
export interface LoginGuard {
  throttle: LoginThrottle;
  clientIp?: string | undefined;
}

/**
 * Checks credentials — the one password check of the platform, used by the `login` mutation
 * and by the authorization server's login page.
 * With a `guard`, the attempt is first counted by the {@link LoginThrottle} (per account and per
 * IP; it may wait while other attempts from the same IP or on the same account are being
 * checked): over a limit it is refused `RATE_LIMITED` (`extensions.retryAfter`, seconds) before
 * any lookup or password check. The attempt is then settled in every path: a wrong password or
 * unknown email counts as a failure, a success resets the account's failures, and anything
 * thrown on the way (e.g. the database is down) is no failure and gives the points back.
 * An email that cannot belong to an account (too long, control characters) is never sent to
 * the database and is answered like an unknown one.
 * @returns the account.
 * @throws UserError `INVALID_CREDENTIALS` for an unknown email or a wrong password (same message, same
 * timing, so callers cannot probe which emails exist); `RATE_LIMITED`; a database error as is.
 */
export async function authenticate(db: UserDb, email: string, password: string, guard?: LoginGuard): Promise<User> {
  const account = normalizeEmail(email);
  const reservation = guard ? await guard.throttle.reserve(account, guard.clientIp) : null;
  if (reservation && !reservation.allowed) {
    const { retryAfter } = reservation;
    throw UserErrors.tooManyFailedLogins(retryAfter);
  }
  let verdict: 'succeeded' | 'failed' | 'abandoned' = 'abandoned';
  try {
    const plausible = account.length <= MAX_EMAIL_LENGTH && !hasControlChars(account);
    const user = plausible ? await db.user.findUnique({ where: { email: account } }) : null;
    const ok = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !ok) {
      verdict = 'failed';
      throw UserErrors.invalidCredentials();
    }
    verdict = 'succeeded';
    return user;
  } finally {
    await reservation?.attempt[verdict]();
  }
}

/**
 * The first-party `login` mutation: {@link authenticate}, then an access token signed with the
 * authorization server's key and carrying the same claims as its tokens.
 * @throws as {@link authenticate}.
 */
export async function login(db: UserDb, issuer: JwtIssuer, email: string, password: string, guard?: LoginGuard): Promise<{ accessToken: string; expiresAt: string; user: User }> {
  const user = await authenticate(db, email, password, guard);
  const { token, expiresAt } = await issuer.sign({ id: user.id, role: user.role, name: user.name });
  return { accessToken: token, expiresAt: expiresAt.toISOString(), user };
}
