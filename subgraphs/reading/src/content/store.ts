import type { ReadingDb } from '../db';

/**
 * Where EPUB bytes are kept: the port the content server and uploads use, so another store (an
 * S3-compatible bucket) can be chosen by configuration (`READING_CONTENT_STORE`). Keys are the
 * store's own; `book_content.storageKey` records them.
 */
export interface ContentStore {
  /** The store's name (`READING_CONTENT_STORE` value). */
  readonly kind: string;
  /** Stores `bytes`. @returns its key. */
  put(bytes: Buffer): Promise<string>;
  /** The bytes under `key`, or null when none are stored there. */
  get(key: string): Promise<Buffer | null>;
  /** Removes what is under `key` (nothing when there is none). */
  delete(key: string): Promise<void>;
}

/**
 * PostgreSQL large objects in reading's own database (the default store; works on `pnpm dev`'s
 * embedded PostgreSQL and on any server): one large object per EPUB, the key is its oid. Written
 * and read whole with `lo_from_bytea` / `lo_get` (base64 on the wire back) (an EPUB is at most `READING_MAX_EPUB_BYTES`,
 * 20 MiB by default), removed with `lo_unlink`.
 */
export class PostgresLargeObjectStore implements ContentStore {
  readonly kind = 'postgres';

  constructor(private readonly db: ReadingDb) {}

  async put(bytes: Buffer): Promise<string> {
    const [row] = await this.db.$queryRaw<{ oid: number | bigint }[]>`SELECT lo_from_bytea(0, ${new Uint8Array(bytes)}) AS oid`;
    return String(row!.oid);
  }

  async get(key: string): Promise<Buffer | null> {
    const oid = oidOf(key);
    // As base64 text: the Prisma query interpreter does not hand back a raw query's bytea column.
    const rows = await this.db.$queryRaw<{ data: string }[]>`SELECT encode(lo_get(m.oid), 'base64') AS data FROM pg_largeobject_metadata m WHERE m.oid = ${oid}::oid`;
    return rows[0] ? Buffer.from(rows[0].data, 'base64') : null;
  }

  async delete(key: string): Promise<void> {
    await this.db.$queryRaw`SELECT lo_unlink(m.oid) FROM pg_largeobject_metadata m WHERE m.oid = ${oidOf(key)}::oid`;
  }
}

/** A key of {@link PostgresLargeObjectStore} as an oid (decimal text). @throws Error for anything else. */
function oidOf(key: string): string {
  if (!/^\d{1,10}$/.test(key)) throw new Error(`not a large-object key: "${key}"`);
  return key;
}
