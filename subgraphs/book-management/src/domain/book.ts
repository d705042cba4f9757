import { z } from 'zod';
import { hasControlChars, noControlChars } from '@ebook/subgraph-kit/text';

/** Upper bound of a rental fee, integer KRW (a product decision: catches unit mistakes such as cents). */
export const MAX_RENTAL_FEE_KRW = 1_000_000;

/**
 * Rules for a new catalog entry (`registerBook`). Title and author are plain text: any
 * printable Unicode (markup such as `<script>` is stored and returned verbatim, clients must
 * escape it), but no control characters (input hygiene: refused as `BAD_USER_INPUT`).
 */
export const NewBookSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'title is required')
    .max(300)
    .refine(...noControlChars('title')),
  author: z
    .string()
    .trim()
    .min(1, 'author is required')
    .max(200)
    .refine(...noControlChars('author')),
  publishedYear: z
    .number()
    .int()
    .min(-3000, 'publishedYear is out of range')
    .refine((y) => y <= new Date().getUTCFullYear(), 'publishedYear cannot be in the future'),
  rentalFee: z.number().int().min(0, 'rentalFee cannot be negative').max(MAX_RENTAL_FEE_KRW, `rentalFee is at most ${MAX_RENTAL_FEE_KRW} KRW`),
  licensedCopies: z.number().int().min(1, 'licensedCopies must be at least 1').max(10_000),
});

/**
 * Checks a `books(search)` term (already trimmed). @returns the reason it is refused
 * (`BAD_USER_INPUT`), or null when it may be searched for: at most 200 characters, no control
 * characters (a NUL byte cannot even be sent to PostgreSQL).
 */
export function searchTermProblem(search: string): string | null {
  if (search.length > 200) return 'search is at most 200 characters';
  if (hasControlChars(search)) return 'search must not contain control characters';
  return null;
}

/** A validated new book. */
export type NewBook = z.output<typeof NewBookSchema>;

/** Encodes a catalog position (`seq`) as an opaque cursor. */
export function encodeCursor(seq: bigint): string {
  return Buffer.from(`book:${seq}`).toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}. @returns null when it is not one of ours. */
export function decodeCursor(cursor: string): bigint | null {
  const m = /^book:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? BigInt(m[1]!) : null;
}
