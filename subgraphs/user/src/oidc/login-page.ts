import express from 'express';
import type Provider from 'oidc-provider';
import { clientIpOf, type Logger } from '@ebook/subgraph-kit';
import type { UserDb } from '../db';
import type { LoginThrottle } from '../auth/login-throttle';
import { authenticate } from '../application/login';
import { escapeHtml, page, PAGE_HEADERS } from './html';
import { UserError } from '../domain/errors';

function loginForm(uid: string, clientId: string, error?: string): string {
  return page(
    'Sign in to E-book rental',
    `<p>to continue to <b>${escapeHtml(clientId)}</b></p>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="on">
<label for="email">Email</label><input id="email" name="email" type="email" required autofocus maxlength="254">
<label for="password">Password</label><input id="password" name="password" type="password" required maxlength="128">
<button type="submit">Sign in</button></form>
<p><a href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>`,
  );
}

/** True for the paths oidc-provider answers (discovery, `/oauth/*`); the JWKS is served by the user context itself. */
function isAuthorizationServerPath(path: string): boolean {
  return path === '/.well-known/openid-configuration' || path.startsWith('/oauth/');
}

/** What the login page needs from the user context. */
export interface LoginPageDeps {
  db: UserDb;
  /** The same per-account / per-IP throttle as the `login` mutation. */
  throttle: LoginThrottle;
  logger: Logger;
}

/**
 * Mounts the authorization server on the user context's Express app:
 * - `GET /interaction/:uid` — the minimal login page of the authorization code flow (HTML, no
 *   scripts); `POST /interaction/:uid/login` checks email + password with the platform's one
 *   password check ({@link authenticate}: argon2id, login throttling) and resumes the flow;
 *   `GET /interaction/:uid/abort` returns `access_denied` to the client. The interaction is
 *   bound to oidc-provider's signed, SameSite=Lax `_interaction` cookie, so a cross-site form
 *   post (login CSRF) finds no interaction. Answers: 401 wrong credentials, 429 with
 *   `Retry-After` when throttled, 400 for an unknown or expired interaction.
 * - discovery and every `/oauth/*` endpoint → oidc-provider (request paths kept as they are,
 *   so endpoint URLs in discovery match the issuer).
 */
export function mountAuthorizationServer(app: express.Express, provider: Provider, deps: LoginPageDeps): void {
  const expired = (res: express.Response) =>
    void res.status(400).set(PAGE_HEADERS).type('html').send(page('Sign-in expired', '<p>This sign-in link is no longer valid. Start again from the application.</p>'));

  /** The interaction the request's cookie is bound to, when it is the one in the path (and, for `login`, at its login prompt); else null. */
  const interactionOf = async (req: express.Request, res: express.Response, { loginPrompt }: { loginPrompt: boolean }) => {
    const details = await provider.interactionDetails(req, res).catch(() => null);
    if (!details || details.uid !== req.params.uid || (loginPrompt && details.prompt.name !== 'login')) return null;
    return details;
  };

  app.get('/interaction/:uid', async (req, res) => {
    const details = await interactionOf(req, res, { loginPrompt: true });
    if (!details) return expired(res);
    res
      .set(PAGE_HEADERS)
      .type('html')
      .send(loginForm(details.uid, String(details.params.client_id)));
  });

  app.post('/interaction/:uid/login', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const details = await interactionOf(req, res, { loginPrompt: true });
    if (!details) return expired(res);
    const clientId = String(details.params.client_id);
    const form = req.body as Record<string, unknown> | undefined;
    const email = typeof form?.email === 'string' ? form.email : '';
    const password = typeof form?.password === 'string' ? form.password : '';
    let accountId: string;
    try {
      const clientIp = clientIpOf(req);
      accountId = (await authenticate(deps.db, email, password, { throttle: deps.throttle, ...(clientIp ? { clientIp } : {}) })).id;
    } catch (err) {
      const code = err instanceof UserError ? err.code : undefined;
      if (code === 'RATE_LIMITED') {
        const retryAfter = (err as UserError).extensions.retryAfter as number;
        return void res
          .status(429)
          .set({ ...PAGE_HEADERS, 'retry-after': String(retryAfter) })
          .type('html')
          .send(loginForm(details.uid, clientId, `Too many failed sign-ins. Try again in ${retryAfter} s.`));
      }
      if (code === 'INVALID_CREDENTIALS')
        return void res
          .status(401)
          .set(PAGE_HEADERS)
          .type('html')
          .send(loginForm(details.uid, clientId, 'Email or password is wrong.'));
      deps.logger.error({ err }, 'login page failed');
      return void res.status(500).set(PAGE_HEADERS).type('html').send(page('Sign-in failed', '<p>Something went wrong. Try again later.</p>'));
    }
    // The interaction may expire between the check above and here: say so, never a stack trace.
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false }).catch(() => expired(res));
  });

  app.get('/interaction/:uid/abort', async (req, res) => {
    if (!(await interactionOf(req, res, { loginPrompt: false }))) return expired(res);
    await provider
      .interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, { mergeWithLastSubmission: false })
      .catch(() => expired(res));
  });

  const callback = provider.callback();
  app.use((req, res, next) => (isAuthorizationServerPath(req.path) ? void callback(req, res) : next()));
}
