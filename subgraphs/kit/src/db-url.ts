/** Connection settings for `pg` / `PrismaPg`, parsed from a URL. */
export interface PgConnectionConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

/**
 * Parses a `postgresql://` URL into a config object.
 * A config object (not a string) is given to PrismaPg because with a string its
 * shadow-database connection reuses the main database.
 * @throws Error when the URL is not a postgres URL.
 */
export function parseDatabaseUrl(url: string): PgConnectionConfig {
  const u = new URL(url);
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new Error(`not a postgres URL (protocol ${u.protocol})`);
  }
  return {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
}
