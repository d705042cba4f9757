import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = register.getSingleMetric(name);
  return (existing as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  const existing = register.getSingleMetric(name);
  return (existing as Histogram<string> | undefined) ?? new Histogram({ name, help, labelNames, buckets });
}

/** prom-client metrics of the event flow (default registry, served on each subgraph's `/metrics`). */
export const eventMetrics = {
  published: counter('outbox_events_published_total', 'Outbox events published to the bus', ['context']),
  publishFailures: counter('outbox_publish_failures_total', 'Failed outbox publish attempts', ['context']),
  handled: counter('events_handled_total', 'Events handled by a consumer (first delivery)', ['group', 'type']),
  duplicates: counter('events_duplicates_skipped_total', 'Redelivered events skipped by the inbox', ['group', 'type']),
  deadLettered: counter('events_dead_lettered_total', 'Events sent to a dead-letter topic', ['group', 'topic']),
  /**
   * Seconds from an event's `occurredAt` to the commit of its handler's transaction, per consumer
   * group — for a projection (`rental-view.projection`) the view write, for notification the
   * delivery row. Includes outbox relay delay, broker time and retries.
   */
  handlingLag: histogram(
    'events_handling_lag_seconds',
    'Seconds from a domain event occurredAt to the commit of its handler transaction (for a projection: the view write)',
    ['group'],
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  ),
};

/**
 * Exports the event counters of a context's outbox (`context`) and of a consumer group (`group`,
 * the event `types` it handles, the `topics` it reads) at 0 before their first event, so a
 * dashboard or an alert taking `rate()` sees the series from the start rather than a gap.
 */
export function zeroEventCounters(of: { context: string } | { group: string; types: string[]; topics: string[] }): void {
  if ('context' in of) {
    eventMetrics.published.inc({ context: of.context }, 0);
    eventMetrics.publishFailures.inc({ context: of.context }, 0);
    return;
  }
  for (const type of of.types) {
    eventMetrics.handled.inc({ group: of.group, type }, 0);
    eventMetrics.duplicates.inc({ group: of.group, type }, 0);
  }
  for (const topic of of.topics) eventMetrics.deadLettered.inc({ group: of.group, topic }, 0);
}

/** One labelled value of a {@link ScrapedGauge}. */
export interface GaugeSample {
  labels: Record<string, string | number>;
  value: number;
}

/** What a {@link ScrapedGauge} asks at scrape time: the current samples of one source (a context, a pool, a bus). */
export type GaugeProbe = () => GaugeSample[] | Promise<GaugeSample[]>;

/** Longest a probe may take before a scrape leaves its samples out, ms. */
const PROBE_TIMEOUT_MS = 5_000;

// Symbol.for: a second copy of this module (src and dist in one process) finds the first one's probes.
const PROBES = Symbol.for('ebook.scrapedGauge.probes');
type ProbedGauge = Gauge<string> & { [PROBES]?: Set<GaugeProbe> };

/**
 * A prom-client gauge (default registry) whose values are computed when Prometheus scrapes
 * `/metrics`: its `collect()` runs every watched probe (several sources may share one process —
 * every context of the in-process stack, say) and exposes what they return. A probe that throws
 * or takes over 5 s is left out of that scrape (the series disappear rather than go stale), so
 * the hot paths measured never pay for the metric.
 */
export class ScrapedGauge {
  private readonly probes: Set<GaugeProbe>;

  /** @param name Prometheus metric name (with its unit); @param labelNames bounded label names. */
  constructor(name: string, help: string, labelNames: string[]) {
    const existing = register.getSingleMetric(name) as ProbedGauge | undefined;
    if (existing?.[PROBES]) {
      this.probes = existing[PROBES];
      return;
    }
    const probes = new Set<GaugeProbe>();
    this.probes = probes;
    const gauge: ProbedGauge = new Gauge({
      name,
      help,
      labelNames,
      async collect() {
        const results = await Promise.allSettled([...probes].map((p) => withTimeout(Promise.resolve().then(p), PROBE_TIMEOUT_MS)));
        this.reset();
        for (const r of results) {
          if (r.status === 'fulfilled') for (const s of r.value) this.set(s.labels, s.value);
        }
      },
    });
    gauge[PROBES] = probes;
  }

  /** Adds a source. @returns a function that removes it (call it before closing what the probe reads). */
  watch(probe: GaugeProbe): () => void {
    this.probes.add(probe);
    return () => {
      this.probes.delete(probe);
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`probe took over ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * `fn` with its result kept for `ttlMs` (a failure is not kept): two gauges fed by one query, or
 * an expensive probe (Kafka offsets) scraped by several Prometheus replicas, ask once per period.
 */
export function cachedFor<T>(ttlMs: number, fn: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (cached && t - cached.at < ttlMs) return cached.value;
    const value = fn();
    const entry = { at: t, value };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
