/**
 * Which loans a manager sees as overdue or expiring across the catalog (`dueRentals`): loans
 * still RENTED whose due time is before now + a window. Overdue = due before now; expiring =
 * due within the window. The default window, 48 h, is the "due within 2 days" the web client's
 * manager pages flag.
 */

/** Default window (hours) of {@link dueWindow}. */
export const DEFAULT_DUE_WITHIN_HOURS = 48;
/** Longest window (hours): 30 days. */
export const MAX_DUE_WITHIN_HOURS = 30 * 24;
/** Default and largest page of `dueRentals`. */
export const DEFAULT_DUE_PAGE = 100;
export const MAX_DUE_PAGE = 500;

/** A refusal of {@link dueWindow}: the argument and its allowed range. */
export class DueWindowError extends Error {}

/**
 * The cut-off of a `dueRentals` request: loans due before it are listed.
 * @param now the request's time.
 * @param withinHours window in hours, integer 0–{@link MAX_DUE_WITHIN_HOURS}.
 * @param first page size, integer 1–{@link MAX_DUE_PAGE}.
 * @returns `{ dueBefore, take }`.
 * @throws DueWindowError when an argument is out of range.
 */
export function dueWindow(now: Date, withinHours = DEFAULT_DUE_WITHIN_HOURS, first = DEFAULT_DUE_PAGE): { dueBefore: Date; take: number } {
  if (!Number.isInteger(withinHours) || withinHours < 0 || withinHours > MAX_DUE_WITHIN_HOURS) throw new DueWindowError(`withinHours must be an integer 0–${MAX_DUE_WITHIN_HOURS}`);
  if (!Number.isInteger(first) || first < 1 || first > MAX_DUE_PAGE) throw new DueWindowError(`first must be an integer 1–${MAX_DUE_PAGE}`);
  return { dueBefore: new Date(now.getTime() + withinHours * 3_600_000), take: first };
}
