import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { CONTEXT_REGISTRY, CONTEXTS, databaseUrlEnv, entryOf, serviceUrlEnv, stages, type ContextName } from '../../contexts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The services (the registry's contexts and the gateway), each run as its own OS process from its production entry (`main.ts`). */
export type ServiceName = ContextName | 'gateway';

const entryOfService = (service: ServiceName) => (service === 'gateway' ? 'router/src/main.ts' : entryOf(service));
/** Port offset from the base port: the gateway 0, each context its default port − 4000 (user 1, ..., rental-view 5). */
export const offsetOf = (service: ServiceName) => (service === 'gateway' ? 0 : CONTEXT_REGISTRY.find((c) => c.name === service)!.port - 4000);

/** Options of {@link ProcessStack}. */
export interface ProcessStackOptions {
  /** Gateway port; a context on basePort + (its default port − 4000), replica r on + 10·(r−1) (so at most 9 contexts). */
  basePort: number;
  /** Extra environment per service (e.g. `PAYMENT_SIM_LATENCY_MS`). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /**
   * Run what production runs (default): each service's compiled `dist/main.js` (after
   * `pnpm build`) with plain node, as the image does; a fault-harness entry (a `.ts` file of
   * `test/fault/`) under tsx, importing the compiled packages. `false`: the sources under tsx
   * (`--conditions=source`), no build needed.
   */
  compiled?: boolean;
  /**
   * The URL by which the services reach a service (its `<NAME>_URL`, and the user context's as
   * `JWT_ISSUER` / `JWKS_URL`): e.g. a load balancer in front of its replicas. Default: replica 1.
   */
  serviceUrls?: Partial<Record<ServiceName, string>>;
}

/**
 * The product as separate processes, as in production (one `main.ts` per service, real
 * PostgreSQL test databases and the real Kafka broker from scripts/test-env.sh), for
 * fault-injection tests: start, SIGTERM or SIGKILL any service (or a second replica of it),
 * read its Prometheus metrics. Logs go to `.cache/fault-logs/<service>-<replica>.log`.
 */
export class ProcessStack {
  private readonly procs = new Map<string, ChildProcess>();
  /** Prefix of this stack's consumer groups (`KAFKA_GROUP_PREFIX`). */
  readonly groupPrefix = `fault-${randomUUID().slice(0, 8)}.`;
  /** Secrets of this stack, as a k8s Secret would hold them: the authorization server's cookie key and rental's client secret. */
  private readonly cookieKey = randomBytes(32).toString('base64url');
  private readonly rentalClientSecret = randomBytes(32).toString('base64url');

  private constructor(
    private readonly opts: ProcessStackOptions,
    private readonly privateJwk: string,
  ) {}

