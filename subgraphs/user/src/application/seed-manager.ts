import { unitOfWork } from '@ebook/events';
import type { Logger } from '@ebook/subgraph-kit';
import type { UserDb } from '../db';
import { registerUser } from './register-customer';
import { normalizeEmail } from '../domain/registration';

/**
 * Ensures the manager account from `SEED_MANAGER_EMAIL` / `SEED_MANAGER_PASSWORD` exists
 * (created once; an existing account is left as it is). Never logs the password.
 */
export async function seedManager(db: UserDb, logger: Logger, email: string, password: string): Promise<void> {
  const existing = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
  if (existing) return;
  await registerUser(unitOfWork(db), { name: 'Book Manager', email, phone: '+82 2 0000 0000', password }, { correlationId: 'seed' }, 'MANAGER');
  logger.info({ email }, 'seeded manager account');
}
