/**
 * A charge the processor is asked to make. Its idempotency key ({@link chargeIdempotencyKey}) is
 * the rental id for the rent's own charge, and the rental id with the renewal id for a renewal's:
 * each is charged at most once, however often payment asks (retries, a restart after a crash
 * between the charge and recording it).
 */
export interface ChargeRequest {
  /** The rental paid for. */
  rentalId: string;
  /** Set for a renewal's charge (one id per renewal attempt); absent for the rent's own charge. */
  renewalId?: string | undefined;
  customerId: string;
  /** Integer KRW. */
  amount: number;
}

/** The processor's idempotency key of a charge and of its refund: `<rentalId>` or `<rentalId>/<renewalId>`. */
export function chargeIdempotencyKey(req: Pick<ChargeRequest, 'rentalId' | 'renewalId'>): string {
  return req.renewalId ? `${req.rentalId}/${req.renewalId}` : req.rentalId;
}

/** The processor's answer. */
export type ChargeResult = { approved: true } | { approved: false; reason: string };

/**
 * The payment processor seam (a card acquirer / PG in production). The default is
 * {@link SimulatedPaymentProcessor}; a real one implements the same two calls with the same
 * promise — both are idempotent on {@link chargeIdempotencyKey} (the rental id, with the renewal
 * id for a renewal's charge), which payment passes as the processor's idempotency key (e.g. an
 * `Idempotency-Key` header):
 *
 * - `charge`: the first call with a rental id charges (or is declined); every later call with the
 *   same rental id returns that first result and charges nothing more — also after payment
 *   crashed between the charge and recording it, so a retry finds the charge instead of repeating it.
 * - `refund`: gives back the rental id's approved charge; a second refund, or a refund of a rental
 *   id never charged (or declined), does nothing. Payment calls it when it voids a failed rental,
 *   so a charge made before a crash and never recorded is given back too.
 *
 * Both throw when the processor cannot be reached (the caller retries; repeating is safe).
 */
export interface PaymentProcessor {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  refund(req: ChargeRequest & { paymentId: string }): Promise<void>;
}

/** What the processor's books hold for one idempotency key (one rental). */
export interface ChargeRecord {
  /** The rental id the charge was made for. */
  idempotencyKey: string;
  customerId: string;
  /** Integer KRW. */
  amount: number;
  approved: boolean;
  /** Why it was declined; null when approved. */
  declineReason: string | null;
  /** Charge calls seen with this key (1 = asked once; more = repeats answered from the books, charging nothing). */
  attempts: number;
  chargedAt: Date;
  /** When the approved charge was given back; null while it stands. */
  refundedAt: Date | null;
}

/**
 * The books of the simulated processor: one {@link ChargeRecord} per idempotency key. Kept apart
 * from the processor so they can outlive a payment process (the production entry keeps them in
 * the payment database, as an acquirer keeps its own); tests read them.
 */
export interface ChargeLedger {
  /** The key's record after counting one more charge call (`attempts` + 1), or null when the key is new. */
  repeat(idempotencyKey: string): Promise<ChargeRecord | null>;
  /**
   * Stores `record` (attempts 1) unless the key has one already — then counts the call on the
   * stored one. Returns the key's record as stored: the first charge always wins.
   */
  recordFirst(record: Omit<ChargeRecord, 'attempts' | 'refundedAt'>): Promise<ChargeRecord>;
  /** Marks the key's approved, not yet refunded charge refunded at `at`. @returns whether this call refunded it. */
  markRefunded(idempotencyKey: string, at: Date): Promise<boolean>;
  /** The key's record, or null. */
  find(idempotencyKey: string): Promise<ChargeRecord | null>;
}

/** A {@link ChargeLedger} in memory: the books last as long as the processor instance. */
export class InMemoryChargeLedger implements ChargeLedger {
  private readonly records = new Map<string, ChargeRecord>();

  async repeat(idempotencyKey: string): Promise<ChargeRecord | null> {
    const r = this.records.get(idempotencyKey);
    if (!r) return null;
    r.attempts += 1;
    return { ...r };
  }

