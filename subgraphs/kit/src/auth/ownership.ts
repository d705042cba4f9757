import { requireAuth } from '../context';
import type { AuthUser } from './verifier';

/**
 * The one rule for what belongs to a customer — a rental, its payment, its read-model row, a
 * user's rentals and contact fields: its owner (the user whose id `ownerIdOf` returns) and
 * managers see it; nobody else does, service clients included (a client-credentials caller
 * owns nothing and is no manager).
 *
 * The one answer for everyone else: exactly what is answered when the thing does not exist, as
 * the field's nullability already implies — `null` for a nullable field (`rental(id)`,
 * `rentalStatus`, `Rental.payment`, an `_entities` representation), an empty list for a list
 * (`User.rentals`), `NOT_FOUND` for a non-null field (`User.email`, `User.phone`). Never
 * `FORBIDDEN`: it would confirm that the id exists and is someone else's, so ids could be probed.
 * Without a caller the answer is `UNAUTHENTICATED` whether or not `row` exists, for the same
 * reason (this is checked before `row` is looked at).
 *
 * @param auth the verified caller (`ctx.auth`), null for an anonymous request.
 * @param row what was looked up; null / undefined when nothing exists.
 * @param ownerIdOf the owning user's id of `row`; null when the owner is not known (e.g. a read-model
 *   row the owner's event has not reached yet): then only managers see it.
 * @returns `row` when the caller is its owner or a manager, else null (also when `row` is null).
 * @throws GraphQLError `UNAUTHENTICATED` when `auth` is null.
 */
export function ownedOrManaged<T>(auth: AuthUser | null, row: T | null | undefined, ownerIdOf: (row: T) => string | null): T | null {
  const caller = requireAuth({ auth });
  if (row === null || row === undefined) return null;
  if (caller.role === 'MANAGER') return row;
  return caller.role === 'CUSTOMER' && caller.id === ownerIdOf(row) ? row : null;
}
