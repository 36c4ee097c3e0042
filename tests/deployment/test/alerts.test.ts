import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiMetrics } from '@statuspage/api/metrics';
import type { DbClient } from '@statuspage/db';
import { createMaintenanceMetrics } from '@statuspage/worker/maintenance/metrics';
import { createWorkerMetrics } from '@statuspage/worker/metrics';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The public cache the api's metrics read at scrape time (never here: nothing is scraped). */
type PublicCache = Parameters<typeof createApiMetrics>[0]['publicCache'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rulesFile = path.join(root, 'deployments', 'prometheus', 'alerts.yaml');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every series name the two processes can expose (histograms with their suffixes). */
function exposedNames(...registries: Registry[]) {
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** PromQL functions and label names used in the rules (everything else with an underscore is a metric). */
const notMetrics = new Set(['histogram_quantile', 'clamp_min', 'channel_type']);

describe('deployment prometheus alerts', () => {
  const document = parse(readFileSync(rulesFile, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
  const rules = document.groups.flatMap((group) => group.rules);

  it('is a rule file: named groups of alerting rules with an expression, a duration, a severity and a summary', () => {
    expect(Object.keys(document)).toEqual(['groups']);
    expect(document.groups.length).toBeGreaterThan(0);
    for (const group of document.groups) {
      expect(group.name).toMatch(/^[\w-]+$/);
      expect(group.rules.length).toBeGreaterThan(0);
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^[A-Za-z]\w*$/);
      expect(rule.expr.trim().length).toBeGreaterThan(0);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
    }
  });

  it('alerts on error rate, latency, outbox age, failed deliveries, stuck queues and scheduler lag', () => {
    const uses = (metric: string) => rules.some((rule) => rule.expr.includes(metric));
    expect(rules.some((rule) => rule.expr.includes('http_requests_total{status=~"5.."}'))).toBe(true);
    expect(
      rules.some((rule) => /histogram_quantile\(0\.95,[\s\S]*http_request_duration_seconds_bucket/.test(rule.expr)),
    ).toBe(true);
    expect(uses('outbox_oldest_undispatched_age_seconds')).toBe(true);
    expect(uses('notifications_failed_total')).toBe(true);
    expect(uses('queue_jobs{state="waiting"}') && uses('queue_jobs_completed_total')).toBe(true);
    expect(uses('maintenance_transition_lag_seconds_sum')).toBe(true);
  });

  it('uses only metrics the api and the worker expose', () => {
    // Registration only: nothing is scraped, so the database is never asked.
    const db = { db: {}, driver: 'postgres', poolStats: async () => undefined } as unknown as DbClient;
    const api = createApiMetrics({ db, publicCache: {} as PublicCache, resolveRoute: () => 'unmatched' });
    const worker = createWorkerMetrics(createMaintenanceMetrics());
    worker.attach({ db, queues: [] });
    const known = exposedNames(api.registry, worker.registry);
    for (const rule of rules) {
      // Label values ("in_use", "5..") are strings, not metrics.
      const metrics = (rule.expr.replace(/"[^"]*"/g, '""').match(/[a-z_][a-z0-9_]*/g) ?? []).filter(
        (token) => token.includes('_') && !notMetrics.has(token),
      );
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      for (const metric of metrics) expect(known, `${rule.alert}: ${metric}`).toContain(metric);
    }
  });
});
