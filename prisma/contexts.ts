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

/**
 * Every context's database URL from `<CONTEXT>_DATABASE_URL` (migrations, test databases, test stacks).
 * @throws Error naming the first variable that is unset.
 */
export function databaseUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<ContextName, string> {
  return Object.fromEntries(
    CONTEXTS.map((context) => {
      const name = databaseUrlEnv(context);
      const url = env[name];
      if (!url) throw new Error(`${name} is not set`);
      return [context, url];
    }),
  ) as Record<ContextName, string>;
}
