/** @ebook/subgraph-kit — the one bootstrap, auth verifier, error codes and logging of every context. */
export * from './errors';
export * from './logger';
export * from './context';
export * from './auth/verifier';
export * from './prisma';
export * from './db-url';
export * from './subgraph-server';
export * from './platform';
export * from './loaders';
export * from './context-runtime';
export * from './ids';
export * from './auth/directives';
export * from './auth/ownership';
export * from './text';
export * from './rate-limit';
export * from './auth/client-credentials';
export { ConfigError, durationEnv, isoDurationMs } from './env';
export * from './event-retention';
