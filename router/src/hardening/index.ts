export { DEFAULT_HARDENING, hardeningFromEnv, parseTrustProxy, playgroundFromEnv, type GatewayHardening } from './config';
export { queryLimits, type QueryLimits } from './query-limits';
export { GatewayRateLimiter, verifiedAuthOf, VERIFIED_AUTH_LOCAL, type RateLimitOptions, type RateLimitedBody } from './rate-limit';
export { HttpErrorCode, jsonErrorHandler } from './http-errors';
