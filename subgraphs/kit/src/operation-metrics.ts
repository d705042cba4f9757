import type { ApolloServerPlugin, BaseContext as ApolloContext } from '@apollo/server';
import { getOperationAST } from 'graphql';
import { Counter, Histogram, register } from 'prom-client';
import { ErrorCode } from './errors';

/**
 * Names of the first-party operations (`router/operations/*.graphql`, the persisted-query
 * manifest): the only values of the `operation` label besides `other`, so a client cannot
 * grow the metrics with names of its own.
 */
export const FIRST_PARTY_OPERATIONS: ReadonlySet<string> = new Set([
  'Book',
  'BookAvailability',
  'BookContent',
  'BookHolds',
  'BookRentals',
  'Books',
  'CancelHold',
  'CancelRental',
  'DueRentals',
  'Login',
  'Me',
  'MyHolds',
  'MyNotifications',
  'MyRentals',
  'PlaceHold',
  'ReadingLink',
  'RegisterBook',
  'RegisterCustomer',
  'RenewRental',
  'RequestBookContentUpload',
  'RentBook',
  'Rental',
  'RentalStatus',
  'ResumeHold',
  'ReturnBook',
  'SuspendHold',
  'Viewer',
]);

/** `extensions.code` values the gateway's and Apollo's own request-level refusals carry, besides {@link ErrorCode}. */
const APOLLO_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The `operation` label of a request: the operation name when it is a first-party one, else
 * `other` (anonymous operations included). A subgraph receives the gateway's query-plan fetches,
 * named `<operation>__<subgraph>__<n>`: the suffix is dropped first.
 */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'other';
  const base = name.replace(/__[\w-]+__\d+$/, '');
  return FIRST_PARTY_OPERATIONS.has(base) ? base : 'other';
}

/** The `code` label of an error: its `extensions.code` when it is one of ours or Apollo's, else `other` (none: `INTERNAL_SERVER_ERROR`). */
export function errorCodeLabel(code: unknown): string {
  if (code === undefined || code === null) return ErrorCode.INTERNAL_SERVER_ERROR;
  if (typeof code !== 'string') return 'other';
  return code in ErrorCode || APOLLO_CODES.has(code) ? code : 'other';
}

function metric<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** GraphQL operation metrics of a service (default registry, `/metrics`). */
export const operationMetrics = {
  /** Seconds from Apollo's request start to the response, by service and operation. */
  duration: metric(
    'graphql_operation_duration_seconds',
    () =>
      new Histogram({
        name: 'graphql_operation_duration_seconds',
        help: 'GraphQL operation latency in seconds, from request start to response, by service and first-party operation name (else other)',
        labelNames: ['service', 'operation'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  ),
  /** Errors sent in responses, by service, operation and `extensions.code` (as the client got it). */
  errors: metric(
    'graphql_operation_errors_total',
    () =>
      new Counter({
        name: 'graphql_operation_errors_total',
        help: 'GraphQL errors returned to the caller, by service, first-party operation name (else other) and extensions.code',
        labelNames: ['service', 'operation', 'code'],
      }),
  ),
};

/**
 * Apollo Server plugin recording {@link operationMetrics} for `service` (`gateway` or the
 * subgraph's name): every request that Apollo handles, including those refused at parse or
 * validation, is timed; each error of the response is counted by the code the client sees
 * (after `formatError`, so masked errors count as `INTERNAL_SERVER_ERROR`).
 */
export function operationMetricsPlugin<TContext extends ApolloContext>(service: string): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operationName, document }) {
          // A request refused at validation never resolves its operation: read its name from the parsed document.
          const name = operationName ?? request.operationName ?? (document ? getOperationAST(document)?.name?.value : undefined);
          const operation = operationLabel(name);
          operationMetrics.duration.observe({ service, operation }, Number(process.hrtime.bigint() - started) / 1e9);
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          for (const e of errors ?? []) operationMetrics.errors.inc({ service, operation, code: errorCodeLabel(e.extensions?.code) });
        },
      };
    },
  };
}
