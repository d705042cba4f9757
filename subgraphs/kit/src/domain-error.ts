/**
 * A business-rule refusal raised by domain or application code. This module imports nothing,
 * so domain code (`subgraphs/<context>/src/domain/`) may depend on it without pulling in
 * GraphQL, HTTP or a database: import it as `@ebook/subgraph-kit/domain-error`.
 *
 * - `code`: a stable, public error code (clients branch on it; never rename one). Each context
 *   declares the codes it raises in its `domain/errors.ts`; every one of them is also listed in
 *   the kit's `ErrorCode`.
 * - `message`: safe to show to a client.
 * - `extensions`: extra fields clients may read (e.g. `retryAfter`, seconds; `status`).
 *
 * The kit turns it into a GraphQL error in one place (`clientFacingError` in
 * `subgraph-server.ts`): `{ message, extensions: { code, ...extensions } }`.
 */
export class DomainError<TCode extends string = string> extends Error {
  constructor(
    readonly code: TCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
