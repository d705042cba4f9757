/**
 * Where the app finds its authorization server: `/config.json` beside index.html, written by
 * whoever serves the app (the gateway under `pnpm dev`; a ConfigMap in a static deployment),
 * so one build runs against any environment.
 */
export interface WebConfig {
  /** Issuer URL of the authorization server (the user context): discovery at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** The public OAuth client id (`OIDC_WEB_CLIENT_ID`, default `ebook-web`). */
  clientId: string;
}

/** Loads `/config.json`. @throws Error when it is missing or lacks `issuer` / `clientId`. */
export async function loadConfig(): Promise<WebConfig> {
  const res = await fetch('/config.json', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`/config.json: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<WebConfig>;
  if (typeof body.issuer !== 'string' || typeof body.clientId !== 'string') throw new Error('/config.json must name issuer and clientId');
  return { issuer: body.issuer, clientId: body.clientId };
}
