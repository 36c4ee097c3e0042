/** How a transition came about: its delayed job, or the reconciliation of a missed one. */
export type TransitionSource = 'automatic' | 'reconciled';
export type TransitionKind = 'start' | 'complete';

export interface LagSummary {
  count: number;
  sumMs: number;
  maxMs: number;
}

/**
 * In-process counters of scheduled-maintenance work, for the metrics
 * endpoint to read: transitions by kind and source, reminders queued, and the
 * lag between a transition's scheduled time and when it happened.
 */
export function createMaintenanceMetrics() {
  const transitions = new Map<string, number>();
  const lag = new Map<TransitionKind, LagSummary>();
  let reminders = 0;
  return {
    transition(kind: TransitionKind, source: TransitionSource, lagMs: number) {
      const key = `${kind}|${source}`;
      transitions.set(key, (transitions.get(key) ?? 0) + 1);
      const summary = lag.get(kind) ?? { count: 0, sumMs: 0, maxMs: 0 };
      const value = Math.max(0, lagMs);
      lag.set(kind, { count: summary.count + 1, sumMs: summary.sumMs + value, maxMs: Math.max(summary.maxMs, value) });
    },
    reminder() {
      reminders += 1;
    },
    /** A copy of the counters now. */
    snapshot() {
      return {
        transitions: [...transitions].map(([key, count]) => {
          const [kind, source] = key.split('|') as [TransitionKind, TransitionSource];
          return { kind, source, count };
        }),
        lag: Object.fromEntries(lag) as Partial<Record<TransitionKind, LagSummary>>,
        reminders,
      };
    },
  };
}
export type MaintenanceMetrics = ReturnType<typeof createMaintenanceMetrics>;
