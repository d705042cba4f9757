import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BookRented, DEAD_LETTER_SUFFIX, KafkaEventBus, type IncomingMessage, type Subscription } from '../src/index';
import { redrive, redriveGroupId, type RedriveOptions } from './redrive-dlt';

const brokersEnv = process.env.KAFKA_BROKERS;
if (!brokersEnv) throw new Error('KAFKA_BROKERS is required (source scripts/test-env.sh)');
const brokers = brokersEnv.split(',');
const logger = pino({ level: 'silent' });
const bus = new KafkaEventBus({ brokers, clientId: 'redrive-int', logger });
const kafka = new Kafka({ clientId: 'redrive-int-admin', brokers, logLevel: logLevel.NOTHING });
const subs: Subscription[] = [];

afterAll(async () => {
  await Promise.all(subs.map((s) => s.stop()));
  await bus.close();
});

/** A topic of its own per test, so groups and offsets never mix. */
const freshTopic = () => `redrive-test-${randomUUID().slice(0, 8)}.events`;

/** Writes a dead letter exactly as the idempotent consumer's deadLetter() does; returns it. */
async function deadLetter(topic: string, group: string, reason: string) {
  const rentalId = randomUUID();
  const event = BookRented.create(
    rentalId,
    { rentalId, bookId: randomUUID(), customerId: randomUUID(), fee: 1500, paymentId: randomUUID(), rentedAt: new Date().toISOString(), dueAt: new Date().toISOString() },
    { correlationId: `corr-${rentalId}` },
  );
  const message = {
    topic: topic + DEAD_LETTER_SUFFIX,
    key: event.aggregateId,
    value: JSON.stringify(event),
    headers: {
      'x-correlation-id': event.correlationId,
      'x-dlt-reason': reason,
      'x-dlt-group': group,
      'x-original-topic': topic,
      'x-original-partition': '1',
      'x-original-offset': '42',
    },
  };
  await bus.publish([message]);
  return message;
}

/** Messages in `topic` (sum of high - low watermarks; 0 when the topic does not exist). */
async function messagesIn(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Subscribes a new consumer group to `topic` and collects what it receives. */
async function collect(topic: string): Promise<IncomingMessage[]> {
  const got: IncomingMessage[] = [];
  subs.push(await bus.subscribe({ groupId: `reader-${randomUUID().slice(0, 8)}`, topics: [topic], onMessage: async (m) => void got.push(m) }));
  return got;
}

/** Runs the re-drive, capturing its output lines. */
async function run(opts: Omit<RedriveOptions, 'brokers' | 'print' | 'logger'>) {
  const lines: string[] = [];
  const result = await redrive({ brokers, logger, print: (l) => lines.push(l), ...opts });
  return { ...result, lines };
}

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 30_000, interval: 200 });

