/**
 * Fault-harness entry of the payment service (never deployed: only `ProcessStack.start('payment',
 * { entry })` runs it). It is `subgraphs/payment/src/main.ts` with one difference: the processor
 * is wrapped so that the process kills itself (SIGKILL: no shutdown hooks, no response) right
 * after its first charge returns — the charge is on the processor's books (`processor_charge`),
 * payment's own insert of the payment row has not happened. That is the window between
 * `processor.charge` and the insert in `approvePayment`.
 *
 * The seam is the `PaymentProcessor` port that `startPaymentService` takes; production code holds
 * no kill switch. `FAULT_CRASH_AFTER_CHARGES` (default 1) sets which charge of this process is the
 * fatal one.
 */
import { DbChargeLedger, simulatedProcessorFromEnv, startPaymentService, type PaymentProcessor } from '@ebook/payment';
import { intEnv, platformFromEnv, requireEnv, stopOnSignals } from '@ebook/subgraph-kit';

const fatalCharge = intEnv('FAULT_CRASH_AFTER_CHARGES', 1);
let charges = 0;

const platform = platformFromEnv('payment');
const service = await startPaymentService({
  platform,
  databaseUrl: requireEnv('PAYMENT_DATABASE_URL'),
  port: intEnv('PORT', 4004),
  processor: (db): PaymentProcessor => {
    const real = simulatedProcessorFromEnv(process.env, new DbChargeLedger(db));
    return {
      async charge(req) {
        const result = await real.charge(req);
        charges += 1;
        if (charges === fatalCharge) {
          platform.logger.warn({ rentalId: req.rentalId, result }, 'fault harness: charged, crashing before the payment is recorded');
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => {}); // never answers
        }
        return result;
      },
      refund: (req) => real.refund(req),
    };
  },
});
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
