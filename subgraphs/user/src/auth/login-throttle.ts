import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { intEnv, RateLimitStore } from '@ebook/subgraph-kit';

/** Limits of {@link LoginThrottle}. A limit of 0 turns that key off. */
export interface LoginThrottleOptions {
  /** Failed logins per account (normalized email) per window, env `LOGIN_MAX_FAILURES_PER_ACCOUNT` (default 5). */
  maxFailuresPerAccount: number;
  /** Failed logins per client IP per window, env `LOGIN_MAX_FAILURES_PER_IP` (default 20). */
  maxFailuresPerIp: number;
  /** Fixed window, seconds, starting at the first counted attempt, env `LOGIN_THROTTLE_WINDOW_SECONDS` (default 900). */
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

/** How long (ms) an attempt over a limit keeps retrying while the points may be other replicas' attempts in flight (shared store only): longer than a password check (argon2id, tens of ms). */
const SHARED_GRACE_MS = 1_000;
/** Retry period (ms) during {@link SHARED_GRACE_MS}. */
const SHARED_RETRY_MS = 50;

/** Longest account key kept (longer inputs cannot be registered emails; bounds the memory per key). */
const MAX_KEY_LENGTH = 320;

/**
 * One login attempt allowed by {@link LoginThrottle.reserve}: it holds one point on each key
 * (account, IP) until it is settled. Settle it exactly once, in every path (`try/finally`);
 * later calls do nothing. Each method resolves once the points are settled and waiting
 * attempts on the same keys have been woken.
 * @throws (each method) a store error of the limiter; the attempt counts as settled all the same.
 */
export interface LoginAttempt {
  /** Right password: the account's confirmed failures are cleared, the IP gets its point back. */
  succeeded(): Promise<void>;
  /** Wrong password or unknown email: the points stay, one confirmed failure on each key. */
  failed(): Promise<void>;
  /** No answer about the password (e.g. the database is down): not a failure, both points are given back. */
  abandoned(): Promise<void>;
}

/** The answer of {@link LoginThrottle.reserve}: an attempt to check, or a refusal with `retryAfter` seconds (≥ 1) until the window ends. */
export type LoginReservation = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfter: number };

/** One point held by an attempt in flight on one key; `windowEndsAt` (epoch ms) is the end of the window the point was taken in. */
interface Hold {
  key: string;
  windowEndsAt: number;
}

/** In-process state of one key: points held by attempts in flight, attempts waiting for one of them to settle, the lock. */
interface KeyState {
  holds: Set<Hold>;
  waiters: Array<() => void>;
  /** Settles when the last operation queued on the key's lock has run. */
  tail: Promise<void>;
  /** Operations (reservations, including their waiting, and settlements) using this state; the state is dropped at 0 with no holds. */
  users: number;
}

/**
 * Failure counting of one kind of key (accounts or IPs): the windowed count is the
 * rate-limiter-flexible limiter's; which of its points are still in flight (their password not
 * yet judged) is this class's bookkeeping, per key, in this process. Every read-modify step of a
 * key (a reservation's consume-and-decide, a settlement) runs under a per-key lock, so a
 * decision never rests on a count that another attempt has half-changed.
 */
class FailureCounter {
  private readonly keys = new Map<string, KeyState>();

