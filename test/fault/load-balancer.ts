import net from 'node:net';

/** One backend of a {@link ServiceLoadBalancer}: a replica's `host:port`. */
export interface Endpoint {
  host: string;
  port: number;
}

/** What a {@link ServiceLoadBalancer} saw of one endpoint, in order (ms since the epoch). */
export interface EndpointEvent {
  at: number;
  endpoint: string;
  kind: 'ready' | 'not-ready' | 'probe-refused' | 'connect-refused';
}

/** Options of {@link ServiceLoadBalancer}. */
export interface LoadBalancerOptions {
  /** Port the balancer listens on (127.0.0.1). */
  port: number;
  endpoints: Endpoint[];
  /** Readiness probe period, ms (default 100; a Kubernetes readinessProbe's `periodSeconds`, shortened for a test). */
  probeIntervalMs?: number;
  /** A probe without an answer after this long counts as not ready, ms (default 1000). */
  probeTimeoutMs?: number;
  /** Path of the readiness probe (default `/health/ready`). */
  probePath?: string;
}

const key = (e: Endpoint) => `${e.host}:${e.port}`;

/**
 * A local stand-in for a Kubernetes Service in front of a service's replicas, at the layer
 * kube-proxy works on: TCP. Each client connection is sent to one ready endpoint (round robin)
 * and stays on it for its whole life, as with kube-proxy's DNAT: a client's keep-alive
 * connection reaches the same replica until one side closes it, so the replica's own
 * connection handling on shutdown is what the client sees. An endpoint is ready while its
 * readiness probe (`GET /health/ready`, polled every `probeIntervalMs`, as the endpoints
 * controller follows the kubelet's probes) answers 200; a 503, a refused connection or no
 * answer within `probeTimeoutMs` takes it out at once, and the next 200 puts it back.
 *
 * Being at TCP, it never re-sends a request: nothing above the transport is buffered or
 * retried, so a GraphQL mutation (a POST) cannot run twice because of the balancer. The one
 * retry is of a connect the endpoint refused — no byte has reached any replica then — to the
 * next ready endpoint; each such refusal is recorded (`connect-refused`) so a test can assert
 * that it never happened before the endpoint had said "not ready".
 *
 * Why not nginx: nginx OSS has only passive health checks (an endpoint leaves after failed
 * requests), and its `proxy_next_upstream` retries would re-send a non-idempotent POST unless
 * turned off; an L7 proxy would also hide the replicas' keep-alive behaviour behind its own pool.
 */
export class ServiceLoadBalancer {
  private readonly server: net.Server;
  private readonly ready = new Set<string>();
  private readonly sockets = new Set<net.Socket>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  /** Endpoint state changes and refused connects, oldest first. */
  readonly events: EndpointEvent[] = [];
  /** Client connections accepted, and those closed because no endpoint was ready. */
  readonly stats = { connections: 0, noEndpoint: 0 };

  constructor(private readonly opts: LoadBalancerOptions) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Starts probing and listening; resolves once listening. */
  async start(): Promise<void> {
    await Promise.all(this.opts.endpoints.map((e) => this.probe(e)));
    this.timer = setInterval(() => this.opts.endpoints.forEach((e) => void this.probe(e)), this.opts.probeIntervalMs ?? 100);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, '127.0.0.1', () => resolve());
    });
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  /** Whether the endpoint (by port) is in the ready set now. */
  isReady(port: number): boolean {
    return this.ready.has(key({ host: '127.0.0.1', port }));
  }

  /** Stops probing, closes the listener and every proxied connection. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(endpoint: string, kind: EndpointEvent['kind']): void {
    this.events.push({ at: Date.now(), endpoint, kind });
  }

  private async probe(e: Endpoint): Promise<void> {
    const k = key(e);
    let up = false;
    let refused = false;
    try {
      const res = await fetch(`http://${k}${this.opts.probePath ?? '/health/ready'}`, { signal: AbortSignal.timeout(this.opts.probeTimeoutMs ?? 1000) });
      await res.arrayBuffer();
      up = res.status === 200;
    } catch (err) {
      refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
    }
    if (up && !this.ready.has(k)) {
      this.ready.add(k);
      this.record(k, 'ready');
    } else if (!up && this.ready.has(k)) {
      this.ready.delete(k);
      this.record(k, refused ? 'probe-refused' : 'not-ready');
    }
  }

  private pick(exclude: Set<string>): Endpoint | undefined {
    const candidates = this.opts.endpoints.filter((e) => this.ready.has(key(e)) && !exclude.has(key(e)));
    if (candidates.length === 0) return undefined;
    this.next = (this.next + 1) % candidates.length;
    return candidates[this.next];
  }

  private accept(client: net.Socket): void {
    this.stats.connections += 1;
    this.sockets.add(client);
    client.pause();
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    const tried = new Set<string>();
    const connect = () => {
      const endpoint = this.pick(tried);
      if (!endpoint) {
        this.stats.noEndpoint += 1;
        client.destroy();
        return;
      }
      tried.add(key(endpoint));
      const upstream = net.connect(endpoint.port, endpoint.host);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        this.sockets.add(upstream);
        upstream.on('close', () => this.sockets.delete(upstream));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected && err.code === 'ECONNREFUSED' && !client.destroyed) {
          this.record(key(endpoint), 'connect-refused');
          connect();
          return;
        }
        upstream.destroy();
        client.destroy();
      });
    };
    connect();
  }
}
