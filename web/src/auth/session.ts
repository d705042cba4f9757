/**
 * The web client as an OAuth 2.1 / OpenID Connect relying party of the platform's authorization
 * server (the user context): authorization code + PKCE (S256) as the public client `ebook-web`,
 * access tokens refreshed silently with the (rotating) refresh token, sign-out by revoking the
 * refresh token and ending the server's session. Every protocol step — discovery, the PKCE
 * pair, `state`, the callback's validation, the token, refresh and revocation requests and the
 * ID token's claims — is done by `oauth4webapi`, not by our own code.
 *
 * Where tokens live: the access token and the ID token in memory only; the refresh token in
 * `sessionStorage` (this tab, gone when it closes), so a reload signs in again without the login
 * page. The PKCE verifier and `state` sit in `sessionStorage` between the redirect and the callback.
 */
import * as oauth from 'oauth4webapi';
import type { WebConfig } from '../config';

/** Path of the app's redirect URI (`<origin>/callback`, registered in `OIDC_WEB_REDIRECT_URIS`). */
export const CALLBACK_PATH = '/callback';
/** Scopes asked for: OIDC ones; the API rights come from the user's role. */
const SCOPE = 'openid offline_access profile';
const REFRESH_KEY = 'ebook.refreshToken';
const PENDING_KEY = 'ebook.pendingSignIn';
/** Refresh this long before the access token expires (ms), or at 3/4 of a shorter lifetime. */
const REFRESH_MARGIN_MS = 60_000;

/** Who is signed in (from the ID token's claims; `name` is the `profile` scope's). */
export interface SignedInUser {
  sub: string;
  name?: string;
}

/** What the UI shows: still finding out, signed out, or signed in as `user`. */
export type AuthState = { status: 'loading' } | { status: 'signedOut'; error?: string } | { status: 'signedIn'; user: SignedInUser };

interface Tokens {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  idToken?: string;
}

/** The sign-in state machine of one tab; the React layer subscribes to its state. */
export class AuthSession {
  private as?: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly http: { [oauth.allowInsecureRequests]?: boolean };
  private tokens?: Tokens;
  private user?: SignedInUser;
  private refreshing?: Promise<string | undefined>;
  private timer?: ReturnType<typeof setTimeout>;
  private state: AuthState = { status: 'loading' };
  private readonly listeners = new Set<(s: AuthState) => void>();

  constructor(private readonly config: WebConfig) {
    this.client = { client_id: config.clientId };
    // Plain-HTTP issuers only on a developer's machine (`pnpm dev`: http://localhost:<port>).
    this.http = new URL(config.issuer).protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
  }

  /** The app's redirect URI: `<origin>/callback`. */
  get redirectUri(): string {
    return new URL(CALLBACK_PATH, window.location.origin).href;
  }

