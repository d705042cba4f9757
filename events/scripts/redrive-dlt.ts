/**
 * Re-drives dead-lettered events: reads `<topic>.dlt` and republishes each message's original
 * value, key and headers to its `x-original-topic`, so consumers see the event again (after the
 * bug or outage that dead-lettered it was fixed).
 *
 *   KAFKA_BROKERS=host:port tsx events/scripts/redrive-dlt.ts --topic rental.events [--group <consumer group>] [--dry-run] [--max N]
 *
 * - Every consumer group of the original topic receives a re-driven event again: groups that
 *   already handled it skip it (their inbox has its `eventId`), so a re-drive is safe. A group
 *   that still cannot handle it dead-letters it again (a new `.dlt` message).
 * - The DLT is read with the consumer group `redrive.<topic>` (`redrive.<topic>.<group>` with
 *   `--group`, so messages another filter skipped stay available to it); each message's offset
 *   is committed after it was republished (acks=all), so the next run starts after it.
 * - `--group G`: only messages whose `x-dlt-group` is G (the group that failed); the others are
 *   skipped (and committed for this filter's consumer group).
 * - `--dry-run`: prints what it would do, republishes and commits nothing.
 * - `--max N`: stops after N re-driven messages (the rest stays for the next run).
 * - Stops once it has read up to the end the DLT partitions had when it started, prints one
 *   line per message (`<dlt>[partition]@offset key=… group=… reason="…" → action`) and a
 *   summary, and exits 0 (1 on error, 2 on bad arguments).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { destination, pino, type Logger } from 'pino';
import { KafkaEventBus, kafkaSaslFromEnv, type KafkaSasl } from '../src/bus/kafka-event-bus';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_SUFFIX } from '../src/inbox/idempotent-consumer';

/** Options of {@link redrive}. */
export interface RedriveOptions {
  /** `host:port` list (the CLI reads `KAFKA_BROKERS`). */
  brokers: string[];
  /** SASL login (the CLI reads `KAFKA_SASL_*`, as the services do); none by default. */
  sasl?: KafkaSasl;
  /** The original topic, e.g. `rental.events`; its DLT is `<topic>.dlt`. */
  topic: string;
  /** Only re-drive messages whose `x-dlt-group` header equals this consumer group. */
  group?: string;
  /** Print only: republish and commit nothing. */
  dryRun?: boolean;
  /** Re-drive at most this many messages. */
  max?: number;
  /** Receives each output line (default: stdout). */
  print?: (line: string) => void;
  logger?: Logger;
  /** Give up (error) when the DLT has not been read to its end after this long (default 60 s). */
  timeoutMs?: number;
}

/** One DLT message and what the re-drive did with it. */
export interface RedriveRecord {
  partition: number;
  offset: string;
  key: string | null;
  group: string | undefined;
  reason: string | undefined;
  originalTopic: string | undefined;
  action: 'redriven' | 'would-redrive' | 'skipped';
  /** Why it was skipped. */
  note?: string;
}

/** What {@link redrive} did. */
export interface RedriveResult {
  dltTopic: string;
  consumerGroup: string;
  records: RedriveRecord[];
  redriven: number;
  skipped: number;
}

/** Headers the dead-lettering added (not republished). */
const DLT_HEADERS: readonly string[] = Object.values(DEAD_LETTER_HEADERS);

/** The consumer group a re-drive of `topic` (optionally filtered by `group`) reads the DLT with. */
export const redriveGroupId = (topic: string, group?: string) => (group ? `redrive.${topic}.${group}` : `redrive.${topic}`);

