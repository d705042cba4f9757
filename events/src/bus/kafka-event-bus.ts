import { Kafka, logLevel, type Admin, type Producer, type Consumer, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { cachedFor, type GaugeSample } from '../metrics';
import { consumerLagGauge, partitionLag } from './consumer-lag';
import type { EventBus, IncomingMessage, OutgoingMessage, Subscription } from './event-bus';

/**
 * SASL login of a {@link KafkaEventBus} (e.g. a Strimzi `KafkaUser` with `scram-sha-512`
 * authentication: username = the KafkaUser's name, password = its Secret's `password`).
 */
export type KafkaSasl = { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } & SASLOptions;

const SASL_MECHANISMS: readonly KafkaSasl['mechanism'][] = ['plain', 'scram-sha-256', 'scram-sha-512'];

/**
 * The Kafka SASL login from `KAFKA_SASL_MECHANISM` (`plain`, `scram-sha-256` or `scram-sha-512`),
 * `KAFKA_SASL_USERNAME` and `KAFKA_SASL_PASSWORD`; `undefined` (no login) when the mechanism is unset.
 * @throws Error for another mechanism, or when the mechanism is set without a username or password.
 */
export function kafkaSaslFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSasl | undefined {
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (!mechanism) return undefined;
  if (!SASL_MECHANISMS.includes(mechanism as KafkaSasl['mechanism'])) {
    throw new Error(`environment variable KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got "${mechanism}"`);
  }
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is required`);
    return value;
  };
  return { mechanism: mechanism as KafkaSasl['mechanism'], username: required('KAFKA_SASL_USERNAME'), password: required('KAFKA_SASL_PASSWORD') };
}

/** Options of {@link KafkaEventBus}. */
export interface KafkaEventBusOptions {
  /** `host:port` list, from `KAFKA_BROKERS` (comma separated). */
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Partitions of topics this bus creates (default 3). */
  numPartitions?: number;
  /** How often consumers commit handled offsets, ms (env `KAFKA_COMMIT_INTERVAL_MS`, default 500). */
  commitIntervalMs?: number;
  /**
   * Prefix added to every consumer group id (env `KAFKA_GROUP_PREFIX`, default none): lets two
   * deployments share a broker (e.g. parallel test stacks) without joining each other's groups.
   */
  groupIdPrefix?: string;
  /** How long a consumer-lag reading is reused by later scrapes, ms (default 5000). */
  lagCacheMs?: number;
  /** SASL login (over the listener's plain TCP); none by default. */
  sasl?: KafkaSasl;
  /** How long a broker reachability answer of {@link KafkaEventBus.ready} is reused, ms (default 2000). */
  readyCacheMs?: number;
  /** How long {@link KafkaEventBus.ready} waits for the broker, ms (default 1000). */
  readyTimeoutMs?: number;
}

/**
 * {@link EventBus} on Apache Kafka through kafkajs 2.2.4 (Kafka 3.9.x brokers).
 * Producer: idempotent, acks=all. Consumers: one kafkajs consumer per group, reading from the
 * earliest offset when the group is new, committing offsets after `onMessage` resolves.
 * Topics are created on first use (admin.createTopics, idempotent).
 * `/metrics` shows the lag of its consumer groups (`events_consumer_lag_messages`, read with the
 * admin client at scrape time and cached `lagCacheMs`; see {@link consumerLag}).
 * Readiness ({@link ready}) asks the cluster's metadata with a separate, non-retrying admin client.
 */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private producerReady: Promise<Producer> | undefined;
  private readonly consumers = new Set<Consumer>();
  private readonly knownTopics = new Set<string>();
  /** Running subscriptions of this bus: unprefixed group id and topics, for the consumer-lag gauge. */
  private readonly subscribed = new Map<Consumer, { group: string; topics: string[] }>();
  private lagAdmin: Promise<Admin> | undefined;
  private unwatchLag: (() => void) | undefined;
  /** Admin client of {@link ready}, on a client that neither retries nor waits long (a probe must answer quickly). */
  private readonly probeKafka: Kafka;
  private probeAdmin: Promise<Admin> | undefined;
  private readonly readyCached: () => Promise<void>;

  constructor(private readonly opts: KafkaEventBusOptions) {
    const log = opts.logger.child({ component: 'kafkajs' });
    const common = {
      clientId: opts.clientId,
      brokers: opts.brokers,
      ...(opts.sasl ? { sasl: opts.sasl } : {}),
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          if (level <= logLevel.ERROR) log.error(rest, message);
          else log.warn(rest, message);
        },
    };
    this.kafka = new Kafka({ ...common, logLevel: logLevel.WARN, retry: { retries: 5, initialRetryTime: 200 } });
    const timeoutMs = opts.readyTimeoutMs ?? 1000;
    // Its failures are the readiness answer itself (shown by /health/ready): not logged.
    this.probeKafka = new Kafka({ ...common, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: timeoutMs, requestTimeout: timeoutMs });
    this.readyCached = cachedFor(opts.readyCacheMs ?? 2000, () => this.askBroker(timeoutMs));
  }

  /**
   * Resolves when the broker answered a metadata request (admin `describeCluster`) within
   * `readyTimeoutMs`; answers are reused for `readyCacheMs` (a failure is not: the next probe
   * asks again). @throws Error saying why the broker is unreachable.
   */
  ready(): Promise<void> {
    return this.readyCached();
  }

  private async askBroker(timeoutMs: number): Promise<void> {
    this.probeAdmin ??= (async () => {
      const admin = this.probeKafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = this.probeAdmin;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        admin.then((a) => a.describeCluster()),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`Kafka broker did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      // Start over with a fresh connection: the old one may be half-open after a broker restart.
      if (this.probeAdmin === admin) this.probeAdmin = undefined;
      void admin.then((a) => a.disconnect()).catch(() => undefined);
      throw new Error(`Kafka unreachable: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Creates `topics` if missing (no-op for topics this instance already ensured). */
  async ensureTopics(topics: string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: this.opts.numPartitions ?? 3, replicationFactor: -1 })),
      });
      missing.forEach((t) => this.knownTopics.add(t));
    } finally {
      await admin.disconnect();
    }
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.producerReady ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      try {
        await p.connect();
      } catch (err) {
        this.producerReady = undefined;
        throw err;
      }
      this.producer = p;
      return p;
    })();
    return this.producerReady;
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    await this.ensureTopics([...byTopic.keys()]);
    const producer = await this.getProducer();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, ms]) => ({
        topic,
        messages: ms.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
      })),
    });
  }

  async subscribe(args: { groupId: string; topics: string[]; onMessage: (message: IncomingMessage) => Promise<void> }): Promise<Subscription> {
    await this.ensureTopics(args.topics);
    const consumer = this.kafka.consumer({
      groupId: (this.opts.groupIdPrefix ?? '') + args.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 10_000,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: args.topics, fromBeginning: true });
    await consumer.run({
      autoCommitInterval: this.opts.commitIntervalMs ?? 500,
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        await args.onMessage({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          headers,
        });
      },
    });
    this.consumers.add(consumer);
    this.subscribed.set(consumer, { group: args.groupId, topics: args.topics });
    this.unwatchLag ??= consumerLagGauge.watch(cachedFor(this.opts.lagCacheMs ?? 5_000, () => this.consumerLag()));
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        this.subscribed.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  /**
   * Lag of every consumer group subscribed through this bus, per topic and partition (the
   * partition's end offset minus the group's committed offset, see {@link partitionLag}), read
   * with kafkajs' admin client; group labels are the ids without `groupIdPrefix`.
   * @throws when the broker cannot be asked.
   */
  async consumerLag(): Promise<GaugeSample[]> {
    this.lagAdmin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.lagAdmin = undefined;
      throw err;
    });
    const admin = await this.lagAdmin;
    const groups = new Map<string, Set<string>>();
    for (const { group, topics } of this.subscribed.values()) groups.set(group, new Set([...(groups.get(group) ?? []), ...topics]));
    const allTopics = [...new Set([...groups.values()].flatMap((t) => [...t]))];
    const ends = new Map(await Promise.all(allTopics.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const)));
    const perGroup = await Promise.all(
      [...groups].map(async ([group, topics]) => {
        const commits = await admin.fetchOffsets({ groupId: (this.opts.groupIdPrefix ?? '') + group, topics: [...topics] });
        return commits.flatMap((c) => partitionLag(group, c.topic, ends.get(c.topic) ?? [], c.partitions));
      }),
    );
    return perGroup.flat();
  }

  async close(): Promise<void> {
    this.unwatchLag?.();
    this.unwatchLag = undefined;
    this.subscribed.clear();
    const admin = this.lagAdmin;
    this.lagAdmin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
    const probe = this.probeAdmin;
    this.probeAdmin = undefined;
    if (probe) await probe.then((a) => a.disconnect()).catch(() => undefined);
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    if (this.producer) await this.producer.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.producerReady = undefined;
  }
}
