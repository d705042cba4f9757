import { randomBytes } from 'node:crypto';
import { ConfigError, durationEnv, intEnv } from '@ebook/subgraph-kit';

/** Default largest EPUB accepted: 20 MiB. */
export const DEFAULT_MAX_EPUB_BYTES = 20 * 1024 * 1024;

/** The reading context's settings (environment variables in README "Reading access"). */
export interface ReadingConfig {
  /** HMAC key (HS256) of the reading and upload links, ≥ 32 bytes; every replica must share it. */
  linkSecret: Uint8Array;
  /** Lifetime of a reading link, ms (`READING_LINK_TTL`, ISO-8601, default PT5M). */
  readLinkTtlMs: number;
  /** Lifetime of an upload link, ms (`READING_UPLOAD_TTL`, default PT15M). */
  uploadLinkTtlMs: number;
  /** Largest EPUB accepted, bytes (`READING_MAX_EPUB_BYTES`, default 20 MiB, at most 1 GiB). */
  maxEpubBytes: number;
  /** Where EPUBs are kept (`READING_CONTENT_STORE`): `postgres` (large objects in reading's database), the only store so far. */
  contentStore: 'postgres';
  /** Generate a title-page EPUB for every book of the catalog seed (`READING_SEED_CONTENT=true`; `pnpm dev`). */
  seedContent: boolean;
}

/**
 * The reading settings from the environment, read once at start-up.
 * `READING_LINK_SECRET` is required when `NODE_ENV=production`; elsewhere (tests, `pnpm dev`, one
 * process) a random key is made per start when it is unset.
 * @throws ConfigError naming the variable: a secret shorter than 32 bytes (or missing in
 *   production), a malformed duration, a size outside 1 KiB … 1 GiB, an unknown store.
 */
export function readingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReadingConfig {
  const secret = env.READING_LINK_SECRET;
  if (!secret && env.NODE_ENV === 'production') throw new ConfigError('READING_LINK_SECRET', 'is required in production (shared by every replica; at least 32 bytes)');
  if (secret && Buffer.byteLength(secret) < 32) throw new ConfigError('READING_LINK_SECRET', 'must be at least 32 bytes');
  const maxEpubBytes = intEnv('READING_MAX_EPUB_BYTES', DEFAULT_MAX_EPUB_BYTES, env);
  if (maxEpubBytes < 1024 || maxEpubBytes > 1024 ** 3) throw new ConfigError('READING_MAX_EPUB_BYTES', `must be from 1024 to ${1024 ** 3} bytes, got ${maxEpubBytes}`);
  const store = env.READING_CONTENT_STORE?.trim() || 'postgres';
  if (store !== 'postgres') throw new ConfigError('READING_CONTENT_STORE', `unknown store "${store}" (known: postgres)`);
  const readLinkTtlMs = durationEnv(env, 'READING_LINK_TTL') ?? 5 * 60_000;
  const uploadLinkTtlMs = durationEnv(env, 'READING_UPLOAD_TTL') ?? 15 * 60_000;
  for (const [name, ms] of [
    ['READING_LINK_TTL', readLinkTtlMs],
    ['READING_UPLOAD_TTL', uploadLinkTtlMs],
  ] as const) {
    if (ms < 1000 || ms > 24 * 3600_000) throw new ConfigError(name, 'must be from PT1S to PT24H');
  }
  return {
    linkSecret: secret ? new TextEncoder().encode(secret) : randomBytes(32),
    readLinkTtlMs,
    uploadLinkTtlMs,
    maxEpubBytes,
    contentStore: store,
    seedContent: env.READING_SEED_CONTENT === 'true',
  };
}
