/**
 * The monitoring code of `k8s/monitoring/` as tests read it: the PromQL expressions of the alert
 * rules and of the Grafana dashboards, the metric names they query (parsed with Prometheus' own
 * PromQL grammar, `@prometheus-io/lezer-promql`), and the sample names a `/metrics` page exposes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';

/** `k8s/monitoring/` of the repository. */
export const MONITORING_DIR = fileURLToPath(new URL('../../k8s/monitoring/', import.meta.url));

/** A PromQL expression and where it comes from (`rule <alert>` or `<dashboard file>: <panel title>`). */
export interface QuerySource {
  where: string;
  expr: string;
}

/** Grafana's interval variables, replaced by a duration so the expression parses as PromQL. */
const GRAFANA_INTERVALS = /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g;

/**
 * Names of the metrics `expr` selects (the name of every vector selector, e.g.
 * `graphql_operation_duration_seconds_bucket`), Grafana's `$__rate_interval` allowed.
 * @throws Error when `expr` is not valid PromQL (naming the first unparsable position).
 */
export function metricNamesOf(expr: string): string[] {
  const text = expr.replace(GRAFANA_INTERVALS, '5m');
  const names = new Set<string>();
  const tree = parser.parse(text);
  tree.iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`not PromQL at ${node.from}: ${text.slice(Math.max(0, node.from - 20), node.from + 20)}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.add(text.slice(node.from, node.to));
    },
  });
  return [...names];
}

/** Every alerting or recording rule's expression of a Prometheus rule file's text. */
export function ruleQueries(rulesYaml: string): QuerySource[] {
  const doc = parse(rulesYaml) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })));
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every panel target's expression of a Grafana dashboard (rows' nested panels included). */
export function dashboardQueries(file: string, dashboard: { panels?: Panel[] }): QuerySource[] {
  const walk = (panels: Panel[] = []): QuerySource[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).filter((t) => typeof t.expr === 'string' && t.expr !== '').map((t) => ({ where: `${file}: ${p.title ?? '?'}`, expr: t.expr! })),
      ...walk(p.panels),
    ]);
  return walk(dashboard.panels);
}

/** The queries of `k8s/monitoring/`: every rule file in `rules/` (not the promtool tests) and every dashboard in `dashboards/`. */
export function monitoringQueries(dir = MONITORING_DIR): QuerySource[] {
  const rules = readdirSync(`${dir}/rules`).filter((f) => f.endsWith('.rules.yaml'));
  const dashboards = readdirSync(`${dir}/dashboards`).filter((f) => f.endsWith('.json'));
  return [
    ...rules.flatMap((f) => ruleQueries(readFileSync(`${dir}/rules/${f}`, 'utf8'))),
    ...dashboards.flatMap((f) => dashboardQueries(f, JSON.parse(readFileSync(`${dir}/dashboards/${f}`, 'utf8')) as { panels?: Panel[] })),
  ];
}

/** Names of the samples of a Prometheus text exposition (`/metrics`): histogram `_bucket`, `_sum`, `_count` lines by their own names. */
export function exposedSampleNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}