  async recordFirst(record: Omit<ChargeRecord, 'attempts' | 'refundedAt'>): Promise<ChargeRecord> {
    const existing = this.records.get(record.idempotencyKey);
    if (existing) {
      existing.attempts += 1;
      return { ...existing };
    }
    const stored = { ...record, attempts: 1, refundedAt: null };
    this.records.set(record.idempotencyKey, stored);
    return { ...stored };
  }

  async markRefunded(idempotencyKey: string, at: Date): Promise<boolean> {
    const r = this.records.get(idempotencyKey);
    if (!r || !r.approved || r.refundedAt) return false;
    r.refundedAt = at;
    return true;
  }

  async find(idempotencyKey: string): Promise<ChargeRecord | null> {
    const r = this.records.get(idempotencyKey);
    return r ? { ...r } : null;
  }
}

/** Settings of the simulated processor (env names in parentheses). */
export interface SimulatedProcessorOptions {
  /** Delay of each first charge, ms (`PAYMENT_SIM_LATENCY_MS`, default 0): resilience demos. */
  latencyMs: number;
  /** Probability 0..1 that a first charge is declined (`PAYMENT_SIM_DECLINE_RATE`, default 0). */
  declineRate: number;
  /** Random source in [0, 1) (tests inject a fixed one). */
  random?: () => number;
  /** Its books (default: a fresh {@link InMemoryChargeLedger}). */
  ledger?: ChargeLedger;
}

/** Result of a stored charge. */
function resultOf(r: ChargeRecord): ChargeResult {
  return r.approved ? { approved: true } : { approved: false, reason: r.declineReason ?? 'declined' };
}

/**
 * A processor that approves after `latencyMs`, declining a `declineRate` share of charges, and
 * keeps the {@link PaymentProcessor} promise for real: its {@link ChargeLedger} holds one charge
 * per rental id; a repeated charge answers from it without waiting or rolling again, a refund
 * marks the charge refunded once.
 */
export class SimulatedPaymentProcessor implements PaymentProcessor {
  /** The processor's books (tests read them). */
  readonly ledger: ChargeLedger;

  constructor(private readonly opts: SimulatedProcessorOptions) {
    if (!(opts.declineRate >= 0 && opts.declineRate <= 1)) throw new RangeError('PAYMENT_SIM_DECLINE_RATE must be within 0..1');
    if (!(opts.latencyMs >= 0)) throw new RangeError('PAYMENT_SIM_LATENCY_MS must be >= 0');
    this.ledger = opts.ledger ?? new InMemoryChargeLedger();
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const prior = await this.ledger.repeat(chargeIdempotencyKey(req));
    if (prior) return resultOf(prior);
    if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    const roll = (this.opts.random ?? Math.random)();
    const declined = roll < this.opts.declineRate;
    // Two concurrent first charges: both decide, one is stored; both answer with the stored one.
    const stored = await this.ledger.recordFirst({
      idempotencyKey: chargeIdempotencyKey(req),
      customerId: req.customerId,
      amount: req.amount,
      approved: !declined,
      declineReason: declined ? 'card declined (simulated)' : null,
      chargedAt: new Date(),
    });
    return resultOf(stored);
  }

  async refund(req: ChargeRequest & { paymentId: string }): Promise<void> {
    await this.ledger.markRefunded(chargeIdempotencyKey(req), new Date());
  }
}

/**
 * Reads {@link SimulatedProcessorOptions} from the environment; `ledger` as given (default: in memory).
 * @throws RangeError for out-of-range values.
 */
export function simulatedProcessorFromEnv(env: NodeJS.ProcessEnv = process.env, ledger?: ChargeLedger): SimulatedPaymentProcessor {
  return new SimulatedPaymentProcessor({
    latencyMs: Number(env.PAYMENT_SIM_LATENCY_MS ?? 0),
    declineRate: Number(env.PAYMENT_SIM_DECLINE_RATE ?? 0),
    ...(ledger ? { ledger } : {}),
  });
}
