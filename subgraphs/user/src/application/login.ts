import { appError } from '@ebook/subgraph-kit';
import type { User } from '../generated/prisma/client';
import { normalizeEmail } from '../domain/registration';
import { verifyPassword } from '../auth/passwords';
import type { JwtIssuer } from '../auth/jwt-issuer';
import type { UserDb } from '../db';

/**
 * Checks credentials and issues an access token.
 * @throws `INVALID_CREDENTIALS` for an unknown email or a wrong password (same message, same
 * timing, so callers cannot probe which emails exist).
 */
export async function login(
  db: UserDb,
  issuer: JwtIssuer,
  email: string,
  password: string,
): Promise<{ accessToken: string; expiresAt: string; user: User }> {
  const user = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
  const ok = await verifyPassword(user?.passwordHash ?? null, password);
  if (!user || !ok) throw appError('INVALID_CREDENTIALS', 'Email or password is wrong');
  const { token, expiresAt } = await issuer.sign({ id: user.id, role: user.role, name: user.name });
  return { accessToken: token, expiresAt: expiresAt.toISOString(), user };
}
