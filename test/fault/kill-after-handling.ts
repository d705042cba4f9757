/**
 * Fault-harness entry of a consuming service (never deployed: only `ProcessStack.start(service,
 * { entry })` runs it): the production service `FAULT_SERVICE` (`payment` or `rental-view`, as
 * its `main.ts` starts it) whose event bus is wrapped so that the process kills itself (SIGKILL)
 * right after a message of type `FAULT_KILL_AFTER_HANDLING` was handled — its handler's
 * transaction and inbox row committed — and before the consumer can commit the offset. That is
 * the window in which Kafka delivers the event again and only the inbox prevents a second effect.
 *
 * The seam is the `EventBus` of the `Platform` the service takes; production code holds no kill
 * switch.
 */
import type { EventBus } from '@ebook/events';
import { DbChargeLedger, simulatedProcessorFromEnv, startPaymentService } from '@ebook/payment';
import { startRentalViewService } from '@ebook/rental-view';
import { intEnv, platformFromEnv, requireEnv, stopOnSignals, type Service } from '@ebook/subgraph-kit';

const serviceName = requireEnv('FAULT_SERVICE');
const fatalType = requireEnv('FAULT_KILL_AFTER_HANDLING');
const platform = platformFromEnv(serviceName);

/** The bus, with every subscriber's handling followed by a SIGKILL after a `fatalType` message. */
const bus: EventBus = platform.bus;
const subscribe = bus.subscribe.bind(bus);
bus.subscribe = (opts) =>
  subscribe({
    ...opts,
    onMessage: async (m) => {
      await opts.onMessage(m);
      let type: unknown;
      try {
        type = (JSON.parse(m.value) as { type?: unknown }).type;
      } catch {
        type = undefined;
      }
      if (type === fatalType) {
        platform.logger.warn({ type, offset: m.offset }, 'fault harness: handled, crashing before the offset commit');
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {}); // never returns to the consumer
      }
    },
  });

const starters: Record<string, () => Promise<Service>> = {
  payment: () =>
    startPaymentService({
      platform,
      databaseUrl: requireEnv('PAYMENT_DATABASE_URL'),
      port: intEnv('PORT', 4004),
      processor: (db) => simulatedProcessorFromEnv(process.env, new DbChargeLedger(db)),
    }),
  'rental-view': () => startRentalViewService({ platform, databaseUrl: requireEnv('RENTAL_VIEW_DATABASE_URL'), port: intEnv('PORT', 4005) }),
};
const start = starters[serviceName];
if (!start) throw new Error(`FAULT_SERVICE must be one of ${Object.keys(starters).join(', ')}`);
const service = await start();
stopOnSignals(
  () => [service],
  platform.logger,
  () => platform.bus.close(),
);
