import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { injectTraceHeaders } from '@ebook/events';
import { startTracing, stopTracing, traceHttpRequests, traceIdsForLog } from './tracing';

const exporter = new InMemorySpanExporter();
let server: http.Server;
let url: string;

describe('request tracing', () => {
  beforeAll(async () => {
    startTracing('test', { exporter, env: {} });
    const app = express();
    app.use(traceHttpRequests('payment'));
    // What a handler sees: its log ids, and the traceparent it would send on.
    app.get('/probe', (_req, res) => void res.json({ log: traceIdsForLog(), outgoing: injectTraceHeaders<Record<string, string>>({}) }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await stopTracing();
  });

  it("continues the caller's traceparent, and the handler's logs and calls carry the request span", async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const res = await fetch(`${url}/probe?x=1`, { headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` } });
    const body = (await res.json()) as { log: { trace_id: string; span_id: string }; outgoing: { traceparent: string } };
    const span = exporter.getFinishedSpans().find((s) => s.name === 'GET /probe');
    expect(span?.instrumentationScope.name).toBe('payment');
    expect(span?.spanContext().traceId).toBe(callerTrace);
    expect(span?.parentSpanContext?.spanId).toBe(callerSpan);
    expect(span?.attributes['http.response.status_code']).toBe(200);
    expect(body.log).toEqual({ trace_id: callerTrace, span_id: span?.spanContext().spanId });
    expect(body.outgoing.traceparent).toBe(`00-${callerTrace}-${span?.spanContext().spanId}-01`);
  });

  it('starts a new trace for a request without traceparent, and logs nothing outside a span', async () => {
    exporter.reset();
    await (await fetch(`${url}/probe`)).json();
    const span = exporter.getFinishedSpans().find((s) => s.name === 'GET /probe');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(traceIdsForLog()).toEqual({});
  });
});