  /**
   * `sharedGraceMs`: when the store is shared by replicas, how long (ms) an attempt over the limit
   * with no point of its own replica in flight keeps retrying (every {@link SHARED_RETRY_MS})
   * before it is refused — the points may be other replicas' attempts in flight. 0: refuse at once.
   */
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly sharedGraceMs = 0,
  ) {}

  /**
   * Takes one point for `key`. When the limit is reached while attempts still hold points here,
   * waits until one of them settles and tries again; refuses only when no point is in flight
   * here, i.e. every consumed point is a confirmed failure or (shared store) held by another
   * replica's attempt — those are retried for `sharedGraceMs` first.
   * @returns the hold, or the seconds (≥ 1) until the window ends (a refusal counts nothing).
   * @throws a store error of the limiter.
   */
  async take(key: string): Promise<Hold | number> {
    const s = this.enter(key);
    const graceEndsAt = Date.now() + this.sharedGraceMs;
    try {
      for (;;) {
        const outcome = await this.exclusive(s, async (): Promise<Hold | number | { wait: Promise<void> }> => {
          try {
            const res = await this.limiter.consume(key);
            const hold = { key, windowEndsAt: Date.now() + res.msBeforeNext };
            s.holds.add(hold);
            return hold;
          } catch (rejection) {
            if (!(rejection instanceof RateLimiterRes)) throw rejection;
            await this.limiter.reward(key, 1); // a refused attempt counts nothing
            // Registered under the lock, so no settlement can slip between the decision and the wait.
            if (s.holds.size > 0) return { wait: new Promise<void>((resolve) => s.waiters.push(resolve)) };
            // None in flight here; with a shared store some points may be in flight on other replicas.
            if (Date.now() < graceEndsAt) return { wait: sleep(SHARED_RETRY_MS) };
            return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
          }
        });
        if (typeof outcome === 'number' || !('wait' in outcome)) return outcome;
        await outcome.wait;
      }
    } finally {
      this.leave(key, s);
    }
  }

  /**
   * Settles `hold`: `keep` leaves its point as a confirmed failure, `giveBack` returns it (if its
   * window is still running), `clear` returns it and every confirmed failure of the current
   * window (points of other attempts in flight stay). Then wakes the key's waiting attempts.
   * @throws a store error of the limiter (the hold is released and the waiters woken all the same).
   */
  async settle(hold: Hold, how: 'keep' | 'giveBack' | 'clear'): Promise<void> {
    const s = this.enter(hold.key);
    try {
      await this.exclusive(s, async () => {
        try {
          s.holds.delete(hold);
          const now = Date.now();
          if (how === 'giveBack' && hold.windowEndsAt > now) await this.limiter.reward(hold.key, 1);
          if (how === 'clear') {
            const othersInWindow = [...s.holds].filter((h) => h.windowEndsAt > now).length;
            if (othersInWindow === 0) await this.limiter.delete(hold.key);
            else {
              const consumed = (await this.limiter.get(hold.key))?.consumedPoints ?? 0;
              if (consumed > othersInWindow) await this.limiter.reward(hold.key, consumed - othersInWindow);
            }
          }
        } finally {
          for (const wake of s.waiters.splice(0)) wake();
        }
      });
    } finally {
      this.leave(hold.key, s);
    }
  }

  private enter(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { holds: new Set(), waiters: [], tail: Promise.resolve(), users: 0 }));
    s.users++;
    return s;
  }

  private leave(key: string, s: KeyState): void {
    if (--s.users === 0 && s.holds.size === 0) this.keys.delete(key);
  }

  /** Runs `fn` when every operation queued before it on the key has run (a FIFO lock). */
  private async exclusive<T>(s: KeyState, fn: () => Promise<T>): Promise<T> {
    const before = s.tail;
    let unlock!: () => void;
    s.tail = new Promise<void>((resolve) => (unlock = resolve));
    await before;
    try {
      return await fn();
    } finally {
      unlock();
    }
  }
}