  getState(): AuthState {
    return this.state;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  subscribe(listener: (s: AuthState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Start-up: completes a sign-in when the page is the callback (then replaces the URL with the
   * page the user started from), else signs in silently with a stored refresh token, else is
   * signed out. Never throws: a failure ends signed out with its reason.
   */
  async start(): Promise<void> {
    try {
      const url = new URL(window.location.href);
      if (url.pathname === CALLBACK_PATH) {
        const returnTo = await this.completeSignIn(url);
        window.history.replaceState(null, '', returnTo);
        return;
      }
      if (sessionStorage.getItem(REFRESH_KEY)) {
        await this.refresh();
        return;
      }
      this.set({ status: 'signedOut' });
    } catch (err) {
      this.clear();
      // A refused or broken callback (e.g. `access_denied`) leaves the callback URL for the home page.
      if (window.location.pathname === CALLBACK_PATH) window.history.replaceState(null, '', '/');
      this.set({ status: 'signedOut', error: describe(err) });
    }
  }

  /** Sends the browser to the authorization server's login page (authorization code + PKCE S256). */
  async signIn(returnTo = window.location.pathname + window.location.search): Promise<void> {
    const as = await this.server();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ codeVerifier, state, returnTo }));
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', this.client.client_id);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', SCOPE);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    window.location.assign(url.href);
  }

  /**
   * Signs out: revokes the refresh token (the grant ends), forgets the tokens, then ends the
   * authorization server's session at its end-session endpoint, which asks for confirmation
   * and comes back to the app's home page.
   */
  async signOut(): Promise<void> {
    const as = await this.server();
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    const idToken = this.tokens?.idToken;
    this.clear();
    this.set({ status: 'signedOut' });
    if (refreshToken) {
      try {
        await oauth.processRevocationResponse(await oauth.revocationRequest(as, this.client, oauth.None(), refreshToken, this.http));
      } catch {
        // Signing out goes on: the token is forgotten here and expires on the server.
      }
    }
    if (as.end_session_endpoint) {
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('client_id', this.client.client_id);
      url.searchParams.set('post_logout_redirect_uri', new URL('/', window.location.origin).href);
      if (idToken) url.searchParams.set('id_token_hint', idToken);
      window.location.assign(url.href);
    }
  }

  /**
   * A valid access token for the API, refreshed first when it expires within the margin;
   * undefined when signed out. Concurrent callers share one refresh (a rotated refresh token
   * presented twice would revoke the whole grant).
   */
  async accessToken(): Promise<string | undefined> {
    if (this.tokens && this.tokens.expiresAt - Date.now() > 10_000) return this.tokens.accessToken;
    if (!sessionStorage.getItem(REFRESH_KEY)) return undefined;
    return this.refresh();
  }

  /** Refreshes after the API refused the access token (expired or revoked); signed out when that fails. */
  async onUnauthenticated(): Promise<string | undefined> {
    this.tokens = undefined;
    return this.accessToken();
  }

  private async completeSignIn(url: URL): Promise<string> {
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { codeVerifier: string; state: string; returnTo: string } | null;
    sessionStorage.removeItem(PENDING_KEY);
    if (!pending) throw new Error('no sign-in was started in this tab');
    const as = await this.server();
    const params = oauth.validateAuthResponse(as, this.client, url, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(as, this.client, oauth.None(), params, this.redirectUri, pending.codeVerifier, this.http);
    this.accept(await oauth.processAuthorizationCodeResponse(as, this.client, response, { requireIdToken: true }));
    return pending.returnTo.startsWith('/') && !pending.returnTo.startsWith('//') ? pending.returnTo : '/';
  }

  private refresh(): Promise<string | undefined> {
    this.refreshing ??= (async () => {
      const refreshToken = sessionStorage.getItem(REFRESH_KEY);
      if (!refreshToken) return undefined;
      try {
        const as = await this.server();
        const response = await oauth.refreshTokenGrantRequest(as, this.client, oauth.None(), refreshToken, this.http);
        this.accept(await oauth.processRefreshTokenResponse(as, this.client, response));
        return this.tokens?.accessToken;
      } catch (err) {
        this.clear();
        this.set({ status: 'signedOut', error: describe(err) });
        return undefined;
      }
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private accept(result: oauth.TokenEndpointResponse): void {
    const lifetimeMs = (result.expires_in ?? 300) * 1000;
    const claims = oauth.getValidatedIdTokenClaims(result);
    this.tokens = { accessToken: result.access_token, expiresAt: Date.now() + lifetimeMs, idToken: result.id_token ?? this.tokens?.idToken };
    if (result.refresh_token) sessionStorage.setItem(REFRESH_KEY, result.refresh_token);
    if (claims) this.user = { sub: claims.sub, name: typeof claims.name === 'string' ? claims.name : undefined };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs * 0.75));
    this.user ??= { sub: '' };
    this.set({ status: 'signedIn', user: this.user });
  }

  private clear(): void {
    clearTimeout(this.timer);
    this.tokens = undefined;
    this.user = undefined;
    sessionStorage.removeItem(REFRESH_KEY);
  }

  private set(state: AuthState): void {
    this.state = state;
    for (const l of this.listeners) l(state);
  }

  private async server(): Promise<oauth.AuthorizationServer> {
    if (!this.as) {
      const issuer = new URL(this.config.issuer);
      this.as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...this.http }));
    }
    return this.as;
  }
}

/** A protocol error's OAuth `error` code (e.g. `invalid_grant`), else the message. */
function describe(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError || err instanceof oauth.AuthorizationResponseError) return err.error;
  return err instanceof Error ? err.message : String(err);
}
