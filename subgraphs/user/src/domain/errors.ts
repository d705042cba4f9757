import { DomainError } from '@ebook/subgraph-kit/domain-error';

/** Every error code the user context's application code raises (each is in the kit's `ErrorCode`). */
export const USER_ERROR_CODES = ['BAD_USER_INPUT', 'EMAIL_TAKEN', 'INVALID_CREDENTIALS', 'RATE_LIMITED'] as const;

/** One of {@link USER_ERROR_CODES}. */
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/** A refusal of the user context; clients get `extensions.code` = `code` (mapped once by the kit). */
export class UserError extends DomainError<UserErrorCode> {}

/** The user context's refusals, with the messages clients see. Each returns the error; the caller throws it. */
export const UserErrors = {
  /** `BAD_USER_INPUT` (`extensions.fields`: the offending input paths, e.g. `email`): registration input refused; `message` lists why. */
  badInput: (message: string, fields: string[]) => new UserError('BAD_USER_INPUT', message, { fields }),
  /** `EMAIL_TAKEN`: an account with this e-mail exists. */
  emailTaken: () => new UserError('EMAIL_TAKEN', 'An account with this email already exists'),
  /** `INVALID_CREDENTIALS`: unknown e-mail or wrong password — one message for both, so e-mails cannot be probed. */
  invalidCredentials: () => new UserError('INVALID_CREDENTIALS', 'Email or password is wrong'),
  /** `RATE_LIMITED` (`extensions.retryAfter`, seconds): too many failed sign-ins for this account or address. */
  tooManyFailedLogins: (retryAfter: number) => new UserError('RATE_LIMITED', `Too many failed logins, retry in ${retryAfter} s`, { retryAfter }),
} as const;
