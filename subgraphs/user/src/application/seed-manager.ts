import { SEED_CORRELATION_ID, unitOfWork } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import type { UserDb } from '../db';
import { registerUser } from './register-customer';
import { normalizeEmail } from '../domain/registration';
import { UserError } from '../domain/errors';

/**
 * Ensures the manager account from `SEED_MANAGER_EMAIL` / `SEED_MANAGER_PASSWORD` exists
 * (created once; an existing account is left as it is). Never logs the password. Replicas
 * starting side by side race for it: the one that loses (`EMAIL_TAKEN`) finds it made.
 */
export async function seedManager(db: UserDb, logger: Logger, email: string, password: string): Promise<void> {
  const existing = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
  if (existing) return;
  try {
    await registerUser(unitOfWork(db), { name: 'Book Manager', email, phone: '+82 2 0000 0000', password }, { correlationId: SEED_CORRELATION_ID }, 'MANAGER');
  } catch (err) {
    if (err instanceof UserError && err.code === 'EMAIL_TAKEN') return; // another replica seeded it meanwhile
    throw err;
  }
  logger.info({ email }, 'seeded manager account');
}
