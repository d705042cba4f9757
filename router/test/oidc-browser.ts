import * as oauth from 'openid-client';

/**
 * A browser for the authorization code flow, played by `fetch`: one cookie jar (one host),
 * manual redirects, the login form posted like a user would. Used by the authorization-server
 * e2e suite and `bench/auth.ts`.
 */
export class Browser {
  private readonly cookies = new Map<string, string>();

  /** @param issuer base URL of the authorization server: redirects leaving it end {@link follow}. */
  constructor(private readonly issuer: string) {}

  /** One request with the jar's cookies; stores the cookies the answer sets. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }

  /** Follows redirects until one leaves the issuer (the client's redirect URI) or a page is shown. */
  async follow(url: string, init: RequestInit = {}): Promise<{ res: Response; url: string }> {
    let res = await this.request(url, init);
    let current = url;
    while (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get('location')!, current).href;
      if (!current.startsWith(this.issuer)) return { res, url: current };
      res = await this.request(current);
    }
    return { res, url: current };
  }

  /** Posts the login form of the page at `pageUrl` (`/interaction/:uid`) and follows the redirects. */
  async login(pageUrl: string, email: string, password: string): Promise<{ res: Response; url: string }> {
    const action = new URL(`${new URL(pageUrl).pathname}/login`, this.issuer).href;
    return this.follow(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, password }).toString(),
    });
  }
}

/** A web client (openid-client configuration) and where its authorization server redirects back to. */
export interface WebClient {
  config: oauth.Configuration;
  issuer: string;
  redirectUri: string;
}

/**
 * Starts an authorization code + PKCE (S256) flow in `browser`: builds the request with
 * openid-client and follows it to the login page. `extra` overrides request parameters.
 * @returns the login page and what the client keeps (verifier, state).
 */
export async function startFlow(client: WebClient, browser: Browser, extra: Record<string, string> = {}) {
  const verifier = oauth.randomPKCECodeVerifier();
  const state = oauth.randomState();
  const url = oauth.buildAuthorizationUrl(client.config, {
    redirect_uri: client.redirectUri,
    scope: 'openid offline_access profile',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  const page = await browser.follow(url.href);
  return { verifier, state, page };
}

/**
 * The whole sign-in of a user: login page, credentials, redirect back, code exchange with the
 * PKCE verifier. @returns the token response. @throws when the server does not redirect back
 * with a code (wrong password, throttled, ...).
 */
export async function signIn(client: WebClient, email: string, password: string) {
  const browser = new Browser(client.issuer);
  const { verifier, state, page } = await startFlow(client, browser);
  const done = await browser.login(page.url, email, password);
  if (!done.url.startsWith(client.redirectUri)) throw new Error(`sign-in did not redirect back (HTTP ${done.res.status})`);
  return oauth.authorizationCodeGrant(client.config, new URL(done.url), { pkceCodeVerifier: verifier, expectedState: state });
}

/**
 * The public web client (no secret, PKCE) configured from the discovery document at
 * `<issuer>/.well-known/openid-configuration` (openid-client checks its `issuer` equals `issuer`).
 * @throws when discovery fails or the issuer does not match.
 */
export async function discoverWebClient(issuer: string, clientId: string, redirectUri: string): Promise<WebClient> {
  const config = await oauth.discovery(new URL(issuer), clientId, undefined, oauth.None(), { execute: [oauth.allowInsecureRequests] });
  return { config, issuer, redirectUri };
}

/** A refresh-token grant. @returns the token response (with the rotated refresh token). @throws ResponseBodyError (`error: invalid_grant`, ...) when refused. */
export function refreshTokens(client: WebClient, refreshToken: string) {
  return oauth.refreshTokenGrant(client.config, refreshToken);
}
