import { type ChannelType, channelTypes } from '@statuspage/contracts';
import type { DbClient } from '@statuspage/db';
import { registerDatabaseMetrics } from '@statuspage/db/metrics';
import type { Queue } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MaintenanceMetrics } from './maintenance/metrics';

/** What the delivery processor reports (deliver.ts): one call per final outcome. */
export interface DeliveryObserver {
  sent(channelType: ChannelType, kind: string, messageCreatedAt: Date): void;
  failed(channelType: ChannelType, kind: string): void;
}

/** The job states exposed as queue depth (failed has its own gauge). */
const depthStates = ['waiting', 'active', 'delayed'] as const;

/**
 * The worker's Prometheus registry: default process metrics, deliveries,
 * queue depths (read with getJobCounts at each scrape), outbox backlog,
 * scheduled-maintenance counters and the DB pool. Sources that exist only once
 * the worker has started are attached later.
 */
export function createWorkerMetrics(maintenance: MaintenanceMetrics) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources: { db?: DbClient; queues?: Queue[] } = {};

  const sent = new Counter({
    name: 'notifications_sent_total',
    help: 'Notifications delivered, by channel type and message kind.',
    labelNames: ['channel_type', 'kind'] as const,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'notifications_failed_total',
    help: 'Notifications that failed for good (last attempt or permanent refusal), by channel type and message kind.',
    labelNames: ['channel_type', 'kind'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'notification_delivery_latency_seconds',
    help: 'Time from the creation of a message (the event update) to its delivery, by channel type.',
    labelNames: ['channel_type'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600],
    registers: [registry],
  });
  for (const type of channelTypes) latency.zero({ channel_type: type });
  const completed = new Counter({
    name: 'queue_jobs_completed_total',
    help: 'Jobs this worker completed, by queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
  });

  const conflicts = new Counter({
    name: 'queue_job_id_conflicts_total',
    help: 'Jobs whose id Redis already held for another row (keys left by another database): not counted as dispatched, given new ids. Any is a misconfiguration to look into.',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  const repaired = new Counter({
    name: 'repair_recreated_total',
    help: 'Work whose job Redis had lost, recreated from PostgreSQL by the repair: outbox rows relayed again, pending deliveries queued again.',
    labelNames: ['what'] as const,
    registers: [registry],
  });
  for (const what of ['outbox', 'delivery']) repaired.inc({ what }, 0);

  const counts = () =>
    Promise.all(
      (sources.queues ?? []).map(async (queue) => ({
        queue: queue.name,
        counts: await queue.getJobCounts(...depthStates, 'failed'),
      })),
    );
  let pendingCounts: ReturnType<typeof counts> | undefined;
  const readCounts = () => {
    pendingCounts ??= counts().finally(() => {
      pendingCounts = undefined;
    });
    return pendingCounts;
  };
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per BullMQ queue by state (waiting, active, delayed).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, counts: c } of await readCounts()) {
        for (const state of depthStates) this.set({ queue, state }, c[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'queue_failed_jobs',
    help: 'Failed jobs kept per BullMQ queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, counts: c } of await readCounts()) this.set({ queue }, c.failed ?? 0);
    },
  });

  // The maintenance registry keeps its own counts; these mirror them at each scrape.
  new Counter({
    name: 'maintenance_transitions_total',
    help: 'Scheduled-maintenance transitions by kind (start, complete) and source (automatic, reconciled).',
    labelNames: ['kind', 'source'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { kind, source, count } of maintenance.snapshot().transitions) this.inc({ kind, source }, count);
    },
  });
  new Counter({
    name: 'maintenance_reminders_total',
    help: 'Scheduled-maintenance reminders queued.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(maintenance.snapshot().reminders);
    },
  });
  new Counter({
    name: 'maintenance_transition_lag_seconds_sum',
    help: 'Sum of the delays between scheduled and actual transition times, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, lag] of Object.entries(maintenance.snapshot().lag)) this.inc({ kind }, lag.sumMs / 1000);
    },
  });
  new Counter({
    name: 'maintenance_transition_lag_seconds_count',
    help: 'Transitions whose lag is summed in maintenance_transition_lag_seconds_sum, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, lag] of Object.entries(maintenance.snapshot().lag)) this.inc({ kind }, lag.count);
    },
  });
  new Gauge({
    name: 'maintenance_transition_lag_max_seconds',
    help: 'Largest delay between a scheduled and an actual transition since the worker started, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, lag] of Object.entries(maintenance.snapshot().lag)) this.set({ kind }, lag.maxMs / 1000);
    },
  });

  const observer: DeliveryObserver = {
    sent(channelType, kind, messageCreatedAt) {
      sent.inc({ channel_type: channelType, kind });
      latency.observe({ channel_type: channelType }, Math.max(0, (Date.now() - messageCreatedAt.getTime()) / 1000));
    },
    failed(channelType, kind) {
      failed.inc({ channel_type: channelType, kind });
    },
  };
  return {
    registry,
    delivery: observer,
    /** What the relay, the fan-out and the repair report. */
    jobs: {
      jobIdConflicts(queue: string, count: number) {
        conflicts.inc({ queue }, count);
      },
      repaired(what: 'outbox' | 'delivery', count: number) {
        repaired.inc({ what }, count);
      },
    },
    /** Counts a completed job of a queue (worker 'completed' listeners). */
    completed(queue: string) {
      completed.inc({ queue });
    },
    /** Attaches the database and queues once the worker has them. */
    attach(attached: { db: DbClient; queues: Queue[] }) {
      if (!sources.db) registerDatabaseMetrics(registry, attached.db);
      sources.db = attached.db;
      sources.queues = attached.queues;
    },
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
