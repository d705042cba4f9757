import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboardQueries, exposedSamples, labelUsesOf, metricNamesOf, MONITORING_DIR, monitoringQueries, ruleQueries } from './monitoring';

describe('metric names a monitoring query reads', () => {
  it('are the vector selectors of the expression: not functions, label names, label values or grouping labels', () => {
    const expr =
      'sum by (service) (rate(graphql_operation_errors_total{code="INTERNAL_SERVER_ERROR"}[5m])) / on (service) sum by (service) (rate(graphql_operation_duration_seconds_count[5m])) > 0.05';
    expect(metricNamesOf(expr).sort()).toEqual(['graphql_operation_duration_seconds_count', 'graphql_operation_errors_total']);
    expect(metricNamesOf('histogram_quantile(0.95, sum by (le) (rate(events_handling_lag_seconds_bucket[$__rate_interval])))')).toEqual(['events_handling_lag_seconds_bucket']);
    expect(metricNamesOf('max(payment_circuit_breaker_state) >= 2')).toEqual(['payment_circuit_breaker_state']);
  });

  it('refuse an expression that is not PromQL', () => {
    expect(() => metricNamesOf('sum by (service (rate(x[5m]))')).toThrow(/not PromQL/);
  });

  it('come from every rule and every panel target, nested rows included', () => {
    const rules = ruleQueries('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n      - record: r:x\n        expr: sum(x)\n');
    expect(rules).toEqual([
      { where: 'rule A', expr: 'up == 0' },
      { where: 'rule r:x', expr: 'sum(x)' },
    ]);
    const panels = dashboardQueries('d.json', {
      panels: [
        { title: 'row', panels: [{ title: 'p', targets: [{ expr: 'a' }, { expr: '' }] }] },
        { title: 'q', targets: [{ expr: 'b' }] },
      ],
    });
    expect(panels).toEqual([
      { where: 'd.json: p', expr: 'a' },
      { where: 'd.json: q', expr: 'b' },
    ]);
  });

  it('of the checked-in rules and dashboards all parse, and every alert is among them', () => {
    const queries = monitoringQueries();
    for (const q of queries) expect(() => metricNamesOf(q.expr), q.where).not.toThrow();
    expect(queries.filter((q) => q.where.startsWith('rule ')).map((q) => q.where)).toEqual(
      expect.arrayContaining([
        'rule PaymentCircuitBreakerOpen',
        'rule ConsumerLagHigh',
        'rule OutboxEventsNotPublished',
        'rule GraphQLServerErrorRateHigh',
        'rule RentalDeadlinesOverdue',
      ]),
    );
  });
});

describe('labels a monitoring query relies on', () => {
  it('are the label matchers of a selector and the by-labels of an aggregation over the metrics it aggregates', () => {
    expect(
      labelUsesOf(
        'sum by (service) (rate(graphql_operation_errors_total{code="INTERNAL_SERVER_ERROR"}[5m])) / sum by (service) (rate(graphql_operation_duration_seconds_count[5m]))',
      ),
    ).toEqual([
      { labels: ['code'], metrics: ['graphql_operation_errors_total'] },
      { labels: ['service'], metrics: ['graphql_operation_errors_total'] },
      { labels: ['service'], metrics: ['graphql_operation_duration_seconds_count'] },
    ]);
    expect(labelUsesOf('sum by (group) (max by (group, topic, partition) (events_consumer_lag_messages)) > 1000')).toEqual([
      { labels: ['group'], metrics: ['events_consumer_lag_messages'] },
      { labels: ['group', 'topic', 'partition'], metrics: ['events_consumer_lag_messages'] },
    ]);
    expect(labelUsesOf('max(payment_circuit_breaker_state) >= 2')).toEqual([]);
    expect(labelUsesOf('sum without (instance) (up)')).toEqual([]);
  });
});

describe('samples of a /metrics page', () => {
  it('are its sample lines by name, histogram series by their suffixed names, with the label names they carry; comments skipped', () => {
    const page = [
      '# HELP outbox_unpublished_events Outbox rows',
      '# TYPE outbox_unpublished_events gauge',
      'outbox_unpublished_events{context="rental"} 3',
      'up 1',
      'graphql_operation_duration_seconds_bucket{le="0.005",service="rental",operation="RentBook"} 1',
      'graphql_operation_duration_seconds_count{service="rental",operation="Rent, {x}"} 1',
      '',
    ].join('\n');
    const samples = exposedSamples(page);
    expect(Object.fromEntries([...samples].map(([name, labels]) => [name, [...labels].sort()]))).toEqual({
      outbox_unpublished_events: ['context'],
      up: [],
      graphql_operation_duration_seconds_bucket: ['le', 'operation', 'service'],
      graphql_operation_duration_seconds_count: ['operation', 'service'],
    });
  });
});

describe('the Grafana dashboards of k8s/monitoring', () => {
  const dashboards = readdirSync(`${MONITORING_DIR}dashboards`)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(`${MONITORING_DIR}dashboards/${f}`, 'utf8')) as Record<string, any> }));

  it('exist, each with its own uid, unique panel ids and every query on the dashboard’s Prometheus data source variable', () => {
    expect(dashboards.length).toBeGreaterThan(0);
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { file, json } of dashboards) {
      const panels = (json.panels as any[]).flatMap((p) => [p, ...(p.panels ?? [])]);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      expect(
        json.templating.list.map((v: { name: string; type: string }) => `${v.type}:${v.name}`),
        file,
      ).toContain('datasource:datasource');
      for (const p of panels.filter((q) => q.type !== 'row')) {
        expect(p.datasource, `${file}: ${p.title}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets.length, `${file}: ${p.title}`).toBeGreaterThan(0);
      }
    }
  });
});
