import { ScrapedGauge, type GaugeSample } from '../metrics';

/** Messages a consumer group has still to handle on each partition it reads, at scrape time. */
export const consumerLagGauge = new ScrapedGauge(
  'events_consumer_lag_messages',
  'Messages of a partition not yet committed by a consumer group (end offset minus committed offset), at scrape time',
  ['group', 'topic', 'partition'],
);

/** A partition's offsets as the broker reports them (Kafka style: decimal strings). */
export interface PartitionEnd {
  partition: number;
  /** Offset the next message will get (the high watermark). */
  high: string;
  /** Earliest offset still stored. */
  low: string;
}

/** A group's committed offset of a partition: `-1` when it never committed there. */
export interface PartitionCommit {
  partition: number;
  offset: string;
}

/**
 * Lag of one group on one topic, per partition: `high − committed`; a partition the group never
 * committed on counts from `low` (a new group reads from the earliest offset); never negative.
 * @returns gauge samples labelled `group`, `topic`, `partition`.
 */
export function partitionLag(group: string, topic: string, ends: PartitionEnd[], commits: PartitionCommit[]): GaugeSample[] {
  const committed = new Map(commits.map((c) => [c.partition, BigInt(c.offset)]));
  return ends.map((end) => {
    const high = BigInt(end.high);
    const c = committed.get(end.partition) ?? -1n;
    const from = c < 0n ? BigInt(end.low) : c;
    const lag = high > from ? high - from : 0n;
    return { labels: { group, topic, partition: end.partition }, value: Number(lag) };
  });
}
