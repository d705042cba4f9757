import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import type { JSONWebKeySet } from 'jose';

/** `client_id` of tokens issued by the first-party `login` mutation (playground, tests, scripts). */
export const LOGIN_CLIENT_ID = 'ebook-login';

/** Claims we put in access tokens besides the registered ones. */
export interface AccessTokenSubject {
  id: string;
  role: 'CUSTOMER' | 'MANAGER';
  name: string;
}

/** Options of {@link JwtIssuer}. */
export interface JwtIssuerOptions {
  /** `iss`, env `JWT_ISSUER` (the user subgraph's public base URL). */
  issuer: string;
  /** `aud`, env `JWT_AUDIENCE`. */
  audience: string;
  /** Access-token lifetime, seconds (env `ACCESS_TOKEN_TTL_SECONDS`, default 3600). */
  ttlSeconds: number;
  /**
   * Public JWKs of retired signing keys (env `JWT_PREVIOUS_PUBLIC_JWKS`, a JSON array), still
   * published so tokens they signed verify until they expire. Key rotation: make the new key
   * `JWT_PRIVATE_JWK`, move the old one's public part here, drop it after `ttlSeconds`.
   */
  previousPublicKeys?: JWK[];
}

/**
 * Signs access tokens (ES256, with `kid`) and publishes the public key as a JWKS.
 * Rotation: retired keys' public parts stay in the JWKS ({@link JwtIssuerOptions.previousPublicKeys}).
 * The private key is an ES256 private JWK with a `kid`: from env `JWT_PRIVATE_JWK`
 * (production, a k8s Secret), from a file (`pnpm dev`: `.data/keys/jwt-private.json`,
 * created on first run), or generated in memory (tests).
 */
export class JwtIssuer {
  private constructor(
    private readonly opts: JwtIssuerOptions,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly privateJwk: JWK,
  ) {}

  /** @throws Error when `jwk` is not an ES256 private key with a `kid`. */
  static async fromPrivateJwk(opts: JwtIssuerOptions, jwk: JWK): Promise<JwtIssuer> {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) throw new Error('JWT_PRIVATE_JWK must be an EC P-256 private JWK with a kid');
    const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const { d: _d, ...pub } = jwk;
    for (const old of opts.previousPublicKeys ?? []) {
      if (old.d) throw new Error('JWT_PREVIOUS_PUBLIC_JWKS must hold public keys only (no "d")');
      if (!old.kid || old.kid === jwk.kid) throw new Error('every previous key needs its own kid');
    }
    return new JwtIssuer(opts, privateKey, { ...pub, alg: 'ES256', use: 'sig' }, jwk);
  }

  /** Generates a fresh key pair (tests, ephemeral runs). */
  static async generate(opts: JwtIssuerOptions): Promise<JwtIssuer> {
    return JwtIssuer.fromPrivateJwk(opts, await generatePrivateJwk());
  }

  /** Loads the key from `file`, creating it (mode 0600) on first use. */
  static async fromFile(opts: JwtIssuerOptions, file: string): Promise<JwtIssuer> {
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(await generatePrivateJwk()), { mode: 0o600 });
    }
    return JwtIssuer.fromPrivateJwk(opts, JSON.parse(readFileSync(file, 'utf8')) as JWK);
  }

  /** `iss`, `aud` and token lifetime this issuer signs with. */
  settings(): Readonly<JwtIssuerOptions> {
    return this.opts;
  }

  /** The public key set served at `/.well-known/jwks.json`: the current key first, then retired ones. */
  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk, ...(this.opts.previousPublicKeys ?? []).map((k) => ({ ...k, alg: 'ES256', use: 'sig' }))] };
  }

  /**
   * The private signing JWK (a secret): handed to the authorization server (oidc-provider) so
   * `login` tokens and OAuth tokens are signed by one key. Never log it.
   */
  signingJwk(): JWK {
    return this.privateJwk;
  }

  /**
   * Signs an access token for `user` with exactly the claims of the authorization server's JWT
   * access tokens for users (RFC 9068 `typ: at+jwt`; `iss`, `aud`, `sub`, `client_id`, `jti`,
   * `iat`, `exp`, plus our `role` and `name`; no `scope`: users are authorized by `role`).
   * `client_id` is {@link LOGIN_CLIENT_ID}.
   * @returns the JWT and its expiry.
   */
  async sign(user: AccessTokenSubject): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.opts.ttlSeconds;
    const token = await new SignJWT({ role: user.role, name: user.name, client_id: LOGIN_CLIENT_ID })
      .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid!, typ: 'at+jwt' })
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }
}

async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256' };
}
