import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { register } from 'prom-client';
import { DomainError } from './errors';
import { createLogger } from './logger';
import { errorCodeLabel, FIRST_PARTY_OPERATIONS, operationLabel, operationMetricsPlugin } from './operation-metrics';
import { maskError } from './subgraph-server';

describe('bounded labels of the operation metrics', () => {
  it('operation: a first-party name as is, the gateway’s query-plan fetch names reduced to it, anything else `other`', () => {
    expect(operationLabel('RentBook')).toBe('RentBook');
    expect(operationLabel('MyRentals__rental-view__0')).toBe('MyRentals');
    expect(operationLabel('RentBook__rental__12')).toBe('RentBook');
    expect(operationLabel('userChosen')).toBe('other');
    expect(operationLabel('userChosen__rental__0')).toBe('other');
    expect(operationLabel(undefined)).toBe('other');
    expect(operationLabel('')).toBe('other');
  });

  it('operation names are exactly the first-party operations of router/operations/', () => {
    const dir = new URL('../../../router/operations/', import.meta.url);
    const names = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) => [...readFileSync(new URL(f, dir), 'utf8').matchAll(/^(?:query|mutation|subscription)\s+(\w+)/gm)].map((m) => m[1]!));
    expect([...FIRST_PARTY_OPERATIONS].sort()).toEqual(names.sort());
  });

  it('code: our codes and Apollo’s as they are, no code as INTERNAL_SERVER_ERROR, anything else `other`', () => {
    expect(errorCodeLabel('BOOK_NOT_AVAILABLE')).toBe('BOOK_NOT_AVAILABLE');
    expect(errorCodeLabel('GRAPHQL_VALIDATION_FAILED')).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorCodeLabel('PERSISTED_QUERY_NOT_FOUND')).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(errorCodeLabel(undefined)).toBe('INTERNAL_SERVER_ERROR');
    expect(errorCodeLabel('SOMETHING_A_CLIENT_MADE_UP')).toBe('other');
    expect(errorCodeLabel(42)).toBe('other');
  });
});

describe('operationMetricsPlugin', () => {
  const server = new ApolloServer({
    schema: buildSubgraphSchema([
      {
        typeDefs: parse('type Query { ok: Int, refused: Int, broken: Int }'),
        resolvers: {
          Query: {
            ok: () => 1,
            refused: () => {
              throw new DomainError('BOOK_NOT_AVAILABLE', 'no copy left');
            },
            broken: () => {
              throw new Error('connection reset');
            },
          },
        },
      },
    ]),
    plugins: [ApolloServerPluginInlineTraceDisabled(), operationMetricsPlugin('unit-svc')],
    formatError: maskError(createLogger('test', 'silent'), { log: false }),
  });

  it('times each operation by service and bounded name, and counts each error by the code the client got', async () => {
    const durations = async (operation: string) =>
      (await register.getSingleMetric('graphql_operation_duration_seconds')!.get()).values.find(
        (v) => (v as { metricName?: string }).metricName === 'graphql_operation_duration_seconds_count' && v.labels.service === 'unit-svc' && v.labels.operation === operation,
      )?.value ?? 0;
    const errors = async (operation: string, code: string) =>
      (await register.getSingleMetric('graphql_operation_errors_total')!.get()).values.find(
        (v) => v.labels.service === 'unit-svc' && v.labels.operation === operation && v.labels.code === code,
      )?.value ?? 0;

    await server.executeOperation({ query: 'query RentBook { ok }' });
    await server.executeOperation({ query: 'query RentBook__rental__0 { refused }' });
    await server.executeOperation({ query: 'query Mine { broken refused }' });
    await server.executeOperation({ query: 'query Books { nope }' });

    expect(await durations('RentBook')).toBe(2);
    expect(await durations('other')).toBe(1);
    expect(await durations('Books')).toBe(1);
    expect(await errors('RentBook', 'BOOK_NOT_AVAILABLE')).toBe(1);
    expect(await errors('other', 'BOOK_NOT_AVAILABLE')).toBe(1);
    expect(await errors('other', 'INTERNAL_SERVER_ERROR')).toBe(1);
    expect(await errors('Books', 'GRAPHQL_VALIDATION_FAILED')).toBe(1);
    expect(await errors('RentBook', 'INTERNAL_SERVER_ERROR')).toBe(0);
    const page = await register.metrics();
    expect(page).not.toMatch(/operation="Mine"|connection reset/);
  });
});
