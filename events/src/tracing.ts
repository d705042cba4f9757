import { context, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';

/**
 * Trace context across the outbox and Kafka, on the OpenTelemetry API only (the SDK and its
 * exporter are set up once per process by the kit's `startTracing`; without it every call
 * here is a no-op). The W3C Trace Context encoding is the globally registered propagator's.
 *
 * The hop: `appendToOutbox` keeps the producing request's context in the envelope's optional
 * `traceparent` (a W3C `traceparent` string); the relay starts a PRODUCER span as its child and
 * sends that span's context in the message headers (`traceparent`, `tracestate`); the consumer
 * starts its CONSUMER span as a child of the context in the headers — never of the envelope's,
 * so a consumer in another process sees the same trace only through the broker.
 */

/** Name of the tracer (instrumentation scope) of the events library's spans. */
export const EVENTS_TRACER = '@ebook/events';

/** The active context's W3C `traceparent`, or undefined when no sampled span is active. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The trace context carried by `headers` (`traceparent` / `tracestate`); the root context when none. */
export function contextFromHeaders(headers: Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Adds the W3C trace headers of context `ctx` (default: the active one) to `headers`; returns `headers`. */
export function injectTraceHeaders<T extends Record<string, string>>(headers: T, ctx: Context = context.active()): T {
  propagation.inject(ctx, headers);
  return headers;
}

/**
 * Runs `fn` inside a new span of kind `kind` (child of `parent`, default the active context),
 * active while `fn` runs; ends it when `fn` settles, recording a thrown error (rethrown).
 */
export async function inSpan<T>(
  name: string,
  opts: { kind: SpanKind; parent?: Context; attributes?: Record<string, string | number>; tracer?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = trace.getTracer(opts.tracer ?? EVENTS_TRACER).startSpan(name, { kind: opts.kind, ...(opts.attributes ? { attributes: opts.attributes } : {}) }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

export { SpanKind };
