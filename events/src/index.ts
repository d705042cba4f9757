/**
 * @ebook/events — the one events library of every context: contracts (zod), envelope,
 * transactional outbox + relay, inbox/idempotent consumer, and the event-bus seam with its
 * Kafka (kafkajs) and embedded (`pnpm dev` only) transports.
 */
export * from './envelope';
export * from './contracts/index';
export * from './sql';
export * from './bus/event-bus';
export { KafkaEventBus, kafkaSaslFromEnv, type KafkaEventBusOptions, type KafkaSasl } from './bus/kafka-event-bus';
export { EmbeddedEventBus } from './bus/embedded-event-bus';
export { appendToOutbox, outboxInsert, noteOutboxWrite, type OutboxInsert } from './outbox/outbox';
export { unitOfWork, joinTransaction, type UnitOfWork, type Outcome, type RelayWaker } from './outbox/unit-of-work';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/relay';
export { startIdempotentConsumer, DEAD_LETTER_SUFFIX, type EventHandlers, type IdempotentConsumerOptions } from './inbox/idempotent-consumer';
export { pruneEventTables, type EventRetention, type PruneOptions } from './prune';
export { eventMetrics, zeroEventCounters, ScrapedGauge, cachedFor, type GaugeSample, type GaugeProbe } from './metrics';
export { watchOutboxBacklog, readOutboxBacklog, type OutboxBacklog } from './outbox/backlog-metrics';
export { activeTraceparent, contextFromHeaders, injectTraceHeaders, inSpan, EVENTS_TRACER, SpanKind } from './tracing';
