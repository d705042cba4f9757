import type { z } from 'zod';
import { buildEnvelope, type Causation, type Envelope } from '../envelope';

/** Kafka topics, one per publishing context. Messages are keyed by aggregate id. */
export const TOPICS = {
  user: 'user.events',
  catalog: 'book-management.events',
  rental: 'rental.events',
  payment: 'payment.events',
} as const;

/** One of {@link TOPICS}. */
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * A versioned event contract: its type name, version, topic and zod schema of `data`.
 * zod objects strip unknown keys, so consumers ignore fields added by newer producers.
 */
export interface EventContract<TType extends string, TSchema extends z.ZodType> {
  type: TType;
  version: number;
  topic: Topic;
  data: TSchema;
  /** Builds the envelope of a new event of this type; validates `data` (throws ZodError). */
  create(aggregateId: string, data: z.input<TSchema>, cause: Causation, occurredAt?: Date): Envelope<TType, z.output<TSchema>>;
}

/** Declares an event contract (see `contracts/index.ts` for all of them). */
export function defineEvent<TType extends string, TSchema extends z.ZodType>(def: { type: TType; version: number; topic: Topic; data: TSchema }): EventContract<TType, TSchema> {
  return {
    ...def,
    create(aggregateId, data, cause, occurredAt) {
      return buildEnvelope({
        type: def.type,
        version: def.version,
        aggregateId,
        data: def.data.parse(data),
        cause,
        ...(occurredAt ? { occurredAt } : {}),
      });
    },
  };
}
