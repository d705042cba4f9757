import { z } from 'zod';

/** Upper bound of a rental fee, integer KRW (a product decision: catches unit mistakes such as cents). */
export const MAX_RENTAL_FEE_KRW = 1_000_000;

/** Rules for a new catalog entry (`registerBook`). */
export const NewBookSchema = z.object({
  title: z.string().trim().min(1, 'title is required').max(300),
  author: z.string().trim().min(1, 'author is required').max(200),
  publishedYear: z
    .number()
    .int()
    .min(-3000, 'publishedYear is out of range')
    .refine((y) => y <= new Date().getUTCFullYear(), 'publishedYear cannot be in the future'),
  rentalFee: z.number().int().min(0, 'rentalFee cannot be negative').max(MAX_RENTAL_FEE_KRW, `rentalFee is at most ${MAX_RENTAL_FEE_KRW} KRW`),
  licensedCopies: z.number().int().min(1, 'licensedCopies must be at least 1').max(10_000),
});

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