/**
 * Brute-force protection of `login` and of the authorization server's login page,
 * `rate-limiter-flexible`, fixed window: at most `maxFailuresPerAccount` failed logins per
 * account (normalized email, known or not — so a refusal reveals nothing about which emails
 * exist) and `maxFailuresPerIp` per client IP get their password checked per window.
 *
 * Protocol: {@link reserve} BEFORE the password is checked takes one point on both keys, so
 * concurrent guesses cannot overshoot a limit; the returned {@link LoginAttempt} is then
 * settled with the verdict — a failure keeps the points, a success or an abandoned attempt
 * gives them back (a success also clears the account's failures).
 *
 * Concurrency: a point held by an attempt whose password is still being checked is not a
 * failure yet. When a key's limit is reached and some of its points are in flight, a new
 * attempt WAITS for one of them to settle and tries again; it is refused only when every
 * consumed point is a confirmed failure. So any number of simultaneous correct logins from one
 * address (a campus behind one NAT) are served, while at most the limit of failures per key and
 * window are ever checked. Attempts are served in arrival order; once the limit is full of
 * confirmed failures, attempts still waiting are refused too, right password or not (they
 * cannot be told apart from guesses). The in-flight bookkeeping and its per-key lock (rather
 * than a lock-free re-read of the count) make that decision exact: with concurrent refused
 * consumes each briefly over-counting, a lock-free check can either refuse because of another
 * refusal's transient point or keep re-reading while the refusals invalidate one another.
 *
 * Per-account lockout can be triggered by anyone who knows an email (inherent to per-account
 * throttling); it lasts one window and never reveals the password.
 *
 * Replicas: the windowed counts live in the given {@link RateLimitStore} — with `REDIS_URL`, in
 * Redis (keys `login-account:` and `login-ip:`), so every user-subgraph replica counts against
 * the same limits and at most the limit of failures per key and window are checked across all
 * of them (each consume is atomic in Redis); without, in memory, each replica alone (N replicas
 * → up to N × the limits). The in-flight bookkeeping stays per replica: a replica waits only for
 * its own attempts in flight. Over the limit with none of its own in flight, it cannot tell
 * other replicas' attempts in flight from confirmed failures, so it retries for
 * {@link SHARED_GRACE_MS} (every {@link SHARED_RETRY_MS}) before refusing: a correct login
 * arriving while other replicas check the limit's worth of passwords on its key is served once
 * they settle, and a refusal of a full key answers that much later. The cap holds either way.
 * When Redis is unreachable, counting falls back to
 * memory per replica ({@link RateLimitStore}): logins are still served and throttled, never
 * failed.
 */
export class LoginThrottle {
  private readonly account: FailureCounter | null;
  private readonly ip: FailureCounter | null;

  /**
   * `store`: where the windowed counts live (default: memory, this process alone).
   * @throws when `windowSeconds` is not positive.
   */
  constructor(
    readonly opts: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE,
    store: RateLimitStore = new RateLimitStore(),
  ) {
    if (!(opts.windowSeconds > 0)) throw new Error('LOGIN_THROTTLE_WINDOW_SECONDS must be positive');
    const limiter = (keyPrefix: string, points: number) =>
      points > 0 ? new FailureCounter(store.limiter({ keyPrefix, points, duration: opts.windowSeconds }), store.shared ? SHARED_GRACE_MS : 0) : null;
    this.account = limiter('login-account', opts.maxFailuresPerAccount);
    this.ip = limiter('login-ip', opts.maxFailuresPerIp);
  }

  /**
   * Counts one login attempt of `account` (a normalized email) from `ip` (none known → only the
   * account counts), before its password is checked. May wait while attempts in flight on the
   * same keys settle (see the class comment).
   * @returns the attempt to settle, or a refusal with the seconds until the refusing key's window
   * ends (nothing is counted then: a refused attempt checks no password).
   * @throws a store error of the limiter (nothing stays counted).
   */
  async reserve(account: string, ip: string | undefined): Promise<LoginReservation> {
    const ipCounter = ip ? this.ip : null;
    const ipHold = ip && ipCounter ? await ipCounter.take(ip) : null;
    if (typeof ipHold === 'number') return { allowed: false, retryAfter: ipHold };
    let accountHold: Hold | number | null;
    try {
      accountHold = this.account ? await this.account.take(account.slice(0, MAX_KEY_LENGTH)) : null;
    } catch (err) {
      if (ipHold) await ipCounter!.settle(ipHold, 'giveBack');
      throw err;
    }
    if (typeof accountHold === 'number') {
      // Refused for the account: the attempt counts nothing for the IP either.
      if (ipHold) await ipCounter!.settle(ipHold, 'giveBack');
      return { allowed: false, retryAfter: accountHold };
    }
    return { allowed: true, attempt: this.attempt(ipCounter, ipHold, accountHold) };
  }

  private attempt(ipCounter: FailureCounter | null, ipHold: Hold | null, accountHold: Hold | null): LoginAttempt {
    let settled = false;
    const settle = async (onIp: 'keep' | 'giveBack', onAccount: 'keep' | 'giveBack' | 'clear') => {
      if (settled) return;
      settled = true;
      const results = await Promise.allSettled([ipHold ? ipCounter!.settle(ipHold, onIp) : undefined, accountHold ? this.account!.settle(accountHold, onAccount) : undefined]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    };
    return {
      succeeded: () => settle('giveBack', 'clear'),
      failed: () => settle('keep', 'keep'),
      abandoned: () => settle('giveBack', 'giveBack'),
    };
  }
}
