import type express from 'express';
import type { Logger } from '@ebook/subgraph-kit';
import type { ReadingDb } from '../db';
import { mayRead } from '../domain/license';
import { storeBookContent } from '../application/store-content';
import { EPUB_MEDIA_TYPE, EpubRejected } from './epub';
import type { ContentLinks } from './links';
import type { ContentStore } from './store';

/** What the content routes need. */
export interface ContentRoutesOptions {
  db: ReadingDb;
  store: ContentStore;
  links: ContentLinks;
  maxEpubBytes: number;
  logger: Logger;
  /** The clock (tests). */
  now?: () => Date;
}

type Refusal = 'FORBIDDEN' | 'NOT_FOUND' | 'INVALID_EPUB' | 'CONTENT_TOO_LARGE';
const STATUS: Record<Refusal, number> = { FORBIDDEN: 403, NOT_FOUND: 404, INVALID_EPUB: 400, CONTENT_TOO_LARGE: 413 };
const MESSAGE: Partial<Record<Refusal, string>> = { FORBIDDEN: 'This link is not valid (expired, or the loan has ended)', NOT_FOUND: 'This book has no content' };

function refuse(res: express.Response, code: Refusal, message = MESSAGE[code] ?? code): void {
  res.status(STATUS[code]).set('Cache-Control', 'no-store').json({ code, message });
}

/** Reads the request body up to `max` bytes. @returns the bytes, or null once it is longer (the rest is drained). */
async function bodyUpTo(req: express.Request, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.resume();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The content server, on reading's own HTTP server (the gateway proxies `/content/` to it, the
 * Ingress routes it here):
 *
 * - `PUT /content/uploads/<token>` — body: the EPUB (`application/epub+zip`). 201
 *   `{sizeBytes, sha256}`; 400 `{code: "INVALID_EPUB", message}`; 413 `{code:
 *   "CONTENT_TOO_LARGE"}` over `maxEpubBytes`; 403 `{code: "FORBIDDEN"}` for a bad or expired token.
 * - `GET /content/read/<token>` — 200 the EPUB (`application/epub+zip`, `Cache-Control:
 *   no-store`) while the token is valid and the rental's licence lets its holder read now
 *   ({@link mayRead}: ACTIVE and before its due date); else 403 `FORBIDDEN` at once — a link
 *   issued before a return, cancel or expiry is refused. 404 `NOT_FOUND` when the book has no content.
 *
 * Decided from reading's own tables only (no call to rental per request).
 */
export function mountContentRoutes(app: express.Express, opts: ContentRoutesOptions): void {
  const now = opts.now ?? (() => new Date());
  app.put('/content/uploads/:token', async (req, res, next) => {
    try {
      const bookId = await opts.links.subjectOf('upload', req.params.token);
      if (!bookId) return refuse(res, 'FORBIDDEN', 'This upload link is not valid (expired or malformed)');
      const bytes = await bodyUpTo(req, opts.maxEpubBytes);
      if (!bytes) return refuse(res.set('Connection', 'close'), 'CONTENT_TOO_LARGE', `The EPUB is larger than ${opts.maxEpubBytes} bytes`);
      const stored = await storeBookContent(opts.db, opts.store, bookId, bytes, opts.maxEpubBytes, now());
      opts.logger.info({ bookId, sizeBytes: stored.sizeBytes }, 'book content stored');
      res.status(201).set('Cache-Control', 'no-store').json({ sizeBytes: stored.sizeBytes, sha256: stored.sha256 });
    } catch (err) {
      if (err instanceof EpubRejected) return refuse(res, err.code, err.message);
      next(err);
    }
  });

  app.get('/content/read/:token', async (req, res, next) => {
    try {
      const rentalId = await opts.links.subjectOf('read', req.params.token);
      if (!rentalId) return refuse(res, 'FORBIDDEN');
      const license = await opts.db.license.findUnique({ where: { rentalId } });
      if (!license || !mayRead(license, now())) return refuse(res, 'FORBIDDEN');
      const content = await opts.db.bookContent.findUnique({ where: { bookId: license.bookId } });
      const bytes = content ? await opts.store.get(content.storageKey) : null;
      if (!bytes) return refuse(res, 'NOT_FOUND');
      res
        .status(200)
        .set({
          'Content-Type': EPUB_MEDIA_TYPE,
          'Cache-Control': 'no-store, private',
          'X-Content-Type-Options': 'nosniff',
          'Content-Disposition': 'inline',
          ETag: `"${content!.sha256}"`,
        })
        .send(bytes);
    } catch (err) {
      next(err);
    }
  });
}
