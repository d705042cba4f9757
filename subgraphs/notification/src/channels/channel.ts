/**
 * The seam between the notification context and the ways a message reaches a customer. Each
 * channel (e-mail today; SMS or push later) implements it; deliveries are kept per
 * (event, channel), so each channel sends a message at most once per event and retries alone.
 */

/** Whom a message is for (from the context's replica of UserRegistered). */
export interface Recipient {
  customerId: string;
  name: string;
  /** Null when unknown (a user registered before UserRegistered carried it). */
  email: string | null;
}

/** A rendered message for one recipient. */
export interface OutgoingNotification {
  /** Stable per (event, channel): lets the receiving side drop a repeat (e.g. the e-mail Message-ID). */
  idempotencyKey: string;
  recipient: Recipient;
  subject: string;
  /** Plain text, lines separated by `\n`. */
  body: string;
  /** `ko` | `en` (e.g. the e-mail's Content-Language). */
  locale: string;
}

/** A way to reach customers. */
export interface NotificationChannel {
  /** Stable name, part of each delivery's unique key (`email`). */
  readonly name: string;
  /** Whether this channel can reach `recipient` at all (false: the delivery is SKIPPED, never retried). */
  canReach(recipient: Recipient): boolean;
  /**
   * Sends one message; resolves once the channel's server accepted it.
   * @throws any error when it was not accepted (the delivery is retried with back-off).
   */
  send(message: OutgoingNotification): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