  /** Generates this stack's signing key (each stack gets its own consumer-group prefix too). */
  static async create(opts: ProcessStackOptions): Promise<ProcessStack> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256' };
    return new ProcessStack(opts, JSON.stringify(jwk));
  }

  /** Port of a service replica. */
  port(service: ServiceName, replica = 1): number {
    return this.opts.basePort + offsetOf(service) + 10 * (replica - 1);
  }

  /** Base URL of a service replica. */
  url(service: ServiceName, replica = 1): string {
    return `http://127.0.0.1:${this.port(service, replica)}`;
  }

  /** The URL the other services reach `service` by ({@link ProcessStackOptions.serviceUrls}, else replica 1). */
  serviceUrl(service: ServiceName): string {
    return this.opts.serviceUrls?.[service] ?? this.url(service);
  }

  get gatewayUrl(): string {
    return this.url('gateway');
  }

  private env(service: ServiceName, replica: number, extra: Record<string, string>): NodeJS.ProcessEnv {
    const issuer = this.serviceUrl('user');
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(this.port(service, replica)),
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'info',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_GROUP_PREFIX: this.groupPrefix,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: 'ebook-rental',
      JWKS_URL: `${issuer}/.well-known/jwks.json`,
      // Every context's database, and every subgraph's URL (the gateway routes to them; rental calls PAYMENT_URL).
      ...Object.fromEntries(
        CONTEXTS.flatMap((c) => [
          [databaseUrlEnv(c), process.env[databaseUrlEnv(c)]],
          [serviceUrlEnv(c), this.serviceUrl(c)],
        ]),
      ),
      JWT_PRIVATE_JWK: this.privateJwk,
      OIDC_COOKIE_KEYS: this.cookieKey,
      OIDC_SERVICE_CLIENTS: JSON.stringify([{ clientId: 'rental-service', clientSecret: this.rentalClientSecret, scopes: ['payment:approve'] }]),
      OIDC_CLIENT_ID: 'rental-service',
      OIDC_CLIENT_SECRET: this.rentalClientSecret,
      SEED_MANAGER_EMAIL: FAULT_MANAGER.email,
      SEED_MANAGER_PASSWORD: FAULT_MANAGER.password,
      PLAYGROUND: 'false',
      // The notification context's SMTP server: none listens there (its deliveries are retried; no fault scenario reads them).
      SMTP_URL: `smtp://127.0.0.1:${this.opts.basePort + 9}`,
      ...this.opts.env?.[service],
      ...extra,
    };
  }

  /**
   * Starts a service replica and waits until `/health/ready` answers 200 (max `timeoutMs`).
   * `entry` (a path from the repository root) replaces the service's production `main.ts` with a
   * fault-harness entry, e.g. `test/fault/payment-crash-after-charge.ts`.
   */
  async start(
    service: ServiceName,
    { replica = 1, env = {}, timeoutMs = 60_000, entry = entryOfService(service) }: { replica?: number; env?: Record<string, string>; timeoutMs?: number; entry?: string } = {},
  ): Promise<void> {
    const key = `${service}#${replica}`;
    const previous = this.procs.get(key);
    if (previous && previous.exitCode === null && previous.signalCode === null) throw new Error(`${key} already running`);
    const logDir = path.join(root, '.cache', 'fault-logs');
    mkdirSync(logDir, { recursive: true });
    const log = createWriteStream(path.join(logDir, `${service}-${replica}.log`), { flags: 'a' });
    // Sources: tsx, workspace packages resolved to their sources (`source` export condition).
    // Compiled: node alone, packages resolved to dist/ (default condition).
    const compiled = this.opts.compiled ?? true;
    const productionEntry = /\/src\/main\.ts$/.test(entry);
    const args = !compiled
      ? ['--conditions=source', '--import', 'tsx', entry]
      : productionEntry
        ? [entry.replace(/\/src\/main\.ts$/, '/dist/main.js')]
        : ['--import', 'tsx', entry];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: this.env(service, replica, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.procs.set(key, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${key} exited with ${child.exitCode} (see .cache/fault-logs/${service}-${replica}.log)`);
      try {
        const res = await fetch(`${this.url(service, replica)}/health/ready`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${key} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Resolves when the replica's process has exited (at once when it is not running). */
  async exited(service: ServiceName, replica = 1): Promise<void> {
    const child = this.procs.get(`${service}#${replica}`);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  }

  /** The OS process id of a running replica (benchmarks read its CPU time in `/proc`); undefined when not running. */
  pid(service: ServiceName, replica = 1): number | undefined {
    return this.isRunning(service, replica) ? this.procs.get(`${service}#${replica}`)!.pid : undefined;
  }

  /** True while the replica's process is alive. */
  isRunning(service: ServiceName, replica = 1): boolean {
    const child = this.procs.get(`${service}#${replica}`);
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** Stops a replica: SIGTERM (graceful) or SIGKILL (crash). Resolves when the process is gone. */
  async stop(service: ServiceName, { replica = 1, signal = 'SIGTERM' }: { replica?: number; signal?: NodeJS.Signals } = {}): Promise<void> {
    const child = this.procs.get(`${service}#${replica}`);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /**
   * Starts every service: user first (it serves the JWKS), the other contexts in parallel (as
   * processes they find each other by URL, not by start order), then the gateway.
   */
  async startAll(): Promise<void> {
    const [first, ...rest] = stages();
    await Promise.all(first!.map((c) => this.start(c.name)));
    await Promise.all(rest.flat().map((c) => this.start(c.name)));
    await this.start('gateway');
  }

  /** Stops every running process (SIGTERM). */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.procs.entries()].map(async ([key, child]) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          child.kill('SIGTERM');
        });
        this.procs.delete(key);
      }),
    );
  }

  /**
   * Sum of a Prometheus counter on a replica, optionally filtered by labels
   * (e.g. `events_duplicates_skipped_total`, `{ group: 'rental-view.projection' }`).
   */
  async metric(service: ServiceName, name: string, labels: Record<string, string> = {}, replica = 1): Promise<number> {
    const text = await (await fetch(`${this.url(service, replica)}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const m = /^([a-z_]+)(\{([^}]*)\})?\s+([0-9.eE+-]+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[4]);
    }
    return sum;
  }
}

/** Manager seeded into fault stacks. */
export const FAULT_MANAGER = { email: 'manager@fault.test', password: 'manager-fault-password' };
