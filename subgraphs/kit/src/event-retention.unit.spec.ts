import { describe, expect, it } from 'vitest';
import { ConfigError } from './env';
import { eventRetentionFromEnv } from './event-retention';

const DAY = 86_400_000;

describe('event tables retention (OUTBOX_RETENTION, INBOX_RETENTION)', () => {
  it('keeps published outbox rows one day and handled inbox rows 14 days by default', () => {
    expect(eventRetentionFromEnv({})).toEqual({ outboxMs: DAY, inboxMs: 14 * DAY });
  });

  it('reads ISO-8601 durations', () => {
    expect(eventRetentionFromEnv({ OUTBOX_RETENTION: 'PT6H', INBOX_RETENTION: 'P3W' })).toEqual({ outboxMs: DAY / 4, inboxMs: 21 * DAY });
  });

  it('stops the start on a malformed value, naming the variable', () => {
    expect(() => eventRetentionFromEnv({ OUTBOX_RETENTION: '1 day' })).toThrow(/^OUTBOX_RETENTION: "1 day" is not an ISO-8601 duration/);
    expect(() => eventRetentionFromEnv({ INBOX_RETENTION: 'P1M' })).toThrow(ConfigError);
  });

  it('refuses an inbox retention not longer than the Kafka topics retention (a redelivered event would take effect twice)', () => {
    expect(() => eventRetentionFromEnv({ INBOX_RETENTION: 'P7D' })).toThrow(/^INBOX_RETENTION: P7D must be longer than the Kafka topics' retention KAFKA_TOPIC_RETENTION \(P7D\)/);
    expect(() => eventRetentionFromEnv({ INBOX_RETENTION: 'P30D', KAFKA_TOPIC_RETENTION: 'P30D' })).toThrow(ConfigError);
    expect(eventRetentionFromEnv({ INBOX_RETENTION: 'P3D', KAFKA_TOPIC_RETENTION: 'P1D' }).inboxMs).toBe(3 * DAY);
  });
});
