import { type MaintenanceJob, maintenanceJobId, type PublicCacheInvalidation } from '@statuspage/contracts';
import type { EventsCore } from '@statuspage/core';
import type { RedisClient } from '@statuspage/platform';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { MaintenanceMetrics, TransitionKind, TransitionSource } from './metrics';

type EventRow = NonNullable<Awaited<ReturnType<EventsCore['findRow']>>>;
type JobAction = 'start' | 'complete' | 'reminder';

export interface MaintenanceDeps {
  events: EventsCore;
  queue: Queue;
  redis: RedisClient;
  /** The api replicas' invalidation channel (PUBLIC_CACHE_CHANNEL). */
  cacheChannel: string;
  metrics: MaintenanceMetrics;
  /** Reminder lead in ms (0: none). */
  reminderLeadMs: number;
  now?: () => Date;
}

const transitions = {
  start: { from: 'scheduled', to: 'in_progress', verb: 'started' },
  complete: { from: 'in_progress', to: 'completed', verb: 'completed' },
} as const;

const jobPrefix = (eventId: string) => `maintenance-${eventId}-`;

/** Scheduled maintenance: delayed transition and reminder jobs, the transitions themselves, and reconciliation. */
export function createMaintenanceAutomation(deps: MaintenanceDeps) {
  const now = deps.now ?? (() => new Date());

  /** The jobs an event should have now, by job id. */
  function desiredJobs(event: EventRow | undefined) {
    const jobs = new Map<string, { action: JobAction; at: Date }>();
    if (event?.type !== 'maintenance') return jobs;
    const add = (action: JobAction, at: Date) => jobs.set(maintenanceJobId(event.id, action, at), { action, at });
    const start = event.scheduledStartAt;
    if (event.status === 'scheduled' && start) {
      add('start', start);
      const remindAt = new Date(start.getTime() - deps.reminderLeadMs);
      // Remind when the reminder time was still ahead when the window was (re)scheduled — decided
      // from the row, not from how late this worker runs; a late worker sends it at once, before the
      // start. A window scheduled inside the lead gets no reminder: its first announcement is recent.
      if (deps.reminderLeadMs > 0 && event.notifySubscribers && remindAt > event.updatedAt && start > now()) {
        jobs.set(maintenanceJobId(event.id, 'reminder', start), { action: 'reminder', at: remindAt });
      }
    }
    if ((event.status === 'scheduled' || event.status === 'in_progress') && event.scheduledEndAt) {
      add('complete', event.scheduledEndAt);
    }
    return jobs;
  }

  /** Makes the delayed jobs of one event what its row says: adds missing ones, removes pending ones it replaced. */
  async function syncJobs(eventId: string, event: EventRow | undefined, pending: Job[]) {
    const desired = desiredJobs(event);
    const prefix = jobPrefix(eventId);
    for (const job of pending) {
      if (job.id?.startsWith(prefix) && !desired.has(job.id)) await job.remove().catch(() => {});
    }
    for (const [jobId, { action, at }] of desired) {
      // The job's scheduled time is the transition's (for a reminder: the start it announces).
      const scheduledAt = action === 'reminder' ? (event?.scheduledStartAt as Date) : at;
      const data: MaintenanceJob = { action, event_id: eventId, scheduled_at: scheduledAt.toISOString() };
      await deps.queue.add(action, data, { jobId, delay: Math.max(0, at.getTime() - now().getTime()) });
    }
    return desired.size;
  }

  async function publishInvalidation(reason: string, eventId: string) {
    const message: PublicCacheInvalidation = { origin: 'worker', reason, event_id: eventId };
    await deps.redis.publish(deps.cacheChannel, JSON.stringify(message));
  }

  /** One conditional transition; true when this call made it. */
  async function transition(event: EventRow, kind: TransitionKind, source: TransitionSource, log: Logger) {
    const { from, to, verb } = transitions[kind];
    const at = now();
    const done = await deps.events.transitionIfStatus(
      event.id,
      from,
      to,
      `Maintenance ${verb} automatically at ${at.toISOString()}.`,
    );
    if (!done) return false;
    const scheduled = kind === 'start' ? event.scheduledStartAt : event.scheduledEndAt;
    deps.metrics.transition(kind, source, scheduled ? at.getTime() - scheduled.getTime() : 0);
    log.info({ eventId: event.id, kind, source }, `maintenance ${verb} automatically`);
    await publishInvalidation(`maintenance.${kind}`, event.id).catch((error) =>
      log.warn({ err: error }, 'could not publish the public cache invalidation'),
    );
    return true;
  }

  /**
   * Performs what is due of one maintenance, in order: the start (once its
   * time has come), then — when `complete` — the completion.
   */
  async function advance(eventId: string, complete: boolean, source: TransitionSource, log: Logger) {
    let event = await deps.events.findRow(eventId);
    if (!event) return;
    const start = event.scheduledStartAt;
    if (event.status === 'scheduled' && start && start <= now()) {
      await transition(event, 'start', source, log);
      event = await deps.events.findRow(eventId);
      if (!event) return;
    }
    if (complete && event.status === 'in_progress' && event.scheduledEndAt) {
      await transition(event, 'complete', source, log);
    }
  }

  /**
   * Maintenance whose start or end passed without its transition gets it
   * now (start before completion), and every open scheduled maintenance gets
   * its missing delayed jobs.
   */
  async function reconcile(log: Logger) {
    const [rows, pending] = await Promise.all([deps.events.listScheduledMaintenance(), deps.queue.getDelayed()]);
    const at = now();
    let performed = 0;
    for (const row of rows) {
      const startDue = row.status === 'scheduled' && row.scheduledStartAt !== null && row.scheduledStartAt <= at;
      const endDue = row.scheduledEndAt !== null && row.scheduledEndAt <= at;
      if (startDue || (row.status === 'in_progress' && endDue)) {
        await advance(row.id, endDue, 'reconciled', log);
        performed += 1;
      }
      await syncJobs(row.id, await deps.events.findRow(row.id), pending);
    }
    if (performed > 0) log.info({ performed }, 'maintenance reconciled');
    return performed;
  }

  return {
    /** A `maintenance.schedule` outbox message: the event's delayed jobs follow its row (none once it is gone). */
    async schedule(eventId: string, log: Logger) {
      const [event, pending] = await Promise.all([deps.events.findRow(eventId), deps.queue.getDelayed()]);
      const count = await syncJobs(eventId, event, pending);
      log.info({ eventId, jobs: count }, 'maintenance jobs scheduled');
      return count;
    },

    /** A delayed job: a job whose time no longer matches the event is stale (a rescheduling replaced it). */
    async run(job: MaintenanceJob, log: Logger) {
      if (job.action === 'reconcile' || !job.event_id || !job.scheduled_at) return reconcile(log);
      const event = await deps.events.findRow(job.event_id);
      const scheduledAt = new Date(job.scheduled_at).getTime();
      const current = job.action === 'complete' ? event?.scheduledEndAt : event?.scheduledStartAt;
      if (!event || current?.getTime() !== scheduledAt) {
        log.info({ eventId: job.event_id, action: job.action }, 'stale maintenance job skipped');
        return false;
      }
      if (job.action === 'reminder') {
        const when = new Date(scheduledAt).toISOString();
        const queued = await deps.events.remind(event.id, new Date(scheduledAt), `${event.title} starts at ${when}.`);
        if (queued) deps.metrics.reminder();
        return queued;
      }
      await advance(event.id, job.action === 'complete', 'automatic', log);
      return true;
    },

    reconcile,
  };
}
export type MaintenanceAutomation = ReturnType<typeof createMaintenanceAutomation>;
