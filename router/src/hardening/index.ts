export {
  DEFAULT_HARDENING,
  FIRST_PARTY_MANIFEST_FILE,
  hardeningFromEnv,
  parseTrustProxy,
  PERSISTED_QUERY_MODES,
  playgroundFromEnv,
  type GatewayHardening,
  type PersistedQueryMode,
} from './config';
export { queryLimits, type QueryLimits } from './query-limits';
export { GatewayRateLimiter, verifiedAuthOf, VERIFIED_AUTH_LOCAL, type RateLimitOptions, type RateLimitedBody } from './rate-limit';
export { HttpErrorCode, jsonErrorHandler, sendJsonError } from './http-errors';
export {
  APQ_CACHE_MAX_CHARS,
  loadPersistedQueryManifest,
  operationId,
  persistedQueries,
  persistedQueryManifestSchema,
  safelistMiddleware,
  type PersistedQueryManifest,
  type PersistedQuerySetup,
} from './persisted-queries';
