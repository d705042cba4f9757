import { appError } from './errors';

/** The largest page a list field (`first`) serves. */
export const MAX_PAGE_SIZE = 100;

/**
 * The page size of a list field's `first` argument (`books`, `myNotifications`, `pointsHistory`, …):
 * `first` when it is a whole number from 1 to {@link MAX_PAGE_SIZE}, `fallback` when absent.
 * @param first the argument as received (null / undefined when not given).
 * @param fallback the page size when `first` is absent (default 20, the SDL's default).
 * @throws GraphQLError `BAD_USER_INPUT` ("first must be between 1 and 100") for anything else.
 */
export function pageSize(first: number | null | undefined, fallback = 20): number {
  const take = first ?? fallback;
  if (!Number.isInteger(take) || take < 1 || take > MAX_PAGE_SIZE) throw appError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  return take;
}
