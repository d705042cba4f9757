import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROMETHEUS_RULE_FILE, RULES_FILE, renderPrometheusRule } from '../scripts/monitoring-rules';
import { MONITORING_DIR } from './support/monitoring';

const RULES_DIR = `${MONITORING_DIR}rules`;
let promtool = '';

/** Runs promtool in the rules directory. @returns its output; @throws with the output when it fails. */
function runPromtool(...args: string[]): string {
  try {
    return execFileSync(promtool, args, { cwd: RULES_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

beforeAll(() => {
  // The path of a working promtool (on PATH, or Debian's extracted into .cache/bin/).
  promtool = execFileSync('bash', [`${MONITORING_DIR}install-promtool.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}, 120_000);

describe('alert rules of k8s/monitoring', () => {
  it('pass promtool check rules', () => {
    expect(runPromtool('check', 'rules', 'ebook-rental.rules.yaml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests, which make every alert fire at least once and stay silent at least once', () => {
    expect(runPromtool('test', 'rules', 'ebook-rental.rules.test.yaml')).toContain('SUCCESS');
    const alerts = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { alert?: string }[] }[] }).groups.flatMap((g) =>
      g.rules.flatMap((r) => (r.alert ? [r.alert] : [])),
    );
    const cases = (
      parse(readFileSync(`${RULES_DIR}/ebook-rental.rules.test.yaml`, 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      expect(
        cases.some((c) => c.alertname === alert && (c.exp_alerts ?? []).length > 0),
        `${alert} fires in a test`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alertname === alert && (c.exp_alerts ?? []).length === 0),
        `${alert} stays silent in a test`,
      ).toBe(true);
    }
  });

  it('are what the checked-in PrometheusRule carries (pnpm monitoring:rules renders it)', () => {
    expect(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(renderPrometheusRule(readFileSync(RULES_FILE, 'utf8')));
  });
});
