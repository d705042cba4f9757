import { UserRegistered, type Causation, type UnitOfWork } from '@ebook/events';
import { isUniqueViolation } from '@ebook/subgraph-kit';
import { UserErrors } from '../domain/errors';
import type { User } from '../generated/prisma/client';
import { RegistrationSchema } from '../domain/registration';
import { hashPassword } from '../auth/passwords';
import type { UserTx } from '../db';

/**
 * Registers an account (CUSTOMER by default) and records `UserRegistered` (with the email and
 * the messages' `locale`) in the outbox, in one unit of work (the relay is woken after the commit).
 * @throws UserError `BAD_USER_INPUT` (fields listed in `extensions.fields`), `EMAIL_TAKEN`.
 */
export async function registerUser(uow: UnitOfWork<UserTx>, input: unknown, cause: Causation, role: 'CUSTOMER' | 'MANAGER' = 'CUSTOMER'): Promise<User> {
  const parsed = RegistrationSchema.safeParse(input);
  if (!parsed.success) {
    throw UserErrors.badInput(
      parsed.error.issues.map((i) => i.message).join('; '),
      parsed.error.issues.map((i) => i.path.join('.')),
    );
  }
  const { password, ...fields } = parsed.data;
  const passwordHash = await hashPassword(password);
  try {
    return await uow.run(async (tx) => {
      const user = await tx.user.create({ data: { ...fields, passwordHash, role } });
      return { result: user, events: [UserRegistered.create(user.id, { userId: user.id, name: user.name, role, email: user.email, locale: user.locale }, cause)] };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw UserErrors.emailTaken();
    throw err;
  }
}
