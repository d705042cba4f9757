import { afterAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { startTracing, stopTracing } from './tracing';

describe('tracing resource', () => {
  afterAll(async () => {
    await stopTracing();
    delete process.env.OTEL_RESOURCE_ATTRIBUTES;
  });

  it('labels every span with OTEL_RESOURCE_ATTRIBUTES and the service name (OTEL_SERVICE_NAME over the default)', () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=staging,service.namespace=ebook-rental';
    const exporter = new InMemorySpanExporter();
    startTracing('rental', { exporter, env: { OTEL_SERVICE_NAME: 'rental-canary' } });
    trace.getTracer('test').startSpan('probe').end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.resource.attributes).toMatchObject({ 'service.name': 'rental-canary', 'deployment.environment.name': 'staging', 'service.namespace': 'ebook-rental' });
  });
});
