/** A charge the processor is asked to make. */
export interface ChargeRequest {
  rentalId: string;
  customerId: string;
  /** Integer KRW. */
  amount: number;
}

/** The processor's answer. */
export type ChargeResult = { approved: true } | { approved: false; reason: string };

/**
 * The payment processor seam (a card acquirer / PG in production). The default is
 * {@link SimulatedPaymentProcessor}; a real one implements the same two calls.
 */
export interface PaymentProcessor {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  refund(req: ChargeRequest & { paymentId: string }): Promise<void>;
}

/** Settings of the simulated processor (env names in parentheses). */
export interface SimulatedProcessorOptions {
  /** Delay of each charge, ms (`PAYMENT_SIM_LATENCY_MS`, default 0): resilience demos. */
  latencyMs: number;
  /** Probability 0..1 that a charge is declined (`PAYMENT_SIM_DECLINE_RATE`, default 0). */
  declineRate: number;
  /** Random source in [0, 1) (tests inject a fixed one). */
  random?: () => number;
}

/** A processor that approves after `latencyMs`, declining a `declineRate` share of charges. */
export class SimulatedPaymentProcessor implements PaymentProcessor {
  constructor(private readonly opts: SimulatedProcessorOptions) {
    if (!(opts.declineRate >= 0 && opts.declineRate <= 1)) throw new RangeError('PAYMENT_SIM_DECLINE_RATE must be within 0..1');
    if (!(opts.latencyMs >= 0)) throw new RangeError('PAYMENT_SIM_LATENCY_MS must be >= 0');
  }

  async charge(_req: ChargeRequest): Promise<ChargeResult> {
    if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    const roll = (this.opts.random ?? Math.random)();
    return roll < this.opts.declineRate ? { approved: false, reason: 'card declined (simulated)' } : { approved: true };
  }

  async refund(_req: ChargeRequest & { paymentId: string }): Promise<void> {}
}

/** Reads {@link SimulatedProcessorOptions} from the environment. @throws RangeError for out-of-range values. */
export function simulatedProcessorFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatedPaymentProcessor {
  return new SimulatedPaymentProcessor({
    latencyMs: Number(env.PAYMENT_SIM_LATENCY_MS ?? 0),
    declineRate: Number(env.PAYMENT_SIM_DECLINE_RATE ?? 0),
  });
}
