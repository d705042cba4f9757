/**
 * A round-robin HTTP load balancer for bench/scale-out.ts, in its own process (as a k8s Service's
 * kube-proxy is not part of any pod): `node --import tsx bench/round-robin-proxy.ts <port>`.
 * Each request goes to the next target in turn over keep-alive connections; an unreachable
 * target answers 502. `PUT /__targets` with a JSON array of base URLs
 * (`["http://127.0.0.1:5003", ...]`) replaces the targets (answers 204); until then it answers 503.
 */
import http from 'node:http';

const port = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let targets: URL[] = [];
let turn = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'PUT' && req.url === '/__targets') {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      targets = (JSON.parse(body) as string[]).map((u) => new URL(u));
      res.writeHead(204).end();
    });
    return;
  }
  if (targets.length === 0) {
    res.writeHead(503).end('no targets');
    return;
  }
  const target = targets[turn++ % targets.length]!;
  const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
