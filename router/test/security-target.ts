import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { createLogger, TokenVerifier, type Service } from '@ebook/subgraph-kit';
import type { LoginThrottleOptions } from '@ebook/user';
import { startGateway } from '../src/gateway';
import { SUPERGRAPH_FILE } from '../src/subgraphs';
import { type ContextName } from '../../contexts';

/**
 * What the shared security suite ({@link ./security-suite}) and hardening attacks
 * ({@link ./hardening-attacks}) are run against: the whole stack on PostgreSQL + Kafka, or a real
 * `pnpm dev` process (embedded PostgreSQL server, embedded bus). Both describe themselves with a {@link SecurityTarget}.
 */

export type { ContextName };

/** Login throttling every security target runs with: tight, so brute-force cases stay short. */
export const SECURITY_THROTTLE: Readonly<LoginThrottleOptions> = Object.freeze({ maxFailuresPerAccount: 3, maxFailuresPerIp: 8, windowSeconds: 6 });

/** {@link SECURITY_THROTTLE} as the `LOGIN_*` variables the user context reads (`pnpm dev`). */
export function securityThrottleEnv(): Record<string, string> {
  return {
    LOGIN_MAX_FAILURES_PER_ACCOUNT: String(SECURITY_THROTTLE.maxFailuresPerAccount),
    LOGIN_MAX_FAILURES_PER_IP: String(SECURITY_THROTTLE.maxFailuresPerIp),
    LOGIN_THROTTLE_WINDOW_SECONDS: String(SECURITY_THROTTLE.windowSeconds),
  };
}

/** One query on a context's own database; rows as `pg` returns them. */
export type Sql = <T extends pg.QueryResultRow = any>(context: ContextName, text: string, params?: unknown[]) => Promise<T[]>;

/** The token issuer's signing key, owned by the test (so it can sign tokens with bad claims). */
export interface SigningKey {
  key: CryptoKey;
  /** Public part (what the JWKS serves). */
  publicJwk: JWK;
  kid: string;
}

/** A running system under attack. */
export interface SecurityTarget {
  /** The product's own gateway as a user runs it: trusts no proxy, so it overwrites `X-Forwarded-For`. */
  gatewayUrl: string;
  /** A gateway on the same subgraphs that trusts `X-Forwarded-For` (as behind an ingress), so each case can be a distinct client IP. */
  trustingGatewayUrl: string;
  /** Each subgraph's own base URL (bypassing the gateway). */
  subgraphUrls: Record<ContextName, string>;
  /** Reads the contexts' databases (the "nothing written" checks). */
  sql: Sql;
  /** The issuer's signing key; the user context must sign with it. */
  signing: SigningKey;
  /** `iss` and `aud` the target's verifiers expect. */
  issuer: string;
  audience: string;
  /** A seeded manager account. */
  manager: { email: string; password: string };
}

/** A {@link SecurityTarget} that can be shut down. */
export interface StartedTarget extends SecurityTarget {
  stop(): Promise<void>;
}

/**
 * Starts the target in a `beforeAll` and stops it in an `afterAll` of the current scope (file or
 * describe). The login throttle of the target must be {@link SECURITY_THROTTLE}.
 * @returns a getter for use inside hooks and tests registered in that scope.
 */
export function useTarget(start: () => Promise<StartedTarget>): () => SecurityTarget {
  let target: StartedTarget | undefined;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await target?.stop();
  });
  return () => {
    if (!target) throw new Error('security target not started');
    return target;
  };
}

/**
 * Writes a fresh ES256 private JWK with `kid` to `file` (mode 0600, directories created, an
 * existing file replaced): the key file a user context loads (`pnpm dev`: `<DATA_DIR>/keys/jwt-private.json`).
 */
export async function createSigningKey(file: string, kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
  const { d: _d, ...publicJwk } = privateJwk;
  return { key: (await importJWK(privateJwk, 'ES256')) as CryptoKey, publicJwk, kid };
}

/** A {@link Sql} on one database URL per context (small pools), and how to close them. */
export function sqlAccessor(urls: Record<ContextName, string>): { sql: Sql; end: () => Promise<void> } {
  const pools = new Map<ContextName, pg.Pool>();
  const sql: Sql = async (context, text, params = []) => {
    let p = pools.get(context);
    if (!p) pools.set(context, (p = new pg.Pool({ connectionString: urls[context], max: 2 })));
    return (await p.query(text, params)).rows;
  };
  return { sql, end: async () => void (await Promise.all([...pools.values()].map((p) => p.end()))) };
}

/**
 * Starts, in this process, a gateway on `subgraphUrls` that trusts `X-Forwarded-For` (Express
 * `trust proxy` = true) and verifies tokens against the user subgraph's JWKS.
 */
export async function startTrustingGateway(o: { subgraphUrls: Record<ContextName, string>; issuer: string; audience: string }): Promise<Service> {
  return startGateway({
    port: 0,
    supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
    subgraphUrls: o.subgraphUrls,
    verifier: new TokenVerifier({ issuer: o.issuer, audience: o.audience, jwks: new URL(`${o.subgraphUrls.user}/.well-known/jwks.json`) }),
    logger: createLogger('e2e-trusting-gateway', process.env.LOG_LEVEL ?? 'silent'),
    playground: false,
    hardening: { trustProxy: true },
  });
}

/**
 * Completes a running system into a {@link StartedTarget}: starts a trusting gateway
 * ({@link startTrustingGateway}) on its subgraphs and opens its databases ({@link sqlAccessor}).
 * The target's `stop` closes both, then calls `stopSystem` (called at once when the trusting gateway cannot start).
 */
export async function assembleTarget(
  o: Omit<SecurityTarget, 'trustingGatewayUrl' | 'sql'> & { databaseUrls: Record<ContextName, string>; stopSystem: () => Promise<void> },
): Promise<StartedTarget> {
  const { databaseUrls, stopSystem, ...system } = o;
  const trusting = await startTrustingGateway(system).catch(async (err: unknown) => {
    await stopSystem();
    throw err;
  });
  const db = sqlAccessor(databaseUrls);
  return {
    ...system,
    trustingGatewayUrl: trusting.url,
    sql: db.sql,
    stop: async () => {
      await trusting.stop().catch(() => undefined);
      await db.end();
      await stopSystem();
    },
  };
}
