/**
 * Where the browser suite (web-app.e2e.spec.ts) runs the web client: the same scenario against
 *
 * - `pnpm dev`: one process, the gateway serving web/dist and /graphql on one port, the
 *   authorization server (the user context) on its own origin;
 * - production mode: every service its own process from its compiled dist/ (plain node, as the
 *   images run them; {@link ProcessStack}), the built app served by nginx with web/nginx/default.conf
 *   and the ConfigMap of k8s/base/web.yaml (as web/Dockerfile's image), and in front of it all an
 *   nginx playing the Ingress of k8s/base/ingress.yaml: one origin, `/graphql` to the gateway,
 *   `/oauth`, `/interaction` and the discovery documents to the user context, the rest to the web
 *   server. The issuer is that origin, as in production.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureWebBuild, WEB_DIST } from '../../scripts/web-build';
import { CONTEXTS } from '../../contexts';
import { startDevMailServer, type DevMailServer } from '../../scripts/mail-server';
import { ProcessStack } from '../../test/fault/process-stack';
import { ctrlC, killDev, startDev, type DevPorts, type DevProcess } from '../../test/support/dev-process';
import { ingressServer, startWebNginx, webConfigMapFiles, type WebNginx } from '../../router/test/web-nginx';

/** The seeded manager the suite signs in as (both targets seed it). */
export const WEB_MANAGER = { email: 'manager@ebook.local', password: 'manager-dev-password' };

/** A place the web client runs, started and stopped by the suite. */
export interface WebTarget {
  /** Shown in the suite's name. */
  name: string;
  /** The app's origin (index.html, /config.json, /graphql). */
  app: string;
  /** The authorization server's origin (the issuer). */
  issuer: string;
  /** Starts it with `env` given to every service (resolves when it serves). */
  start(env: Record<string, string>): Promise<void>;
  /** Stops everything it started (also after a failed start). */
  stop(): Promise<void>;
}

/** `pnpm dev` on `ports`, with a data directory of its own (its embedded PostgreSQL). */
export function devTarget(ports: DevPorts): WebTarget {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ebook-web-'));
  // Run as root, the embedded server runs as the `postgres` account, which must enter the data directory.
  chmodSync(dataDir, 0o755);
  let dev: DevProcess | undefined;
  return {
    name: 'pnpm dev',
    app: `http://localhost:${ports.gateway}`,
    issuer: `http://localhost:${ports.subgraphBase}`,
    async start(env) {
      dev = await startDev(dataDir, ports, env);
    },
    async stop() {
      if (dev) await ctrlC(dev).catch(() => undefined);
      killDev(dev, dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Production mode: services on `basePort` + their offsets ({@link ProcessStack}; the test
 * databases and broker of scripts/test-env.sh, built with `pnpm build`), the web server on
 * `webPort`, the ingress (the app's and the issuer's origin) on `ingressPort`, and `pnpm dev`'s
 * mail server (maildev) on the stack's SMTP port (`basePort` + 9; its inbox on `mailWebPort`),
 * so notifications are delivered.
 */
export function productionTarget(ports: { basePort: number; webPort: number; ingressPort: number; mailWebPort: number }): WebTarget {
  const origin = `http://127.0.0.1:${ports.ingressPort}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'ebook-web-prod-'));
  // nginx's workers (run as root, they drop to `nobody`) must read the files.
  chmodSync(dir, 0o755);
  let stack: ProcessStack | undefined;
  let nginx: WebNginx | undefined;
  let mail: DevMailServer | undefined;
  return {
    name: 'production mode (compiled services, nginx, ingress)',
    app: origin,
    issuer: origin,
    async start(env) {
      const everywhere = { ...env, JWT_ISSUER: origin, SEED_MANAGER_EMAIL: WEB_MANAGER.email, SEED_MANAGER_PASSWORD: WEB_MANAGER.password };
      stack = await ProcessStack.create({
        basePort: ports.basePort,
        compiled: true,
        env: {
          ...Object.fromEntries(CONTEXTS.map((c) => [c, everywhere])),
          gateway: everywhere,
          user: { ...everywhere, OIDC_WEB_REDIRECT_URIS: `${origin}/callback`, OIDC_TRUST_PROXY: 'true' },
          'book-management': { ...everywhere, SEED_CATALOG: 'true' },
        },
      });
      await ensureWebBuild();
      const backends = { gateway: stack.gatewayUrl, user: stack.url('user'), reading: stack.url('reading'), web: `http://127.0.0.1:${ports.webPort}` };
      await Promise.all([
        stack.startAll(),
        startDevMailServer(ports.basePort + 9, ports.mailWebPort).then((m) => (mail = m)),
        startWebNginx({ dir, dist: WEB_DIST, port: ports.webPort, files: webConfigMapFiles(origin), servers: ingressServer(ports.ingressPort, backends) }).then((n) => (nginx = n)),
      ]);
    },
    async stop() {
      await Promise.all([stack?.stopAll(), nginx?.stop(), mail?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