describe('redrive-dlt on Kafka', () => {
  it('republishes a dead letter to its original topic with its key, value and headers; a second run re-drives nothing', async () => {
    const topic = freshTopic();
    const dead = await deadLetter(topic, 'payment.refunds', 'failed 5 times: database down');
    const received = await collect(topic);

    const first = await run({ topic });
    expect(first.consumerGroup).toBe(`redrive.${topic}`);
    expect(first.records).toEqual([
      expect.objectContaining({ key: dead.key, group: 'payment.refunds', reason: 'failed 5 times: database down', originalTopic: topic, action: 'redriven' }),
    ]);
    expect(first.lines[0]).toMatch(
      new RegExp(
        `^${topic.replace(/\./g, '\\.')}\\.dlt\\[\\d\\]@0 key=${dead.key} group=payment\\.refunds reason="failed 5 times: database down" → re-driven to ${topic.replace(/\./g, '\\.')}$`,
      ),
    );
    expect(first.lines.at(-1)).toContain('1 re-driven, 0 skipped');

    const [again] = await eventually(() => {
      expect(received).toHaveLength(1);
      return received;
    });
    expect(again!.key).toBe(dead.key);
    expect(again!.value).toBe(dead.value);
    expect(again!.headers['x-correlation-id']).toBe(dead.headers['x-correlation-id']);
    expect(again!.headers['x-dlt-reason']).toBeUndefined();
    expect(again!.headers['x-original-topic']).toBeUndefined();
    expect(again!.headers['x-redriven-from']).toMatch(new RegExp(`^${topic}\\.dlt/\\d/0$`));

    const second = await run({ topic });
    expect(second.records).toEqual([]);
    expect(second.lines.at(-1)).toContain('0 re-driven, 0 skipped');
    expect(await messagesIn(topic)).toBe(1);
  });

  it('--dry-run prints what it would do and republishes and commits nothing', async () => {
    const topic = freshTopic();
    const dead = await deadLetter(topic, 'rental-view.projection', 'invalid BookRented data');

    const dry = await run({ topic, dryRun: true });
    expect(dry.records).toEqual([expect.objectContaining({ key: dead.key, action: 'would-redrive' })]);
    expect(dry.lines[0]).toContain('would re-drive to');
    expect(await messagesIn(topic)).toBe(0);

    // Nothing was committed: a real run still finds the message.
    const real = await run({ topic });
    expect(real.records).toEqual([expect.objectContaining({ key: dead.key, action: 'redriven' })]);
    expect(await messagesIn(topic)).toBe(1);
  });

  it('--group re-drives only the dead letters of that consumer group, leaving the others for their own re-drive', async () => {
    const topic = freshTopic();
    const ofPayment = await deadLetter(topic, 'payment.refunds', 'failed 5 times: processor down');
    const ofView = await deadLetter(topic, 'rental-view.projection', 'failed 5 times: view down');
    const received = await collect(topic);

    const payment = await run({ topic, group: 'payment.refunds' });
    expect(payment.consumerGroup).toBe(redriveGroupId(topic, 'payment.refunds'));
    expect(payment.redriven).toBe(1);
    expect(payment.skipped).toBe(1);
    expect(payment.records.find((r) => r.key === ofView.key)).toMatchObject({ action: 'skipped', note: 'dead-lettered by group rental-view.projection, not payment.refunds' });
    await eventually(() => expect(received.map((m) => m.key)).toEqual([ofPayment.key]));

    const view = await run({ topic, group: 'rental-view.projection' });
    expect(view.records.filter((r) => r.action === 'redriven').map((r) => r.key)).toEqual([ofView.key]);
    await eventually(() => expect(received.map((m) => m.key).sort()).toEqual([ofPayment.key, ofView.key].sort()));
  });

  it('--max N stops after N re-driven messages; the next run re-drives the rest', async () => {
    const topic = freshTopic();
    const dead = [await deadLetter(topic, 'g', 'r1'), await deadLetter(topic, 'g', 'r2'), await deadLetter(topic, 'g', 'r3')];

    const first = await run({ topic, max: 2 });
    expect(first.redriven).toBe(2);
    expect(await messagesIn(topic)).toBe(2);

    const rest = await run({ topic });
    expect(rest.redriven).toBe(1);
    expect(await messagesIn(topic)).toBe(3);
    expect([...first.records, ...rest.records].map((r) => r.key).sort()).toEqual(dead.map((d) => d.key).sort());
  });

  it('reports a topic that never dead-lettered anything', async () => {
    const topic = freshTopic();
    const result = await run({ topic });
    expect(result.records).toEqual([]);
    expect(result.lines[0]).toBe(`${topic}.dlt does not exist: nothing was dead-lettered from ${topic}`);
  });

  it('runs as a command: prints one line per message and exits 0; exits 2 on bad arguments', async () => {
    const topic = freshTopic();
    const dead = await deadLetter(topic, 'payment.refunds', 'boom');
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const script = fileURLToPath(new URL('./redrive-dlt.ts', import.meta.url));
    const exec = promisify(execFile);
    const env = { ...process.env, KAFKA_BROKERS: brokersEnv, LOG_LEVEL: 'silent' };

    const { stdout } = await exec(tsx, [script, '--topic', topic, '--dry-run'], { env });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`key=${dead.key} group=payment.refunds reason="boom" → would re-drive to ${topic} (dry run)`);
    expect(lines[1]).toContain('1 would be re-driven, 0 skipped');

    await expect(exec(tsx, [script, '--max', '0'], { env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--topic is required') });
  });
});
