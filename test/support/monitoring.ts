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

/** A node of a parsed PromQL expression (lezer's `SyntaxNode`). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Labels a query relies on: each of `labels` must be carried by at least one of `metrics`. */
export interface LabelUse {
  labels: string[];
  metrics: string[];
}

/** The nodes named `name` below `node` (itself included), in document order. */
function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const cursor = node.cursor();
  const end = node.to;
  do {
    if (cursor.from > end) break;
    if (cursor.name === name && cursor.from >= node.from && cursor.to <= end) found.push(cursor.node);
  } while (cursor.next());
  return found;
}

/**
 * The labels `expr` relies on: a selector's label matchers (`x{code="…"}` needs `code` on `x`)
 * and an aggregation's `by (…)` labels (`sum by (service) (rate(x[5m]))` needs `service` on a
 * metric it aggregates). `without (…)` and `on (…)` / `ignoring (…)` are not checked.
 * @throws Error when `expr` is not valid PromQL.
 */
export function labelUsesOf(expr: string): LabelUse[] {
  metricNamesOf(expr); // validates
  const text = expr.replace(GRAFANA_INTERVALS, '5m');
  const top = parser.parse(text).topNode;
  const names = (n: SyntaxNode, kind: string) => descendants(n, kind).map((l) => text.slice(l.from, l.to));
  const selectorName = (sel: SyntaxNode) => {
    const id = sel.getChild('Identifier');
    return id ? text.slice(id.from, id.to) : undefined;
  };
  const uses: LabelUse[] = [];
  for (const sel of descendants(top, 'VectorSelector')) {
    const metric = selectorName(sel);
    const matchers = sel.getChild('LabelMatchers');
    const labels = matchers ? names(matchers, 'LabelName').filter((l) => l !== '__name__') : [];
    if (metric && labels.length > 0) uses.push({ labels, metrics: [metric] });
  }
  for (const agg of descendants(top, 'AggregateExpr')) {
    const modifier = agg.getChild('AggregateModifier');
    const body = agg.getChild('FunctionCallBody');
    if (!modifier?.getChild('By') || !body) continue;
    const metrics = descendants(body, 'VectorSelector').flatMap((sel) => selectorName(sel) ?? []);
    uses.push({ labels: names(modifier, 'LabelName'), metrics });
  }
  return uses;
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

/**
 * The samples of a Prometheus text exposition (`/metrics`): sample name (histogram `_bucket`,
 * `_sum`, `_count` lines by their own names) → the label names its series carry.
 */
export function exposedSamples(exposition: string): Map<string, Set<string>> {
  const samples = new Map<string, Set<string>>();
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!m) continue;
    const labels = samples.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(l[1]!);
    samples.set(m[1]!, labels);
  }
  return samples;
}
