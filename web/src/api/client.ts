import { ApolloClient, HttpLink, InMemoryCache, Observable, from } from '@apollo/client';
import { setContext } from '@apollo/client/link/context';
import { onError } from '@apollo/client/link/error';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import type { AuthSession } from '../auth/session';

/** sha256 of a query text, lowercase hex (Web Crypto): the id of a persisted query. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Apollo Client for the gateway's `/graphql` on the app's own origin:
 * - the bearer token of `auth` on every request (refreshed first when it is about to expire);
 * - an UNAUTHENTICATED answer (token expired or revoked meanwhile) refreshes once and retries;
 * - persisted queries (Apollo's link: the sha256 first, the text only when the gateway asks),
 *   so the app also runs against a gateway that admits only the first-party safelist.
 */
export function createApiClient(auth: AuthSession): ApolloClient<unknown> {
  const authLink = setContext(async (_op, previous: { headers?: Record<string, string> }) => {
    const token = await auth.accessToken();
    return { headers: { ...previous.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } };
  });
  const retryLink = onError(({ graphQLErrors, networkError, operation, forward }) => {
    const unauthenticated =
      graphQLErrors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED') || (networkError && 'statusCode' in networkError && networkError.statusCode === 401);
    if (!unauthenticated || operation.getContext().retried) return;
    return new Observable((observer) => {
      auth
        .onUnauthenticated()
        .then((token) => {
          if (!token) throw networkError ?? new Error('signed out');
          operation.setContext(({ headers }: { headers?: Record<string, string> }) => ({ retried: true, headers: { ...headers, authorization: `Bearer ${token}` } }));
          forward(operation).subscribe(observer);
        })
        .catch((err) => observer.error(err));
    });
  });
  return new ApolloClient({
    link: from([retryLink, authLink, createPersistedQueryLink({ sha256 }), new HttpLink({ uri: '/graphql' })]),
    cache: new InMemoryCache({
      typePolicies: {
        RentalStatus: { keyFields: ['rentalId'] },
        // One list per search text; fetchMore's pages (cursor `after`) are appended to it.
        Query: { fields: { books: relayStylePagination(['search']) } },
      },
    }),
  });
}
