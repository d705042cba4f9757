import type { EventBus, IncomingMessage, OutgoingMessage, Subscription } from './event-bus';

interface Group {
  topics: Set<string>;
  onMessage: (m: IncomingMessage) => Promise<void>;
  /** Next offset to deliver, per topic. */
  next: Map<string, number>;
  /** Serializes delivery: one message at a time per group, in log order. */
  chain: Promise<void>;
  stopped: boolean;
}

/**
 * In-process {@link EventBus} for `pnpm dev` ONLY (one process runs every context).
 * Keeps one append-only log per topic in memory (single partition) and one offset per
 * group; `publish` resolves after every subscribed group has handled the messages, so the
 * outbox row is marked published only once consumers ran (a handler error rejects the
 * publish and the relay retries; inboxes make that safe). Not durable across restarts —
 * the outbox and inboxes are, which is what `pnpm dev` needs. Production and CI use Kafka.
 */
export class EmbeddedEventBus implements EventBus {
  readonly kind = 'embedded' as const;
  private readonly logs = new Map<string, OutgoingMessage[]>();
  private readonly groups = new Map<string, Group>();

  async publish(messages: OutgoingMessage[]): Promise<void> {
    const touched = new Set<string>();
    for (const m of messages) {
      const log = this.logs.get(m.topic) ?? [];
      log.push(m);
      this.logs.set(m.topic, log);
      touched.add(m.topic);
    }
    const groups = [...this.groups.values()].filter((g) => [...g.topics].some((t) => touched.has(t)));
    await Promise.all(groups.map((g) => this.drain(g)));
  }

  private drain(group: Group): Promise<void> {
    const run = async () => {
      for (const topic of group.topics) {
        const log = this.logs.get(topic) ?? [];
        let offset = group.next.get(topic) ?? 0;
        while (!group.stopped && offset < log.length) {
          const m = log[offset]!;
          await group.onMessage({ topic, partition: 0, offset: String(offset), key: m.key, value: m.value, headers: m.headers ?? {} });
          offset += 1;
          group.next.set(topic, offset);
        }
      }
    };
    const next = group.chain.then(run);
    group.chain = next.catch(() => undefined);
    return next;
  }

  async subscribe(args: { groupId: string; topics: string[]; onMessage: (message: IncomingMessage) => Promise<void> }): Promise<Subscription> {
    const group: Group = {
      topics: new Set(args.topics),
      onMessage: args.onMessage,
      next: new Map(),
      chain: Promise.resolve(),
      stopped: false,
    };
    this.groups.set(args.groupId, group);
    await this.drain(group);
    return {
      // Like a Kafka consumer's disconnect: no further message is delivered, and `stop` resolves
      // once the message in flight has been handled (or failed), so the context can close its
      // database after its consumers let go of it.
      stop: async () => {
        group.stopped = true;
        if (this.groups.get(args.groupId) === group) this.groups.delete(args.groupId);
        await group.chain;
      },
    };
  }

  /** Always ready: the bus lives in this process. */
  async ready(): Promise<void> {}

  async close(): Promise<void> {
    const groups = [...this.groups.values()];
    for (const g of groups) g.stopped = true;
    this.groups.clear();
    await Promise.all(groups.map((g) => g.chain));
  }
}
