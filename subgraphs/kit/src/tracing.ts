import type { NextFunction, Request, Response } from 'express';
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

/** The provider {@link startTracing} registered in this process, if any. */
let provider: NodeTracerProvider | undefined;

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** Exports every span at once to this exporter (tests: sdk-trace-base's `InMemorySpanExporter`), in place of OTLP. */
  exporter?: SpanExporter;
  env?: NodeJS.ProcessEnv;
}

/**
 * Sets up OpenTelemetry tracing of this process once (later calls return the first setup): a
 * `NodeTracerProvider` (AsyncLocalStorage context, W3C Trace Context + Baggage propagation)
 * whose resource's `service.name` is `OTEL_SERVICE_NAME`, else `service`, with the attributes of
 * `OTEL_RESOURCE_ATTRIBUTES` (`key=value,...`, read from `process.env` by the SDK's `envDetector`;
 * e.g. `deployment.environment.name=production`). The sampler is the SDK's, from
 * `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (default `parentbased_always_on`). Spans are exported
 * by OTLP/HTTP (protobuf-free JSON) in batches when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set — the exporter reads the endpoint, headers
 * and timeout from the standard `OTEL_EXPORTER_OTLP_*` variables —, to `opts.exporter` when
 * given, and nowhere otherwise: spans are still created (trace ids reach logs and message
 * headers) but nothing is sent or printed. `OTEL_SDK_DISABLED=true` registers nothing.
 * @returns the provider, or undefined when disabled.
 */
export function startTracing(service: string, opts: TracingOptions = {}): NodeTracerProvider | undefined {
  if (provider) return provider;
  const env = opts.env ?? process.env;
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const spanProcessors: SpanProcessor[] = [];
  if (opts.exporter) spanProcessors.push(new SimpleSpanProcessor(opts.exporter));
  else if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || service }));
  provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register();
  return provider;
}

/** Flushes and stops the tracing of {@link startTracing} (at shutdown); a no-op when none was started. */
export async function stopTracing(): Promise<void> {
  const p = provider;
  provider = undefined;
  if (!p) return;
  await p.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

/** The active span's ids for log lines (`trace_id`, `span_id`), or nothing outside a sampled span. */
export function traceIdsForLog(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  const ctx = span?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/**
 * Express middleware: one SERVER span `<method> <path>` per HTTP request, child of the W3C
 * `traceparent` the caller sent (the gateway, rental's payment call), active while the request
 * is handled — so the handler's outgoing calls, logs and outbox rows continue the trace. The
 * span's tracer (instrumentation scope) is `service`; it ends when the response finishes, with
 * `http.response.status_code` and an error status on 5xx.
 */
export function traceHttpRequests(service: string) {
  const tracer = trace.getTracer(service);
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = propagation.extract(context.active(), req.headers);
    const path = req.originalUrl.split('?')[0] ?? '/';
    const span = tracer.startSpan(
      `${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path, 'ebook.service': service } },
      parent,
    );
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
