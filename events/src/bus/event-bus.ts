/**
 * The transport seam. Only `kafka-event-bus.ts` knows Kafka, and `embedded-event-bus.ts`
 * stands in for it in `pnpm dev`. A KafkaJS-compatible client (e.g.
 * `@confluentinc/kafka-javascript`) can replace kafkajs behind this interface.
 */

/** A message to publish: `key` = aggregate id (partitioning and per-aggregate order). */
export interface OutgoingMessage {
  topic: string;
  key: string;
  /** The JSON envelope. */
  value: string;
  headers?: Record<string, string>;
}

/** A delivered message. `offset` is the partition offset (string, Kafka style). */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** A running subscription of one consumer group. */
export interface Subscription {
  stop(): Promise<void>;
}

/**
 * Publish/subscribe with consumer groups and at-least-once delivery.
 * `publish` resolves once the broker acknowledged every message (acks=all) and rejects
 * otherwise, leaving the caller (the outbox relay) to retry.
 * `subscribe`: each message is delivered to one member of the group; `onMessage` resolving
 * means "handled" (its offset may be committed); a new group starts at the earliest offset.
 * `ready` is the readiness check of a service using the bus: it resolves while the transport
 * can be reached and rejects with the reason otherwise; it is cheap enough for every probe.
 */
export interface EventBus {
  readonly kind: 'kafka' | 'embedded';
  publish(messages: OutgoingMessage[]): Promise<void>;
  subscribe(args: { groupId: string; topics: string[]; onMessage: (message: IncomingMessage) => Promise<void> }): Promise<Subscription>;
  ready(): Promise<void>;
  close(): Promise<void>;
}