const oneLine = (s: string | undefined, max = 200) => {
  const flat = (s ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function formatRecord(dlt: string, r: RedriveRecord): string {
  const action =
    r.action === 'redriven' ? `re-driven to ${r.originalTopic}` : r.action === 'would-redrive' ? `would re-drive to ${r.originalTopic} (dry run)` : `skipped: ${r.note}`;
  return `${dlt}[${r.partition}]@${r.offset} key=${r.key ?? '(none)'} group=${r.group ?? '?'} reason="${oneLine(r.reason)}" → ${action}`;
}

/** Re-drives `<topic>.dlt` to the original topic (see the module comment); resolves when done. */
export async function redrive(opts: RedriveOptions): Promise<RedriveResult> {
  const dltTopic = opts.topic + DEAD_LETTER_SUFFIX;
  const consumerGroup = redriveGroupId(opts.topic, opts.group);
  const print = opts.print ?? ((line: string) => console.log(line));
  const logger = opts.logger ?? pino({ level: 'warn' });
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const result: RedriveResult = { dltTopic, consumerGroup, records: [], redriven: 0, skipped: 0 };
  const summary = () =>
    print(
      `${dltTopic}: ${opts.dryRun ? `${result.redriven} would be re-driven` : `${result.redriven} re-driven`}, ${result.skipped} skipped (consumer group ${consumerGroup}${opts.dryRun ? ', dry run: nothing published or committed' : ''})`,
    );

  const login = opts.sasl ? { sasl: opts.sasl } : {};
  const kafka = new Kafka({ clientId: 'redrive-dlt', brokers: opts.brokers, ...login, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 200 } });
  const admin = kafka.admin();
  await admin.connect();
  /** Next offset to read, and the end offset (high watermark at start), per DLT partition. */
  const position = new Map<number, bigint>();
  const end = new Map<number, bigint>();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(dltTopic)) {
      print(`${dltTopic} does not exist: nothing was dead-lettered from ${opts.topic}`);
      summary();
      return result;
    }
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(dltTopic), admin.fetchOffsets({ groupId: consumerGroup, topics: [dltTopic] })]);
    const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    for (const p of ends) {
      const c = committedBy.get(p.partition) ?? -1n;
      const low = BigInt(p.low);
      position.set(p.partition, c >= low ? c : low);
      end.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const caughtUp = () => [...end].every(([p, high]) => (position.get(p) ?? 0n) >= high);
  if (caughtUp()) {
    summary();
    return result;
  }

  const bus = new KafkaEventBus({ brokers: opts.brokers, clientId: 'redrive-dlt', logger, ...login });
  // A dry run must not move the real group's offsets nor take its partitions from a real run:
  // it reads with a throw-away group from the positions computed above.
  const consumer = kafka.consumer({
    groupId: opts.dryRun ? `${consumerGroup}.dry-run-${randomUUID().slice(0, 8)}` : consumerGroup,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 10_000,
    allowAutoTopicCreation: false,
  });
  let done = false;
  let signalDone!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    signalDone = resolve;
    fail = reject;
  });
  const finish = () => {
    done = true;
    signalDone();
  };

  try {
    await consumer.connect();
    consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
    await consumer.subscribe({ topics: [dltTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachMessage: async ({ partition, message }) => {
        if (done) return;
        const offset = BigInt(message.offset);
        if (offset < (position.get(partition) ?? 0n) || offset >= (end.get(partition) ?? 0n)) return; // before our start (dry run) or after the end we aim at
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        const record: RedriveRecord = {
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          group: headers[DEAD_LETTER_HEADERS.group],
          reason: headers[DEAD_LETTER_HEADERS.reason],
          originalTopic: headers[DEAD_LETTER_HEADERS.originalTopic],
          action: 'skipped',
        };
        if (opts.group !== undefined && record.group !== opts.group) record.note = `dead-lettered by group ${record.group ?? '(none)'}, not ${opts.group}`;
        else if (!record.originalTopic) record.note = 'no x-original-topic header';
        else if (record.originalTopic !== opts.topic) record.note = `x-original-topic is ${record.originalTopic}, not ${opts.topic}`;
        else if (opts.dryRun) record.action = 'would-redrive';
        else {
          const original = Object.fromEntries(Object.entries(headers).filter(([k]) => !DLT_HEADERS.includes(k)));
          await bus.publish([
            {
              topic: record.originalTopic,
              key: record.key ?? '',
              value: message.value?.toString() ?? '',
              headers: { ...original, 'x-redriven-from': `${dltTopic}/${partition}/${message.offset}` },
            },
          ]);
          record.action = 'redriven';
        }
        if (record.action === 'skipped') result.skipped += 1;
        else result.redriven += 1;
        result.records.push(record);
        print(formatRecord(dltTopic, record));
        if (!opts.dryRun) await consumer.commitOffsets([{ topic: dltTopic, partition, offset: String(offset + 1n) }]);
        position.set(partition, offset + 1n);
        if (caughtUp() || result.redriven >= max) finish();
      },
    });
    // A partition whose start position is past what the new group would read first (dry run)
    // or already at its end needs no message to be "done".
    if (opts.dryRun) for (const [p, at] of position) consumer.seek({ topic: dltTopic, partition: p, offset: String(at) });
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${dltTopic}: not read to its end after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    done = true;
    await consumer.disconnect().catch(() => undefined);
    await bus.close();
  }
  summary();
  return result;
}

/** Parses the CLI arguments (throws on bad input). */
export function parseRedriveArgs(argv: string[]): Omit<RedriveOptions, 'brokers'> {
  const { values } = parseArgs({
    args: argv,
    options: { topic: { type: 'string' }, group: { type: 'string' }, 'dry-run': { type: 'boolean' }, max: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.topic) throw new Error('--topic is required');
  if (values.topic.endsWith(DEAD_LETTER_SUFFIX)) throw new Error(`--topic is the original topic (e.g. rental.events), not its ${DEAD_LETTER_SUFFIX}`);
  let max: number | undefined;
  if (values.max !== undefined) {
    max = Number(values.max);
    if (!Number.isInteger(max) || max < 1) throw new Error('--max must be a positive integer');
  }
  return { topic: values.topic, ...(values.group ? { group: values.group } : {}), dryRun: values['dry-run'] ?? false, ...(max ? { max } : {}) };
}

async function main() {
  let args: Omit<RedriveOptions, 'brokers'>;
  try {
    args = parseRedriveArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: KAFKA_BROKERS=host:port tsx events/scripts/redrive-dlt.ts --topic <topic> [--group <consumer group>] [--dry-run] [--max N]`);
    process.exit(2);
  }
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
  if (!brokers?.length) {
    console.error('KAFKA_BROKERS is required (host:port,host:port)');
    process.exit(2);
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, destination(2));
  try {
    const sasl = kafkaSaslFromEnv();
    await redrive({ ...args, brokers, logger, ...(sasl ? { sasl } : {}) });
    process.exit(0);
  } catch (err) {
    console.error(`re-drive failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
