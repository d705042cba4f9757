import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUBGRAPH_CONNECTIONS, subgraphConnectionsFromEnv, subgraphFetcher } from './subgraph-fetcher';

// The gateway's subgraph fetcher against a subgraph stand-in over real HTTP on 127.0.0.1.

const received: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
const sockets = new Set<unknown>();
let status = 200;
/** How many of the next requests the stand-in answers by closing the connection (a subgraph going away mid-request). */
let dropNext = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    if (dropNext > 0) {
      dropNext -= 1;
      req.socket.destroy();
      return;
    }
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=30, public' });
    res.end(JSON.stringify({ data: { echo: JSON.parse(body) as unknown } }));
  });
});
server.on('connection', (socket) => sockets.add(socket));
let url: string;
const client = subgraphFetcher(4);

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe("the gateway's subgraph fetcher", () => {
  it("posts the data source's headers and body, and reads the status, headers and JSON body of the reply over one kept-alive connection", async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await client.fetcher(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
        body: JSON.stringify({ query: `{ n${i} }` }),
      });
      expect(res.ok).toBe(true);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('max-age=30, public');
      expect(await res.json()).toEqual({ data: { echo: { query: `{ n${i} }` } } });
    }
    expect(received.map((r) => [r.method, r.url, r.headers.traceparent])).toEqual(
      Array.from({ length: 5 }, () => ['POST', '/graphql', `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`]),
    );
    // undici may open a second socket while the first is being released; never one per request.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('a subgraph error status comes back as such, with its reason phrase and body', async () => {
    status = 503;
    try {
      const res = await client.fetcher(url, { method: 'POST', headers: {}, body: '{"query":"{ down }"}' });
      expect(res.ok).toBe(false);
      expect([res.status, res.statusText]).toEqual([503, 'Service Unavailable']);
      expect(JSON.parse(await res.text())).toEqual({ data: { echo: { query: '{ down }' } } });
    } finally {
      status = 200;
    }
  });
});

describe('a broken subgraph connection: the fetcher retries a query, never a mutation', () => {
  const retrying = client.fetcher;
  const post = (query: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

  it('a query is sent again on a fresh connection and answered; a mutation fails with the socket error and is sent once', async () => {
    dropNext = 1;
    const before = received.length;
    const res = await retrying(url, post('query Q { books }'));
    expect(await res.json()).toEqual({ data: { echo: { query: 'query Q { books }' } } });
    expect(received.length - before).toBe(1);

    dropNext = 1;
    await expect(retrying(url, post('mutation M { rentBook }'))).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(received.length - before).toBe(1);
  });
});

describe('GATEWAY_SUBGRAPH_CONNECTIONS', () => {
  it('defaults to 64, takes a whole number ≥ 1, refuses anything else naming the variable', () => {
    expect(subgraphConnectionsFromEnv({})).toBe(DEFAULT_SUBGRAPH_CONNECTIONS);
    expect(DEFAULT_SUBGRAPH_CONNECTIONS).toBe(64);
    expect(subgraphConnectionsFromEnv({ GATEWAY_SUBGRAPH_CONNECTIONS: '8' })).toBe(8);
    expect(() => subgraphConnectionsFromEnv({ GATEWAY_SUBGRAPH_CONNECTIONS: '0' })).toThrow(/GATEWAY_SUBGRAPH_CONNECTIONS/);
    expect(() => subgraphConnectionsFromEnv({ GATEWAY_SUBGRAPH_CONNECTIONS: 'many' })).toThrow(/GATEWAY_SUBGRAPH_CONNECTIONS/);
  });
});
