import { describe, expect, it } from 'vitest';
import { kafkaSaslFromEnv } from './kafka-event-bus';

describe('the Kafka login from the environment (KAFKA_SASL_*)', () => {
  it('is absent unless a mechanism is set', () => {
    expect(kafkaSaslFromEnv({ KAFKA_SASL_USERNAME: 'rental', KAFKA_SASL_PASSWORD: 'secret' })).toBeUndefined();
  });

  it('logs in with the mechanism, username and password given (a Strimzi KafkaUser)', () => {
    expect(kafkaSaslFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'rental', KAFKA_SASL_PASSWORD: 'secret' })).toEqual({
      mechanism: 'scram-sha-512',
      username: 'rental',
      password: 'secret',
    });
  });

  it('refuses an unknown mechanism and a mechanism without credentials', () => {
    expect(() => kafkaSaslFromEnv({ KAFKA_SASL_MECHANISM: 'scram_sha512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(
      /KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512/,
    );
    expect(() => kafkaSaslFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'rental' })).toThrow(/KAFKA_SASL_PASSWORD is required/);
  });
});
