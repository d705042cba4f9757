import { ApolloClient, ApolloError, HttpLink, InMemoryCache, gql, type DocumentNode } from '@apollo/client/core';
import { Kind, OperationTypeNode } from 'graphql';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { operationId } from '@ebook/router/hardening';

/**
 * A real GraphQL client (Apollo Client, default POST JSON requests) for the e2e tests,
 * with helpers that return data or the error's `extensions.code`.
 */
export class GatewayClient {
  private readonly client: ApolloClient<unknown>;

  /**
   * @param options.persistedQueries send operations as Apollo Client's persisted-query link does
   * (`createPersistedQueryLink` with sha256): the hash first, the full text only when the
   * gateway answers `PERSISTED_QUERY_NOT_FOUND`. Default: full text.
   */
  constructor(gatewayUrl: string, options: { persistedQueries?: boolean } = {}) {
    const http = new HttpLink({ uri: `${gatewayUrl}/graphql`, fetch });
    this.client = new ApolloClient({
      link: options.persistedQueries ? createPersistedQueryLink({ sha256: operationId }).concat(http) : http,
      cache: new InMemoryCache(),
      defaultOptions: { query: { fetchPolicy: 'no-cache' }, mutate: { fetchPolicy: 'no-cache' } },
    });
  }

  /** Runs a query or mutation. @throws ApolloError on GraphQL or network errors. */
  async run<T = any>(doc: DocumentNode, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const context = token ? { headers: { authorization: `Bearer ${token}` } } : {};
    const isMutation = doc.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === OperationTypeNode.MUTATION);
    try {
      const result = isMutation ? await this.client.mutate({ mutation: doc, variables, context }) : await this.client.query({ query: doc, variables, context });
      return result.data as T;
    } catch (err) {
      if (err instanceof ApolloError) {
        const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
        const name = op && 'name' in op ? op.name?.value : 'anonymous';
        const net = err.networkError as { result?: unknown } | null;
        err.message = `${name}: ${err.message} ${JSON.stringify(net?.result ?? err.graphQLErrors.map((e) => e.extensions))}`;
      }
      throw err;
    }
  }

  /** Runs an operation that must fail. @returns the first error's `extensions.code`. */
  async errorCode(doc: DocumentNode, variables: Record<string, unknown> = {}, token?: string): Promise<string> {
    try {
      await this.run(doc, variables, token);
    } catch (err) {
      const code = errorExtensionsOf(err)?.code;
      if (typeof code === 'string') return code;
      throw err;
    }
    throw new Error('expected the operation to fail, it succeeded');
  }
}

/**
 * The first error's `extensions` of a failed {@link GatewayClient.run}: a GraphQL error's, or
 * the one in an HTTP error's body (400, 429, ...). undefined for any other failure.
 */
export function errorExtensionsOf(err: unknown): { code?: string; retryAfter?: number } | undefined {
  if (!(err instanceof ApolloError)) return undefined;
  const net = err.networkError as { result?: { errors?: { extensions?: { code?: string; retryAfter?: number } }[] } } | null;
  return err.graphQLErrors[0]?.extensions ?? net?.result?.errors?.[0]?.extensions;
}

export { gql };
