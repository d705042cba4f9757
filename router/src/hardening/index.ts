export { DEFAULT_HARDENING, FIRST_PARTY_MANIFEST_FILE, hardeningFromEnv, parseTrustProxy, playgroundFromEnv, type GatewayHardening } from './config';
export { queryLimits } from './query-limits';
export { GatewayRateLimiter, verifiedAuthOf } from './rate-limit';
export { jsonErrorHandler } from './http-errors';
export { APQ_CACHE_MAX_CHARS, loadPersistedQueryManifest, operationId, persistedQueries, type PersistedQueryManifest } from './persisted-queries';
