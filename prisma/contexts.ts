/**
 * The bounded contexts that own a database, and how each finds its connection.
 *
 * Every context has exactly one PostgreSQL database; no context reads another's.
 * The URL comes from `<CONTEXT>_DATABASE_URL` (e.g. `RENTAL_DATABASE_URL`), a standard
 * `postgresql://user:password@host:port/database` URL.
 */
export const CONTEXTS = ['user', 'book-management', 'rental', 'payment', 'rental-view'] as const;

/** One of {@link CONTEXTS}. */
export type ContextName = (typeof CONTEXTS)[number];

/** `rental-view` → `RENTAL_VIEW_DATABASE_URL`. */
export function databaseUrlEnv(context: ContextName): string {
  return `${context.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
}
