import { RateLimiterMemory } from 'rate-limiter-flexible';
import { intEnv, takePoint } from '@ebook/subgraph-kit';

/** Limits of {@link LoginThrottle}. A limit of 0 turns that key off. */
export interface LoginThrottleOptions {
  /** Failed logins per account (normalized email) per window, env `LOGIN_MAX_FAILURES_PER_ACCOUNT` (default 5). */
  maxFailuresPerAccount: number;
  /** Failed logins per client IP per window, env `LOGIN_MAX_FAILURES_PER_IP` (default 20). */
  maxFailuresPerIp: number;
  /** Fixed window, seconds, starting at the first failure, env `LOGIN_THROTTLE_WINDOW_SECONDS` (default 900). */
  windowSeconds: number;
}

/** Defaults: 5 failures per account and 20 per IP per 15 minutes. */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = { maxFailuresPerAccount: 5, maxFailuresPerIp: 20, windowSeconds: 900 };

/** {@link LoginThrottleOptions} from `LOGIN_MAX_FAILURES_PER_ACCOUNT`, `LOGIN_MAX_FAILURES_PER_IP`, `LOGIN_THROTTLE_WINDOW_SECONDS`. */
export function loginThrottleFromEnv(env: NodeJS.ProcessEnv = process.env): LoginThrottleOptions {
  return {
    maxFailuresPerAccount: intEnv('LOGIN_MAX_FAILURES_PER_ACCOUNT', DEFAULT_LOGIN_THROTTLE.maxFailuresPerAccount, env),
    maxFailuresPerIp: intEnv('LOGIN_MAX_FAILURES_PER_IP', DEFAULT_LOGIN_THROTTLE.maxFailuresPerIp, env),
    windowSeconds: intEnv('LOGIN_THROTTLE_WINDOW_SECONDS', DEFAULT_LOGIN_THROTTLE.windowSeconds, env),
  };
}

/** Longest account key kept (longer inputs cannot be registered emails; bounds the memory per key). */
const MAX_KEY_LENGTH = 320;

/**
 * Brute-force protection of `login` (issue #5), `rate-limiter-flexible`, fixed window: at most
 * `maxFailuresPerAccount` failed logins per account (normalized email, known or not — so a
 * refusal reveals nothing about which emails exist) and `maxFailuresPerIp` per client IP.
 *
 * Protocol: {@link reserve} BEFORE the password is checked counts the attempt as a failure on
 * both keys (so concurrent guesses cannot overshoot the limit); over a limit it refuses, and
 * the caller answers `RATE_LIMITED` without any argon2 work. {@link succeeded} then clears the
 * account's failures and gives the IP its point back, so only failures count.
 *
 * Per-account lockout can be triggered by anyone who knows an email (inherent to per-account
 * throttling); it lasts one window and never reveals the password.
 *
 * The counters are in memory (`RateLimiterMemory`): each user-subgraph replica counts alone, so
 * with N replicas an attacker gets up to N × the limits. Replicas need a shared store — swap in
 * `RateLimiterRedis` / `RateLimiterPostgres` (same library, same API).
 */
export class LoginThrottle {
  private readonly account: RateLimiterMemory | null;
  private readonly ip: RateLimiterMemory | null;

  constructor(readonly opts: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {
    if (!(opts.windowSeconds > 0)) throw new Error('LOGIN_THROTTLE_WINDOW_SECONDS must be positive');
    this.account =
      opts.maxFailuresPerAccount > 0 ? new RateLimiterMemory({ keyPrefix: 'login-account', points: opts.maxFailuresPerAccount, duration: opts.windowSeconds }) : null;
    this.ip = opts.maxFailuresPerIp > 0 ? new RateLimiterMemory({ keyPrefix: 'login-ip', points: opts.maxFailuresPerIp, duration: opts.windowSeconds }) : null;
  }

  /**
   * Counts one login attempt as a failure of `account` (a normalized email) and `ip`.
   * @returns null when the password may be checked, else the seconds until the window ends
   * (nothing is counted then: a refused attempt checks no password).
   */
  async reserve(account: string, ip: string | undefined): Promise<number | null> {
    const accountKey = account.slice(0, MAX_KEY_LENGTH);
    const ipWait = ip ? await takePoint(this.ip, ip, { giveBack: true }) : null;
    if (ipWait !== null) return ipWait;
    const accountWait = await takePoint(this.account, accountKey, { giveBack: true });
    if (accountWait !== null) {
      if (ip) await this.ip?.reward(ip, 1);
      return accountWait;
    }
    return null;
  }

  /** A successful login (after {@link reserve}): the account starts afresh; the IP gets its point back. */
  async succeeded(account: string, ip: string | undefined): Promise<void> {
    await this.account?.delete(account.slice(0, MAX_KEY_LENGTH));
    if (ip) await this.ip?.reward(ip, 1);
  }
}

