/**
 * The slice of a Prisma client the outbox and inbox need. Every context's generated client
 * (and its interactive-transaction client) satisfies it structurally, so one implementation
 * serves all contexts. Tables `outbox_event` / `inbox_event` are declared in every
 * `prisma/<context>/schema.prisma`.
 */
export interface SqlExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/** A client that can run an interactive transaction whose client is `Tx`. */
export interface TransactionalDb<Tx extends SqlExecutor = SqlExecutor> extends SqlExecutor {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}
