import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from './embedded-event-bus';
import type { IncomingMessage, OutgoingMessage } from './event-bus';

const TOPIC = 'rental.events';

function msg(value: string, topic = TOPIC): OutgoingMessage {
  return { topic, key: `key-${value}`, value };
}

/** Subscribes `groupId` and records the values it handles. */
async function record(bus: EmbeddedEventBus, groupId: string, topics = [TOPIC]) {
  const seen: string[] = [];
  const sub = await bus.subscribe({
    groupId,
    topics,
    onMessage: async (m: IncomingMessage) => {
      seen.push(m.value);
    },
  });
  return { seen, sub };
}

describe('EmbeddedEventBus', () => {
  let bus: EmbeddedEventBus;
  afterEach(async () => {
    await bus?.close();
  });

  it('delivers messages published before and after subscribing, in order, exactly once', async () => {
    bus = new EmbeddedEventBus();
    await bus.publish([msg('1'), msg('2')]);
    const { seen } = await record(bus, 'rental-view');
    expect(seen).toEqual(['1', '2']);

    await bus.publish([msg('3')]);
    await bus.publish([msg('4'), msg('5')]);
    expect(seen).toEqual(['1', '2', '3', '4', '5']);
  });

  it('passes topic, key, offset and headers to the handler', async () => {
    bus = new EmbeddedEventBus();
    const got: IncomingMessage[] = [];
    await bus.subscribe({ groupId: 'g', topics: [TOPIC], onMessage: async (m) => void got.push(m) });
    await bus.publish([{ topic: TOPIC, key: 'rental-1', value: 'a', headers: { 'x-correlation-id': 'c1' } }, msg('b')]);
    expect(got.map((m) => [m.topic, m.key, m.offset, m.headers])).toEqual([
      [TOPIC, 'rental-1', '0', { 'x-correlation-id': 'c1' }],
      [TOPIC, 'key-b', '1', {}],
    ]);
  });

  it('gives every message to each of two groups', async () => {
    bus = new EmbeddedEventBus();
    const a = await record(bus, 'payment');
    await bus.publish([msg('1')]);
    const b = await record(bus, 'rental-view');
    await bus.publish([msg('2')]);
    expect(a.seen).toEqual(['1', '2']);
    expect(b.seen).toEqual(['1', '2']);
  });

  it('delivers only the topics a group subscribed to', async () => {
    bus = new EmbeddedEventBus();
    const { seen } = await record(bus, 'g', ['payment.events']);
    await bus.publish([msg('rental'), msg('payment', 'payment.events')]);
    expect(seen).toEqual(['payment']);
  });

  it('rejects publish when a handler fails and redelivers the message on the next publish', async () => {
    bus = new EmbeddedEventBus();
    const attempts: string[] = [];
    const handled: string[] = [];
    let failNext = true;
    await bus.subscribe({
      groupId: 'g',
      topics: [TOPIC],
      onMessage: async (m) => {
        attempts.push(m.value);
        if (m.value === '1' && failNext) {
          failNext = false;
          throw new Error('database down');
        }
        handled.push(m.value);
      },
    });

    await expect(bus.publish([msg('1')])).rejects.toThrow('database down');
    expect(handled).toEqual([]);

    await bus.publish([msg('2')]);
    expect(attempts).toEqual(['1', '1', '2']);
    expect(handled).toEqual(['1', '2']);
  });

  it('stops delivering to a group after stop()', async () => {
    bus = new EmbeddedEventBus();
    const { seen, sub } = await record(bus, 'g');
    await bus.publish([msg('1')]);
    await sub.stop();
    await bus.publish([msg('2')]);
    expect(seen).toEqual(['1']);
  });

  it('stops delivering to every group after close()', async () => {
    bus = new EmbeddedEventBus();
    const { seen } = await record(bus, 'g');
    await bus.close();
    await bus.publish([msg('1')]);
    expect(seen).toEqual([]);
  });

  it('stop() resolves only after the message in flight is handled, and nothing more is delivered', async () => {
    bus = new EmbeddedEventBus();
    const events: string[] = [];
    const sub = await bus.subscribe({
      groupId: 'slow',
      topics: [TOPIC],
      onMessage: async (m) => {
        events.push(`start ${m.value}`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`end ${m.value}`);
      },
    });
    const published = bus.publish([msg('1'), msg('2')]);
    await new Promise((r) => setTimeout(r, 10));
    await sub.stop();
    events.push('stopped');
    await published;
    expect(events).toEqual(['start 1', 'end 1', 'stopped']);
  });
});
