import { z } from 'zod';
import { noControlChars } from '@ebook/subgraph-kit/text';

/**
 * Rules for a new account's fields. Email is trimmed and lower-cased (accounts are unique
 * per email, case-insensitively). Password length 8–128 follows NIST SP 800-63B §5.1.1.
 * No field may contain control characters (input hygiene): they are refused as
 * `BAD_USER_INPUT` before anything is hashed or written. `locale` (`ko` | `en`, default `ko`)
 * picks the language of the customer's messages; any other value is refused the same way.
 */
export const RegistrationSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'name is required')
    .max(100)
    .refine(...noControlChars('name')),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .refine(...noControlChars('email'))
    .pipe(z.email('email is not a valid address'))
    .pipe(z.string().max(254)),
  phone: z
    .string()
    .trim()
    .refine(...noControlChars('phone'))
    .regex(/^\+?[0-9][0-9 -]{5,18}[0-9]$/, { message: 'phone must be 7–20 digits, spaces or dashes', abort: true })
    .refine((p) => (p.match(/\d/g) ?? []).length >= 7, 'phone must have at least 7 digits'),
  password: z
    .string()
    .min(8, 'password must have at least 8 characters')
    .max(128)
    .refine(...noControlChars('password')),
  /** Language of the customer's messages: `ko` (default when absent or null) or `en`. */
  locale: z
    .enum(['ko', 'en'], 'locale must be ko or en')
    .nullish()
    .transform((l) => l ?? 'ko'),
});

/** Validated registration input. */
export type Registration = z.output<typeof RegistrationSchema>;

/** Normalises an email for lookup (trim + lower case). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
