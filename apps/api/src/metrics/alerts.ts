import type { AlertsOutcome } from '@statuspage/core';
import { Counter, type Registry } from 'prom-client';

/** What the integration endpoints count: alerts received, applied and ignored (by reason), per integration. */
export interface AlertMetrics {
  /** Counts a committed payload's alerts. */
  record(outcome: AlertsOutcome): void;
  /** Adds the counters to a registry (the api's, at start). */
  register(registry: Registry): void;
}

/** The counters of incoming alerts; label values stay bounded (integration ids, a fixed list of reasons). */
export function createAlertMetrics(): AlertMetrics {
  const received = new Counter({
    name: 'statuspage_alerts_received_total',
    help: 'Alerts received by the integration endpoints (committed payloads), by integration.',
    labelNames: ['integration'] as const,
    registers: [],
  });
  const applied = new Counter({
    name: 'statuspage_alerts_applied_total',
    help: 'Received alerts that were new or changed and moved a service status or an incident, by integration.',
    labelNames: ['integration'] as const,
    registers: [],
  });
  const ignored = new Counter({
    name: 'statuspage_alerts_ignored_total',
    help: 'Received alerts that moved nothing, by integration and reason (duplicate, no_service_label, unknown_service, status_held).',
    labelNames: ['integration', 'reason'] as const,
    registers: [],
  });
  return {
    record(outcome) {
      const integration = outcome.integration_id;
      received.inc({ integration }, outcome.received);
      if (outcome.applied > 0) applied.inc({ integration }, outcome.applied);
      for (const [reason, count] of Object.entries(outcome.ignored)) {
        if (count > 0) ignored.inc({ integration, reason }, count);
      }
    },
    register(registry) {
      for (const counter of [received, applied, ignored]) registry.registerMetric(counter);
    },
  };
}
