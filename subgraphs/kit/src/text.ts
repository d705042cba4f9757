/** Control characters (Unicode category Cc: C0 incl. NUL, DEL, C1). PostgreSQL cannot store NUL in text. */
const CONTROL_CHARS = /\p{Cc}/u;

/** True when `s` holds a control character (NUL, ESC, newline, ...). */
export function hasControlChars(s: string): boolean {
  return CONTROL_CHARS.test(s);
}

/**
 * zod refinement arguments for a plain-text input field: no control characters (input hygiene,
 * refused as `BAD_USER_INPUT`). Use as `z.string().refine(...noControlChars('title'))`.
 */
export const noControlChars = (field: string) => [(s: string) => !hasControlChars(s), { message: `${field} must not contain control characters`, abort: true }] as const;
